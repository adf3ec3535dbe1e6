// SPDX-License-Identifier: Apache-2.0
// Streaming-limit and hand-written optimizer kernels; built -O3 -march=native -fopenmp.
#include "ReferenceKernels.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

namespace kiln::bench {

namespace {

// Where the limit kernel's gradient reductions go, so they cannot be optimised away.
volatile float gradSumSink;

// Per-step scalars are computed in double and rounded to f32 where they meet a tensor, as
// PyTorch does with its Python-float hyperparameters.
float f32(double x) { return static_cast<float>(x); }

template <bool Decoupled>
void adamFamily(const Hyper &h, int64_t t, const Slot *slots, size_t count,
                float gradScale = 1.0f) {
  const float stepSize = f32(h.lr / (1 - std::pow(h.beta1, double(t))));
  const float bc2Sqrt = f32(std::sqrt(1 - std::pow(h.beta2, double(t))));
  const float b1 = f32(h.beta1), b2 = f32(h.beta2), c1 = f32(1 - h.beta1),
              c2 = f32(1 - h.beta2), eps = f32(h.eps), wd = f32(h.weightDecay),
              decay = f32(1 - h.lr * h.weightDecay);
  for (size_t s = 0; s < count; ++s) {
    float *p = slots[s].param, *m = slots[s].state[0], *v = slots[s].state[1];
    const float *g = slots[s].grad;
    const int64_t n = slots[s].n;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      float pi = p[i], gi = g[i] * gradScale;
      if (Decoupled)
        pi *= decay;
      else
        gi += wd * pi;
      float mi = b1 * m[i] + c1 * gi;
      float vi = b2 * v[i] + c2 * gi * gi;
      float denom = std::sqrt(vi) / bc2Sqrt + eps;
      p[i] = pi - stepSize * mi / denom;
      m[i] = mi;
      v[i] = vi;
    }
  }
}

// The share of [0, total) that thread `tid` of `nt` streams, cut at 64-byte boundaries so no
// two threads write one cache line.
void threadShare(int64_t total, int tid, int nt, int64_t &begin, int64_t &end) {
  auto cut = [&](int64_t k) { return std::min(total, (total * k / nt) & ~int64_t(15)); };
  begin = tid == 0 ? 0 : cut(tid);
  end = tid == nt - 1 ? total : cut(tid + 1);
}

// Calls fn(slot, lo, hi) for the parts of each tensor inside the global range [begin, end).
template <class Fn>
void forEachSegment(const Slot *slots, size_t count, int64_t begin, int64_t end, Fn fn) {
  int64_t offset = 0;
  for (size_t s = 0; s < count && offset < end; offset += slots[s].n, ++s) {
    int64_t lo = std::max(begin, offset), hi = std::min(end, offset + slots[s].n);
    if (lo < hi)
      fn(slots[s], lo - offset, hi - offset);
  }
}

// restrict-qualified parameters, because GCC gives up on runtime alias checks between five
// arrays and would leave the limit scalar.
template <int S>
void streamSegment(float *__restrict p, const float *__restrict g, float *__restrict s0,
                   float *__restrict s1, float *__restrict s2, int64_t lo, int64_t hi,
                   float keep, float drop) {
  for (int64_t i = lo; i < hi; ++i) {
    float gi = g[i] * drop;
    if constexpr (S > 0)
      s0[i] = s0[i] * keep + gi;
    if constexpr (S > 1)
      s1[i] = s1[i] * keep + gi;
    if constexpr (S > 2)
      s2[i] = s2[i] * keep + gi;
    p[i] = p[i] * keep + gi;
  }
}

template <int S>
void streamLimitImpl(const Slot *slots, size_t count, int gradPasses) {
  // Loaded through volatile so the compiler cannot fold x * 1 + g * 0 into a no-op and drop
  // the traffic this kernel exists to measure.
  static volatile float oneSource = 1.0f, zeroSource = 0.0f;
  const float keep = oneSource, drop = zeroSource;
  int64_t total = 0;
  for (size_t s = 0; s < count; ++s)
    total += slots[s].n;
#pragma omp parallel
  {
    int64_t begin, end;
    threadShare(total, omp_get_thread_num(), omp_get_num_threads(), begin, end);
    for (int pass = 0; pass < gradPasses; ++pass) {
      float sum = 0;
      forEachSegment(slots, count, begin, end, [&](const Slot &sl, int64_t lo, int64_t hi) {
        const float *g = sl.grad;
#pragma omp simd reduction(+ : sum)
        for (int64_t i = lo; i < hi; ++i)
          sum += g[i] * g[i];
      });
      gradSumSink = sum;
      // A global reduction must finish before the update that uses it can start.
#pragma omp barrier
    }
    forEachSegment(slots, count, begin, end, [&](const Slot &sl, int64_t lo, int64_t hi) {
      streamSegment<S>(sl.param, sl.grad, sl.state[0], sl.state[1], sl.state[2], lo, hi, keep,
                       drop);
    });
  }
}

} // namespace

void sgdStep(const Hyper &h, int64_t, const Slot *slots, size_t count) {
  const float lr = f32(h.lr), wd = f32(h.weightDecay);
  for (size_t s = 0; s < count; ++s) {
    float *p = slots[s].param;
    const float *g = slots[s].grad;
    const int64_t n = slots[s].n;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i)
      p[i] -= lr * (g[i] + wd * p[i]);
  }
}

void momentumStep(const Hyper &h, int64_t, const Slot *slots, size_t count) {
  const float lr = f32(h.lr), wd = f32(h.weightDecay), mu = f32(h.momentum);
  const bool nesterov = h.nesterov;
  for (size_t s = 0; s < count; ++s) {
    float *p = slots[s].param, *buf = slots[s].state[0];
    const float *g = slots[s].grad;
    const int64_t n = slots[s].n;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      float gi = g[i] + wd * p[i];
      float b = mu * buf[i] + gi;
      buf[i] = b;
      p[i] -= lr * (nesterov ? gi + mu * b : b);
    }
  }
}

void adamStep(const Hyper &h, int64_t t, const Slot *slots, size_t count) {
  adamFamily<false>(h, t, slots, count);
}

void adamwStep(const Hyper &h, int64_t t, const Slot *slots, size_t count) {
  adamFamily<true>(h, t, slots, count);
}

double clipCoefficient(const Hyper &h, const Slot *slots, size_t count) {
  double sum = 0;
  for (size_t s = 0; s < count; ++s) {
    const float *g = slots[s].grad;
    const int64_t n = slots[s].n;
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i)
      sum += double(g[i]) * double(g[i]);
  }
  return std::min(1.0, h.maxNorm / (std::sqrt(sum) + 1e-6));
}

void adamwClipStep(const Hyper &h, int64_t t, const Slot *slots, size_t count) {
  double coef = std::isnan(h.clipCoefficient) ? clipCoefficient(h, slots, count)
                                               : h.clipCoefficient;
  adamFamily<true>(h, t, slots, count, f32(coef));
}

void streamLimit(const Slot *slots, size_t count, int numState, int gradPasses) {
  switch (numState) {
  case 0: return streamLimitImpl<0>(slots, count, gradPasses);
  case 1: return streamLimitImpl<1>(slots, count, gradPasses);
  case 2: return streamLimitImpl<2>(slots, count, gradPasses);
  default: return streamLimitImpl<3>(slots, count, gradPasses);
  }
}

void fillPattern(float *a, int64_t n, uint64_t seed, float lo, float hi) {
  const float scale = (hi - lo) / float(1 << 24);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    // splitmix64: cheap, stateless per element, so the fill parallelises and is reproducible.
    uint64_t z = seed + uint64_t(i) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    a[i] = lo + scale * float(z >> 40);
  }
}

void setThreads(int threads) { omp_set_num_threads(threads); }

} // namespace kiln::bench
