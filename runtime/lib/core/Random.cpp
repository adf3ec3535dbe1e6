// SPDX-License-Identifier: Apache-2.0
// Philox4x32-10 and the tensor fills built on it.
#include "kiln/runtime/Random.h"
#include "NormalTile.h"
#include "kiln/runtime/Abi.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>

namespace kiln::rt {

namespace {
// Distinct counter spaces, so that the same seed gives unrelated uniform and normal streams.
enum class Stream : uint32_t { kUniform = 1, kNormal = detail::kNormalStream };

using Block = std::array<uint32_t, 4>;

Block randomBlock(uint64_t seed, Stream stream, uint64_t index) {
  return philox4x32({static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32),
                     static_cast<uint32_t>(stream), 0},
                    {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
}

// Element i is produced by block i / PerBlock, so a block-parallel loop gives the same tensor
// for any split of the blocks across threads.
template <class T, int PerBlock, class Generate>
void fillBlocks(const TensorView &tensor, uint64_t seed, Stream stream, Generate generate) {
  T *out = static_cast<T *>(tensor.data);
  int64_t n = tensor.numel();
  for (int64_t b = 0; b * PerBlock < n; ++b) {
    T values[PerBlock];
    generate(randomBlock(seed, stream, static_cast<uint64_t>(b)), values);
    for (int64_t k = 0; k < PerBlock && b * PerBlock + k < n; ++k)
      out[b * PerBlock + k] = values[k];
  }
}

Status checkTarget(const char *fill, const TensorView &tensor) {
  auto invalid = [&](const std::string &what) {
    return Status::error(StatusCode::kInvalidArgument, std::string(fill) + ": " + what);
  };
  if (tensor.dtype != DType::F32 && tensor.dtype != DType::F64)
    return invalid("needs an f32 or f64 tensor, got " + std::string(dtypeName(tensor.dtype)));
  StatusOr<size_t> nbytes = checkedByteSize(tensor.dtype, tensor.shape);
  if (!nbytes.ok())
    return invalid(std::string(nbytes.status().message()));
  if (!tensor.data && *nbytes > 0)
    return invalid("null data pointer");
  return Status();
}

// Rounding lo + (hi - lo) * u to the element type can land on hi itself; keep the range open.
template <class T> T belowHigh(double value, T lo, T hi) {
  T rounded = static_cast<T>(value);
  return rounded >= hi && hi > lo ? std::nextafter(hi, lo) : rounded;
}

/// Normal draws for elements [0, n) of `out`, a tile of 2 * kNormalTilePairs elements at a
/// time (pair k gives elements 2k and 2k + 1), the tiles in parallel on the runtime's pool.
template <class T>
void normalTiles(T *out, int64_t n, uint64_t seed, double mean, double stddev) {
  static constexpr int64_t kPairs = detail::kNormalTilePairs, kPerTile = 2 * kPairs;
  struct Context {
    T *out;
    int64_t n;
    uint64_t seed;
    double mean, stddev;
  } context{out, n, seed, mean, stddev};
  auto body = [](int64_t begin, int64_t end, void *opaque) {
    const Context &c = *static_cast<const Context *>(opaque);
    double cosines[kPairs], sines[kPairs];
    for (int64_t tile = begin; tile < end; ++tile) {
      detail::normalTile(c.seed, static_cast<uint64_t>(tile * kPairs), std::is_same_v<T, double>,
                         c.stddev, cosines, sines);
      int64_t first = tile * kPerTile, count = std::min(kPerTile, c.n - first);
      for (int64_t e = 0; e < count; ++e)
        c.out[first + e] = static_cast<T>(c.mean + (e % 2 ? sines[e / 2] : cosines[e / 2]));
    }
  };
  // About 8k elements per task: the pool's start-up costs less than a tenth of their work.
  kiln_parallel_for((n + kPerTile - 1) / kPerTile, 64, body, &context);
}
} // namespace

Status fillUniform(const TensorView &tensor, uint64_t seed, float lo, float hi) {
  KILN_RETURN_IF_ERROR(checkTarget("fillUniform", tensor));
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi)
    return Status::error(StatusCode::kInvalidArgument,
                         "fillUniform: need finite lo <= hi, got [" + std::to_string(lo) + ", " +
                             std::to_string(hi) + ")");
  double width = static_cast<double>(hi) - lo;
  if (tensor.dtype == DType::F32) {
    fillBlocks<float, 4>(tensor, seed, Stream::kUniform, [&](const Block &w, float *out) {
      for (int k = 0; k < 4; ++k)
        out[k] = belowHigh<float>(lo + width * ((w[k] >> 8) * 0x1p-24), lo, hi);
    });
  } else {
    fillBlocks<double, 2>(tensor, seed, Stream::kUniform, [&](const Block &w, double *out) {
      for (int k = 0; k < 2; ++k)
        out[k] = belowHigh<double>(lo + width * detail::unit53(w[2 * k], w[2 * k + 1]), lo, hi);
    });
  }
  return Status();
}

Status fillNormal(const TensorView &tensor, uint64_t seed, float mean, float stddev) {
  KILN_RETURN_IF_ERROR(checkTarget("fillNormal", tensor));
  if (!std::isfinite(mean) || !std::isfinite(stddev) || stddev < 0)
    return Status::error(StatusCode::kInvalidArgument,
                         "fillNormal: need a finite mean and a finite stddev >= 0, got mean " +
                             std::to_string(mean) + ", stddev " + std::to_string(stddev));
  if (tensor.dtype == DType::F32)
    normalTiles(static_cast<float *>(tensor.data), tensor.numel(), seed, mean, stddev);
  else
    normalTiles(static_cast<double *>(tensor.data), tensor.numel(), seed, mean, stddev);
  return Status();
}

namespace {
template <class T> void fillConstant(const TensorView &tensor, double value) {
  std::fill_n(static_cast<T *>(tensor.data), tensor.numel(), static_cast<T>(value));
}
} // namespace

Status fillInit(const TensorView &tensor, const InitSpec &init, uint64_t seed) {
  float scale = static_cast<float>(init.value);
  switch (init.kind) {
  case InitSpec::Kind::Normal:
    return fillNormal(tensor, seed, 0.0f, scale);
  case InitSpec::Kind::Uniform:
    return fillUniform(tensor, seed, -scale, scale);
  case InitSpec::Kind::Key: {
    if (tensor.dtype != DType::I64)
      return Status::error(StatusCode::kInvalidArgument,
                           "fillInit: 'key' fills i64 tensors, not " +
                               std::string(dtypeName(tensor.dtype)));
    if (tensor.numel() > 0 && !tensor.data)
      return Status::error(StatusCode::kInvalidArgument, "fillInit: null data");
    // SplitMix64 of the seed: distinct seeds give unrelated keys; the top bit is cleared so
    // that the key reads the same as a signed or an unsigned integer.
    uint64_t state = seed;
    for (int64_t i = 0; i < tensor.numel(); ++i) {
      uint64_t z = (state += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      static_cast<int64_t *>(tensor.data)[i] = int64_t((z ^ (z >> 31)) >> 1);
    }
    return Status();
  }
  default:
    break;
  }
  if (tensor.numel() > 0 && !tensor.data)
    return Status::error(StatusCode::kInvalidArgument, "fillInit: null data");
  switch (tensor.dtype) {
  case DType::F32: fillConstant<float>(tensor, init.value); break;
  case DType::F64: fillConstant<double>(tensor, init.value); break;
  case DType::I1: fillConstant<uint8_t>(tensor, init.value != 0); break;
  case DType::I8: fillConstant<int8_t>(tensor, init.value); break;
  case DType::I32: fillConstant<int32_t>(tensor, init.value); break;
  case DType::I64: fillConstant<int64_t>(tensor, init.value); break;
  case DType::F16:
  case DType::BF16:
    if (init.value != 0)
      return Status::error(StatusCode::kUnimplemented,
                           std::string("fillInit: only zeros for ") +
                               std::string(dtypeName(tensor.dtype)));
    std::memset(tensor.data, 0, tensor.nbytes());
    break;
  }
  return Status();
}

} // namespace kiln::rt

//===-- The kernel compiled programs call (Abi.h) ------------------------------------------===//

namespace {
/// kiln_normal_*: fillNormal's values for seed key + key_offset, so that kiln.random_normal
/// and the Gaussian mechanism's noise are the driver's fills bit for bit. The compiler has
/// checked the parameters (finite mean, stddev >= 0, both already rounded to f32).
template <class T> void normalKernel(const int64_t *params, void *const *buffers) {
  kiln_normal_config c;
  std::memcpy(&c, params, sizeof(c));
  uint64_t seed = static_cast<uint64_t>(*static_cast<const int64_t *>(buffers[0])) +
                  static_cast<uint64_t>(c.key_offset);
  kiln::rt::normalTiles(static_cast<T *>(buffers[1]), c.count, seed, c.mean, c.stddev);
}
} // namespace

#define KILN_EXPORT extern "C" __attribute__((visibility("default")))
KILN_EXPORT void kiln_normal_f32(const int64_t *params, void *const *buffers) {
  normalKernel<float>(params, buffers);
}
KILN_EXPORT void kiln_normal_f64(const int64_t *params, void *const *buffers) {
  normalKernel<double>(params, buffers);
}
