// SPDX-License-Identifier: Apache-2.0
// Compressed gradient exchange with error control (docs/algorithms.md §3): the compressors
// and their wire formats, the error-feedback rules EF14, EF21 and EControl, and the whole
// exchange of one step over a communicator. Compiled code reaches it through the
// compressed_exchange kernel (Abi.h); an application may call it directly.
#ifndef KILN_RUNTIME_DISTRIBUTED_COMPRESSION_H
#define KILN_RUNTIME_DISTRIBUTED_COMPRESSION_H

#include "kiln/runtime/distributed/Communicator.h"

#include <cstdint>

namespace kiln::rt {

/// How the residual of compression is fed back (the values are Abi.h's).
enum class ErrorControl : uint8_t {
  None = 0,     ///< send C(g): biased, and with top-k it may stall or diverge
  Ef14 = 1,     ///< Seide et al. 2014: p = e + g, send C(p), e = p - C(p)
  Ef21 = 2,     ///< Richtarik et al. 2021: send C(g - h), h += C(g - h)
  EControl = 3, ///< Gao et al. 2024: send C(eta e + g - h), e += g - h - C(.), h += C(.)
};

/// The compressors (the values are Abi.h's). Messages are little-endian.
enum class CompressorKind : uint8_t {
  TopK = 0,          ///< k largest |v_j| (ties: lowest index): k u32 indices, k f32 values
  TopKThreshold = 1, ///< those above a threshold estimated from a sample, at most k: same format
  RandK = 2,         ///< k coordinates drawn from (key, step), the same on every rank: k f32 values
  ScaledSign = 3,    ///< (|v|_1 / d) sign(v): one f32 scale, then d bits (1: negative)
  Bf16 = 4,          ///< v rounded to bfloat16 (nearest even): d u16
  Fp16 = 5,          ///< v rounded to IEEE half (nearest even): d u16
};

struct CompressionSpec {
  ErrorControl control = ErrorControl::None;
  CompressorKind compressor = CompressorKind::TopK;
  int64_t k = 1;      ///< top-k, rand-k: the coordinates sent; ignored by the others
  double eta = 1.0;   ///< EControl's feedback strength, in (0, 1]
  uint64_t key = 0;   ///< rand-k: the Philox key its coordinates come from
};

/// Whether `spec` can compress vectors of d coordinates (kInvalidArgument says why).
Status validateCompression(const CompressionSpec &spec, int64_t d);

/// The bytes of one rank's message for d coordinates of f32 or f64 (values travel in the
/// element type; bf16 and fp16 in 16 bits whatever it is): the compressor's nominal size.
int64_t compressedBytes(const CompressionSpec &spec, int64_t d, DType dtype);

/// Writes C(v) as its message (compressedBytes(spec, d, dtype) bytes). `step` picks
/// rand-k's coordinates. Deterministic: the same v gives the same bytes on every machine.
void compress(const CompressionSpec &spec, const float *v, int64_t d, uint64_t step,
              uint8_t *message);
void compress(const CompressionSpec &spec, const double *v, int64_t d, uint64_t step,
              uint8_t *message);

/// out += scale * C(v) for the v a message was made from.
void decompressAdd(const CompressionSpec &spec, const uint8_t *message, int64_t d,
                   uint64_t step, float scale, float *out);
void decompressAdd(const CompressionSpec &spec, const uint8_t *message, int64_t d,
                   uint64_t step, double scale, double *out);

/// One rank's error-control state over the d coordinates: e (EF14, EControl), h (EF21,
/// EControl) and the mean of every rank's h, h-bar (EF21, EControl); null where the method
/// keeps none. Zeros before the first step.
template <typename T> struct ErrorState {
  T *e = nullptr;
  T *h = nullptr;
  T *hbar = nullptr;
};

/// The worker's half of a step: forms the compressor input from (g, e, h), writes its
/// message and updates e and h. Not for EF21/EControl's first step (see compressedMean).
template <typename T>
void errorControlWorker(const CompressionSpec &spec, const T *g, int64_t d, uint64_t step,
                        ErrorState<T> state, uint8_t *message);

/// The server's half, which every rank computes alike from all `ranks` messages (rank
/// order, each compressedBytes long): the mean decoded message, added to h-bar for EF21 and
/// EControl, is the direction the optimizer applies.
template <typename T>
void errorControlServer(const CompressionSpec &spec, const uint8_t *messages, int ranks,
                        int64_t d, uint64_t step, ErrorState<T> state, T *direction);

/// A whole step on `group`: the direction every rank applies in place of its gradient g.
/// `step` is 1-based; at step 1 EF21 and EControl send g uncompressed once (h = g, h-bar
/// = the mean of g) and apply it, as their analyses start. Every rank gets the same bits.
/// (Instantiated for float and double.)
template <typename T>
Status compressedMean(Communicator &group, const CompressionSpec &spec, const T *g, int64_t d,
                      uint64_t step, ErrorState<T> state, T *direction);

} // namespace kiln::rt

#endif // KILN_RUNTIME_DISTRIBUTED_COMPRESSION_H
