// SPDX-License-Identifier: Apache-2.0
// The empirical NTK and its spectrum (kiln/runtime/regularizers/Ntk.h). The Gram matrices
// are BLAS syrk products in double; the eigenvalues are LAPACK's dsyevd.
#include "kiln/runtime/regularizers/Ntk.h"

#include "kiln/runtime/Abi.h"

#include "kiln/runtime/Module.h"
#include "kiln/runtime/State.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace kiln::rt {
namespace {

Status invalid(std::string message) {
  return Status::error(StatusCode::kInvalidArgument, std::move(message));
}

/// Fills rows [first, first + count) of `j` ([count, parameters]) with the Jacobian rows
/// (sample(r), logit(r)) and checks them.
template <typename Index>
Status fillRows(const JacobianRowFn &row, int64_t count, int64_t parameters, double *j,
                Index index) {
  for (int64_t r = 0; r < count; ++r) {
    auto [sample, logit] = index(r);
    double *out = j + r * parameters;
    KILN_RETURN_IF_ERROR(row(sample, logit, out));
    for (int64_t p = 0; p < parameters; ++p)
      if (!std::isfinite(out[p]))
        return invalid("the Jacobian of sample " + std::to_string(sample) + ", logit " +
                       std::to_string(logit) + " is not finite at parameter " +
                       std::to_string(p));
  }
  return Status();
}

/// out (+)= scale * J J^T for J [rows, cols], both triangles.
void gram(const double *j, int64_t rows, int64_t cols, double scale, double beta, double *out) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, int(rows), int(cols), scale, j, int(cols),
              beta, out, int(rows));
  for (int64_t a = 0; a < rows; ++a)
    for (int64_t b = 0; b < a; ++b)
      out[a * rows + b] = out[b * rows + a];
}

} // namespace

StatusOr<Tensor> empiricalNtk(int64_t samples, int64_t logits, int64_t parameters,
                              const JacobianRowFn &row, const NtkOptions &options) {
  if (samples < 1 || logits < 1 || parameters < 1)
    return invalid("an NTK needs at least one sample, logit and parameter, not " +
                   std::to_string(samples) + ", " + std::to_string(logits) + ", " +
                   std::to_string(parameters));
  if (!row)
    return invalid("no Jacobian rows given");
  // BLAS takes int sizes; the rows held at once must also be addressable.
  const int64_t held = options.traceLogits ? samples : samples * logits;
  if (held > std::numeric_limits<int>::max() || parameters > std::numeric_limits<int>::max())
    return invalid("an NTK of " + std::to_string(held) + " rows of " + std::to_string(parameters) +
                   " parameters is too large for BLAS' int sizes");
  KILN_ASSIGN_OR_RETURN(size_t bytes, checkedByteSize(DType::F64, {held, parameters}));
  std::unique_ptr<double[]> j(new (std::nothrow) double[bytes / sizeof(double)]);
  if (!j)
    return Status::error(StatusCode::kResourceExhausted,
                         "cannot allocate the " + std::to_string(bytes >> 20) +
                             " MiB Jacobian of an NTK");
  if (options.traceLogits) {
    KILN_ASSIGN_OR_RETURN(Tensor kernel, Tensor::allocate(DType::F64, {samples, samples}));
    for (int64_t k = 0; k < logits; ++k) {
      KILN_RETURN_IF_ERROR(fillRows(row, samples, parameters, j.get(), [k](int64_t r) {
        return std::pair<int64_t, int64_t>{r, k};
      }));
      gram(j.get(), samples, parameters, 1.0 / double(logits), k == 0 ? 0.0 : 1.0,
           kernel.data<double>());
    }
    return kernel;
  }
  KILN_ASSIGN_OR_RETURN(Tensor kernel,
                        Tensor::allocate(DType::F64, {samples, logits, samples, logits}));
  KILN_RETURN_IF_ERROR(fillRows(row, held, parameters, j.get(), [logits](int64_t r) {
    return std::pair<int64_t, int64_t>{r / logits, r % logits};
  }));
  gram(j.get(), held, parameters, 1.0, 0.0, kernel.data<double>());
  return kernel;
}

StatusOr<NtkSpectrum> ntkSpectrum(const TensorView &kernel) {
  const std::vector<int64_t> &s = kernel.shape;
  int64_t n = 0;
  if (s.size() == 2 && s[0] == s[1])
    n = s[0];
  else if (s.size() == 4 && s[0] == s[2] && s[1] == s[3])
    n = s[0] * s[1];
  if (n < 1 || !kernel.data || (kernel.dtype != DType::F32 && kernel.dtype != DType::F64))
    return invalid("an NTK is an f32 or f64 [N, N] or [N, K, N, K] tensor, not " +
                   extentsToString(s));
  std::vector<double> a(size_t(n * n));
  for (int64_t i = 0; i < n * n; ++i)
    a[size_t(i)] = kernel.dtype == DType::F32 ? double(static_cast<const float *>(kernel.data)[i])
                                              : static_cast<const double *>(kernel.data)[i];
  NtkSpectrum r;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k <= i; ++k) {
      double x = a[size_t(i * n + k)], y = a[size_t(k * n + i)];
      if (!std::isfinite(x) || !std::isfinite(y))
        return invalid("the NTK has a non-finite entry at [" + std::to_string(i) + ", " +
                       std::to_string(k) + "]");
      if (std::fabs(x - y) > 1e-9 * std::max({1.0, std::fabs(x), std::fabs(y)}))
        return invalid("the NTK is not symmetric at [" + std::to_string(i) + ", " +
                       std::to_string(k) + "]");
    }
  for (int64_t i = 0; i < n; ++i)
    r.trace += a[size_t(i * n + i)];
  r.eigenvalues.resize(size_t(n));
  lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', lapack_int(n), a.data(),
                                   lapack_int(n), r.eigenvalues.data());
  if (info != 0)
    return Status::error(StatusCode::kInternal,
                         "LAPACK dsyevd failed on the NTK (info " + std::to_string(info) + ")");
  double low = r.eigenvalues.front(), high = r.eigenvalues.back();
  r.conditionNumber = low > 0 && std::isfinite(high / low) ? high / low : 1e5;
  return r;
}

int64_t jacobianRowLength(const Function &vjp) {
  int64_t total = 0;
  for (const ResultSpec &result : vjp.results()) {
    int64_t count = 1;
    for (int64_t d : result.shape)
      count *= d;
    total += count;
  }
  return total;
}

StatusOr<JacobianRowFn> compiledJacobianRows(Session &session, const Function &vjp,
                                             std::vector<TensorView> inputs, size_t xInput,
                                             size_t cotangentInput, const TensorView &samples) {
  const std::vector<InputSpec> &specs = vjp.inputs();
  if (inputs.size() != specs.size() || xInput >= specs.size() ||
      cotangentInput >= specs.size() || xInput == cotangentInput)
    return invalid("compiledJacobianRows needs one view per input of the VJP and two distinct "
                   "input indices for the sample and the cotangent");
  const InputSpec &x = specs[xInput], &c = specs[cotangentInput];
  if (x.shape.empty() || x.shape[0] != 1 || c.shape.size() != 2 || c.shape[0] != 1 ||
      c.shape[1] < 1)
    return invalid("the VJP must take one sample ([1, ...], not " + extentsToString(x.shape) +
                   ") and a cotangent of its logits ([1, K], not " +
                   extentsToString(c.shape) + ")");
  if (c.dtype != DType::F32 && c.dtype != DType::F64)
    return invalid("the cotangent must be f32 or f64");
  std::vector<int64_t> sampleShape(samples.shape.begin() + (samples.shape.empty() ? 0 : 1),
                                   samples.shape.end());
  std::vector<int64_t> xRest(x.shape.begin() + 1, x.shape.end());
  if (samples.shape.empty() || samples.shape[0] < 1 || sampleShape != xRest ||
      samples.dtype != x.dtype || !samples.data)
    return invalid("the samples must be a non-empty " + std::string(dtypeName(x.dtype)) +
                   " batch of the VJP's sample shape " + extentsToString(x.shape) + ", not " +
                   extentsToString(samples.shape));
  for (const ResultSpec &result : vjp.results())
    if (result.alias >= 0 || (result.dtype != DType::F32 && result.dtype != DType::F64))
      return invalid("the VJP's results must be f32 or f64 gradients it allocates, not "
                     "computed in place");
  // Buffers that outlive this call, shared by the returned function.
  struct State {
    Tensor sample, cotangent;
    std::vector<Tensor> outputs;
    std::vector<TensorView> inputs, outputViews;
  };
  auto state = std::make_shared<State>();
  KILN_ASSIGN_OR_RETURN(state->sample, Tensor::allocate(x.dtype, x.shape));
  KILN_ASSIGN_OR_RETURN(state->cotangent, Tensor::allocate(c.dtype, c.shape));
  KILN_ASSIGN_OR_RETURN(state->outputs, allocateOutputs(vjp));
  state->inputs = std::move(inputs);
  state->inputs[xInput] = state->sample.view();
  state->inputs[cotangentInput] = state->cotangent.view();
  state->outputViews = viewsOf(state->outputs);
  const int64_t count = samples.shape[0], logits = c.shape[1];
  const size_t sampleBytes = state->sample.nbytes();
  const auto *base = static_cast<const char *>(samples.data);
  return JacobianRowFn([state, &session, &vjp, count, logits, sampleBytes, base](
                           int64_t sample, int64_t logit, double *row) -> Status {
    if (sample < 0 || sample >= count || logit < 0 || logit >= logits)
      return invalid("Jacobian row (" + std::to_string(sample) + ", " + std::to_string(logit) +
                     ") is outside " + std::to_string(count) + " samples and " +
                     std::to_string(logits) + " logits");
    std::memcpy(state->sample.data(), base + size_t(sample) * sampleBytes, sampleBytes);
    std::memset(state->cotangent.data(), 0, state->cotangent.nbytes());
    if (state->cotangent.dtype() == DType::F32)
      state->cotangent.data<float>()[logit] = 1.0f;
    else
      state->cotangent.data<double>()[logit] = 1.0;
    KILN_RETURN_IF_ERROR(session.call(vjp, state->inputs, state->outputViews));
    for (const Tensor &out : state->outputs) {
      for (int64_t i = 0; i < out.numel(); ++i)
        row[i] = out.dtype() == DType::F32 ? double(out.data<float>()[i]) : out.data<double>()[i];
      row += out.numel();
    }
    return Status();
  });
}

} // namespace kiln::rt

//===-- The kernels compiled programs call (Abi.h) ------------------------------------------===//

namespace {

/// kiln_spectrum_*: ntkSpectrum on the kernel's buffers. The compiler has checked the shapes,
/// so the only errors left are in the data (a non-finite or asymmetric matrix), which a kernel
/// reports by its outputs: NaN everywhere.
template <typename T> void spectrumKernel(const int64_t *params, void *const *buffers) {
  kiln_spectrum_config c;
  std::memcpy(&c, params, sizeof(c));
  using namespace kiln::rt;
  const DType dtype = std::is_same_v<T, float> ? DType::F32 : DType::F64;
  T *eigenvalues = static_cast<T *>(buffers[1]), *trace = static_cast<T *>(buffers[2]),
    *condition = static_cast<T *>(buffers[3]);
  StatusOr<NtkSpectrum> r = ntkSpectrum(TensorView{buffers[0], dtype, {c.m, c.m}});
  if (!r.ok()) {
    const T nan = std::numeric_limits<T>::quiet_NaN();
    std::fill_n(eigenvalues, c.m, nan);
    *trace = *condition = nan;
    return;
  }
  for (int64_t i = 0; i < c.m; ++i)
    eigenvalues[i] = T(r->eigenvalues[size_t(i)]);
  *trace = T(r->trace);
  *condition = T(r->conditionNumber);
}

/// kiln_gram_*: g = j j^T in double. An f32 j is widened a block of columns at a time, so
/// the extra memory is rows x 1024 doubles, not a double copy of j.
template <typename T> void gramKernel(const int64_t *params, void *const *buffers) {
  kiln_gram_config c;
  std::memcpy(&c, params, sizeof(c));
  const int64_t rows = c.rows, cols = c.cols;
  std::vector<double> g(size_t(rows * rows));
  if (c.input_f64) {
    kiln::rt::gram(static_cast<const double *>(buffers[0]), rows, cols, 1.0, 0.0, g.data());
  } else {
    const auto *j = static_cast<const float *>(buffers[0]);
    constexpr int64_t kBlock = 1024;
    std::vector<double> block(size_t(rows * std::min(cols, kBlock)));
    for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
      const int64_t width = std::min(kBlock, cols - c0);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t k = 0; k < width; ++k)
          block[size_t(r * width + k)] = double(j[r * cols + c0 + k]);
      kiln::rt::gram(block.data(), rows, width, 1.0, c0 == 0 ? 0.0 : 1.0, g.data());
    }
  }
  T *out = static_cast<T *>(buffers[1]);
  for (int64_t i = 0; i < rows * rows; ++i)
    out[i] = T(g[size_t(i)]);
}

} // namespace

#define KILN_EXPORT extern "C" __attribute__((visibility("default")))
KILN_EXPORT void kiln_gram_f32(const int64_t *params, void *const *buffers) {
  gramKernel<float>(params, buffers);
}
KILN_EXPORT void kiln_gram_f64(const int64_t *params, void *const *buffers) {
  gramKernel<double>(params, buffers);
}
KILN_EXPORT void kiln_spectrum_f32(const int64_t *params, void *const *buffers) {
  spectrumKernel<float>(params, buffers);
}
KILN_EXPORT void kiln_spectrum_f64(const int64_t *params, void *const *buffers) {
  spectrumKernel<double>(params, buffers);
}
