// SPDX-License-Identifier: Apache-2.0
// KILN_HOST_DEVICE: a function the CPU runtime and the CUDA kernels of
// runtime/lib/cuda/kernels share, compiled by nvcc for both sides and by the host compiler
// as a plain inline function.
#ifndef KILN_RUNTIME_HOSTDEVICE_H
#define KILN_RUNTIME_HOSTDEVICE_H

#if defined(__CUDACC__)
#define KILN_HOST_DEVICE __host__ __device__
#else
#define KILN_HOST_DEVICE
#endif

#endif // KILN_RUNTIME_HOSTDEVICE_H
