// SPDX-License-Identifier: Apache-2.0
// The collectives of a module compiled for CUDA (kiln_cuda_all_reduce and the rest, Abi.h):
// on NCCL over the ranks of the world communicator (kiln/runtime/distributed/Communicator.h,
// OpenMPI under mpirun), which also carries NCCL's bootstrap, the unique id rank 0 draws.
// NCCL runs on the stream compiled code launches on, so a collective is ordered with the
// kernels around it without the host waiting: all_reduce_start is the all_reduce, and
// all_reduce_wait has nothing left to do. Built without NCCL, the collectives run the CPU
// kernels on host copies (HostStaged.cpp's way). The compressed exchange always does: its
// selection and error control are CPU kernels.
#include "Backend.h"

#include "kiln/runtime/Abi.h"
#include "kiln/runtime/distributed/Communicator.h"

#ifdef KILN_HAVE_NCCL
#include <nccl.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#ifdef KILN_HAVE_NCCL

namespace {

using kiln::rt::Communicator;

/// A collective that fails leaves the ranks out of step: report it and end the group, as the
/// CPU kernels do.
[[noreturn]] void fail(const char *kernel, const std::string &why) {
  Communicator &world = kiln::rt::worldCommunicator();
  std::fprintf(stderr, "kiln: error: rank %d of %d: %s: %s\n", world.rank(), world.size(),
               kernel, why.c_str());
  world.abort(1);
  std::_Exit(1);
}

struct Call {
  kiln_collective_config c;
  const int64_t *counts;
  explicit Call(const int64_t *params) : counts(params + KILN_ABI_COLLECTIVE_CONFIG_FIELDS) {
    std::memcpy(&c, params, sizeof c);
  }
};

/// The NCCL communicator of this process's device, made on the first collective of a
/// group of several: every rank makes the same calls, so they all get here together.
ncclComm_t deviceGroup() {
  static ncclComm_t comm = [] {
    Communicator &world = kiln::rt::worldCommunicator();
    ncclUniqueId id;
    if (world.rank() == 0)
      if (ncclResult_t r = ncclGetUniqueId(&id); r != ncclSuccess)
        fail("NCCL", std::string("ncclGetUniqueId: ") + ncclGetErrorString(r));
    if (kiln::rt::Status st = world.broadcast(&id, sizeof id, 0); !st.ok())
      fail("NCCL", "sending NCCL's unique id: " + std::string(st.message()));
    ncclComm_t made = nullptr;
    if (ncclResult_t r = ncclCommInitRank(&made, world.size(), id, world.rank());
        r != ncclSuccess)
      fail("NCCL", std::string("ncclCommInitRank: ") + ncclGetErrorString(r));
    return made;
  }();
  return comm;
}

template <typename T> constexpr ncclDataType_t ncclType() {
  return std::is_same_v<T, float> ? ncclFloat32 : ncclFloat64;
}

void checkNccl(ncclResult_t r, const char *kernel) {
  if (r != ncclSuccess)
    fail(kernel, std::string(ncclGetErrorString(r)) + " (" +
                     (ncclGetLastError(nullptr) ? ncclGetLastError(nullptr) : "") + ")");
}

/// all_reduce (and its start) on device buffers: one NCCL group, so that a bucket's tensors
/// go out together. A group of one has nothing to do: the mean of one rank is its value.
template <typename T> void allReduce(const int64_t *params, void *const *buffers) {
  Call call(params);
  Communicator &world = kiln::rt::worldCommunicator();
  int64_t bytes = 0;
  for (int64_t i = 0; i < call.c.tensors; ++i)
    bytes += call.counts[i] * int64_t(sizeof(T));
  world.countCollective(bytes);
  if (world.size() == 1 || !kiln::cuda::driver())
    return;
  ncclComm_t comm = deviceGroup();
  auto op = call.c.reduction == 1 ? ncclAvg : ncclSum;
  auto s = reinterpret_cast<cudaStream_t>(kiln::cuda::stream());
  checkNccl(ncclGroupStart(), "kiln.all_reduce");
  for (int64_t i = 0; i < call.c.tensors; ++i)
    checkNccl(ncclAllReduce(buffers[i], buffers[i], size_t(call.counts[i]), ncclType<T>(), op,
                            comm, s),
              "kiln.all_reduce");
  checkNccl(ncclGroupEnd(), "kiln.all_reduce");
}

template <typename T> void broadcast(const int64_t *params, void *const *buffers) {
  Call call(params);
  Communicator &world = kiln::rt::worldCommunicator();
  for (int64_t i = 0; i < call.c.tensors; ++i)
    if (world.rank() == call.c.root)
      world.countCollective(call.counts[i] * int64_t(sizeof(T)));
  if (world.size() == 1 || !kiln::cuda::driver())
    return;
  if (call.c.root < 0 || call.c.root >= world.size())
    fail("kiln.broadcast", "broadcast from rank " + std::to_string(call.c.root) +
                               " in a group of " + std::to_string(world.size()));
  ncclComm_t comm = deviceGroup();
  auto s = reinterpret_cast<cudaStream_t>(kiln::cuda::stream());
  checkNccl(ncclGroupStart(), "kiln.broadcast");
  for (int64_t i = 0; i < call.c.tensors; ++i)
    checkNccl(ncclBroadcast(buffers[i], buffers[i], size_t(call.counts[i]), ncclType<T>(),
                            int(call.c.root), comm, s),
              "kiln.broadcast");
  checkNccl(ncclGroupEnd(), "kiln.broadcast");
}

template <typename T> void allGather(const int64_t *params, void *const *buffers) {
  Call call(params);
  Communicator &world = kiln::rt::worldCommunicator();
  if (call.c.ranks != world.size())
    fail("kiln.all_gather", "the program gathers from " + std::to_string(call.c.ranks) +
                                " ranks, and " + std::to_string(world.size()) +
                                " are running it");
  world.countCollective(call.counts[0] * int64_t(sizeof(T)));
  const kiln::cuda::Driver *d = kiln::cuda::driver();
  if (!d)
    return;
  if (world.size() == 1) {
    kiln::cuda::check(d->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(buffers[1]),
                                       reinterpret_cast<CUdeviceptr>(buffers[0]),
                                       size_t(call.counts[0]) * sizeof(T), kiln::cuda::stream()),
                      "all_gather on one rank");
    return;
  }
  checkNccl(ncclAllGather(buffers[0], buffers[1], size_t(call.counts[0]), ncclType<T>(),
                          deviceGroup(), reinterpret_cast<cudaStream_t>(kiln::cuda::stream())),
            "kiln.all_gather");
}

#define KILN_CUDA_COLLECTIVE(name, fn)                                                       \
  extern "C" __attribute__((visibility("default"))) void kiln_cuda_##name##_f32(             \
      const int64_t *params, void *const *buffers, const int64_t *) {                        \
    fn<float>(params, buffers);                                                              \
  }                                                                                          \
  extern "C" __attribute__((visibility("default"))) void kiln_cuda_##name##_f64(             \
      const int64_t *params, void *const *buffers, const int64_t *) {                        \
    fn<double>(params, buffers);                                                             \
  }

/// Stream order already waits: the start's NCCL call comes before every later launch.
template <typename T> void allReduceWait(const int64_t *, void *const *) {}

} // namespace

KILN_CUDA_COLLECTIVE(all_reduce, allReduce)
KILN_CUDA_COLLECTIVE(all_reduce_start, allReduce)
KILN_CUDA_COLLECTIVE(all_reduce_wait, allReduceWait)
KILN_CUDA_COLLECTIVE(broadcast, broadcast)
KILN_CUDA_COLLECTIVE(all_gather, allGather)

#else // no NCCL: the CPU kernels on host copies, through the world communicator

#define KILN_CUDA_ON_HOST(name, kernel, reads)                                               \
  extern "C" __attribute__((visibility("default"))) void kiln_cuda_##name##_f32(             \
      const int64_t *params, void *const *buffers, const int64_t *layout) {                  \
    kiln::cuda::onHostCopies(kiln_##kernel##_f32, reads, params, buffers, layout);           \
  }                                                                                          \
  extern "C" __attribute__((visibility("default"))) void kiln_cuda_##name##_f64(             \
      const int64_t *params, void *const *buffers, const int64_t *layout) {                  \
    kiln::cuda::onHostCopies(kiln_##kernel##_f64, reads, params, buffers, layout);           \
  }
// The host copies cannot outlive the call: a start reduces at once, its wait has nothing
// left to do.
KILN_CUDA_ON_HOST(all_reduce, all_reduce, true)
KILN_CUDA_ON_HOST(all_reduce_start, all_reduce, true)
KILN_CUDA_ON_HOST(broadcast, broadcast, true)
KILN_CUDA_ON_HOST(all_gather, all_gather, false)
extern "C" __attribute__((visibility("default"))) void
kiln_cuda_all_reduce_wait_f32(const int64_t *, void *const *, const int64_t *) {}
extern "C" __attribute__((visibility("default"))) void
kiln_cuda_all_reduce_wait_f64(const int64_t *, void *const *, const int64_t *) {}

#endif
