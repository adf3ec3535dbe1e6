// SPDX-License-Identifier: Apache-2.0
// Where a window kernel's taps fall, and which tap of a window is its maximum: shared by the
// CPU kernels (Window.cpp) and the CUDA ones (runtime/lib/cuda/kernels/Window.cu), so that
// both pad, stride, dilate and break ties the same way. Private to the runtime.
#ifndef KILN_RUNTIME_KERNELS_WINDOWINDEX_H
#define KILN_RUNTIME_KERNELS_WINDOWINDEX_H

#include "kiln/runtime/Abi.h"
#include "kiln/runtime/HostDevice.h"

#include <cstdint>

namespace kiln::rt::kernels {

/// Input row/column read by output position `out` and window tap `k`, or -1 in the padding.
KILN_HOST_DEVICE inline int64_t source(int64_t out, int64_t k, int64_t stride, int64_t pad,
                                       int64_t dilation, int64_t size) {
  int64_t i = out * stride - pad + k * dilation;
  return i >= 0 && i < size ? i : -1;
}

/// The output position whose window tap `k` reads input `in`, or -1 when none does.
KILN_HOST_DEVICE inline int64_t target(int64_t in, int64_t k, int64_t stride, int64_t pad,
                                       int64_t dilation, int64_t outSize) {
  int64_t t = in + pad - k * dilation;
  if (t < 0 || t % stride != 0 || t / stride >= outSize)
    return -1;
  return t / stride;
}

/// The flat input index of the maximum of one window (torch's rule: the first maximum, or
/// the last NaN), or -1 when the window lies wholly in the padding.
template <typename T>
KILN_HOST_DEVICE int64_t argmaxOfWindow(const kiln_window_geometry &g, const T *plane, int64_t oh,
                                        int64_t ow) {
  int64_t best = -1;
  T bestValue = T(0);
  for (int64_t kh = 0; kh < g.kh; ++kh) {
    int64_t ih = source(oh, kh, g.sh, g.ph, g.dh, g.h);
    if (ih < 0)
      continue;
    for (int64_t kw = 0; kw < g.kw; ++kw) {
      int64_t iw = source(ow, kw, g.sw, g.pw, g.dw, g.w);
      if (iw < 0)
        continue;
      T v = plane[ih * g.w + iw];
      if (best < 0 || v > bestValue || v != v) { // v != v: NaN wins
        best = ih * g.w + iw;
        bestValue = v;
      }
    }
  }
  return best;
}

/// Average pooling's output (oh, ow) of one plane: the window's in-image taps summed in scan
/// order, times 1 / (kh kw) (count_include_pad).
template <typename T>
KILN_HOST_DEVICE T averageOfWindow(const kiln_window_geometry &g, const T *plane, int64_t oh,
                                   int64_t ow) {
  const T scale = T(1) / T(g.kh * g.kw);
  T sum = 0;
  for (int64_t kh = 0; kh < g.kh; ++kh) {
    int64_t ih = source(oh, kh, g.sh, g.ph, g.dh, g.h);
    if (ih < 0)
      continue;
    for (int64_t kw = 0; kw < g.kw; ++kw) {
      int64_t iw = source(ow, kw, g.sw, g.pw, g.dw, g.w);
      if (iw >= 0)
        sum += plane[ih * g.w + iw];
    }
  }
  return sum * scale;
}

/// Average pooling's input gradient at (ih, iw) of one plane, from the plane's output
/// gradients `dy`: the windows reading it summed in tap order, times 1 / (kh kw).
template <typename T>
KILN_HOST_DEVICE T averageGradientAt(const kiln_window_geometry &g, const T *dy, int64_t ih,
                                     int64_t iw) {
  const T scale = T(1) / T(g.kh * g.kw);
  T sum = 0;
  for (int64_t kh = 0; kh < g.kh; ++kh) {
    int64_t oh = target(ih, kh, g.sh, g.ph, g.dh, g.oh);
    if (oh < 0)
      continue;
    for (int64_t kw = 0; kw < g.kw; ++kw) {
      int64_t ow = target(iw, kw, g.sw, g.pw, g.dw, g.ow);
      if (ow >= 0)
        sum += dy[oh * g.ow + ow];
    }
  }
  return sum * scale;
}

} // namespace kiln::rt::kernels

#endif // KILN_RUNTIME_KERNELS_WINDOWINDEX_H
