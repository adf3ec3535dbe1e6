// SPDX-License-Identifier: Apache-2.0
// kiln.frugal compiled and run through the runtime's fused kernel, against:
//  - the ALGORITHMS.md 2.7 worked example (columns {1, 3} of a 2x4 matrix, two steps), in
//    f64 and f32;
//  - golden steps from scripts/golden/make_frugal_goldens.py (the reference rules in
//    Python): one case per projection, with re-selection every 2 or 3 steps, checking the
//    parameter, the state, the subspace, the step counter and the key after every step;
//  - density 1 against kiln.adamw and density 0 against kiln.sign_sgd, bit for bit (the
//    program is compiled with --exact-math, so kiln.adamw's divisions are IEEE).
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

/// The shapes of (p, m, v, subspace) for a configuration.
struct Layout {
  std::vector<int64_t> param, state, second, subspace;
};

Layout layoutOf(const json &cfg, int64_t k) {
  Layout l;
  l.param = cfg["shape"].get<std::vector<int64_t>>();
  int64_t rows = cfg["rows"], cols = cfg["cols"];
  std::string projection = cfg["projection"];
  l.state = projection == "columns" ? std::vector<int64_t>{rows, k}
            : projection == "rows"  ? std::vector<int64_t>{k, cols}
                                    : std::vector<int64_t>{k};
  l.second = cfg["state_full"] == "adamw" ? l.state : std::vector<int64_t>{0};
  l.subspace = {k};
  return l;
}

std::string frugalFunction(const std::string &name, const Layout &l, const char *element,
                           const std::string &attrs) {
  std::string p = dims(l.param, element), m = dims(l.state, element),
              v = dims(l.second, element), s = dims(l.subspace, "i64");
  return "func.func @" + name + "(%p: " + p + ", %g: " + p + ", %m: " + m + ", %v: " + v +
         ", %s: " + s + ", %n: tensor<i64>, %k: tensor<i64>)\n    -> (" + p + ", " + m + ", " +
         v + ", " + s + ", tensor<i64>, tensor<i64>) {\n" +
         "  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) "
         "key(%k)\n      {" + attrs + "}\n      : " + p + ", " + m + ", " + v + ", " + s +
         "\n  return %p1, %m1, %v1, %s1, %n1, %k1 : " + p + ", " + m + ", " + v + ", " + s +
         ", tensor<i64>, tensor<i64>\n}\n";
}

std::string attrsOf(const json &c) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer,
                "lr = %.17g : f64, density = %.17g : f64, update_gap = %lld : i64, "
                "projection = \"%s\", state_full = \"%s\", state_free = \"%s\", beta1 = %.17g "
                ": f64, beta2 = %.17g : f64, eps = %.17g : f64, weight_decay = %.17g : f64, "
                "free_lr_scale = %.17g : f64",
                c["lr"].get<double>(), c["density"].get<double>(),
                (long long)c["update_gap"].get<int64_t>(),
                c["projection"].get<std::string>().c_str(),
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
                "%s: ALGORITHMS.md 2.7 worked example (parameters within %.2g, state within %.2g "
                "relative; subspace kept, step 2)",
                name, worst, stateWorst);
  report(ok, line);
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
  auto sub = init["subspace"].get<std::vector<int64_t>>();
  std::vector<int64_t> step{init["step"]}, key{init["key"]};
  bool ok = fn.ok();
  double worst = 0;
  int reselections = 0;
  for (const json &s : c["steps"]) {
    if (!ok)
      break;
    auto g = s["grad"].get<std::vector<double>>();
    std::vector<int64_t> before = sub;
    Status st = session.call(**fn,
                             {view(p, DType::F64, l.param), view(g, DType::F64, l.param),
                              view(m, DType::F64, l.state), view(v, DType::F64, l.second),
                              view(sub, DType::I64, l.subspace), view(step, DType::I64, {}),
                              view(key, DType::I64, {})},
                             {});
    if (!st.ok()) {
      std::printf("  %s\n", st.toString().c_str());
      ok = false;
      break;
    }
    reselections += sub != before;
    auto compare = [&](const std::vector<double> &got, const json &want) {
      auto w = want.get<std::vector<double>>();
      if (w.size() != got.size())
        return false;
      for (size_t i = 0; i < w.size(); ++i)
        worst = std::max(worst, std::abs(got[i] - w[i]) / std::max(1.0, std::abs(w[i])));
      return true;
    };
    ok &= compare(p, s["param"]) && compare(m, s["exp_avg"]) && compare(v, s["exp_avg_sq"]);
    ok &= sub == s["subspace"].get<std::vector<int64_t>>() && step[0] == s["step"].get<int64_t>() &&
          key[0] == s["key"].get<int64_t>();
  }
  ok &= worst <= 1e-12;
  char line[256];
  std::snprintf(line, sizeof line,
                "golden %s: %zu steps, %d subspaces drawn, max relative error %.2g", name.c_str(),
                c["steps"].size(), reselections, worst);
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
    // The worked example (ALGORITHMS.md 2.7) and the density endpoints, then the goldens.
    const std::string worked = "lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, "
                               "projection = \"columns\", state_full = \"adamw\", state_free = "
                               "\"sign_sgd\", weight_decay = 0.1 : f64";
    const Layout workedLayout{{2, 4}, {2, 2}, {2, 2}, {2}};
    std::fputs(frugalFunction("worked_f64", workedLayout, "f64", worked).c_str(), stdout);
    std::fputs(frugalFunction("worked_f32", workedLayout, "f32", worked).c_str(), stdout);
    auto endpoint = [](const char *density) {
      return std::string("lr = 1.0e-3 : f64, density = ") + density +
             " : f64, update_gap = 1000 : i64, projection = \"columns\", state_full = "
             "\"adamw\", state_free = \"sign_sgd\", weight_decay = 0.01 : f64";
    };
    std::fputs(frugalFunction("dense_frugal", Layout{{33, 17}, {33, 17}, {33, 17}, {17}}, "f32",
                              endpoint("1.0"))
                   .c_str(),
               stdout);
    std::fputs(frugalFunction("free_frugal", Layout{{33, 17}, {33, 0}, {33, 0}, {0}}, "f32",
                              endpoint("0.0"))
                   .c_str(),
               stdout);
    std::fputs(kFixedProgram, stdout);
    for (const json &c : golden["cases"])
      std::fputs(frugalFunction(c["config"]["name"], layoutOf(c["config"], c["k"]), "f64",
                                attrsOf(c["config"]))
                     .c_str(),
                 stdout);
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
  for (const json &c : golden["cases"])
    checkGolden(*session, *module, c);
  checkDensityEndpoints(*session, *module);
  std::printf("%d failed\n", failures);
  return failures ? 1 : 0;
}
