// SPDX-License-Identifier: Apache-2.0
// kiln-gpu-check: the same program compiled for the CPU and for CUDA takes the same steps.
//
//   kiln-gpu-check --probe                   exit 0 and print the device, or say why not
//   kiln-gpu-check --gather-test cuda.so     DeviceTensor::gatherRows, values and refusals
//   kiln-gpu-check --gather-refusals cuda.so the refusals alone (any driver, the stand-in too)
//   kiln-gpu-check cpu.so cuda.so [--entry NAME] [--steps N] [--tolerance T] [--seed S]
//
// (Any two builds of one program compare the same way: two CPU builds check the checker.)
// Both modules' entry point gets the same inputs (each filled by its kiln.init, data inputs
// with uniform images and in-range labels) and runs N steps, state carried in the donated
// inputs. After every step every result and every donated input of the CUDA run must equal
// the CPU run's within T, relative to the larger of 1 and the CPU value's magnitude (the
// two sum in different orders; f32 rounding compounds over steps).
#include "kiln/runtime/Module.h"
#include "kiln/runtime/Random.h"
#include "kiln/runtime/Session.h"
#include "kiln/runtime/cuda/CudaApi.h"
#include "kiln/runtime/cuda/DeviceTensor.h"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace kiln::rt;

namespace {

int probe() {
#ifdef KILN_RUNTIME_CUDA_LIBRARY
  void *library = dlopen(KILN_RUNTIME_CUDA_LIBRARY, RTLD_NOW | RTLD_LOCAL);
#else
  void *library = nullptr;
  std::printf("no CUDA backend: this Kiln was built without the CUDA toolkit\n");
  return 1;
#endif
  if (!library) {
    std::printf("no CUDA backend: %s\n", dlerror());
    return 1;
  }
  using GetApi = const kiln_cuda_api *(*)();
  auto get = reinterpret_cast<GetApi>(dlsym(library, "kiln_cuda_api_get"));
  const kiln_cuda_api *api = get ? get() : nullptr;
  if (!api || api->init() != 0) {
    std::printf("no usable GPU: %s\n", api && api->error() ? api->error() : "no backend table");
    return 1;
  }
  char name[256] = {0};
  int cc = 0;
  api->device(name, sizeof name, &cc);
  std::printf("%s (compute capability %d.%d)\n", name, cc / 10, cc % 10);
  return 0;
}

/// DeviceTensor::gatherRows on `module`'s backend: rows {4, 0, 2} of a [5, 3] table, and
/// the calls it must refuse. The refusals print on any driver; the gathered values are
/// checked only where `checkValues` (a real GPU: the stand-in driver runs no kernel).
int gatherTest(const char *path, bool checkValues) {
  StatusOr<Module> module = Module::load(path);
  if (!module.ok()) {
    std::printf("error: %s\n", std::string(module.status().message()).c_str());
    return 1;
  }
  auto table = DeviceTensor::allocate(*module, DType::F32, {5, 3});
  auto rows = DeviceTensor::allocate(*module, DType::F32, {3, 3});
  auto wrong = DeviceTensor::allocate(*module, DType::F32, {3, 4});
  if (!table.ok() || !rows.ok() || !wrong.ok()) {
    std::printf("error: cannot allocate device tensors\n");
    return 1;
  }
  float values[15];
  for (int i = 0; i < 15; ++i)
    values[i] = float(i);
  if (!table->upload(TensorView{values, DType::F32, {5, 3}, Device::kCpu}).ok())
    return std::printf("error: upload failed\n"), 1;
  const int64_t good[3] = {4, 0, 2}, outside[3] = {4, 5, 0};
  Status st = rows->gatherRows(*table, good);
  std::printf("gather {4, 0, 2}: %s\n", st.ok() ? "ok" : std::string(st.message()).c_str());
  if (checkValues && st.ok()) {
    float got[9] = {0};
    if (!rows->download(TensorView{got, DType::F32, {3, 3}, Device::kCpu}).ok())
      return std::printf("error: download failed\n"), 1;
    const float expected[9] = {12, 13, 14, 0, 1, 2, 6, 7, 8};
    for (int i = 0; i < 9; ++i)
      if (got[i] != expected[i])
        return std::printf("error: element %d is %g, expected %g\n", i, got[i], expected[i]), 1;
    std::printf("gathered values ok\n");
  }
  st = rows->gatherRows(*table, outside);
  std::printf("gather {4, 5, 0}: %s\n", st.ok() ? "ok" : std::string(st.message()).c_str());
  st = wrong->gatherRows(*table, good);
  std::printf("gather into [3, 4]: %s\n", st.ok() ? "ok" : std::string(st.message()).c_str());
  return 0;
}

double valueAt(const Tensor &t, int64_t i) {
  switch (t.dtype()) {
  case DType::F32: return static_cast<const float *>(t.data())[i];
  case DType::F64: return static_cast<const double *>(t.data())[i];
  case DType::I64: return double(static_cast<const int64_t *>(t.data())[i]);
  case DType::I32: return double(static_cast<const int32_t *>(t.data())[i]);
  default: return 0;
  }
}

Status fill(Tensor &t, const InputSpec &spec, uint64_t seed) {
  if (spec.data == "labels" || spec.classes > 0) {
    int64_t classes = spec.classes > 0 ? spec.classes : 10;
    for (int64_t i = 0; i < t.numel(); ++i) {
      int64_t label = int64_t((uint64_t(i) * 2654435761u + seed) % uint64_t(classes));
      if (t.dtype() == DType::I64)
        static_cast<int64_t *>(t.data())[i] = label;
      else if (t.dtype() == DType::I32)
        static_cast<int32_t *>(t.data())[i] = int32_t(label);
    }
    return Status();
  }
  if (!spec.data.empty())
    return fillUniform(t.view(), seed, 0.0f, 1.0f);
  if (spec.init.empty())
    return Status(); // zeros
  std::optional<InitSpec> init = parseInitSpec(spec.init);
  if (!init)
    return Status::error(StatusCode::kInvalidArgument, "bad kiln.init '" + spec.init + "'");
  return fillInit(t.view(), *init, seed);
}

std::vector<int64_t> concrete(const std::vector<int64_t> &shape, int64_t batch) {
  std::vector<int64_t> out = shape;
  for (int64_t &d : out)
    if (d < 0)
      d = batch;
  return out;
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 3 && std::strcmp(argv[1], "--gather-test") == 0)
    return gatherTest(argv[2], /*checkValues=*/true);
  if (argc == 3 && std::strcmp(argv[1], "--gather-refusals") == 0)
    return gatherTest(argv[2], /*checkValues=*/false);
  if (argc == 2 && std::strcmp(argv[1], "--probe") == 0)
    return probe();
  if (argc < 3) {
    std::fprintf(stderr, "usage: kiln-gpu-check --probe | --gather-test cuda.so | "
                         "--gather-refusals cuda.so | cpu.so cuda.so [--entry NAME] "
                         "[--steps N] [--tolerance T] [--seed S]\n");
    return 2;
  }
  std::string entry;
  int steps = 5;
  double tolerance = 1e-5;
  uint64_t seed = 7;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--entry")
      entry = argv[i + 1];
    else if (flag == "--steps")
      steps = std::atoi(argv[i + 1]);
    else if (flag == "--tolerance")
      tolerance = std::atof(argv[i + 1]);
    else if (flag == "--seed")
      seed = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  auto runtime = Runtime::create();
  if (!runtime.ok()) {
    std::fprintf(stderr, "%s\n", runtime.status().message().data());
    return 1;
  }
  StatusOr<Module> cpu = Module::load(argv[1]);
  StatusOr<Module> cuda = Module::load(argv[2]);
  for (auto *m : {&cpu, &cuda})
    if (!m->ok()) {
      std::fprintf(stderr, "error: %s\n", std::string(m->status().message()).c_str());
      return 1;
    }
  // Usually a CPU module and a CUDA one; two CPU builds (exact and approximate math) check
  // the checker on machines without a GPU.
  auto deviceName = [](const Module &m) { return m.device() == Device::kCuda ? "GPU" : "CPU"; };
  const std::string nameA = deviceName(*cpu), nameB = deviceName(*cuda);
  if (entry.empty())
    entry = cpu->entryPoints().front();
  const Function *fnCpu = *cpu->lookup(entry);
  StatusOr<const Function *> fnCuda = cuda->lookup(entry);
  if (!fnCuda.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(fnCuda.status().message()).c_str());
    return 1;
  }
  StatusOr<Session> sessionCpu = Session::create(**runtime, *cpu);
  StatusOr<Session> sessionCuda = Session::create(**runtime, *cuda);

  // One set of inputs, copied for each run.
  const int64_t batch = 16;
  std::vector<Tensor> inCpu, inCuda;
  for (size_t i = 0; i < fnCpu->inputs().size(); ++i) {
    const InputSpec &spec = fnCpu->inputs()[i];
    StatusOr<Tensor> a = Tensor::allocate(spec.dtype, concrete(spec.shape, batch));
    StatusOr<Tensor> b = Tensor::allocate(spec.dtype, concrete(spec.shape, batch));
    if (!a.ok() || !b.ok()) {
      std::fprintf(stderr, "error: cannot allocate input %zu\n", i);
      return 1;
    }
    std::memset(a->data(), 0, a->nbytes());
    Status filled = fill(*a, spec, seed + i);
    if (!filled.ok()) {
      std::fprintf(stderr, "error: input %zu: %s\n", i, std::string(filled.message()).c_str());
      return 1;
    }
    std::memcpy(b->data(), a->data(), a->nbytes());
    inCpu.push_back(std::move(*a));
    inCuda.push_back(std::move(*b));
  }
  auto views = [](std::vector<Tensor> &ts) {
    std::vector<TensorView> v;
    for (Tensor &t : ts)
      v.push_back(t.view());
    return v;
  };

  double worst = 0;
  for (int step = 1; step <= steps; ++step) {
    StatusOr<std::vector<Tensor>> outCpu = sessionCpu->call(*fnCpu, views(inCpu));
    StatusOr<std::vector<Tensor>> outCuda = sessionCuda->call(**fnCuda, views(inCuda));
    if (!outCpu.ok() || !outCuda.ok()) {
      std::fprintf(stderr, "error: step %d: %s\n", step,
                   std::string((outCpu.ok() ? outCuda.status() : outCpu.status()).message()).c_str());
      return 1;
    }
    auto compare = [&](const Tensor &x, const Tensor &y, const std::string &what) {
      double err = 0;
      int64_t at = 0;
      for (int64_t k = 0; k < x.numel(); ++k) {
        double a = valueAt(x, k), b = valueAt(y, k);
        double e = std::isnan(a) != std::isnan(b) ? INFINITY
                   : std::isnan(a)                ? 0
                                                  : std::fabs(a - b) / std::max(1.0, std::fabs(a));
        if (e > err) {
          err = e;
          at = k;
        }
      }
      worst = std::max(worst, err);
      if (err > tolerance) {
        std::printf("step %d: %s differs: element %lld is %.9g (%s), %.9g (%s) "
                    "(%.3g relative > %.3g)\n",
                    step, what.c_str(), (long long)at, valueAt(x, at), nameA.c_str(),
                    valueAt(y, at), nameB.c_str(), err, tolerance);
        return false;
      }
      return true;
    };
    for (size_t r = 0; r < outCpu->size(); ++r)
      if (!compare((*outCpu)[r], (*outCuda)[r], "output " + std::to_string(r)))
        return 1;
    for (size_t i = 0; i < inCpu.size(); ++i)
      if (fnCpu->inputs()[i].donated &&
          !compare(inCpu[i], inCuda[i], "donated input " + std::to_string(i)))
        return 1;
  }
  std::printf("%s: %d steps, %s and %s agree (largest difference %.3g relative, tolerance "
              "%.3g)\n",
              entry.c_str(), steps, nameA.c_str(), nameB.c_str(), worst, tolerance);
  return 0;
}
