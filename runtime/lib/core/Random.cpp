// SPDX-License-Identifier: Apache-2.0
// Philox4x32-10 and the tensor fills built on it.
#include "kiln/runtime/Random.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace kiln::rt {

std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key) {
  // Constants and round structure from Random123's philox.h (Philox4x32, W32 key schedule).
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint64_t product0 = uint64_t{kMul0} * counter[0];
    uint64_t product1 = uint64_t{kMul1} * counter[2];
    counter = {static_cast<uint32_t>(product1 >> 32) ^ counter[1] ^ key[0],
               static_cast<uint32_t>(product1),
               static_cast<uint32_t>(product0 >> 32) ^ counter[3] ^ key[1],
               static_cast<uint32_t>(product0)};
    key[0] += kWeyl0;
    key[1] += kWeyl1;
  }
  return counter;
}

namespace {
constexpr double kTwoPi = 6.283185307179586476925286766559;

// Distinct counter spaces, so that the same seed gives unrelated uniform and normal streams.
enum class Stream : uint32_t { kUniform = 1, kNormal = 2 };

using Block = std::array<uint32_t, 4>;

Block randomBlock(uint64_t seed, Stream stream, uint64_t index) {
  return philox4x32({static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32),
                     static_cast<uint32_t>(stream), 0},
                    {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
}

// In (0, 1): the +0.5 keeps log() finite in Box-Muller.
double openUnit(uint32_t word) { return (word + 0.5) * 0x1p-32; }

// In [0, 1) with the full 53-bit double mantissa.
double unit53(uint32_t high, uint32_t low) {
  return static_cast<double>(((uint64_t{high} << 32) | low) >> 11) * 0x1p-53;
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

template <class T> void boxMuller(double u1, double u2, double mean, double stddev, T *pair) {
  double radius = std::sqrt(-2.0 * std::log(u1));
  pair[0] = static_cast<T>(mean + stddev * radius * std::cos(kTwoPi * u2));
  pair[1] = static_cast<T>(mean + stddev * radius * std::sin(kTwoPi * u2));
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
        out[k] = belowHigh<double>(lo + width * unit53(w[2 * k], w[2 * k + 1]), lo, hi);
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
  if (tensor.dtype == DType::F32) {
    // Two pairs per block; 32-bit uniforms already exceed float precision.
    fillBlocks<float, 4>(tensor, seed, Stream::kNormal, [&](const Block &w, float *out) {
      boxMuller(openUnit(w[0]), openUnit(w[1]), mean, stddev, out);
      boxMuller(openUnit(w[2]), openUnit(w[3]), mean, stddev, out + 2);
    });
  } else {
    // One pair per block, each uniform from 64 bits; 1 - u keeps the radius argument in (0, 1].
    fillBlocks<double, 2>(tensor, seed, Stream::kNormal, [&](const Block &w, double *out) {
      boxMuller(1.0 - unit53(w[0], w[1]), unit53(w[2], w[3]), mean, stddev, out);
    });
  }
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
