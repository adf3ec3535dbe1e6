// SPDX-License-Identifier: Apache-2.0
// kiln-bench-frugal: what FRUGAL saves and costs against Adam on the same parameters.
//
// One program per variant updates the same set of weight matrices: kiln.adam (the fused
// Adam of kiln-bench-optimizers), kiln.frugal at density 0.25 with each projection (rows,
// columns, coordinates, svd; AdamW on the subspace, signSGD elsewhere), and one
// kiln.frugal_blocks over all the matrices (a quarter of them state-full at a time, in
// descending order). For each variant it reports
//   - the optimizer state per parameter from the runtime's accounting
//     (Function::stateAccount, from the inputs' roles in the compiled signature);
//   - the resident memory the state really occupies: the RSS of a process of its own before
//     and after allocating and touching the variant's state tensors (VmRSS);
//   - the step time (median of timed rounds, after a warm-up) and its ratio to Adam's.
// Nothing asserts on time; it fails only if a program does not compile or run.
#include "kiln/Tools/Driver.h"
#include "kiln/runtime/Module.h"
#include "kiln/runtime/Session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace kiln::rt;
using Clock = std::chrono::steady_clock;

namespace {

struct Shape {
  int64_t rows, cols;
};

struct Variant {
  std::string name, projection; // projection empty for Adam
};

std::string t(int64_t a, int64_t b, const char *e = "f32") {
  return "tensor<" + std::to_string(a) + "x" + std::to_string(b) + "x" + e + ">";
}
std::string t1(int64_t a, const char *e = "f32") {
  return "tensor<" + std::to_string(a) + "x" + e + ">";
}

/// The state tensors' shapes of one matrix under a variant: {m, v, subspace k}.
struct StateShape {
  std::string m, v, sub;
  int64_t elements, k;
};

StateShape stateOf(const Variant &v, const Shape &s) {
  if (v.projection.empty())
    return {t(s.rows, s.cols), t(s.rows, s.cols), "", 2 * s.rows * s.cols, 0};
  if (v.projection == "rows") {
    int64_t k = int64_t(s.rows * 0.25);
    return {t(k, s.cols), t(k, s.cols), t1(k, "i64"), 2 * k * s.cols, k};
  }
  if (v.projection == "columns") {
    int64_t k = int64_t(s.cols * 0.25);
    return {t(s.rows, k), t(s.rows, k), t1(k, "i64"), 2 * s.rows * k, k};
  }
  if (v.projection == "svd") {
    // The shorter side is projected: r = round(min * 0.25); the projector is the "subspace".
    if (s.rows >= s.cols) {
      int64_t r = int64_t(std::nearbyint(s.cols * 0.25));
      return {t(s.rows, r), t(s.rows, r), t(r, s.cols), 2 * s.rows * r, r};
    }
    int64_t r = int64_t(std::nearbyint(s.rows * 0.25));
    return {t(r, s.cols), t(r, s.cols), t(s.rows, r), 2 * r * s.cols, r};
  }
  int64_t k = int64_t(s.rows * s.cols * 0.25);
  return {t1(k), t1(k), t1(k, "i64"), 2 * k, k};
}

/// The pool of kiln.frugal_blocks in descending order: the largest window of k consecutive
/// tensors (cyclically) it visits, as its verifier computes it.
int64_t blocksPool(const std::vector<Shape> &shapes, int64_t k) {
  int64_t n = shapes.size(), best = 0, start = n - 1;
  for (int64_t visit = 0; visit < n; ++visit) {
    int64_t total = 0;
    for (int64_t j = 0; j < k; ++j) {
      const Shape &s = shapes[((start - j) % n + n) % n];
      total += s.rows * s.cols;
    }
    best = std::max(best, total);
    start = ((start - k) % n + n) % n;
  }
  return best;
}

std::string blocksProgram(const std::vector<Shape> &shapes) {
  int64_t n = shapes.size(), k = int64_t(std::nearbyint(n * 0.25));
  std::string pool = t1(blocksPool(shapes, k)), active = t1(k, "i64");
  std::string ps, gs, types, args;
  for (int64_t i = 0; i < n; ++i) {
    std::string c = i ? ", " : "", type = t(shapes[i].rows, shapes[i].cols);
    ps += c + "%p" + std::to_string(i), gs += c + "%g" + std::to_string(i), types += c + type;
    args += c + "%p" + std::to_string(i) + ": " + type + ", %g" + std::to_string(i) + ": " + type;
  }
  std::string results = "(" + types + "), " + pool + ", " + pool + ", " + active;
  return "func.func @step(" + args + ", %m: " + pool + ", %v: " + pool + ", %a: " + active +
         ", %n: tensor<i64>, %k: tensor<i64>) -> (" + types + ", " + pool + ", " + pool + ", " +
         active + ", tensor<i64>, tensor<i64>) {\n  %r:" + std::to_string(n + 5) +
         " = kiln.frugal_blocks (" + ps + ") grads(" + gs +
         ") state(%m, %v) active(%a) step(%n) key(%k) {lr = 1.0e-3 : f64, density = 0.25 : f64, "
         "update_gap = 200 : i64, block_order = \"descending\", state_full = \"adamw\", "
         "state_free = \"sign_sgd\"} : " + results + " grads(" + types + ")\n  return " + [&] {
           std::string r;
           for (int64_t i = 0; i < n + 5; ++i)
             r += (i ? ", %r#" : "%r#") + std::to_string(i);
           return r;
         }() + " : " + types + ", " + pool + ", " + pool + ", " + active +
         ", tensor<i64>, tensor<i64>\n}\n";
}

std::string program(const Variant &v, const std::vector<Shape> &shapes) {
  if (v.projection == "blocks")
    return blocksProgram(shapes);
  std::string args, rets, types, body;
  auto arg = [&](const std::string &name, const std::string &type) {
    args += (args.empty() ? "%" : ", %") + name + ": " + type;
  };
  auto ret = [&](const std::string &name, const std::string &type) {
    rets += (rets.empty() ? "%" : ", %") + name;
    types += (types.empty() ? "" : ", ") + type;
  };
  for (size_t i = 0; i < shapes.size(); ++i) {
    std::string n = std::to_string(i), p = t(shapes[i].rows, shapes[i].cols);
    StateShape st = stateOf(v, shapes[i]);
    arg("p" + n, p), arg("g" + n, p), arg("m" + n, st.m), arg("v" + n, st.v);
    if (v.projection.empty()) {
      body += "  %np" + n + ", %nm" + n + ", %nv" + n + " = kiln.adam %p" + n + ", %g" + n +
              ", %m" + n + ", %v" + n + " step(%t) {lr = 1.0e-3 : f64} : " + p + "\n";
    } else {
      arg("s" + n, st.sub), arg("n" + n, "tensor<i64>"), arg("k" + n, "tensor<i64>");
      body += "  %np" + n + ", %nm" + n + ", %nv" + n + ", %ns" + n + ", %nn" + n + ", %nk" + n +
              " = kiln.frugal %p" + n + ", %g" + n + ", %m" + n + ", %v" + n + " subspace(%s" +
              n + ") step(%n" + n + ") key(%k" + n +
              ") {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64, projection "
              "= \"" + v.projection + "\", state_full = \"adamw\", state_free = \"sign_sgd\"} : " +
              p + ", " + st.m + ", " + st.v + ", " + st.sub + "\n";
    }
    ret("np" + n, p), ret("nm" + n, st.m), ret("nv" + n, st.v);
    if (!v.projection.empty())
      ret("ns" + n, st.sub), ret("nn" + n, "tensor<i64>"), ret("nk" + n, "tensor<i64>");
  }
  if (v.projection.empty())
    arg("t", "tensor<i64>");
  return "func.func @step(" + args + ") -> (" + types + ") {\n" + body + "  return " + rets +
         " : " + types + "\n}\n";
}

int64_t rssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::atoll(line.c_str() + 6) * 1024;
  return 0;
}

struct Result {
  double seconds = 0, stateBytesPerParam = 0, rssPerParam = 0;
};

bool run(const Variant &v, const std::vector<Shape> &shapes, double budget, Result &out) {
  std::string dir = "/tmp/kiln-bench-frugal-" + std::to_string(getpid());
  std::string mlir = dir + "-" + v.name + ".mlir", so = dir + "-" + v.name + ".so";
  std::ofstream(mlir) << program(v, shapes);
  bool compiled = kiln::compileProgramFile(mlir, so, kiln::CompileOptions{});
  std::remove(mlir.c_str());
  if (!compiled)
    return false;
  auto runtime = Runtime::create();
  auto module = (*runtime)->loadModule(so);
  std::remove(so.c_str());
  std::remove((dir + "-" + v.name + ".h").c_str());
  if (!module.ok()) {
    std::fprintf(stderr, "%s\n", module.status().toString().c_str());
    return false;
  }
  const Function &fn = **module->lookup("step");
  StateAccount account = fn.stateAccount();
  out.stateBytesPerParam = account.stateBytesPerParameter();
  // Parameters and gradients first, then the state alone, so the RSS difference is the state.
  std::vector<Tensor> tensors(fn.inputs().size());
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  auto make = [&](size_t i) {
    const InputSpec &in = fn.inputs()[i];
    tensors[i] = *Tensor::allocate(in.dtype, in.shape);
    if (in.dtype == DType::F32) {
      float *d = tensors[i].data<float>();
      for (int64_t e = 0; e < tensors[i].numel(); ++e)
        d[e] = in.role == "optimizer_state" ? 0.0f : normal(rng);
    } else {
      int64_t *d = tensors[i].data<int64_t>();
      for (int64_t e = 0; e < tensors[i].numel(); ++e)
        d[e] = in.shape.empty() ? 0 : -1; // step and key 0, subspace "not yet drawn"
    }
  };
  for (size_t i = 0; i < tensors.size(); ++i)
    if (fn.inputs()[i].role != "optimizer_state")
      make(i);
  int64_t before = rssBytes();
  for (size_t i = 0; i < tensors.size(); ++i)
    if (fn.inputs()[i].role == "optimizer_state")
      make(i);
  out.rssPerParam = double(rssBytes() - before) / double(account.parameters);
  std::vector<TensorView> views;
  for (Tensor &x : tensors)
    views.push_back(x.view());
  auto session = Session::create(**runtime, *module);
  auto step = [&] {
    if (v.projection.empty())
      tensors.back().data<int64_t>()[0] += 1; // Adam's step counter
    Status s = session->call(fn, views, {});
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.toString().c_str());
      std::exit(1);
    }
  };
  for (int i = 0; i < 3; ++i)
    step();
  std::vector<double> rounds;
  auto start = Clock::now();
  while (std::chrono::duration<double>(Clock::now() - start).count() < budget || rounds.size() < 5) {
    auto t0 = Clock::now();
    step();
    rounds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(rounds.begin(), rounds.end());
  out.seconds = rounds[rounds.size() / 2];
  return true;
}

} // namespace

int main(int argc, char **argv) {
  double budget = 1.0;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--seconds" && i + 1 < argc)
      budget = std::atof(argv[++i]);
  // Four transformer blocks' matrices (d = 512: q, k, v, o [512, 512], the MLP's [512, 2048]
  // and [2048, 512]), 24 tensors and 12.6M parameters, 50 MB per fp32 copy: memory-bound,
  // like the optimizer steps of real models, and a stack of like layers, which is what the
  // blockwise projection was made for.
  std::vector<Shape> shapes;
  for (int layer = 0; layer < 4; ++layer)
    shapes.insert(shapes.end(), {{512, 512}, {512, 512}, {512, 512}, {512, 512}, {512, 2048},
                                 {2048, 512}});
  int64_t params = 0;
  for (const Shape &s : shapes)
    params += s.rows * s.cols;
  std::vector<Variant> variants = {{"adam", ""},
                                   {"frugal_rows", "rows"},
                                   {"frugal_columns", "columns"},
                                   {"frugal_coordinates", "coordinates"},
                                   {"frugal_svd", "svd"},
                                   {"frugal_blocks", "blocks"}};
  std::printf("kiln-bench-frugal: %zu matrices, %.1fM parameters, density 0.25, update gap 200, "
              "%d threads\n",
              shapes.size(), params / 1e6, omp_get_max_threads());
  std::printf("%-20s %14s %16s %12s %10s\n", "variant", "state B/param", "state RSS B/param",
              "step ms", "vs adam");
  double adam = 0;
  for (const Variant &v : variants) {
    // Each variant in its own process, so that its RSS does not reuse pages another freed.
    int fds[2];
    if (pipe(fds) != 0)
      return 1;
    pid_t child = fork();
    if (child == 0) {
      Result r;
      bool ok = run(v, shapes, budget, r);
      if (ok && write(fds[1], &r, sizeof r) != ssize_t(sizeof r))
        ok = false;
      _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    Result r;
    bool got = read(fds[0], &r, sizeof r) == ssize_t(sizeof r);
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "kiln-bench-frugal: %s failed\n", v.name.c_str());
      return 1;
    }
    if (v.projection.empty())
      adam = r.seconds;
    std::printf("%-20s %14.3f %16.3f %12.3f %9.2fx\n", v.name.c_str(), r.stateBytesPerParam,
                r.rssPerParam, 1e3 * r.seconds, r.seconds / adam);
  }
  return 0;
}
