// SPDX-License-Identifier: Apache-2.0
// kiln-bench-ntk: the empirical NTK (traced over the 10 logits) of the MLP example's network
// on N samples, from bench/ntk_mlp.mlir's compiled VJP (kiln::rt::compiledJacobianRows and
// empiricalNtk), or from bench/ntk_mlp_op.mlir's @ntk (the compiled kiln.ntk op; N = 128),
// with the parameters and inputs bench/ntk_peers.py gives neural-tangents.
// Prints one JSON line {"seconds", "trace", "lambda_max", "corner"} for that script.
//   build/bin/kiln-compile bench/ntk_mlp.mlir -o /tmp/libntk-mlp.so
//   python3 bench/ntk_peers.py --threads 1 --kiln build/bin/kiln-bench-ntk --library /tmp/libntk-mlp.so
#include "kiln/runtime/Runtime.h"
#include "kiln/runtime/regularizers/Ntk.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace kiln::rt;

namespace {
[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "kiln-bench-ntk: %s\n", message.c_str());
  std::exit(2);
}
template <typename T> T check(StatusOr<T> v) {
  if (!v.ok())
    die(v.status().toString());
  return std::move(v).value();
}
} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    die("usage: kiln-bench-ntk LIBRARY.so [--samples N]");
  int64_t samples = 128;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) != "--samples")
      die(std::string("unknown option ") + argv[i]);
    samples = std::atoll(argv[i + 1]);
    if (samples < 1)
      die("--samples needs a positive integer");
  }
  auto runtime = check(Runtime::create());
  auto module = check(runtime->loadModule(argv[1]));
  auto session = check(Session::create(*runtime, module));
  StatusOr<const Function *> op = module.lookup("ntk");

  // ntk_peers.py's formulas (this file has no FMA contraction, so each value rounds as
  // Python's): layer l's weight [in, out] is sin(0.37 i + 1.3 j + l) / sqrt(in), its bias
  // 0.1 cos(0.11 j + l); sample n's pixel k is 0.5 + 0.5 sin(0.013 n + 0.7 k).
  const int64_t sizes[4] = {784, 256, 256, 10};
  std::vector<std::vector<float>> params;
  for (int l = 0; l < 3; ++l) {
    std::vector<float> w(size_t(sizes[l] * sizes[l + 1])), b(size_t(sizes[l + 1]));
    for (int64_t i = 0; i < sizes[l]; ++i)
      for (int64_t j = 0; j < sizes[l + 1]; ++j)
        w[size_t(i * sizes[l + 1] + j)] =
            float(std::sin(0.37 * double(i) + 1.3 * double(j) + double(l)) /
                  std::sqrt(double(sizes[l])));
    for (int64_t j = 0; j < sizes[l + 1]; ++j)
      b[size_t(j)] = float(0.1 * std::cos(0.11 * double(j) + double(l)));
    params.push_back(std::move(w));
    params.push_back(std::move(b));
  }
  std::vector<float> x(size_t(samples * 784));
  for (int64_t n = 0; n < samples; ++n)
    for (int64_t k = 0; k < 784; ++k)
      x[size_t(n * 784 + k)] = float(0.5 + 0.5 * std::sin(0.013 * double(n) + 0.7 * double(k)));
  const Function &fn = op.ok() ? **op : *check(module.lookup("vjp"));
  std::vector<TensorView> inputs;
  for (size_t i = 0; i < params.size(); ++i)
    inputs.push_back({params[i].data(), DType::F32, fn.inputs()[i].shape});
  int64_t parameters = 0;
  for (const std::vector<float> &p : params)
    parameters += int64_t(p.size());
  Tensor kernel;
  double seconds = 0;
  if (op.ok()) {
    if (fn.inputs()[6].shape != std::vector<int64_t>{samples, 784})
      die("the library's @ntk is compiled for other samples than --samples");
    inputs.push_back({x.data(), DType::F32, {samples, 784}});
    kernel = check(Tensor::allocate(DType::F64, {samples, samples}));
    std::vector<TensorView> outputs = {kernel.view()};
    if (Status warm = session.call(fn, inputs, outputs); !warm.ok())
      die(warm.toString());
    auto start = std::chrono::steady_clock::now(); // the second call: the first warmed the heap
    Status called = session.call(fn, inputs, outputs);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!called.ok())
      die(called.toString());
  } else {
    inputs.push_back({nullptr, DType::F32, {1, 784}});
    inputs.push_back({nullptr, DType::F32, {1, 10}});
    auto start = std::chrono::steady_clock::now();
    JacobianRowFn rows = check(compiledJacobianRows(session, fn, inputs, 6, 7,
                                                    {x.data(), DType::F32, {samples, 784}}));
    kernel = check(empiricalNtk(samples, 10, jacobianRowLength(fn), rows));
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  NtkSpectrum spectrum = check(ntkSpectrum(kernel.view()));
  std::printf("{\"seconds\": %.6f, \"trace\": %.9g, \"lambda_max\": %.9g, \"corner\": %.9g, "
              "\"parameters\": %lld}\n",
              seconds, spectrum.trace, spectrum.eigenvalues.back(), kernel.data<double>()[1],
              (long long)parameters);
  return 0;
}
