// SPDX-License-Identifier: Apache-2.0
// kiln-bench-gpu: Kiln's GPU steps against the device's own copy bandwidth (scripts/gpu-check.sh
// runs it with bench/gpu_peers.py, torch on the same GPU, and prints the ratios).
//
//   kiln-bench-gpu [--params N] [--mlp-batch B] [--steps S] [--cuda-toolkit DIR]
//
// 1. Fused Adam, fp32: one parameter tensor of N elements (default 256M), its gradient and
//    moments on the device. Adam moves 28 bytes a parameter (reads p, g, m, v; writes p, m,
//    v); the same bytes moved by the driver's device-to-device copy (14N bytes read, 14N
//    written) give the bandwidth the step is compared with.
// 2. The MLP example's training step (examples/mlp/mlp.mlir, Adam) at batch B (default 128),
//    every input on the device, one fixed batch.
// 3. The CNN example's training step (examples/cnn/cnn.mlir, Adam) at the same batch.
// Inputs are passed as device descriptors straight to the compiled entry point, as an
// application keeping its tensors on the device would: no host copies are timed. Without a
// GPU it says so and exits 0.
#include "kiln/Tools/Driver.h"
#include "kiln/runtime/Module.h"
#include "kiln/runtime/Random.h"
#include "kiln/runtime/cuda/CudaApi.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

using namespace kiln::rt;
using Clock = std::chrono::steady_clock;

namespace {

struct DeviceTensor {
  void *data = nullptr;
  std::vector<int64_t> shape;
  size_t bytes = 0;
};

// {allocated, aligned, offset, sizes, strides}: Abi.h's descriptor, pointing to the device.
std::vector<int64_t> descriptor(const DeviceTensor &t) {
  size_t rank = t.shape.size();
  std::vector<int64_t> words(3 + 2 * rank);
  std::memcpy(&words[0], &t.data, sizeof(void *));
  std::memcpy(&words[1], &t.data, sizeof(void *));
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    words[3 + d] = t.shape[d];
    words[3 + rank + d] = stride;
    stride *= t.shape[d];
  }
  return words;
}

struct Step {
  std::optional<Module> module;
  const Function *fn;
  const kiln_cuda_api *cuda;
  std::vector<DeviceTensor> args;
  std::vector<std::vector<int64_t>> words;
  std::vector<void *> pointers;

  void call() { fn->entry()(pointers.data()); }
};

bool fail(const std::string &what) {
  std::fprintf(stderr, "kiln-bench-gpu: %s\n", what.c_str());
  return false;
}

/// Compiles `program` for CUDA, loads it, and puts every argument on the device: inputs
/// filled as their kiln.init says (data inputs: uniform images, labels in range), outputs
/// allocated.
bool prepare(const std::string &program, int64_t batch, const std::string &toolkit, Step &step) {
  char dir[] = "/tmp/kiln-bench-gpu-XXXXXX";
  if (!mkdtemp(dir))
    return fail("cannot make a temporary directory");
  std::string so = std::string(dir) + "/step.so";
  kiln::CompileOptions options;
  options.pipeline.device = "cuda";
  options.pipeline.cudaToolkit = toolkit;
  options.pipeline.batch = batch;
  if (!kiln::compileProgramFile(program, so, options))
    return fail("compiling " + program + " for CUDA failed");
  StatusOr<Module> module = Module::load(so);
  unlink(so.c_str()); // a loaded library stays mapped
  rmdir(dir);
  if (!module.ok())
    return fail(std::string(module.status().message()));
  step.module = *module;
  step.fn = *step.module->lookup(step.module->entryPoints().front());
  step.cuda = step.module->cudaBackend();
  auto add = [&](const TensorSpec &spec, const InputSpec *input) {
    DeviceTensor t;
    t.shape = spec.shape;
    for (int64_t &d : t.shape)
      if (d < 0)
        d = batch;
    StatusOr<Tensor> host = Tensor::allocate(spec.dtype, t.shape);
    if (!host.ok())
      return fail("cannot allocate a host tensor");
    std::memset(host->data(), 0, host->nbytes());
    if (input && input->classes > 0) {
      for (int64_t i = 0; i < host->numel(); ++i)
        static_cast<int64_t *>(host->data())[i] = i % input->classes;
    } else if (input && !input->data.empty()) {
      (void)fillUniform(host->view(), 1, 0.0f, 1.0f);
    } else if (input && !input->init.empty()) {
      if (auto init = parseInitSpec(input->init))
        (void)fillInit(host->view(), *init, 2 + step.args.size());
    }
    t.bytes = host->nbytes();
    t.data = step.cuda->alloc(t.bytes);
    if (!t.data || step.cuda->to_device(t.data, host->data(), t.bytes) != 0)
      return fail(std::string("device memory: ") + (step.cuda->error() ? step.cuda->error() : "?"));
    step.args.push_back(t);
    return true;
  };
  for (const InputSpec &in : step.fn->inputs())
    if (!add(in, &in))
      return false;
  for (const ResultSpec &r : step.fn->results())
    if (r.alias == -1 && !add(r, nullptr))
      return false;
  for (const DeviceTensor &t : step.args)
    step.words.push_back(descriptor(t));
  for (auto &w : step.words)
    step.pointers.push_back(w.data());
  return true;
}

double timeSteps(Step &step, int warmup, int steps) {
  for (int i = 0; i < warmup; ++i)
    step.call();
  step.cuda->synchronize();
  auto start = Clock::now();
  for (int i = 0; i < steps; ++i)
    step.call();
  step.cuda->synchronize();
  return std::chrono::duration<double>(Clock::now() - start).count() / steps;
}

} // namespace

int main(int argc, char **argv) {
  int64_t params = int64_t(256) << 20;
  int64_t batch = 128;
  int steps = 20;
  std::string toolkit = "/usr/local/cuda";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--params")
      params = std::atoll(argv[i + 1]);
    else if (flag == "--mlp-batch")
      batch = std::atoll(argv[i + 1]);
    else if (flag == "--steps")
      steps = std::atoi(argv[i + 1]);
    else if (flag == "--cuda-toolkit")
      toolkit = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: kiln-bench-gpu [--params N] [--mlp-batch B] [--steps S] "
                           "[--cuda-toolkit DIR]\n");
      return 2;
    }
  }

  // 1. Fused Adam on one big tensor.
  std::string adamPath = "/tmp/kiln-bench-gpu-adam.mlir";
  {
    std::ofstream out(adamPath);
    std::string t = "tensor<" + std::to_string(params) + "xf32>";
    out << "func.func @adam_step(%p: " << t << " {kiln.init = \"normal:0.05\"}, %g: " << t
        << " {kiln.init = \"normal:0.01\"}, %m: " << t << ", %v: " << t
        << ", %step: tensor<i64>) -> (" << t << ", " << t << ", " << t << ", tensor<i64>) {\n"
        << "  %one = arith.constant dense<1> : tensor<i64>\n"
        << "  %t = arith.addi %step, %one : tensor<i64>\n"
        << "  %np, %nm, %nv = kiln.adam %p, %g, %m, %v step(%t) {lr = 0.001 : f64} : " << t << "\n"
        << "  return %np, %nm, %nv, %t : " << t << ", " << t << ", " << t << ", tensor<i64>\n}\n";
  }
  Step adam;
  if (!prepare(adamPath, 0, toolkit, adam)) {
    std::printf("SKIPPED: no GPU step could run (see above)\n");
    return 0;
  }
  char name[256] = {0};
  int cc = 0;
  adam.cuda->device(name, sizeof name, &cc);
  std::printf("device: %s (sm_%d)\n", name, cc);
  double adamSeconds = timeSteps(adam, 3, steps);
  double adamBytes = 28.0 * double(params);
  // The same bytes through the copy engine path: 14N read, 14N written.
  size_t half = size_t(14 * params);
  void *src = adam.cuda->alloc(half), *dst = adam.cuda->alloc(half);
  double copySeconds = 0;
  if (src && dst) {
    adam.cuda->copy_on_device(dst, src, half);
    adam.cuda->synchronize();
    auto start = Clock::now();
    for (int i = 0; i < steps; ++i)
      adam.cuda->copy_on_device(dst, src, half);
    adam.cuda->synchronize();
    copySeconds = std::chrono::duration<double>(Clock::now() - start).count() / steps;
  }
  adam.cuda->free(src);
  adam.cuda->free(dst);
  double adamBandwidth = adamBytes / adamSeconds / 1e9;
  double copyBandwidth = copySeconds > 0 ? 2.0 * half / copySeconds / 1e9 : 0;
  std::printf("adam: %lld params, %.3f ms/step, %.1f GB/s; device copy %.1f GB/s; "
              "adam/copy %.3f\n",
              (long long)params, adamSeconds * 1e3, adamBandwidth, copyBandwidth,
              copyBandwidth > 0 ? adamBandwidth / copyBandwidth : 0.0);
  for (DeviceTensor &t : adam.args)
    adam.cuda->free(t.data);
  adam.cuda->release_cached();

  // 2. The MLP example's step.
  Step mlp;
  if (!prepare(std::string(KILN_BENCH_SOURCE_DIR) + "/../examples/mlp/mlp.mlir", batch, toolkit,
               mlp)) {
    std::printf("mlp: FAILED\n");
    return 1;
  }
  double mlpSeconds = timeSteps(mlp, 5, steps * 10);
  std::printf("mlp: batch %lld, %.3f ms/step\n", (long long)batch, mlpSeconds * 1e3);

  // 3. The CNN example's step: cuDNN convolutions (fp32, no TF32), the runtime's pooling.
  Step cnn;
  if (!prepare(std::string(KILN_BENCH_SOURCE_DIR) + "/../examples/cnn/cnn.mlir", batch, toolkit,
               cnn)) {
    std::printf("cnn: FAILED\n");
    return 1;
  }
  double cnnSeconds = timeSteps(cnn, 5, steps * 5);
  std::printf("cnn: batch %lld, %.3f ms/step\n", (long long)batch, cnnSeconds * 1e3);
  return 0;
}
