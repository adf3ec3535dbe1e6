// SPDX-License-Identifier: Apache-2.0
// The pooling kernels of CUDA modules (Abi.h's max_pool2d, avg_pool2d and their gradients),
// device code only: the host side (runtime/lib/cuda/Window.cpp) launches them through the
// driver. Each mirrors runtime/lib/kernels/Window.cpp's loops, with the same tap geometry
// and tie rule (WindowIndex.h, shared), in the same order of taps and windows and without
// FMA contraction (-fmad=false), so that the GPU's results equal the CPU's bit for bit. The backward passes gather (a thread per input element, its
// windows in the CPU's scatter order) instead of scattering, so they need no atomics and
// repeat exactly.
#include "../../kernels/WindowIndex.h"
#include "kiln/runtime/Abi.h"

#include <cstdint>

namespace {

using kiln::rt::kernels::argmaxOfWindow;
using kiln::rt::kernels::averageGradientAt;
using kiln::rt::kernels::averageOfWindow;
using kiln::rt::kernels::source;
using kiln::rt::kernels::target;

__device__ inline int64_t firstIndex() {
  return int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline int64_t indexStride() { return int64_t(gridDim.x) * blockDim.x; }

template <typename T>
__device__ void maxPool(kiln_window_geometry g, const T *x, T *y) {
  const int64_t total = g.n * g.c * g.oh * g.ow;
  for (int64_t i = firstIndex(); i < total; i += indexStride()) {
    int64_t ow = i % g.ow, oh = (i / g.ow) % g.oh, p = i / (g.ow * g.oh);
    const T *plane = x + p * g.h * g.w;
    int64_t at = argmaxOfWindow(g, plane, oh, ow);
    y[i] = at < 0 ? -T(INFINITY) : plane[at];
  }
}

template <typename T>
__device__ void maxPoolGrad(kiln_window_geometry g, const T *x, const T *dy, T *dx) {
  const int64_t total = g.n * g.c * g.h * g.w;
  for (int64_t i = firstIndex(); i < total; i += indexStride()) {
    int64_t iw = i % g.w, ih = (i / g.w) % g.h, p = i / (g.w * g.h);
    const T *plane = x + p * g.h * g.w;
    const T *grad = dy + p * g.oh * g.ow;
    const int64_t self = ih * g.w + iw;
    T sum = T(0);
    // Windows in ascending (oh, ow), the order the CPU kernel adds them in: a later tap
    // row is an earlier window row.
    for (int64_t kh = g.kh - 1; kh >= 0; --kh) {
      int64_t oh = target(ih, kh, g.sh, g.ph, g.dh, g.oh);
      if (oh < 0)
        continue;
      for (int64_t kw = g.kw - 1; kw >= 0; --kw) {
        int64_t ow = target(iw, kw, g.sw, g.pw, g.dw, g.ow);
        if (ow >= 0 && argmaxOfWindow(g, plane, oh, ow) == self)
          sum += grad[oh * g.ow + ow];
      }
    }
    dx[i] = sum;
  }
}

template <typename T>
__device__ void avgPool(kiln_window_geometry g, const T *x, T *y) {
  const int64_t total = g.n * g.c * g.oh * g.ow;
  for (int64_t i = firstIndex(); i < total; i += indexStride()) {
    int64_t ow = i % g.ow, oh = (i / g.ow) % g.oh, p = i / (g.ow * g.oh);
    y[i] = averageOfWindow(g, x + p * g.h * g.w, oh, ow);
  }
}

template <typename T>
__device__ void avgPoolGrad(kiln_window_geometry g, const T *dy, T *dx) {
  const int64_t total = g.n * g.c * g.h * g.w;
  for (int64_t i = firstIndex(); i < total; i += indexStride()) {
    int64_t iw = i % g.w, ih = (i / g.w) % g.h, p = i / (g.w * g.h);
    dx[i] = averageGradientAt(g, dy + p * g.oh * g.ow, ih, iw);
  }
}

} // namespace

// The entry points runtime/lib/cuda/Window.cpp looks up by name (kiln_gpu_: the host
// functions of Abi.h own the kiln_<kernel> names).
#define KILN_POOLING_KERNELS(suffix, T)                                                     \
  extern "C" __global__ void kiln_gpu_max_pool2d_##suffix(kiln_window_geometry g, const T *x, \
                                                      T *y) {                               \
    maxPool(g, x, y);                                                                       \
  }                                                                                         \
  extern "C" __global__ void kiln_gpu_max_pool2d_grad_##suffix(kiln_window_geometry g,      \
                                                           const T *x, const T *dy, T *dx) { \
    maxPoolGrad(g, x, dy, dx);                                                              \
  }                                                                                         \
  extern "C" __global__ void kiln_gpu_avg_pool2d_##suffix(kiln_window_geometry g, const T *x, \
                                                      T *y) {                               \
    avgPool(g, x, y);                                                                       \
  }                                                                                         \
  extern "C" __global__ void kiln_gpu_avg_pool2d_grad_##suffix(kiln_window_geometry g,      \
                                                           const T *dy, T *dx) {            \
    avgPoolGrad(g, dy, dx);                                                                 \
  }
KILN_POOLING_KERNELS(f32, float)
KILN_POOLING_KERNELS(f64, double)
