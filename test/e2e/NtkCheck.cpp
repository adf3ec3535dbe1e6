// SPDX-License-Identifier: Apache-2.0
// kiln-ntk-check: the empirical NTK from a compiled VJP (kiln::rt::compiledJacobianRows over
// test/e2e/Inputs/ntk-vjp.mlir) against docs/algorithms.md §5.4's worked example: the kernel,
// its eigenvalues (LAPACK), TE-NAS' condition number and the trace.
#include "kiln/runtime/Runtime.h"
#include "kiln/runtime/regularizers/Ntk.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace kiln::rt;

namespace {
int failures = 0;

void expectNear(const char *what, double got, double want, double tolerance) {
  bool ok = std::fabs(got - want) <= tolerance;
  failures += !ok;
  std::printf("%s %s: %.9g (expected %.9g)\n", ok ? "PASS" : "FAIL", what, got, want);
}

[[noreturn]] void die(const Status &status) {
  std::fprintf(stderr, "kiln-ntk-check: %s\n", status.toString().c_str());
  std::exit(EXIT_FAILURE);
}
} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: kiln-ntk-check LIBRARY.so (test/e2e/Inputs/ntk-vjp.mlir)\n");
    return EXIT_FAILURE;
  }
  auto runtime = Runtime::create();
  if (!runtime.ok())
    die(runtime.status());
  auto module = (*runtime)->loadModule(argv[1]);
  if (!module.ok())
    die(module.status());
  auto vjp = module->lookup("vjp");
  if (!vjp.ok())
    die(vjp.status());
  auto session = Session::create(**runtime, *module);
  if (!session.ok())
    die(session.status());
  // W = [[1, -0.5], [0.5, 1]] (stored transposed), v = [1, -1]; x1 = [1, 0], x2 = [0, 1],
  // x3 = [1, 1].
  std::vector<double> wt = {1, 0.5, -0.5, 1}, v = {1, -1}, x = {1, 0, 0, 1, 1, 1};
  std::vector<TensorView> inputs = {{wt.data(), DType::F64, {2, 2}},
                                    {v.data(), DType::F64, {2, 1}},
                                    {nullptr, DType::F64, {1, 2}},
                                    {nullptr, DType::F64, {1, 1}}};
  auto rows = compiledJacobianRows(*session, **vjp, inputs, 2, 3, {x.data(), DType::F64, {3, 2}});
  if (!rows.ok())
    die(rows.status());
  int64_t parameters = jacobianRowLength(**vjp);
  auto kernel = empiricalNtk(3, 1, parameters, *rows);
  if (!kernel.ok())
    die(kernel.status());
  const double expected[9] = {1.625, 0.25, 1.625, 0.25, 1.0, 1.25, 1.625, 1.25, 3.25};
  double worst = 0;
  for (int i = 0; i < 9; ++i)
    worst = std::max(worst, std::fabs(kernel->data<double>()[i] - expected[i]));
  expectNear("kernel (max error)", worst, 0, 1e-12);
  auto spectrum = ntkSpectrum(kernel->view());
  if (!spectrum.ok())
    die(spectrum.status());
  expectNear("lambda_min", spectrum->eigenvalues[0], 0.190019, 1e-6);
  expectNear("lambda_mid", spectrum->eigenvalues[1], 1.034347, 1e-6);
  expectNear("lambda_max", spectrum->eigenvalues[2], 4.650634, 1e-6);
  expectNear("condition number", spectrum->conditionNumber, 24.474548, 1e-5);
  expectNear("trace", spectrum->trace, 5.875, 1e-12);
  // A row outside the batch is an error, not a read past the samples.
  double row[6];
  Status outside = (*rows)(3, 0, row);
  bool refused = !outside.ok() && outside.code() == StatusCode::kInvalidArgument;
  failures += !refused;
  std::printf("%s row outside the batch: %s\n", refused ? "PASS" : "FAIL",
              outside.toString().c_str());
  std::printf("%d failed\n", failures);
  return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
