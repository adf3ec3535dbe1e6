// SPDX-License-Identifier: Apache-2.0
// The window kernels of CUDA modules (Abi.h): convolutions on cuDNN, pooling on the
// runtime's own kernels (kernels/Window.cu), all on the stream of the step's kernels.
#include "Launch.h"

#include "kiln/runtime/Abi.h"

#include <cudnn.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

using namespace kiln::cuda;

namespace {

bool checkDnn(cudnnStatus_t status, const char *what) {
  if (status == CUDNN_STATUS_SUCCESS)
    return true;
  recordError(std::string(what) + ": " + cudnnGetErrorString(status));
  return false;
}

/// The calling thread's cuDNN handle, bound to its stream; null after recording why not.
cudnnHandle_t handle() {
  thread_local cudnnHandle_t h = nullptr;
  if (!h && (!driver() || !checkDnn(cudnnCreate(&h), "cudnnCreate")))
    return h = nullptr;
  if (!checkDnn(cudnnSetStream(h, stream()), "cudnnSetStream"))
    return nullptr;
  return h;
}

const kiln_window_geometry &geometry(const int64_t *params) {
  return *reinterpret_cast<const kiln_window_geometry *>(params);
}

/// One geometry's descriptors and chosen algorithms, made once and kept for the process.
struct Convolution {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t filter = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnConvolutionFwdAlgo_t forward{};
  cudnnConvolutionBwdDataAlgo_t backwardData{};
  cudnnConvolutionBwdFilterAlgo_t backwardFilter{};
  size_t forwardBytes = 0, backwardDataBytes = 0, backwardFilterBytes = 0;
  bool ready = false;
};

/// The fastest deterministic algorithm cuDNN's heuristics rank for the descriptors: a step
/// must repeat exactly (the filter gradient's atomics-based algorithms are excluded).
template <typename Perf, typename Query>
bool pickAlgorithm(Query query, const char *what, decltype(Perf::algo) &algo, size_t &bytes) {
  Perf perf[16];
  int found = 0;
  if (!checkDnn(query(perf, 16, &found), what))
    return false;
  for (int i = 0; i < found; ++i)
    if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].determinism == CUDNN_DETERMINISTIC) {
      algo = perf[i].algo;
      bytes = perf[i].memory;
      return true;
    }
  recordError(std::string(what) + ": no deterministic algorithm for this convolution");
  return false;
}

Convolution *convolution(cudnnHandle_t h, const kiln_window_geometry &g, bool isDouble) {
  using Key = std::tuple<std::string, bool>;
  // Kept for the life of the process, like the handles it was made with.
  static std::mutex mutex;
  static auto *cache = new std::map<Key, std::unique_ptr<Convolution>>;
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<Convolution> &slot =
      (*cache)[{std::string(reinterpret_cast<const char *>(&g), sizeof g), isDouble}];
  if (slot && slot->ready)
    return slot.get();
  if (!slot)
    slot = std::make_unique<Convolution>();
  Convolution &c = *slot;
  const cudnnDataType_t type = isDouble ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
  bool ok = (c.x || checkDnn(cudnnCreateTensorDescriptor(&c.x), "cudnnCreateTensorDescriptor")) &&
            (c.y || checkDnn(cudnnCreateTensorDescriptor(&c.y), "cudnnCreateTensorDescriptor")) &&
            (c.filter ||
             checkDnn(cudnnCreateFilterDescriptor(&c.filter), "cudnnCreateFilterDescriptor")) &&
            (c.conv || checkDnn(cudnnCreateConvolutionDescriptor(&c.conv),
                                "cudnnCreateConvolutionDescriptor"));
  ok = ok &&
       checkDnn(cudnnSetTensor4dDescriptor(c.x, CUDNN_TENSOR_NCHW, type, int(g.n), int(g.c),
                                           int(g.h), int(g.w)),
                "cudnnSetTensor4dDescriptor (input)") &&
       checkDnn(cudnnSetTensor4dDescriptor(c.y, CUDNN_TENSOR_NCHW, type, int(g.n), int(g.o),
                                           int(g.oh), int(g.ow)),
                "cudnnSetTensor4dDescriptor (output)") &&
       checkDnn(cudnnSetFilter4dDescriptor(c.filter, type, CUDNN_TENSOR_NCHW, int(g.o),
                                           int(g.c / g.groups), int(g.kh), int(g.kw)),
                "cudnnSetFilter4dDescriptor") &&
       // Cross-correlation, as torch's conv2d and the CPU kernels.
       checkDnn(cudnnSetConvolution2dDescriptor(c.conv, int(g.ph), int(g.pw), int(g.sh),
                                                int(g.sw), int(g.dh), int(g.dw),
                                                CUDNN_CROSS_CORRELATION, type),
                "cudnnSetConvolution2dDescriptor") &&
       checkDnn(cudnnSetConvolutionGroupCount(c.conv, int(g.groups)),
                "cudnnSetConvolutionGroupCount") &&
       // Full-precision FMA arithmetic: no TF32 tensor cores (the CPU's numerics contract).
       checkDnn(cudnnSetConvolutionMathType(c.conv, CUDNN_FMA_MATH),
                "cudnnSetConvolutionMathType");
  ok = ok &&
       pickAlgorithm<cudnnConvolutionFwdAlgoPerf_t>(
           [&](cudnnConvolutionFwdAlgoPerf_t *p, int n, int *found) {
             return cudnnGetConvolutionForwardAlgorithm_v7(h, c.x, c.filter, c.conv, c.y, n,
                                                           found, p);
           },
           "cudnnGetConvolutionForwardAlgorithm_v7", c.forward, c.forwardBytes) &&
       pickAlgorithm<cudnnConvolutionBwdDataAlgoPerf_t>(
           [&](cudnnConvolutionBwdDataAlgoPerf_t *p, int n, int *found) {
             return cudnnGetConvolutionBackwardDataAlgorithm_v7(h, c.filter, c.y, c.conv, c.x,
                                                                n, found, p);
           },
           "cudnnGetConvolutionBackwardDataAlgorithm_v7", c.backwardData,
           c.backwardDataBytes) &&
       pickAlgorithm<cudnnConvolutionBwdFilterAlgoPerf_t>(
           [&](cudnnConvolutionBwdFilterAlgoPerf_t *p, int n, int *found) {
             return cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, c.x, c.y, c.conv,
                                                                  c.filter, n, found, p);
           },
           "cudnnGetConvolutionBackwardFilterAlgorithm_v7", c.backwardFilter,
           c.backwardFilterBytes);
  c.ready = ok;
  return ok ? &c : nullptr;
}

/// Workspace from the caching allocator, returned when the call is enqueued: the allocator
/// hands it out again only to work later on the same stream.
struct Workspace {
  explicit Workspace(size_t bytes) : bytes(bytes), data(bytes ? allocate(bytes) : nullptr) {}
  ~Workspace() {
    if (data)
      deallocate(data);
  }
  bool ok() const { return bytes == 0 || data; }
  size_t bytes;
  void *data;
};

enum class Pass { kForward, kGradInput, kGradFilter };

template <typename T>
void convolve(Pass pass, const int64_t *params, void *const *b) {
  if (lastError())
    return;
  const kiln_window_geometry &g = geometry(params);
  cudnnHandle_t h = handle();
  Convolution *c = h ? convolution(h, g, sizeof(T) == 8) : nullptr;
  if (!c)
    return;
  // y = 1 * conv + 0 * y: every kernel overwrites its output whole.
  const T one = 1, zero = 0;
  switch (pass) {
  case Pass::kForward: {
    Workspace w(c->forwardBytes);
    if (w.ok())
      checkDnn(cudnnConvolutionForward(h, &one, c->x, b[0], c->filter, b[1], c->conv,
                                       c->forward, w.data, w.bytes, &zero, c->y, b[2]),
               "cudnnConvolutionForward");
    return;
  }
  case Pass::kGradInput: {
    Workspace w(c->backwardDataBytes);
    if (w.ok())
      checkDnn(cudnnConvolutionBackwardData(h, &one, c->filter, b[1], c->y, b[0], c->conv,
                                            c->backwardData, w.data, w.bytes, &zero, c->x, b[2]),
               "cudnnConvolutionBackwardData");
    return;
  }
  case Pass::kGradFilter: {
    Workspace w(c->backwardFilterBytes);
    if (w.ok())
      checkDnn(cudnnConvolutionBackwardFilter(h, &one, c->x, b[0], c->y, b[1], c->conv,
                                              c->backwardFilter, w.data, w.bytes, &zero,
                                              c->filter, b[2]),
               "cudnnConvolutionBackwardFilter");
    return;
  }
  }
}

int64_t outputElements(const kiln_window_geometry &g) { return g.n * g.o * g.oh * g.ow; }
int64_t inputElements(const kiln_window_geometry &g) { return g.n * g.c * g.h * g.w; }

} // namespace

#define KILN_CUDA_KERNEL(name)                                                               \
  extern "C" __attribute__((visibility("default"))) void name(                               \
      const int64_t *params, void *const *b, const int64_t * /*layout*/)

#define KILN_CUDA_WINDOW(suffix, T)                                                          \
  KILN_CUDA_KERNEL(kiln_cuda_conv2d_##suffix) { convolve<T>(Pass::kForward, params, b); }     \
  KILN_CUDA_KERNEL(kiln_cuda_conv2d_grad_input_##suffix) {                                   \
    convolve<T>(Pass::kGradInput, params, b);                                                \
  }                                                                                          \
  KILN_CUDA_KERNEL(kiln_cuda_conv2d_grad_filter_##suffix) {                                  \
    convolve<T>(Pass::kGradFilter, params, b);                                               \
  }                                                                                          \
  KILN_CUDA_KERNEL(kiln_cuda_max_pool2d_##suffix) {                                          \
    const kiln_window_geometry &g = geometry(params);                                        \
    launch(Image::kWindow, "kiln_gpu_max_pool2d_" #suffix, outputElements(g), g, b[0], b[1]); \
  }                                                                                          \
  KILN_CUDA_KERNEL(kiln_cuda_max_pool2d_grad_##suffix) {                                     \
    const kiln_window_geometry &g = geometry(params);                                        \
    launch(Image::kWindow, "kiln_gpu_max_pool2d_grad_" #suffix, inputElements(g), g, b[0],   \
           b[1], b[2]);                                                                      \
  }                                                                                          \
  KILN_CUDA_KERNEL(kiln_cuda_avg_pool2d_##suffix) {                                          \
    const kiln_window_geometry &g = geometry(params);                                        \
    launch(Image::kWindow, "kiln_gpu_avg_pool2d_" #suffix, outputElements(g), g, b[0], b[1]); \
  }                                                                                          \
  KILN_CUDA_KERNEL(kiln_cuda_avg_pool2d_grad_##suffix) {                                     \
    const kiln_window_geometry &g = geometry(params);                                        \
    launch(Image::kWindow, "kiln_gpu_avg_pool2d_grad_" #suffix, inputElements(g), g, b[0],   \
           b[1]);                                                                            \
  }
KILN_CUDA_WINDOW(f32, float)
KILN_CUDA_WINDOW(f64, double)
