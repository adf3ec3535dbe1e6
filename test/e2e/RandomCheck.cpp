// SPDX-License-Identifier: Apache-2.0
// The random initializer ops compiled into a program against the runtime's fills: the same
// key must give bit-identical tensors (kiln.random_uniform/random_normal against
// kiln::rt::fillUniform/fillNormal, f32 and f64, sizes that are not multiples of a Philox
// block), and kiln.variance_scaling must use the fan and bound of its documented formula,
// which is also checked statistically (mean, variance, range) on a large tensor.
#include "kiln/runtime/Module.h"
#include "kiln/runtime/Random.h"
#include "kiln/runtime/Session.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace kiln::rt;

namespace {

const char *kProgram = R"mlir(
func.func @fills(%key: tensor<i64>) -> (tensor<1001xf32>, tensor<1003xf32>, tensor<999xf64>,
                                         tensor<1001xf64>, tensor<i64>) {
  %a, %k1 = kiln.random_uniform %key {low = -0.25 : f64, high = 0.75 : f64} : tensor<1001xf32>
  %b, %k2 = kiln.random_normal %k1 {mean = 0.5 : f64, stddev = 2.0 : f64} : tensor<1003xf32>
  %c, %k3 = kiln.random_uniform %k2 {low = -1.0 : f64, high = 1.0 : f64} : tensor<999xf64>
  %d, %k4 = kiln.random_normal %k3 {stddev = 0.125 : f64} : tensor<1001xf64>
  return %a, %b, %c, %d, %k4 : tensor<1001xf32>, tensor<1003xf32>, tensor<999xf64>, tensor<1001xf64>, tensor<i64>
}
func.func @scaling(%key: tensor<i64>) -> (tensor<300x200xf32>, tensor<64x32x3x3xf32>, tensor<i64>) {
  %w, %k1 = kiln.variance_scaling %key {scale = 2.0 : f64, mode = "fan_in", distribution = "uniform"} : tensor<300x200xf32>
  %c, %k2 = kiln.variance_scaling %k1 {scale = 1.0 : f64, mode = "fan_avg", distribution = "normal",
      in_axis = 1 : i64, out_axis = 0 : i64} : tensor<64x32x3x3xf32>
  return %w, %c, %k2 : tensor<300x200xf32>, tensor<64x32x3x3xf32>, tensor<i64>
}
)mlir";

int failures = 0;

void report(bool ok, const std::string &what) {
  std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
  failures += !ok;
}

template <class T> bool sameBits(const std::vector<T> &a, const std::vector<T> &b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

template <class T> void moments(const std::vector<T> &v, double &mean, double &variance) {
  mean = 0, variance = 0;
  for (T x : v)
    mean += x;
  mean /= v.size();
  for (T x : v)
    variance += (x - mean) * (x - mean);
  variance /= v.size();
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 2 && std::string(argv[1]) == "--emit-program") {
    std::fputs(kProgram, stdout);
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: kiln-random-check --emit-program | kiln-random-check LIB.so\n");
    return 2;
  }
  auto runtime = Runtime::create();
  auto module = (*runtime)->loadModule(argv[1]);
  if (!module.ok()) {
    std::fprintf(stderr, "%s\n", module.status().toString().c_str());
    return 1;
  }
  auto created = Session::create(**runtime, *module);
  if (!created.ok()) {
    std::fprintf(stderr, "%s\n", created.status().toString().c_str());
    return 1;
  }
  Session &session = *created;
  const int64_t seed = 0x5eed1234abcdll;
  {
    auto fn = module->lookup("fills");
    std::vector<float> a(1001), b(1003);
    std::vector<double> c(999), d(1001);
    // The next key is written in place of the key (a donated input).
    int64_t key = seed;
    Status st = session.call(**fn, {{&key, DType::I64, {}}},
                             {{a.data(), DType::F32, {1001}}, {b.data(), DType::F32, {1003}},
                              {c.data(), DType::F64, {999}}, {d.data(), DType::F64, {1001}}});
    report(st.ok(), "fills ran" + (st.ok() ? std::string() : ": " + st.toString()));
    std::vector<float> ra(1001), rb(1003);
    std::vector<double> rc(999), rd(1001);
    (void)fillUniform({ra.data(), DType::F32, {1001}}, seed, -0.25f, 0.75f);
    (void)fillNormal({rb.data(), DType::F32, {1003}}, seed + 1, 0.5f, 2.0f);
    (void)fillUniform({rc.data(), DType::F64, {999}}, seed + 2, -1.0f, 1.0f);
    (void)fillNormal({rd.data(), DType::F64, {1001}}, seed + 3, 0.0f, 0.125f);
    report(sameBits(a, ra), "random_uniform f32 equals fillUniform bit for bit");
    report(sameBits(b, rb), "random_normal f32 equals fillNormal bit for bit");
    report(sameBits(c, rc), "random_uniform f64 equals fillUniform bit for bit");
    report(sameBits(d, rd), "random_normal f64 equals fillNormal bit for bit");
    report(key == seed + 4, "the key advances once per op");
  }
  {
    auto fn = module->lookup("scaling");
    std::vector<float> w(300 * 200), c(64 * 32 * 9);
    int64_t key = 7;
    Status st = session.call(**fn, {{&key, DType::I64, {}}},
                             {{w.data(), DType::F32, {300, 200}},
                              {c.data(), DType::F32, {64, 32, 3, 3}}});
    report(st.ok(), "scaling ran");
    // He uniform, fan_in = 300 (Kiln weights are [in, out]): bound sqrt(6 / 300).
    double bound = std::sqrt(6.0 / 300);
    std::vector<float> expected(w.size());
    (void)fillUniform({expected.data(), DType::F32, {300, 200}}, 7, -float(bound), float(bound));
    report(sameBits(w, expected), "variance_scaling he_uniform is fillUniform(+-sqrt(6/fan_in))");
    // Glorot normal on an OIHW filter: fans 32*9 and 64*9, stddev sqrt(2 / (fan_in + fan_out)).
    double stddev = std::sqrt(2.0 / (32 * 9 + 64 * 9)), mean, variance;
    moments(c, mean, variance);
    // 18432 samples: the sample mean's standard error is stddev / 136, the variance's 1%.
    bool ok = std::abs(mean) < 5 * stddev / 135.8 &&
              std::abs(variance / (stddev * stddev) - 1) < 0.05;
    report(ok, "variance_scaling glorot_normal on [O, C, KH, KW] has variance 2/(fan_in+fan_out) "
               "(mean " + std::to_string(mean) + ", variance ratio " +
               std::to_string(variance / (stddev * stddev)) + ")");
  }
  std::printf("%d failed\n", failures);
  return failures ? 1 : 0;
}
