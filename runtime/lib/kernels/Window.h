// SPDX-License-Identifier: Apache-2.0
// Plain-loop window kernels (Abi.h): pooling in both precisions, and the f64 convolutions
// that serve as the independent reference of the oneDNN ones. Private to the runtime.
#ifndef KILN_RUNTIME_KERNELS_WINDOW_H
#define KILN_RUNTIME_KERNELS_WINDOW_H

#include "kiln/runtime/Abi.h"

namespace kiln::rt::kernels {

template <typename T>
void conv2d(const kiln_window_geometry &g, const T *x, const T *filter, T *y);
template <typename T>
void conv2dGradInput(const kiln_window_geometry &g, const T *dy, const T *filter, T *dx);
template <typename T>
void conv2dGradFilter(const kiln_window_geometry &g, const T *x, const T *dy, T *dfilter);

/// The filter gradient of one image with many groups of fewer than 16 channels each: the
/// per-sample filter gradients of kiln.clipped_value_and_grad, the batch folded into the
/// groups. Groups run in parallel, each on one thread.
void groupedFilterGradientOneImage(const kiln_window_geometry &g, const float *x,
                                   const float *dy, float *dfilter);

} // namespace kiln::rt::kernels

#endif // KILN_RUNTIME_KERNELS_WINDOW_H
