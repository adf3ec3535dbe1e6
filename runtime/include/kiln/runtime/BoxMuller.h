// SPDX-License-Identifier: Apache-2.0
// The Box-Muller transform of Kiln's normal fills, with its own logarithm, sine and cosine:
// one definition for the CPU (runtime/lib/core/NormalTile.cpp, vectorized) and the CUDA
// kernel (runtime/lib/cuda/kernels/Random.cu), both compiled without FMA contraction or
// reassociation, so that a draw is the same bits on either. Only +, -, *, / and sqrt are
// used, which IEEE 754 rounds the same everywhere; no branches, so loops vectorize.
//
// The functions follow fdlibm 5.3 (Sun Microsystems; the same algorithms as glibc's and
// musl's e_log.c, k_sin.c and k_cos.c): log by the reduction x = 2^k (1 + f) and a
// polynomial in s = f / (2 + f); sine and cosine by Cody-Waite reduction modulo pi/2 (the
// angles here lie in [0, 2 pi)) and the minimax polynomials of |y| <= pi/4. Each is within
// 1 ulp of the true value, as libm's.
#ifndef KILN_RUNTIME_BOXMULLER_H
#define KILN_RUNTIME_BOXMULLER_H

#include "kiln/runtime/Philox.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace kiln::rt::detail {

KILN_HOST_DEVICE inline uint64_t bitsOf(double x) {
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
KILN_HOST_DEVICE inline double fromBits(uint64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

/// log(x) for a normal x > 0 (the fills' uniforms lie in [2^-53, 1]).
KILN_HOST_DEVICE inline double boxMullerLog(double x) {
  constexpr double ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10;
  constexpr double lg1 = 6.666666666666735130e-01, lg2 = 3.999999999940941908e-01,
                   lg3 = 2.857142874366239149e-01, lg4 = 2.222219843214978396e-01,
                   lg5 = 1.818357216161805012e-01, lg6 = 1.531383769920937332e-01,
                   lg7 = 1.479819860511658591e-01;
  const uint64_t bits = bitsOf(x);
  const uint32_t high = uint32_t(bits >> 32);
  const uint32_t mantissaHigh = high & 0x000fffffu;
  // 1 + f in [sqrt(2)/2, sqrt(2)): the exponent goes up by one above sqrt(2).
  const uint32_t above = (mantissaHigh + 0x95f64u) & 0x100000u;
  const int32_t k = int32_t(high >> 20) - 1023 + int32_t(above >> 20);
  const double m = fromBits((uint64_t(mantissaHigh | (above ^ 0x3ff00000u)) << 32) |
                            (bits & 0xffffffffu));
  const double f = m - 1.0;
  const double s = f / (2.0 + f), dk = double(k);
  const double z = s * s, w = z * z;
  const double t1 = w * (lg2 + w * (lg4 + w * lg6));
  const double t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)));
  const double r = t2 + t1;
  // fdlibm's two forms: with 0.5 f^2 split out where f is not small.
  const bool large = int32_t((mantissaHigh - 0x6147au) | (0x6b851u - mantissaHigh)) > 0;
  const double hfsq = 0.5 * f * f;
  const double viaSquare = dk * ln2Hi - ((hfsq - (s * (hfsq + r) + dk * ln2Lo)) - f);
  const double direct = dk * ln2Hi - ((s * (f - r) - dk * ln2Lo) - f);
  return large ? viaSquare : direct;
}

/// sin(angle) and cos(angle) for angle in [0, 2 pi].
KILN_HOST_DEVICE inline void boxMullerSinCos(double angle, double &sine, double &cosine) {
  constexpr double invPio2 = 6.36619772367581382433e-01;
  // pi/2 in two parts, the first of 33 bits: n * pio2Hi is exact for the n here.
  constexpr double pio2Hi = 1.57079632673412561417e+00, pio2Lo = 6.07710050650619224932e-11;
  constexpr double s1 = -1.66666666666666324348e-01, s2 = 8.33333333332248946124e-03,
                   s3 = -1.98412698298579493134e-04, s4 = 2.75573137070700676789e-06,
                   s5 = -2.50507602534068634195e-08, s6 = 1.58969099521155010221e-10;
  constexpr double c1 = 4.16666666666666019037e-02, c2 = -1.38888888888741095749e-03,
                   c3 = 2.48015872894767294178e-05, c4 = -2.75573143513906633035e-07,
                   c5 = 2.08757232129817482790e-09, c6 = -1.13596475577881948265e-11;
  const int32_t n = int32_t(angle * invPio2 + 0.5); // the nearest quadrant, 0 to 4
  const double dn = double(n);
  const double y = (angle - dn * pio2Hi) - dn * pio2Lo; // in [-pi/4, pi/4]
  const double z = y * y;
  const double sr = s2 + z * (s3 + z * (s4 + z * (s5 + z * s6)));
  const double sy = y + z * y * (s1 + z * sr);
  const double cr = z * (c1 + z * (c2 + z * (c3 + z * (c4 + z * (c5 + z * c6)))));
  // cos: 1 - (z/2 - z r) below |y| = 0.3; above it, 1 - qx - ((z/2 - qx) - z r) with qx
  // about y^2/4 (cut to its high word), or 0.28125 above 0.78125, for accuracy.
  const uint64_t absBits = bitsOf(y) & 0x7fffffffffffffffull;
  const uint32_t absHigh = uint32_t(absBits >> 32);
  const double qx = absHigh > 0x3fe90000u ? 0.28125
                                          : fromBits(uint64_t(absHigh - 0x00200000u) << 32);
  const double cSmall = 1.0 - (0.5 * z - z * cr);
  const double cLarge = (1.0 - qx) - ((0.5 * z - qx) - z * cr);
  const double cy = absHigh < 0x3fd33333u ? cSmall : cLarge;
  // Quadrant q = n mod 4: sin = (sy, cy, -sy, -cy)[q], cos = (cy, -sy, -cy, sy)[q].
  const bool odd = (n & 1) != 0;
  const double sineMagnitude = odd ? cy : sy, cosineMagnitude = odd ? sy : cy;
  sine = (n & 2) != 0 ? -sineMagnitude : sineMagnitude;
  cosine = ((n + 1) & 2) != 0 ? -cosineMagnitude : cosineMagnitude;
}

/// One Box-Muller pair from uniforms u1 in (0, 1] and u2 in [0, 1): r cos t and r sin t,
/// r = scale sqrt(-2 log u1), t = 2 pi u2.
KILN_HOST_DEVICE inline void boxMullerPair(double u1, double u2, double scale, double &c,
                                           double &s) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  const double radius = scale * std::sqrt(-2.0 * boxMullerLog(u1));
  double sine, cosine;
  boxMullerSinCos(kTwoPi * u2, sine, cosine);
  c = radius * cosine;
  s = radius * sine;
}

} // namespace kiln::rt::detail

#endif // KILN_RUNTIME_BOXMULLER_H
