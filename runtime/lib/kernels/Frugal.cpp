// SPDX-License-Identifier: Apache-2.0
// kiln_frugal_f32/_f64 (Abi.h): one FRUGAL step (ALGORITHMS.md 2) for one parameter, in a
// single pass over memory. The state-full subspace is a sorted list of columns, rows or
// coordinates; each thread walks its part of the parameter with a pointer into that list,
// so state-full and state-free coordinates are updated in the same loop, reading m and v
// only where they exist (no mask, no projected copy, no position map).
#include "kiln/runtime/Abi.h"
#include "kiln/runtime/Random.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

namespace {

// Philox counter stream of subspace draws, apart from the fills' (1, 2) and dropout's.
constexpr uint32_t kSubspaceStream = 0x46525547u; // "FRUG"

kiln_frugal_config configOf(const int64_t *params) {
  kiln_frugal_config c;
  std::memcpy(&c, params, sizeof(c));
  return c;
}

/// `k` distinct indices of [0, n), ascending: the first k entries of a Fisher-Yates shuffle
/// whose i-th swap partner comes from Philox4x32-10 (counter {i, i >> 32, stream}, `key`).
void drawSubspace(int64_t n, int64_t k, uint64_t key, int64_t *out) {
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  for (int64_t i = 0; i < k; ++i) {
    auto w = kiln::rt::philox4x32(
        {uint32_t(i), uint32_t(uint64_t(i) >> 32), kSubspaceStream, 0},
        {uint32_t(key), uint32_t(key >> 32)});
    uint64_t r = (uint64_t(w[0]) << 32) | w[1];
    std::swap(perm[i], perm[i + int64_t(r % uint64_t(n - i))]);
  }
  std::copy(perm.begin(), perm.begin() + k, out);
  std::sort(out, out + k);
}

/// The per-coordinate rules, in torch.optim's single-tensor op order (foreach=False) with
/// its Python-double scalars rounded to T where they meet a tensor, so that density 1 gives
/// kiln.adamw and density 0 kiln.sign_sgd bit for bit (test/e2e/frugal.test).
template <typename T> struct Step {
  const kiln_frugal_config &c;
  T decay, negFullStep, negFreeStep, lerpWeight, oneMinusWeight, beta2, oneMinusBeta2, momentum,
      bc2Sqrt, eps;
  bool lerpForward;

  Step(const kiln_frugal_config &config, int64_t s)
      : c(config), decay(T(1 - config.lr * config.weight_decay)),
        negFullStep(T(-(config.state_full == 0
                            ? config.lr / (1 - std::pow(config.beta1, double(s)))
                            : config.lr))),
        negFreeStep(T(-(config.lr * config.free_lr_scale))),
        lerpWeight(T(1 - config.beta1)), oneMinusWeight(T(1 - (1 - config.beta1))),
        beta2(T(config.beta2)), oneMinusBeta2(T(1 - config.beta2)), momentum(T(config.beta1)),
        bc2Sqrt(T(std::sqrt(1 - std::pow(config.beta2, double(s))))), eps(T(config.eps)),
        lerpForward(1 - config.beta1 < 0.5) {}

  /// A state-full coordinate, after the decoupled weight decay: AdamW (torch's lerp_ for the
  /// first moment, epsilon after bias-correcting sqrt(v)) or heavy-ball momentum (torch SGD,
  /// dampening 0).
  void full(T &p, T g, T &m, T *v) const {
    p = p * decay;
    if (c.state_full == 0) {
      m = lerpForward ? m + lerpWeight * (g - m) : g - (g - m) * oneMinusWeight;
      *v = *v * beta2 + (oneMinusBeta2 * g) * g;
      T denom = std::sqrt(*v) / bc2Sqrt + eps;
      p = p + (negFullStep * m) / denom;
    } else {
      m = m * momentum + g;
      p = p + negFullStep * m;
    }
  }
  /// A state-free coordinate: signSGD (torch.sign: sign(0) = 0, NaN stays NaN) or SGD.
  void free(T &p, T g) const {
    p = p * decay;
    T direction = c.state_free == 0 ? (g > 0 ? T(1) : g < 0 ? T(-1) : g) : g;
    p = p + negFreeStep * direction;
  }
};

template <typename T> void frugal(const int64_t *params, void *const *buffers) {
  const kiln_frugal_config c = configOf(params);
  const T *g = static_cast<const T *>(buffers[0]);
  T *p = static_cast<T *>(buffers[1]);
  T *m = static_cast<T *>(buffers[2]);
  T *v = static_cast<T *>(buffers[3]);
  int64_t *sub = static_cast<int64_t *>(buffers[4]);
  int64_t *step = static_cast<int64_t *>(buffers[5]);
  int64_t *key = static_cast<int64_t *>(buffers[6]);
  const int64_t span = c.projection == 0 ? c.cols : c.projection == 1 ? c.rows : c.rows * c.cols;
  const int64_t stateSize = c.projection == 0 ? c.rows * c.k : c.projection == 1 ? c.k * c.cols : c.k;
  // Re-selection (ALGORITHMS.md 2.3, reset_statistics): at the first step and every
  // update_gap steps, a new subspace, zero state, and the bias-correction count restarts.
  if (c.k > 0 && (sub[0] < 0 || *step >= c.update_gap)) {
    drawSubspace(span, c.k, uint64_t(*key), sub);
    *key += 1;
    std::memset(m, 0, sizeof(T) * stateSize);
    if (c.state_full == 0)
      std::memset(v, 0, sizeof(T) * stateSize);
    *step = 0;
  }
  *step += 1;
  const Step<T> rule(c, *step);
  if (c.projection == 0) {
    // Columns: each row walks the sorted column list; state row i holds its k columns.
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < c.rows; ++i) {
      int64_t t = 0;
      for (int64_t j = 0; j < c.cols; ++j) {
        int64_t at = i * c.cols + j;
        if (t < c.k && sub[t] == j) {
          rule.full(p[at], g[at], m[i * c.k + t], c.state_full == 0 ? &v[i * c.k + t] : nullptr);
          ++t;
        } else {
          rule.free(p[at], g[at]);
        }
      }
    }
  } else if (c.projection == 1) {
    // Rows: a row is wholly state-full (state row t) or wholly state-free.
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < c.rows; ++i) {
      const int64_t *found = std::lower_bound(sub, sub + c.k, i);
      int64_t t = found - sub;
      bool full = t < c.k && *found == i;
      for (int64_t j = 0; j < c.cols; ++j) {
        int64_t at = i * c.cols + j;
        if (full)
          rule.full(p[at], g[at], m[t * c.cols + j],
                    c.state_full == 0 ? &v[t * c.cols + j] : nullptr);
        else
          rule.free(p[at], g[at]);
      }
    }
  } else {
    // Coordinates (RandK): fixed chunks of the flat index space, each finding its first
    // state-full coordinate by binary search.
    const int64_t n = c.rows * c.cols, chunk = 16384;
#pragma omp parallel for schedule(static)
    for (int64_t begin = 0; begin < n; begin += chunk) {
      int64_t end = std::min(n, begin + chunk);
      int64_t t = std::lower_bound(sub, sub + c.k, begin) - sub;
      for (int64_t at = begin; at < end; ++at) {
        if (t < c.k && sub[t] == at) {
          rule.full(p[at], g[at], m[t], c.state_full == 0 ? &v[t] : nullptr);
          ++t;
        } else {
          rule.free(p[at], g[at]);
        }
      }
    }
  }
}

} // namespace

extern "C" __attribute__((visibility("default"))) void kiln_frugal_f32(const int64_t *params,
                                                                       void *const *buffers) {
  frugal<float>(params, buffers);
}
extern "C" __attribute__((visibility("default"))) void kiln_frugal_f64(const int64_t *params,
                                                                       void *const *buffers) {
  frugal<double>(params, buffers);
}
