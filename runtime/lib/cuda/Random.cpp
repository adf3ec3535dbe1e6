// SPDX-License-Identifier: Apache-2.0
// The normal fill of CUDA modules (Abi.h): the runtime's Philox kernel (kernels/Random.cu),
// the key read on the device, so a step's noise costs no transfer.
#include "Launch.h"

#include "kiln/runtime/Abi.h"

#include <cstring>

namespace {
template <typename T> void normal(const char *kernel, const int64_t *params, void *const *b) {
  kiln_normal_config c;
  std::memcpy(&c, params, sizeof c);
  // A thread per Philox block: four f32 draws or two f64 draws.
  int64_t blocks = sizeof(T) == 4 ? (c.count + 3) / 4 : (c.count + 1) / 2;
  kiln::cuda::launch(kiln::cuda::Image::kRandom, kernel, blocks, c, b[0], b[1]);
}
} // namespace

extern "C" __attribute__((visibility("default"))) void
kiln_cuda_normal_f32(const int64_t *params, void *const *b, const int64_t * /*layout*/) {
  normal<float>("kiln_gpu_normal_f32", params, b);
}
extern "C" __attribute__((visibility("default"))) void
kiln_cuda_normal_f64(const int64_t *params, void *const *b, const int64_t * /*layout*/) {
  normal<double>("kiln_gpu_normal_f64", params, b);
}
