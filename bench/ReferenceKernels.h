// SPDX-License-Identifier: Apache-2.0
// The benchmark's yardsticks for Kiln: a same-pattern streaming kernel and hand-written loops.
#ifndef KILN_BENCH_REFERENCEKERNELS_H
#define KILN_BENCH_REFERENCEKERNELS_H

#include <cstddef>
#include <cstdint>
#include <limits>

namespace kiln::bench {

/// The most state arrays any optimizer keeps per parameter (AMSGrad: m, v and max v).
constexpr int kMaxState = 3;

/// One parameter tensor with its gradient and optimizer state: caller-owned f32 buffers of
/// `n` elements each, shared by every variant of a case so all of them touch the same pages.
struct Slot {
  float *param = nullptr;
  const float *grad = nullptr;
  float *state[kMaxState] = {};
  int64_t n = 0;
};

/// Hyperparameters under PyTorch's names; each update reads only those it uses. Setters
/// return a copy so the benchmark's table rows stay one expression each.
struct Hyper {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, momentum = 0;
  double maxNorm = 0; ///< clip the gradients to this global L2 norm first (0: no clipping)
  /// The clipping coefficient, when already known (the correctness check runs the loop on
  /// windows of the tensors, whose own norm is not the global one); NaN: compute it.
  double clipCoefficient = std::numeric_limits<double>::quiet_NaN();
  bool nesterov = false;

  Hyper withLr(double v) const { Hyper h = *this; h.lr = v; return h; }
  Hyper withBetas(double b1, double b2) const {
    Hyper h = *this; h.beta1 = b1; h.beta2 = b2; return h;
  }
  Hyper withEps(double v) const { Hyper h = *this; h.eps = v; return h; }
  Hyper withWeightDecay(double v) const { Hyper h = *this; h.weightDecay = v; return h; }
  Hyper withMaxNorm(double v) const { Hyper h = *this; h.maxNorm = v; return h; }
  Hyper withMomentum(double v, bool nest = false) const {
    Hyper h = *this; h.momentum = v; h.nesterov = nest; return h;
  }
};

/// A hand-written optimizer step over `count` tensors at the 1-based step `t`: the
/// docs/algorithms.md §8 / PyTorch equations in f32 with IEEE sqrt and division, one OpenMP
/// parallel loop per tensor (what straightforward multi-tensor code does).
using HandStep = void (*)(const Hyper &h, int64_t t, const Slot *slots, size_t count);

void sgdStep(const Hyper &h, int64_t t, const Slot *slots, size_t count);
void momentumStep(const Hyper &h, int64_t t, const Slot *slots, size_t count);
void adamStep(const Hyper &h, int64_t t, const Slot *slots, size_t count);
void adamwStep(const Hyper &h, int64_t t, const Slot *slots, size_t count);
/// torch.nn.utils.clip_grad_norm_ over all gradients (one reduction pass), then AdamW on the
/// clipped gradients.
void adamwClipStep(const Hyper &h, int64_t t, const Slot *slots, size_t count);
/// min(1, maxNorm / (norm + 1e-6)) over every gradient: clip_grad_norm_'s coefficient.
double clipCoefficient(const Hyper &h, const Slot *slots, size_t count);

/// The machine's limit for an update with `numState` state arrays: reads param, grad and the
/// state, writes param and the state, with one multiply-add per written value and nothing else.
/// `gradPasses` extra read-only passes over every gradient come first, as a global reduction
/// (clip by global norm) needs. All tensors are split over the threads in one parallel region,
/// by element count, so the limit includes no per-tensor fork/join. Values are left unchanged
/// (x * 1 + g * 0), so Kiln and the hand-written loop see sane data whatever ran before.
void streamLimit(const Slot *slots, size_t count, int numState, int gradPasses);

/// Fills `a` with a deterministic pattern in [lo, hi) using the benchmark's threads, so every
/// page is faulted in, by the threads that later stream it, before anything is timed.
void fillPattern(float *a, int64_t n, uint64_t seed, float lo, float hi);

/// The thread count of every parallel region above (omp_set_num_threads).
void setThreads(int threads);

} // namespace kiln::bench

#endif // KILN_BENCH_REFERENCEKERNELS_H
