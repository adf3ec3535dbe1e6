// SPDX-License-Identifier: Apache-2.0
// Plain-loop window kernels. Each output element is computed by one thread from its inputs
// (gradients gather instead of scattering), so results do not depend on the thread count.
#include "Window.h"
#include "WindowIndex.h"
#include "../core/TargetClones.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <vector>

namespace kiln::rt::kernels {

template <typename T>
void conv2d(const kiln_window_geometry &g, const T *x, const T *filter, T *y) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t o = 0; o < g.o; ++o) {
      const int64_t first = (o / og) * cg;
      for (int64_t oh = 0; oh < g.oh; ++oh)
        for (int64_t ow = 0; ow < g.ow; ++ow) {
          T acc = 0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t kh = 0; kh < g.kh; ++kh) {
              int64_t ih = source(oh, kh, g.sh, g.ph, g.dh, g.h);
              if (ih < 0)
                continue;
              for (int64_t kw = 0; kw < g.kw; ++kw) {
                int64_t iw = source(ow, kw, g.sw, g.pw, g.dw, g.w);
                if (iw >= 0)
                  acc += x[((n * g.c + first + ci) * g.h + ih) * g.w + iw] *
                         filter[((o * cg + ci) * g.kh + kh) * g.kw + kw];
              }
            }
          y[((n * g.o + o) * g.oh + oh) * g.ow + ow] = acc;
        }
    }
}

template <typename T>
void conv2dGradInput(const kiln_window_geometry &g, const T *dy, const T *filter, T *dx) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t c = 0; c < g.c; ++c) {
      const int64_t group = c / cg, ci = c % cg;
      for (int64_t ih = 0; ih < g.h; ++ih)
        for (int64_t iw = 0; iw < g.w; ++iw) {
          T acc = 0;
          for (int64_t o = group * og; o < (group + 1) * og; ++o)
            for (int64_t kh = 0; kh < g.kh; ++kh) {
              int64_t oh = target(ih, kh, g.sh, g.ph, g.dh, g.oh);
              if (oh < 0)
                continue;
              for (int64_t kw = 0; kw < g.kw; ++kw) {
                int64_t ow = target(iw, kw, g.sw, g.pw, g.dw, g.ow);
                if (ow >= 0)
                  acc += dy[((n * g.o + o) * g.oh + oh) * g.ow + ow] *
                         filter[((o * cg + ci) * g.kh + kh) * g.kw + kw];
              }
            }
          dx[((n * g.c + c) * g.h + ih) * g.w + iw] = acc;
        }
    }
}

template <typename T>
void conv2dGradFilter(const kiln_window_geometry &g, const T *x, const T *dy, T *dfilter) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t o = 0; o < g.o; ++o)
    for (int64_t ci = 0; ci < cg; ++ci) {
      const int64_t c = (o / og) * cg + ci;
      for (int64_t kh = 0; kh < g.kh; ++kh)
        for (int64_t kw = 0; kw < g.kw; ++kw) {
          T acc = 0;
          for (int64_t n = 0; n < g.n; ++n)
            for (int64_t oh = 0; oh < g.oh; ++oh) {
              int64_t ih = source(oh, kh, g.sh, g.ph, g.dh, g.h);
              if (ih < 0)
                continue;
              for (int64_t ow = 0; ow < g.ow; ++ow) {
                int64_t iw = source(ow, kw, g.sw, g.pw, g.dw, g.w);
                if (iw >= 0)
                  acc += dy[((n * g.o + o) * g.oh + oh) * g.ow + ow] *
                         x[((n * g.c + c) * g.h + ih) * g.w + iw];
              }
            }
          dfilter[((o * cg + ci) * g.kh + kh) * g.kw + kw] = acc;
        }
    }
}

template void conv2d(const kiln_window_geometry &, const float *, const float *, float *);
template void conv2d(const kiln_window_geometry &, const double *, const double *, double *);
template void conv2dGradInput(const kiln_window_geometry &, const float *, const float *, float *);
template void conv2dGradInput(const kiln_window_geometry &, const double *, const double *,
                              double *);
template void conv2dGradFilter(const kiln_window_geometry &, const float *, const float *,
                               float *);
template void conv2dGradFilter(const kiln_window_geometry &, const double *, const double *,
                               double *);

namespace {

/// 16 floats: one AVX-512 register, or two or four narrower ones in the other clones.
typedef float Lanes __attribute__((vector_size(64)));

/// One group's filter gradient [og, cg, kh, kw] from its image [cg, h, w] and cotangent
/// [og, oh, ow]: sixteen outputs at a time (the cotangent transposed into `dyT`, [oh ow, 16]),
/// eight taps of a filter row at a time, each tap's sum over the output positions kept in a
/// register. The patches are never materialized: an im2col copy would write every input
/// pixel kh kw / (sh sw) times, which cost more than the products themselves.
KILN_TARGET_CLONES void groupFilterGradient(const kiln_window_geometry &g, const float *image,
                                            const float *dy, float *dfilter, float *dyT) {
  const int64_t og = g.o / g.groups, cg = g.c / g.groups, positions = g.oh * g.ow;
  const int64_t taps = cg * g.kh * g.kw;
  for (int64_t o0 = 0; o0 < og; o0 += 16) {
    const int64_t width = std::min<int64_t>(16, og - o0);
    for (int64_t t = 0; t < positions; ++t)
      for (int64_t o = 0; o < 16; ++o)
        dyT[t * 16 + o] = o < width ? dy[(o0 + o) * positions + t] : 0.0f;
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t kh = 0; kh < g.kh; ++kh)
        for (int64_t kw0 = 0; kw0 < g.kw; kw0 += 8) {
          const int64_t n = std::min<int64_t>(8, g.kw - kw0);
          Lanes acc[8] = {};
          for (int64_t oh = 0; oh < g.oh; ++oh) {
            const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
            if (ih < 0 || ih >= g.h)
              continue;
            const float *in = image + (c * g.h + ih) * g.w;
            for (int64_t ow = 0; ow < g.ow; ++ow) {
              Lanes d;
              std::memcpy(&d, dyT + (oh * g.ow + ow) * 16, sizeof(d));
              const int64_t left = ow * g.sw - g.pw + kw0 * g.dw;
              float v[8];
              if (n == 8 && g.dw == 1 && left >= 0 && left + 8 <= g.w) {
                for (int j = 0; j < 8; ++j)
                  v[j] = in[left + j];
              } else {
                for (int j = 0; j < 8; ++j) {
                  const int64_t iw = left + j * g.dw;
                  v[j] = j < n && iw >= 0 && iw < g.w ? in[iw] : 0.0f;
                }
              }
              for (int j = 0; j < 8; ++j)
                acc[j] += v[j] * d;
            }
          }
          for (int64_t j = 0; j < n; ++j)
            for (int64_t o = 0; o < width; ++o)
              dfilter[(o0 + o) * taps + (c * g.kh + kh) * g.kw + kw0 + j] = acc[j][o];
        }
  }
}

} // namespace

void groupedFilterGradientOneImage(const kiln_window_geometry &g, const float *x,
                                   const float *dy, float *dfilter) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups, positions = g.oh * g.ow;
#pragma omp parallel
  {
    std::vector<float> dyT(static_cast<size_t>(positions * 16));
#pragma omp for schedule(static)
    for (int64_t group = 0; group < g.groups; ++group)
      groupFilterGradient(g, x + group * cg * g.h * g.w, dy + group * og * positions,
                          dfilter + group * og * cg * g.kh * g.kw, dyT.data());
  }
}

namespace {

/// The common 2x2, stride-2, unpadded window: no bounds to check, and the first maximum of
/// (a, b, c, d) in scan order, NaN winning, as argmaxOfWindow decides.
template <typename T> inline int64_t argmax2x2(const T *plane, int64_t w, int64_t oh, int64_t ow) {
  int64_t at[4] = {2 * oh * w + 2 * ow, 2 * oh * w + 2 * ow + 1, (2 * oh + 1) * w + 2 * ow,
                   (2 * oh + 1) * w + 2 * ow + 1};
  int64_t best = at[0];
  for (int k = 1; k < 4; ++k) {
    T v = plane[at[k]];
    if (v > plane[best] || std::isnan(v))
      best = at[k];
  }
  return best;
}

bool isPlain2x2(const kiln_window_geometry &g) {
  return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 &&
         g.dh == 1 && g.dw == 1;
}

/// No padding and no dilation: every window lies inside the image, so the scan needs no
/// bounds (any kernel and stride: the 2x2 stride-1 pooling of small CNNs among them).
bool isUnpadded(const kiln_window_geometry &g) {
  return g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1;
}

/// One output row of an unpadded window scan: for each window of the row (top-left input
/// `row + ow * sw`), the maximum (the taps in scan order, NaN winning, as argmaxOfWindow) and,
/// when `taps` is given, where it lies relative to the window's top-left (kh * w + kw). A row at a time, tap-major, so
/// the compares run across the row's windows in vector registers (contiguous at stride 1).
template <typename T>
inline void scanRow(const kiln_window_geometry &g, const T *row, T *best, int32_t *taps) {
  const int64_t ow = g.ow, sw = g.sw;
  for (int64_t o = 0; o < ow; ++o)
    best[o] = row[o * sw];
  if (taps)
    std::fill_n(taps, ow, 0);
  for (int64_t kh = 0; kh < g.kh; ++kh)
    for (int64_t kw = kh == 0 ? 1 : 0; kw < g.kw; ++kw) {
      const T *tap = row + kh * g.w + kw;
      const int32_t k = static_cast<int32_t>(kh * g.w + kw);
      if (taps) {
        for (int64_t o = 0; o < ow; ++o) {
          T v = tap[o * sw];
          bool take = v > best[o] || std::isnan(v);
          best[o] = take ? v : best[o];
          taps[o] = take ? k : taps[o];
        }
      } else {
        for (int64_t o = 0; o < ow; ++o) {
          T v = tap[o * sw];
          best[o] = v > best[o] || std::isnan(v) ? v : best[o];
        }
      }
    }
}

template <typename T> void maxPool(const kiln_window_geometry &g, const T *x, T *y) {
  if (isUnpadded(g)) {
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < g.n * g.c; ++p) {
      const T *plane = x + p * g.h * g.w;
      T *out = y + p * g.oh * g.ow;
      for (int64_t oh = 0; oh < g.oh; ++oh)
        scanRow(g, plane + oh * g.sh * g.w, out + oh * g.ow, static_cast<int32_t *>(nullptr));
    }
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < g.n * g.c; ++p) {
    const T *plane = x + p * g.h * g.w;
    for (int64_t oh = 0; oh < g.oh; ++oh)
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        int64_t i = argmaxOfWindow(g, plane, oh, ow);
        y[(p * g.oh + oh) * g.ow + ow] = i < 0 ? -std::numeric_limits<T>::infinity() : plane[i];
      }
  }
}

template <typename T>
void maxPoolGrad(const kiln_window_geometry &g, const T *x, const T *dy, T *dx) {
  if (isPlain2x2(g) && g.h == 2 * g.oh && g.w == 2 * g.ow) {
    // The windows tile the image exactly: each writes its four gradients, no zero pass.
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < g.n * g.c; ++p) {
      const T *plane = x + p * g.h * g.w;
      T *grad = dx + p * g.h * g.w;
      for (int64_t oh = 0; oh < g.oh; ++oh)
        for (int64_t ow = 0; ow < g.ow; ++ow) {
          int64_t top = 2 * oh * g.w + 2 * ow, best = argmax2x2(plane, g.w, oh, ow);
          T d = dy[(p * g.oh + oh) * g.ow + ow];
          for (int64_t at : {top, top + 1, top + g.w, top + g.w + 1})
            grad[at] = at == best ? d : T(0);
        }
    }
    return;
  }
  if (isUnpadded(g)) {
#pragma omp parallel
    {
      std::vector<T> best(static_cast<size_t>(g.ow));
      std::vector<int32_t> taps(static_cast<size_t>(g.ow));
#pragma omp for schedule(static)
      for (int64_t p = 0; p < g.n * g.c; ++p) {
        const T *plane = x + p * g.h * g.w;
        T *grad = dx + p * g.h * g.w;
        std::memset(grad, 0, sizeof(T) * g.h * g.w);
        // Scattering within one plane, in the order of the windows: every write of this
        // plane is made by this thread, in the same order whatever the thread count.
        for (int64_t oh = 0; oh < g.oh; ++oh) {
          const int64_t top = oh * g.sh * g.w;
          scanRow(g, plane + top, best.data(), taps.data());
          const T *d = dy + (p * g.oh + oh) * g.ow;
          for (int64_t o = 0; o < g.ow; ++o)
            grad[top + o * g.sw + taps[size_t(o)]] += d[o];
        }
      }
    }
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < g.n * g.c; ++p) {
    const T *plane = x + p * g.h * g.w;
    T *grad = dx + p * g.h * g.w;
    std::memset(grad, 0, sizeof(T) * g.h * g.w);
    // Scattering within one plane: every write of this plane is made by this thread.
    for (int64_t oh = 0; oh < g.oh; ++oh)
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        int64_t i = argmaxOfWindow(g, plane, oh, ow);
        if (i >= 0)
          grad[i] += dy[(p * g.oh + oh) * g.ow + ow];
      }
  }
}

template <typename T> void avgPool(const kiln_window_geometry &g, const T *x, T *y) {
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < g.n * g.c; ++p)
    for (int64_t oh = 0; oh < g.oh; ++oh)
      for (int64_t ow = 0; ow < g.ow; ++ow)
        y[(p * g.oh + oh) * g.ow + ow] = averageOfWindow(g, x + p * g.h * g.w, oh, ow);
}

template <typename T> void avgPoolGrad(const kiln_window_geometry &g, const T *dy, T *dx) {
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < g.n * g.c; ++p)
    for (int64_t ih = 0; ih < g.h; ++ih)
      for (int64_t iw = 0; iw < g.w; ++iw)
        dx[(p * g.h + ih) * g.w + iw] = averageGradientAt(g, dy + p * g.oh * g.ow, ih, iw);
}

} // namespace
} // namespace kiln::rt::kernels

using namespace kiln::rt::kernels;

#define KILN_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
const kiln_window_geometry &geometry(const int64_t *params) {
  return *reinterpret_cast<const kiln_window_geometry *>(params);
}
template <typename T> const T *in(void *const *buffers, int i) {
  return static_cast<const T *>(buffers[i]);
}
template <typename T> T *out(void *const *buffers, int i) { return static_cast<T *>(buffers[i]); }
} // namespace

// f64: every kernel is a plain loop.
KILN_EXPORT void kiln_conv2d_f64(const int64_t *params, void *const *b) {
  conv2d(geometry(params), in<double>(b, 0), in<double>(b, 1), out<double>(b, 2));
}
KILN_EXPORT void kiln_conv2d_grad_input_f64(const int64_t *params, void *const *b) {
  conv2dGradInput(geometry(params), in<double>(b, 0), in<double>(b, 1), out<double>(b, 2));
}
KILN_EXPORT void kiln_conv2d_grad_filter_f64(const int64_t *params, void *const *b) {
  conv2dGradFilter(geometry(params), in<double>(b, 0), in<double>(b, 1), out<double>(b, 2));
}

// Pooling, both precisions: memory-bound window loops that oneDNN would not speed up much
// at these sizes, and whose max-pool backward would otherwise need a stored workspace.
#define KILN_POOLING(suffix, T)                                                              \
  KILN_EXPORT void kiln_max_pool2d_##suffix(const int64_t *params, void *const *b) {         \
    maxPool(geometry(params), in<T>(b, 0), out<T>(b, 1));                                    \
  }                                                                                          \
  KILN_EXPORT void kiln_max_pool2d_grad_##suffix(const int64_t *params, void *const *b) {    \
    maxPoolGrad(geometry(params), in<T>(b, 0), in<T>(b, 1), out<T>(b, 2));                   \
  }                                                                                          \
  KILN_EXPORT void kiln_avg_pool2d_##suffix(const int64_t *params, void *const *b) {         \
    avgPool(geometry(params), in<T>(b, 0), out<T>(b, 1));                                    \
  }                                                                                          \
  KILN_EXPORT void kiln_avg_pool2d_grad_##suffix(const int64_t *params, void *const *b) {    \
    avgPoolGrad(geometry(params), in<T>(b, 0), out<T>(b, 1));                                \
  }
KILN_POOLING(f32, float)
KILN_POOLING(f64, double)
