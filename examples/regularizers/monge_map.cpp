// SPDX-License-Identifier: Apache-2.0
// kiln-monge-map: trains the two transport maps of monge-map.mlir (the Sinkhorn fit alone,
// and with the Monge gap) from the same start on the same batches, then compares them on
// held-out points with the runtime's OT library (kiln/runtime/regularizers/OptimalTransport.h):
// how well T moves the source onto the target (the Sinkhorn divergence), how far it moves
// the mass (mean ||x - T(x)||^2: of the maps that fit, an optimal one moves it least), and
// its Monge gap. Writes the points for plot.py with --out.
//
//   build/bin/kiln-compile examples/regularizers/monge-map.mlir -o /tmp/libmonge-map.so
//   build/bin/kiln-monge-map /tmp/libmonge-map.so [--steps N] [--seed S] [--out DIR]
#include "kiln/runtime/Runtime.h"
#include "kiln/runtime/regularizers/OptimalTransport.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace kiln::rt;

namespace {

constexpr int64_t kBatch = 256;     // the program's batch
constexpr int64_t kHeldOut = 1024;  // evaluation points: four batches

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "kiln-monge-map: %s\n", message.c_str());
  std::exit(EXIT_FAILURE);
}

template <typename T> T check(StatusOr<T> value) {
  if (!value.ok())
    die(value.status().toString());
  return std::move(value).value();
}

void check(const Status &status) {
  if (!status.ok())
    die(status.toString());
}

/// The two clouds: a standard normal source and a target of four normal clusters (sd 0.4) at
/// (+-2, +-2), so that the optimal map splits the source into quadrants. One generator per
/// cloud keeps the batches of a run reproducible from --seed.
struct Sampler {
  explicit Sampler(uint64_t seed) : source(seed), target(seed ^ 0x9e3779b97f4a7c15ull) {}
  void draw(std::vector<float> &x, std::vector<float> &y, int64_t n) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_int_distribution<int> cluster(0, 3);
    x.resize(size_t(2 * n));
    y.resize(size_t(2 * n));
    for (int64_t i = 0; i < n; ++i) {
      x[size_t(2 * i)] = normal(source);
      x[size_t(2 * i + 1)] = normal(source);
      int c = cluster(target);
      y[size_t(2 * i)] = (c & 1 ? 2.0f : -2.0f) + 0.4f * normal(target);
      y[size_t(2 * i + 1)] = (c & 2 ? 2.0f : -2.0f) + 0.4f * normal(target);
    }
  }
  std::mt19937_64 source, target;
};

/// One trained map: the step's inputs (parameters and Adam state live there).
struct Trainer {
  Trainer(Session &session, const Function &step, uint64_t seed)
      : session(session), step(step), inputs(check(initializeInputs(step, seed))),
        outputs(check(allocateOutputs(step))), x(check(step.inputIndex("x"))),
        y(check(step.inputIndex("y"))) {}
  float train(const std::vector<float> &xb, const std::vector<float> &yb) {
    std::copy(xb.begin(), xb.end(), inputs[x].data<float>());
    std::copy(yb.begin(), yb.end(), inputs[y].data<float>());
    check(session.call(step, viewsOf(inputs), viewsOf(outputs)));
    return *outputs.back().data<float>();
  }
  Session &session;
  const Function &step;
  std::vector<Tensor> inputs, outputs;
  size_t x, y;
};

/// T(points) through the program's @map with `trainer`'s parameters, a batch at a time.
std::vector<float> mapPoints(Session &session, const Function &map, const Trainer &trainer,
                             const std::vector<float> &points) {
  std::vector<TensorView> in;
  for (const InputSpec &spec : map.inputs()) {
    if (spec.name == "x")
      continue;
    in.push_back(trainer.inputs[check(trainer.step.inputIndex(spec.name))].view());
  }
  std::vector<float> mapped(points.size()), batch(size_t(2 * kBatch));
  in.push_back({nullptr, DType::F32, {kBatch, 2}});
  for (int64_t b = 0; b < int64_t(points.size()) / (2 * kBatch); ++b) {
    std::copy_n(points.begin() + b * 2 * kBatch, 2 * kBatch, batch.begin());
    in.back().data = batch.data();
    TensorView out{mapped.data() + b * 2 * kBatch, DType::F32, {kBatch, 2}};
    check(session.call(map, in, {out}));
  }
  return mapped;
}

struct Report {
  double divergence, displacement, gap;
};

Report evaluate(const std::vector<float> &x, const std::vector<float> &tx,
                const std::vector<float> &y) {
  TensorView xv{const_cast<float *>(x.data()), DType::F32, {kHeldOut, 2}};
  TensorView txv{const_cast<float *>(tx.data()), DType::F32, {kHeldOut, 2}};
  TensorView yv{const_cast<float *>(y.data()), DType::F32, {kHeldOut, 2}};
  // The programs' own settings: the fit at 0.1 x the mean cost, the gap at 0.01 x.
  SinkhornOptions fit, gap;
  fit.epsilonMode = gap.epsilonMode = EpsilonMode::TimesMeanCost;
  fit.epsilon = 0.1;
  gap.epsilon = 0.01;
  Report r{};
  r.divergence = check(sinkhornDivergence(txv, yv, fit)).value;
  r.gap = check(mongeGap(xv, txv, gap)).value;
  for (int64_t i = 0; i < 2 * kHeldOut; ++i)
    r.displacement += double(tx[size_t(i)] - x[size_t(i)]) * double(tx[size_t(i)] - x[size_t(i)]);
  r.displacement /= double(kHeldOut);
  return r;
}

void writeCsv(const std::string &path, const std::vector<float> &points) {
  std::ofstream out(path);
  out << "x,y\n";
  for (size_t i = 0; i + 1 < points.size(); i += 2)
    out << points[i] << "," << points[i + 1] << "\n";
  if (!out)
    die("cannot write " + path);
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    die("usage: kiln-monge-map LIBRARY.so [--steps N] [--seed S] [--out DIR]");
  std::string library = argv[1], outDir;
  long steps = 2000, seed = 0;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc)
      die("missing the value of " + a);
    std::string v = argv[++i];
    char *end = nullptr;
    if (a == "--out") {
      outDir = v;
      continue;
    }
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end || n < 0)
      die(a + " needs a non-negative integer, not '" + v + "'");
    if (a == "--steps")
      steps = n;
    else if (a == "--seed")
      seed = n;
    else
      die("unknown option " + a);
  }

  auto runtime = check(Runtime::create());
  auto module = check(runtime->loadModule(library));
  const Function &fitStep = *check(module.lookup("train_fit"));
  const Function &mongeStep = *check(module.lookup("train_monge"));
  const Function &map = *check(module.lookup("map"));
  auto session = check(Session::create(*runtime, module));

  // The same initial parameters (same seed, same signature) and the same batches for both.
  Trainer fit(session, fitStep, uint64_t(seed)), monge(session, mongeStep, uint64_t(seed));
  Sampler sampler(uint64_t(seed) + 1);
  std::vector<float> xb, yb;
  for (long t = 1; t <= steps; ++t) {
    sampler.draw(xb, yb, kBatch);
    float lf = fit.train(xb, yb), lm = monge.train(xb, yb);
    if (t == 1 || t % 250 == 0 || t == steps)
      std::printf("step %5ld  fit loss %.5f  fit + monge gap loss %.5f\n", t, lf, lm);
    if (!std::isfinite(lf) || !std::isfinite(lm))
      die("the loss is not finite at step " + std::to_string(t));
  }

  Sampler heldOut(uint64_t(seed) + 1000003);
  std::vector<float> x, y;
  heldOut.draw(x, y, kHeldOut);
  std::vector<float> tFit = mapPoints(session, map, fit, x);
  std::vector<float> tMonge = mapPoints(session, map, monge, x);

  std::printf("\nheld-out: %lld source and %lld target points\n", (long long)kHeldOut,
              (long long)kHeldOut);
  std::printf("%-22s %14s %14s %12s\n", "map", "S_eps(T(x), y)", "mean |x-T(x)|^2",
              "Monge gap");
  Report identity = evaluate(x, x, y), rf = evaluate(x, tFit, y), rm = evaluate(x, tMonge, y);
  for (auto [name, r] : {std::pair{"identity", identity}, std::pair{"sinkhorn fit", rf},
                         std::pair{"fit + monge gap", rm}})
    std::printf("%-22s %14.5f %14.5f %12.5f\n", name, r.divergence, r.displacement, r.gap);
  std::printf("monge gap regularization: displacement %s (%.5f vs %.5f), gap %s (%.5f vs %.5f)\n",
              rm.displacement < rf.displacement ? "lower" : "not lower", rm.displacement,
              rf.displacement, rm.gap < rf.gap ? "lower" : "not lower", rm.gap, rf.gap);
  if (!outDir.empty()) {
    writeCsv(outDir + "/source.csv", x);
    writeCsv(outDir + "/target.csv", y);
    writeCsv(outDir + "/mapped-fit.csv", tFit);
    writeCsv(outDir + "/mapped-monge.csv", tMonge);
    std::printf("points written to %s (python3 examples/regularizers/plot.py %s)\n",
                outDir.c_str(), outDir.c_str());
  }
  return EXIT_SUCCESS;
}
