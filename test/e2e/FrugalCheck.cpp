// SPDX-License-Identifier: Apache-2.0
// kiln.frugal compiled and run through the runtime's fused kernel, against:
//  - the docs/algorithms.md §2.7 worked example (columns {1, 3} of a 2x4 matrix, two steps), in
//    f64 and f32;
//  - golden steps from scripts/golden/make_frugal_goldens.py (the reference rules in
//    Python): one case per projection, with re-selection every 2 or 3 steps, checking the
//    parameter, the state, the subspace, the step counter and the key after every step;
//  - golden steps of projection "svd" (GaLore's projector from numpy's SVD, on the right of a
//    tall matrix and on the left of a wide one): p, v and the step counter directly, the
//    projector and m (whose columns or rows flip with each singular vector's sign) by
//    absolute value;
//  - golden steps of kiln.frugal_blocks, one per block order, checking every parameter,
//    both pools, the active list, the step counter and the key after every step;
//  - density 1 against kiln.adamw and density 0 against kiln.sign_sgd, bit for bit (the
//    program is compiled with --exact-math, so kiln.adamw's divisions are IEEE), for
//    kiln.frugal (columns; svd at density 0) and kiln.frugal_blocks.
#include "kiln/runtime/Module.h"
#include "kiln/runtime/Session.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace kiln::rt;
using json = nlohmann::json;

namespace {

int failures = 0;

void report(bool ok, const std::string &what) {
  std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
  failures += !ok;
}

std::string dims(const std::vector<int64_t> &shape, const char *element) {
  std::string t = "tensor<";
  for (int64_t d : shape)
    t += std::to_string(d) + "x";
  return t + element + ">";
}

/// The shapes of (p, m, v, subspace) for a configuration; `projector`: the subspace is
/// "svd"'s projector, in the parameter's element type, instead of i64 indices.
struct Layout {
  std::vector<int64_t> param, state, second, subspace;
  bool projector = false;
};

Layout layoutOf(const json &cfg, int64_t k) {
  Layout l;
  l.param = cfg["shape"].get<std::vector<int64_t>>();
  int64_t rows = cfg["rows"], cols = cfg["cols"];
  std::string projection = cfg["projection"];
  if (projection == "svd") {
    // proj_side "std": P is [k, cols] (state [rows, k]) when rows >= cols, else [rows, k].
    bool right = rows >= cols;
    l.state = right ? std::vector<int64_t>{rows, k} : std::vector<int64_t>{k, cols};
    l.subspace = right ? std::vector<int64_t>{k, cols} : std::vector<int64_t>{rows, k};
    l.projector = true;
  } else {
    l.state = projection == "columns" ? std::vector<int64_t>{rows, k}
              : projection == "rows"  ? std::vector<int64_t>{k, cols}
                                      : std::vector<int64_t>{k};
    l.subspace = {k};
  }
  l.second = cfg["state_full"] == "adamw" ? l.state : std::vector<int64_t>{0};
  return l;
}

std::string frugalFunction(const std::string &name, const Layout &l, const char *element,
                           const std::string &attrs) {
  std::string p = dims(l.param, element), m = dims(l.state, element),
              v = dims(l.second, element), s = dims(l.subspace, l.projector ? element : "i64");
  return "func.func @" + name + "(%p: " + p + ", %g: " + p + ", %m: " + m + ", %v: " + v +
         ", %s: " + s + ", %n: tensor<i64>, %k: tensor<i64>)\n    -> (" + p + ", " + m + ", " +
         v + ", " + s + ", tensor<i64>, tensor<i64>) {\n" +
         "  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) "
         "key(%k)\n      {" + attrs + "}\n      : " + p + ", " + m + ", " + v + ", " + s +
         "\n  return %p1, %m1, %v1, %s1, %n1, %k1 : " + p + ", " + m + ", " + v + ", " + s +
         ", tensor<i64>, tensor<i64>\n}\n";
}

/// The attributes of a golden case: kiln.frugal's (`projection`) or kiln.frugal_blocks'
/// (`block_order`).
std::string attrsOf(const json &c) {
  char buffer[512];
  bool blocks = c.contains("block_order");
  std::snprintf(buffer, sizeof buffer,
                "lr = %.17g : f64, density = %.17g : f64, update_gap = %lld : i64, "
                "%s = \"%s\", state_full = \"%s\", state_free = \"%s\", beta1 = %.17g "
                ": f64, beta2 = %.17g : f64, eps = %.17g : f64, weight_decay = %.17g : f64, "
                "free_lr_scale = %.17g : f64",
                c["lr"].get<double>(), c["density"].get<double>(),
                (long long)c["update_gap"].get<int64_t>(), blocks ? "block_order" : "projection",
                c[blocks ? "block_order" : "projection"].get<std::string>().c_str(),
                c["state_full"].get<std::string>().c_str(),
                c["state_free"].get<std::string>().c_str(), c["beta1"].get<double>(),
                c["beta2"].get<double>(), c["eps"].get<double>(),
                c["weight_decay"].get<double>(), c["free_lr_scale"].get<double>());
  // MLIR float literals need a decimal point (1.0e-08, not 1e-08).
  std::string s = buffer;
  for (const char *name : {"lr = ", "density = ", "beta1 = ", "beta2 = ", "eps = ",
                           "weight_decay = ", "free_lr_scale = "}) {
    size_t at = s.find(name) + std::strlen(name), end = s.find(' ', at);
    std::string number = s.substr(at, end - at);
    if (number.find('.') == std::string::npos) {
      size_t exponent = number.find('e');
      s.insert(exponent == std::string::npos ? end : at + exponent, ".0");
    }
  }
  return s;
}

/// A kiln.frugal_blocks entry: (p_0 .. p_N-1, g_0 .. g_N-1, m, v, active, step, key) ->
/// (p_0 .. p_N-1, m, v, active, step, key).
std::string blocksFunction(const std::string &name, const std::vector<std::vector<int64_t>> &shapes,
                           int64_t pool, int64_t second, int64_t k, const char *element,
                           const std::string &attrs) {
  size_t n = shapes.size();
  std::string types, args, params, grads, results;
  for (size_t i = 0; i < n; ++i) {
    std::string t = dims(shapes[i], element), sep = i ? ", " : "";
    types += sep + t;
    args += sep + "%p" + std::to_string(i) + ": " + t;
    params += sep + "%p" + std::to_string(i);
    grads += sep + "%g" + std::to_string(i);
    results += sep + "%r#" + std::to_string(i);
  }
  for (size_t i = 0; i < n; ++i)
    args += ", %g" + std::to_string(i) + ": " + dims(shapes[i], element);
  std::string m = dims({pool}, element), v = dims({second}, element), a = dims({k}, "i64");
  std::string state = m + ", " + v + ", " + a;
  return "func.func @" + name + "(" + args + ", %m: " + m + ", %v: " + v + ", %a: " + a +
         ", %n: tensor<i64>, %k: tensor<i64>)\n    -> (" + types + ", " + state +
         ", tensor<i64>, tensor<i64>) {\n  %r:" + std::to_string(n) +
         ", %m1, %v1, %a1, %n1, %k1 = kiln.frugal_blocks (" + params + ") grads(" + grads +
         ") state(%m, %v) active(%a) step(%n) key(%k)\n      {" + attrs + "}\n      : (" + types +
         "), " + state + " grads(" + types + ")\n  return " + results +
         ", %m1, %v1, %a1, %n1, %k1 : " + types + ", " + state + ", tensor<i64>, tensor<i64>\n}\n";
}

/// The shapes of the density-endpoint checks of kiln.frugal_blocks, and their references.
const std::vector<std::vector<int64_t>> kEndpointShapes{{33, 17}, {17}, {7, 3}, {5}};

std::string endpointReferences() {
  std::string out;
  for (size_t i = 0; i < kEndpointShapes.size(); ++i) {
    std::string t = dims(kEndpointShapes[i], "f32"), n = std::to_string(i);
    out += "func.func @ref_adamw_" + n + "(%p: " + t + ", %g: " + t + ", %m: " + t + ", %v: " + t +
           ", %t: tensor<i64>) -> (" + t + ", " + t + ", " + t + ") {\n" +
           "  %p1, %m1, %v1 = kiln.adamw %p, %g, %m, %v step(%t) {lr = 1.0e-3 : f64, "
           "weight_decay = 0.01 : f64} : " + t + "\n  return %p1, %m1, %v1 : " + t + ", " + t +
           ", " + t + "\n}\n";
    out += "func.func @ref_signsgd_" + n + "(%p: " + t + ", %g: " + t + ") -> " + t + " {\n" +
           "  %p1 = kiln.sign_sgd %p, %g {lr = 1.0e-3 : f64, weight_decay = 0.01 : f64} : " + t +
           "\n  return %p1 : " + t + "\n}\n";
  }
  return out;
}

/// The references beside the generated kiln.frugal entries: kiln.adamw and kiln.sign_sgd.
const char *kFixedProgram = R"mlir(
func.func @dense_adamw(%p: tensor<33x17xf32>, %g: tensor<33x17xf32>, %m: tensor<33x17xf32>, %v: tensor<33x17xf32>,
                       %t: tensor<i64>) -> (tensor<33x17xf32>, tensor<33x17xf32>, tensor<33x17xf32>) {
  %p1, %m1, %v1 = kiln.adamw %p, %g, %m, %v step(%t) {lr = 1.0e-3 : f64, weight_decay = 0.01 : f64} : tensor<33x17xf32>
  return %p1, %m1, %v1 : tensor<33x17xf32>, tensor<33x17xf32>, tensor<33x17xf32>
}
func.func @free_signsgd(%p: tensor<33x17xf32>, %g: tensor<33x17xf32>) -> tensor<33x17xf32> {
  %p1 = kiln.sign_sgd %p, %g {lr = 1.0e-3 : f64, weight_decay = 0.01 : f64} : tensor<33x17xf32>
  return %p1 : tensor<33x17xf32>
}
)mlir";

template <class T> TensorView view(std::vector<T> &v, DType d, std::vector<int64_t> shape) {
  return {v.data(), d, std::move(shape)};
}

template <class T> void checkWorked(Session &session, const Module &module, const char *name,
                                    DType dtype, double tolerance) {
  auto fn = module.lookup(name);
  std::vector<T> p{0.5, -0.2, 0.1, 0.0, 0.3, 0.4, -0.6, 0.2}, m(4, 0), v(4, 0);
  const double g1[] = {0.2, -0.1, 0.05, 0.0, -0.3, 0.4, 0.01, -0.02};
  const double g2[] = {0.1, 0.3, -0.05, 0.1, 0.2, -0.2, 0.02, 0.0};
  const double after1[] = {0.498950000, -0.198980000, 0.098990000, 0.000000000,
                           0.300970000, 0.398960000, -0.600940000, 0.200980000};
  const double after2[] = {0.497900105, -0.199454292, 0.099980101, -0.000744137,
                           0.299939903, 0.398653767, -0.601879906, 0.201629959};
  const double mExpected[] = {0.021, 0.010, 0.016, -0.0018};
  const double vExpected[] = {9.999e-05, 1.0e-05, 1.9984e-04, 3.996e-07};
  std::vector<int64_t> sub{1, 3}, step{0}, key{0};
  std::vector<T> g(8);
  double worst = 0;
  bool ok = fn.ok();
  for (int s = 0; ok && s < 2; ++s) {
    for (int i = 0; i < 8; ++i)
      g[i] = T(s == 0 ? g1[i] : g2[i]);
    Status st = session.call(**fn,
                             {view(p, dtype, {2, 4}), view(g, dtype, {2, 4}), view(m, dtype, {2, 2}),
                              view(v, dtype, {2, 2}), view(sub, DType::I64, {2}),
                              view(step, DType::I64, {}), view(key, DType::I64, {})},
                             {});
    ok &= st.ok();
    // The document prints nine decimals.
    for (int i = 0; i < 8; ++i)
      worst = std::max(worst, std::abs(double(p[i]) - (s == 0 ? after1[i] : after2[i])));
  }
  ok &= worst <= 6e-10 + tolerance; // the printed values are rounded to 9 decimals
  double stateWorst = 0;
  for (int i = 0; i < 4; ++i)
    stateWorst = std::max({stateWorst, std::abs(double(m[i]) - mExpected[i]) / 0.021,
                           std::abs(double(v[i]) - vExpected[i]) / 1.9984e-04});
  ok &= stateWorst <= 1e-9 + tolerance && sub == std::vector<int64_t>{1, 3} && step[0] == 2 &&
        key[0] == 0;
  char line[256];
  std::snprintf(line, sizeof line,
                "%s: docs/algorithms.md §2.7 worked example (parameters within %.2g, state within %.2g "
                "relative; subspace kept, step 2)",
                name, worst, stateWorst);
  report(ok, line);
}

/// Largest error of `got` against `want` relative to max(1, |want|), accumulated in
/// `worst`; `magnitude` compares absolute values (for quantities defined up to the sign of
/// a singular vector). False when the lengths differ.
bool compareInto(double &worst, const std::vector<double> &got, const json &want,
                 bool magnitude = false) {
  auto w = want.get<std::vector<double>>();
  if (w.size() != got.size())
    return false;
  for (size_t i = 0; i < w.size(); ++i) {
    double a = magnitude ? std::abs(got[i]) : got[i], b = magnitude ? std::abs(w[i]) : w[i];
    worst = std::max(worst, std::abs(a - b) / std::max(1.0, std::abs(b)));
  }
  return true;
}

void checkGolden(Session &session, const Module &module, const json &c) {
  const json &cfg = c["config"];
  std::string name = cfg["name"];
  auto fn = module.lookup(name);
  Layout l = layoutOf(cfg, c["k"]);
  const json &init = c["initial"];
  auto p = init["param"].get<std::vector<double>>();
  auto m = init["exp_avg"].get<std::vector<double>>();
  auto v = init["exp_avg_sq"].get<std::vector<double>>();
  // The subspace: i64 indices, or for "svd" the projector in f64.
  std::vector<int64_t> sub;
  std::vector<double> projector;
  if (l.projector)
    projector = init["subspace"].get<std::vector<double>>();
  else
    sub = init["subspace"].get<std::vector<int64_t>>();
  std::vector<int64_t> step{init["step"]}, key{init["key"]};
  bool ok = fn.ok();
  double worst = 0;
  int reselections = 0;
  for (const json &s : c["steps"]) {
    if (!ok)
      break;
    auto g = s["grad"].get<std::vector<double>>();
    std::vector<int64_t> before = sub;
    TensorView subspace = l.projector ? view(projector, DType::F64, l.subspace)
                                      : view(sub, DType::I64, l.subspace);
    Status st = session.call(**fn,
                             {view(p, DType::F64, l.param), view(g, DType::F64, l.param),
                              view(m, DType::F64, l.state), view(v, DType::F64, l.second),
                              subspace, view(step, DType::I64, {}), view(key, DType::I64, {})},
                             {});
    if (!st.ok()) {
      std::printf("  %s\n", st.toString().c_str());
      ok = false;
      break;
    }
    // A new projector restarts the step counter; a new index subspace shows itself.
    reselections += l.projector ? step[0] == 1 : sub != before;
    // Each singular vector's sign is free: m's columns (right) or rows (left) flip with
    // P's rows or columns, while v, the update and so p do not depend on it.
    ok &= compareInto(worst, p, s["param"]) &&
          compareInto(worst, m, s["exp_avg"], l.projector) &&
          compareInto(worst, v, s["exp_avg_sq"]);
    if (l.projector)
      ok &= compareInto(worst, projector, s["subspace"], true);
    else
      ok &= sub == s["subspace"].get<std::vector<int64_t>>();
    ok &= step[0] == s["step"].get<int64_t>() && key[0] == s["key"].get<int64_t>();
  }
  ok &= worst <= 1e-12;
  char line[256];
  std::snprintf(line, sizeof line, "golden %s: %zu steps, %d %s, max relative error %.2g",
                name.c_str(), c["steps"].size(), reselections,
                l.projector ? "projectors computed" : "subspaces drawn", worst);
  report(ok, line);
}

std::vector<std::vector<int64_t>> shapesOf(const json &cfg) {
  return cfg["shapes"].get<std::vector<std::vector<int64_t>>>();
}

void checkBlocksGolden(Session &session, const Module &module, const json &c) {
  const json &cfg = c["config"];
  std::string name = cfg["name"];
  auto fn = module.lookup(name);
  auto shapes = shapesOf(cfg);
  size_t n = shapes.size();
  int64_t k = c["k"], pool = c["pool"];
  const json &init = c["initial"];
  auto ps = init["params"].get<std::vector<std::vector<double>>>();
  auto m = init["exp_avg"].get<std::vector<double>>();
  auto v = init["exp_avg_sq"].get<std::vector<double>>();
  auto active = init["active"].get<std::vector<int64_t>>();
  std::vector<int64_t> step{init["step"]}, key{init["key"]};
  bool ok = fn.ok() && ps.size() == n && int64_t(m.size()) == pool && int64_t(active.size()) == k;
  double worst = 0;
  int selections = 0;
  for (const json &s : c["steps"]) {
    if (!ok)
      break;
    auto gs = s["grads"].get<std::vector<std::vector<double>>>();
    std::vector<TensorView> inputs;
    for (size_t i = 0; i < n; ++i)
      inputs.push_back(view(ps[i], DType::F64, shapes[i]));
    for (size_t i = 0; i < n; ++i)
      inputs.push_back(view(gs[i], DType::F64, shapes[i]));
    inputs.push_back(view(m, DType::F64, {int64_t(m.size())}));
    inputs.push_back(view(v, DType::F64, {int64_t(v.size())}));
    inputs.push_back(view(active, DType::I64, {k}));
    inputs.push_back(view(step, DType::I64, {}));
    inputs.push_back(view(key, DType::I64, {}));
    Status st = session.call(**fn, inputs, {});
    if (!st.ok()) {
      std::printf("  %s\n", st.toString().c_str());
      ok = false;
      break;
    }
    selections += step[0] == 1;
    for (size_t i = 0; i < n; ++i)
      ok &= compareInto(worst, ps[i], s["params"][i]);
    ok &= compareInto(worst, m, s["exp_avg"]) && compareInto(worst, v, s["exp_avg_sq"]);
    ok &= active == s["active"].get<std::vector<int64_t>>() &&
          step[0] == s["step"].get<int64_t>() && key[0] == s["key"].get<int64_t>();
  }
  ok &= worst <= 1e-12;
  char line[256];
  std::snprintf(line, sizeof line,
                "golden %s: %zu steps, %d selections of %lld of %zu tensors, max relative error "
                "%.2g",
                name.c_str(), c["steps"].size(), selections, (long long)k, n, worst);
  report(ok, line);
}

void checkDensityEndpoints(Session &session, const Module &module) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  const int64_t n = 33 * 17;
  auto fill = [&](std::vector<float> &x) {
    for (float &e : x)
      e = normal(rng);
  };
  {
    std::vector<float> p(n), g(n), m(n, 0), v(n, 0), refP, refM(n, 0), refV(n, 0);
    fill(p);
    refP = p;
    std::vector<int64_t> sub(17, -1), step{0}, key{11}, t{0};
    auto frugal = module.lookup("dense_frugal"), adamw = module.lookup("dense_adamw");
    bool ok = frugal.ok() && adamw.ok();
    for (int s = 0; ok && s < 3; ++s) {
      fill(g);
      t[0] = s + 1;
      ok &= session.call(**frugal, {view(p, DType::F32, {33, 17}), view(g, DType::F32, {33, 17}),
                                    view(m, DType::F32, {33, 17}), view(v, DType::F32, {33, 17}),
                                    view(sub, DType::I64, {17}), view(step, DType::I64, {}),
                                    view(key, DType::I64, {})}, {}).ok();
      ok &= session.call(**adamw, {view(refP, DType::F32, {33, 17}), view(g, DType::F32, {33, 17}),
                                   view(refM, DType::F32, {33, 17}), view(refV, DType::F32, {33, 17}),
                                   view(t, DType::I64, {})}, {}).ok();
    }
    ok &= std::memcmp(p.data(), refP.data(), n * 4) == 0 &&
          std::memcmp(m.data(), refM.data(), n * 4) == 0 &&
          std::memcmp(v.data(), refV.data(), n * 4) == 0;
    report(ok, "density 1 equals kiln.adamw bit for bit (3 steps: parameters, m and v)");
  }
  {
    std::vector<float> p(n), g(n), refP, none;
    fill(p);
    refP = p;
    std::vector<int64_t> noSub, step{0}, key{11};
    auto frugal = module.lookup("free_frugal"), sign = module.lookup("free_signsgd");
    bool ok = frugal.ok() && sign.ok();
    for (int s = 0; ok && s < 3; ++s) {
      fill(g);
      g[s] = 0; // sign(0) = 0: no move
      ok &= session.call(**frugal, {view(p, DType::F32, {33, 17}), view(g, DType::F32, {33, 17}),
                                    view(none, DType::F32, {33, 0}), view(none, DType::F32, {33, 0}),
                                    view(noSub, DType::I64, {0}), view(step, DType::I64, {}),
                                    view(key, DType::I64, {})}, {}).ok();
      ok &= session.call(**sign, {view(refP, DType::F32, {33, 17}), view(g, DType::F32, {33, 17})},
                         {}).ok();
    }
    ok &= std::memcmp(p.data(), refP.data(), n * 4) == 0 && step[0] == 3 && key[0] == 11;
    report(ok, "density 0 equals kiln.sign_sgd bit for bit (3 steps; no state, no draws)");
  }
  {
    // "svd" at density 0: r = 0, an empty projector, and the residual is the gradient.
    std::vector<float> p(n), g(n), refP, none;
    fill(p);
    refP = p;
    std::vector<int64_t> step{0}, key{11};
    auto frugal = module.lookup("svd_free_frugal"), sign = module.lookup("free_signsgd");
    bool ok = frugal.ok() && sign.ok();
    for (int s = 0; ok && s < 3; ++s) {
      fill(g);
      g[s] = 0;
      ok &= session.call(**frugal, {view(p, DType::F32, {33, 17}), view(g, DType::F32, {33, 17}),
                                    view(none, DType::F32, {33, 0}), view(none, DType::F32, {33, 0}),
                                    view(none, DType::F32, {0, 17}), view(step, DType::I64, {}),
                                    view(key, DType::I64, {})}, {}).ok();
      ok &= session.call(**sign, {view(refP, DType::F32, {33, 17}), view(g, DType::F32, {33, 17})},
                         {}).ok();
    }
    ok &= std::memcmp(p.data(), refP.data(), n * 4) == 0 && step[0] == 3 && key[0] == 11;
    report(ok, "svd density 0 equals kiln.sign_sgd bit for bit (3 steps; empty projector)");
  }
}

int64_t elements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// kiln.frugal_blocks at density 1 (every tensor active, the pool packed in `active`'s
/// order) against kiln.adamw per tensor, and at density 0 against kiln.sign_sgd.
void checkBlocksEndpoints(Session &session, const Module &module) {
  std::mt19937 rng(9);
  std::normal_distribution<float> normal;
  auto fill = [&](std::vector<float> &x) {
    for (float &e : x)
      e = normal(rng);
  };
  const size_t n = kEndpointShapes.size();
  int64_t total = 0;
  for (const auto &s : kEndpointShapes)
    total += elements(s);
  for (const char *order : {"ascending", "descending"}) {
    bool ascending = std::string(order) == "ascending";
    std::vector<std::vector<float>> p(n), g(n), refP, refM(n), refV(n);
    for (size_t i = 0; i < n; ++i) {
      int64_t e = elements(kEndpointShapes[i]);
      p[i].resize(e);
      g[i].resize(e);
      fill(p[i]);
      refM[i].assign(e, 0);
      refV[i].assign(e, 0);
    }
    refP = p;
    std::vector<float> m(total, 0), v(total, 0);
    std::vector<int64_t> active(n, -1), step{0}, key{11}, t{0};
    auto blocks = module.lookup(std::string("dense_blocks_") + order);
    bool ok = blocks.ok();
    for (int s = 0; ok && s < 3; ++s) {
      std::vector<TensorView> inputs;
      for (size_t i = 0; i < n; ++i) {
        fill(g[i]);
        inputs.push_back(view(p[i], DType::F32, kEndpointShapes[i]));
      }
      for (size_t i = 0; i < n; ++i)
        inputs.push_back(view(g[i], DType::F32, kEndpointShapes[i]));
      inputs.push_back(view(m, DType::F32, {total}));
      inputs.push_back(view(v, DType::F32, {total}));
      inputs.push_back(view(active, DType::I64, {int64_t(n)}));
      inputs.push_back(view(step, DType::I64, {}));
      inputs.push_back(view(key, DType::I64, {}));
      ok &= session.call(**blocks, inputs, {}).ok();
      t[0] = s + 1;
      for (size_t i = 0; ok && i < n; ++i) {
        auto adamw = module.lookup("ref_adamw_" + std::to_string(i));
        ok &= adamw.ok() &&
              session.call(**adamw, {view(refP[i], DType::F32, kEndpointShapes[i]),
                                     view(g[i], DType::F32, kEndpointShapes[i]),
                                     view(refM[i], DType::F32, kEndpointShapes[i]),
                                     view(refV[i], DType::F32, kEndpointShapes[i]),
                                     view(t, DType::I64, {})}, {}).ok();
      }
    }
    // The pools hold the tensors' state in active's order: 0 .. N-1 or N-1 .. 0.
    std::vector<int64_t> expectActive(n);
    std::vector<float> packedM, packedV;
    for (size_t j = 0; j < n; ++j) {
      size_t i = ascending ? j : n - 1 - j;
      expectActive[j] = int64_t(i);
      packedM.insert(packedM.end(), refM[i].begin(), refM[i].end());
      packedV.insert(packedV.end(), refV[i].begin(), refV[i].end());
    }
    for (size_t i = 0; ok && i < n; ++i)
      ok &= std::memcmp(p[i].data(), refP[i].data(), p[i].size() * 4) == 0;
    ok &= std::memcmp(m.data(), packedM.data(), total * 4) == 0 &&
          std::memcmp(v.data(), packedV.data(), total * 4) == 0 && active == expectActive &&
          step[0] == 3 && key[0] == 11;
    report(ok, std::string("blocks density 1 (") + order +
                   ") equals kiln.adamw bit for bit (3 steps, 4 tensors: parameters, packed m "
                   "and v)");
  }
  {
    std::vector<std::vector<float>> p(n), g(n), refP;
    for (size_t i = 0; i < n; ++i) {
      p[i].resize(elements(kEndpointShapes[i]));
      g[i].resize(p[i].size());
      fill(p[i]);
    }
    refP = p;
    std::vector<float> none;
    std::vector<int64_t> noActive, step{0}, key{11};
    auto blocks = module.lookup("free_blocks");
    bool ok = blocks.ok();
    for (int s = 0; ok && s < 3; ++s) {
      std::vector<TensorView> inputs;
      for (size_t i = 0; i < n; ++i) {
        fill(g[i]);
        g[i][s % g[i].size()] = 0; // sign(0) = 0: no move
        inputs.push_back(view(p[i], DType::F32, kEndpointShapes[i]));
      }
      for (size_t i = 0; i < n; ++i)
        inputs.push_back(view(g[i], DType::F32, kEndpointShapes[i]));
      inputs.push_back(view(none, DType::F32, {0}));
      inputs.push_back(view(none, DType::F32, {0}));
      inputs.push_back(view(noActive, DType::I64, {0}));
      inputs.push_back(view(step, DType::I64, {}));
      inputs.push_back(view(key, DType::I64, {}));
      ok &= session.call(**blocks, inputs, {}).ok();
      for (size_t i = 0; ok && i < n; ++i) {
        auto sign = module.lookup("ref_signsgd_" + std::to_string(i));
        ok &= sign.ok() && session.call(**sign, {view(refP[i], DType::F32, kEndpointShapes[i]),
                                                 view(g[i], DType::F32, kEndpointShapes[i])},
                                        {}).ok();
      }
    }
    for (size_t i = 0; ok && i < n; ++i)
      ok &= std::memcmp(p[i].data(), refP[i].data(), p[i].size() * 4) == 0;
    ok &= step[0] == 3 && key[0] == 11;
    report(ok, "blocks density 0 equals kiln.sign_sgd bit for bit (3 steps, 4 tensors; no "
               "state, no draws)");
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: kiln-frugal-check --emit-program GOLDEN.json\n"
                         "       kiln-frugal-check LIB.so GOLDEN.json\n");
    return 2;
  }
  std::ifstream in(argv[2]);
  json golden = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (golden.is_discarded()) {
    std::fprintf(stderr, "kiln-frugal-check: cannot read %s\n", argv[2]);
    return 1;
  }
  if (std::string(argv[1]) == "--emit-program") {
    // The worked example (docs/algorithms.md §2.7) and the density endpoints, then the goldens.
    const std::string worked = "lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, "
                               "projection = \"columns\", state_full = \"adamw\", state_free = "
                               "\"sign_sgd\", weight_decay = 0.1 : f64";
    const Layout workedLayout{{2, 4}, {2, 2}, {2, 2}, {2}};
    std::fputs(frugalFunction("worked_f64", workedLayout, "f64", worked).c_str(), stdout);
    std::fputs(frugalFunction("worked_f32", workedLayout, "f32", worked).c_str(), stdout);
    auto endpoint = [](const char *density, const char *projection = "columns") {
      return std::string("lr = 1.0e-3 : f64, density = ") + density +
             " : f64, update_gap = 1000 : i64, projection = \"" + projection +
             "\", state_full = \"adamw\", state_free = \"sign_sgd\", weight_decay = 0.01 : f64";
    };
    std::fputs(frugalFunction("dense_frugal", Layout{{33, 17}, {33, 17}, {33, 17}, {17}}, "f32",
                              endpoint("1.0"))
                   .c_str(),
               stdout);
    std::fputs(frugalFunction("free_frugal", Layout{{33, 17}, {33, 0}, {33, 0}, {0}}, "f32",
                              endpoint("0.0"))
                   .c_str(),
               stdout);
    std::fputs(frugalFunction("svd_free_frugal", Layout{{33, 17}, {33, 0}, {33, 0}, {0, 17}, true},
                              "f32", endpoint("0.0", "svd"))
                   .c_str(),
               stdout);
    std::fputs(kFixedProgram, stdout);
    // kiln.frugal_blocks' endpoints: all four tensors active (pool = their sum), or none.
    auto blocksEndpoint = [](const char *density, const char *order) {
      return std::string("lr = 1.0e-3 : f64, density = ") + density +
             " : f64, update_gap = 1000 : i64, block_order = \"" + order +
             "\", state_full = \"adamw\", state_free = \"sign_sgd\", weight_decay = 0.01 : f64";
    };
    int64_t total = 0;
    for (const auto &s : kEndpointShapes)
      total += elements(s);
    int64_t count = kEndpointShapes.size();
    for (const char *order : {"ascending", "descending"})
      std::fputs(blocksFunction(std::string("dense_blocks_") + order, kEndpointShapes, total, total,
                                count, "f32", blocksEndpoint("1.0", order))
                     .c_str(),
                 stdout);
    std::fputs(blocksFunction("free_blocks", kEndpointShapes, 0, 0, 0, "f32",
                              blocksEndpoint("0.0", "ascending"))
                   .c_str(),
               stdout);
    std::fputs(endpointReferences().c_str(), stdout);
    for (const json &c : golden["cases"]) {
      const json &cfg = c["config"];
      if (cfg.contains("block_order"))
        std::fputs(blocksFunction(cfg["name"], shapesOf(cfg), c["pool"],
                                  cfg["state_full"] == "adamw" ? c["pool"].get<int64_t>() : 0,
                                  c["k"], "f64", attrsOf(cfg))
                       .c_str(),
                   stdout);
      else
        std::fputs(frugalFunction(cfg["name"], layoutOf(cfg, c["k"]), "f64", attrsOf(cfg)).c_str(),
                   stdout);
    }
    return 0;
  }
  auto runtime = Runtime::create();
  auto module = (*runtime)->loadModule(argv[1]);
  if (!module.ok()) {
    std::fprintf(stderr, "kiln-frugal-check: %s\n", module.status().toString().c_str());
    return 1;
  }
  auto session = Session::create(**runtime, *module);
  checkWorked<double>(*session, *module, "worked_f64", DType::F64, 0);
  checkWorked<float>(*session, *module, "worked_f32", DType::F32, 1e-6);
  for (const json &c : golden["cases"]) {
    if (c["config"].contains("block_order"))
      checkBlocksGolden(*session, *module, c);
    else
      checkGolden(*session, *module, c);
  }
  checkDensityEndpoints(*session, *module);
  checkBlocksEndpoints(*session, *module);
  std::printf("%d failed\n", failures);
  return failures ? 1 : 0;
}
