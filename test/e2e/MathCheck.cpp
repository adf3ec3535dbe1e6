// SPDX-License-Identifier: Apache-2.0
// The math functions compiled code approximates (kiln-approximate-math), against libm: f32
// tanh on every 1024th float from 0 to 10 and on the special values (0, -0, the clamp,
// denormals, infinities, NaN), both signs. The default build must stay within 5 ulp of
// tanhf, be odd, keep NaN and reach +-1; `--exact-math` must be tanhf itself, bit for bit.
#include "kiln/runtime/Module.h"
#include "kiln/runtime/Session.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

using namespace kiln::rt;

namespace {

// Every 1024th bit pattern of [0, 10] (about a million floats), then special values; the
// negatives follow the positives in the same order.
std::vector<float> inputs() {
  std::vector<float> v;
  uint32_t top;
  float ten = 10.0f;
  std::memcpy(&top, &ten, sizeof(top));
  for (uint32_t bits = 0; bits <= top; bits += 1024) {
    float x;
    std::memcpy(&x, &bits, sizeof(x));
    v.push_back(x);
  }
  for (float x : {std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min(),
                  3.9e-4f, 4.0e-4f, 4.1e-4f, 7.99881172f, 7.9989f, 9.01f, 20.0f, 1e30f,
                  std::numeric_limits<float>::max(), std::numeric_limits<float>::infinity(),
                  std::numeric_limits<float>::quiet_NaN()})
    v.push_back(x);
  size_t positives = v.size();
  for (size_t i = 0; i < positives; ++i)
    v.push_back(-v[i]);
  return v;
}

std::string program(size_t n) {
  std::string t = "tensor<" + std::to_string(n) + "xf32>";
  return "func.func @tanh(%x: " + t + ") -> " + t + " {\n  %y = math.tanh %x : " + t +
         "\n  return %y : " + t + "\n}\n";
}

int64_t orderedBits(float x) {
  int32_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return bits < 0 ? -int64_t(bits & 0x7fffffff) : int64_t(bits);
}

int failures = 0;

void report(bool ok, const std::string &what) {
  std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
  failures += !ok;
}

bool run(const char *path, const std::vector<float> &x, std::vector<float> &y) {
  auto runtime = Runtime::create();
  auto module = (*runtime)->loadModule(path);
  if (!module.ok()) {
    std::fprintf(stderr, "%s\n", module.status().toString().c_str());
    return false;
  }
  auto session = Session::create(**runtime, *module);
  if (!session.ok())
    return false;
  // The result is written over the argument (the program computes it in place).
  y = x;
  int64_t n = int64_t(x.size());
  Status st = session->call(**module->lookup("tanh"), {{y.data(), DType::F32, {n}}}, {});
  if (!st.ok())
    std::fprintf(stderr, "%s\n", st.toString().c_str());
  return st.ok();
}

} // namespace

int main(int argc, char **argv) {
  std::vector<float> x = inputs();
  if (argc == 2 && std::string(argv[1]) == "--emit-program") {
    std::fputs(program(x.size()).c_str(), stdout);
    return 0;
  }
  if (argc != 3) {
    std::fprintf(stderr, "usage: kiln-math-check --emit-program | kiln-math-check DEFAULT.so "
                         "EXACT.so\n");
    return 2;
  }
  std::vector<float> approx, exact;
  report(run(argv[1], x, approx) && run(argv[2], x, exact), "both builds ran");
  if (failures)
    return 1;
  int64_t worst = 0;
  float worstAt = 0;
  bool exactIsLibm = true, odd = true, nanKept = true;
  const size_t half = x.size() / 2;
  for (size_t i = 0; i < x.size(); ++i) {
    float reference = std::tanh(x[i]);
    if (std::isnan(x[i])) {
      nanKept = nanKept && std::isnan(approx[i]) && std::isnan(exact[i]);
      continue;
    }
    exactIsLibm = exactIsLibm && std::memcmp(&exact[i], &reference, sizeof(float)) == 0;
    int64_t ulps = std::abs(orderedBits(approx[i]) - orderedBits(reference));
    if (ulps > worst) {
      worst = ulps;
      worstAt = x[i];
    }
    if (i < half)
      odd = odd && approx[i + half] == -approx[i];
  }
  report(exactIsLibm, "--exact-math: tanh is libm's tanhf bit for bit");
  report(worst <= 5, "tanh within 5 ulp of tanhf on " + std::to_string(x.size()) +
                         " floats (worst " + std::to_string(worst) + " ulp at " +
                         std::to_string(worstAt) + ")");
  report(odd, "tanh(-x) = -tanh(x)");
  report(nanKept, "tanh(NaN) is NaN");
  float inf = std::numeric_limits<float>::infinity();
  size_t infAt = 0;
  while (x[infAt] != inf)
    ++infAt;
  report(approx[infAt] == 1.0f && approx[infAt + half] == -1.0f && approx[0] == 0.0f &&
             std::signbit(approx[half]),
         "tanh(+-inf) = +-1, tanh(+-0) = +-0");
  std::printf("%d failed\n", failures);
  return failures ? 1 : 0;
}
