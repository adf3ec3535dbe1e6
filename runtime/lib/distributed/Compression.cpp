// SPDX-License-Identifier: Apache-2.0
// The compressors, the error-control rules and the compressed exchange of one step
// (kiln/runtime/distributed/Compression.h), and the compressed_exchange kernel compiled code
// calls (Abi.h).
#include "kiln/runtime/distributed/Compression.h"
#include "kiln/runtime/Abi.h"
#include "kiln/runtime/Random.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace kiln::rt {

namespace {

bool sparse(CompressorKind c) {
  return c == CompressorKind::TopK || c == CompressorKind::TopKThreshold ||
         c == CompressorKind::RandK;
}

bool keepsError(ErrorControl c) { return c == ErrorControl::Ef14 || c == ErrorControl::EControl; }
bool keepsEstimate(ErrorControl c) { return c == ErrorControl::Ef21 || c == ErrorControl::EControl; }

/// |x| as an unsigned integer that orders like |x| (NaN above infinity): top-k selects on it.
template <typename T> auto magnitudeKey(T x) {
  if constexpr (sizeof(T) == 4) {
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    return bits & 0x7fffffffu;
  } else {
    uint64_t bits;
    std::memcpy(&bits, &x, 8);
    return bits & 0x7fffffffffffffffull;
  }
}

/// The k-th largest key among v's (1-based k <= d), by radix selection over 11-bit digits
/// from the top: a few linear passes instead of a sort. `ties` receives how many elements
/// equal to it belong to the top k (those with a larger key all do).
template <typename T> auto kthLargestKey(const T *v, int64_t d, int64_t k, int64_t &ties) {
  using Key = decltype(magnitudeKey(T()));
  constexpr int kBits = int(sizeof(Key) * 8);
  Key prefix = 0, mask = 0;
  int64_t remaining = k;
  std::vector<int64_t> histogram(1 << 11);
  for (int top = kBits; top > 0;) {
    int width = std::min(11, top);
    int shift = top - width;
    Key digitMask = Key((Key(1) << width) - 1);
    std::fill(histogram.begin(), histogram.end(), 0);
    for (int64_t j = 0; j < d; ++j) {
      Key key = magnitudeKey(v[j]);
      if ((key & mask) == prefix)
        ++histogram[size_t((key >> shift) & digitMask)];
    }
    int64_t digit = int64_t(digitMask);
    for (; digit > 0 && histogram[size_t(digit)] < remaining; --digit)
      remaining -= histogram[size_t(digit)];
    prefix |= Key(digit) << shift;
    mask |= digitMask << shift;
    top = shift;
  }
  ties = remaining;
  return prefix;
}

/// Exact top-k: every coordinate above the k-th largest magnitude, then those equal to it
/// from the lowest index (docs/algorithms.md §3.1's tie rule), listed in index order.
template <typename T> void topKIndices(const T *v, int64_t d, int64_t k, uint32_t *indices) {
  int64_t ties = 0;
  auto threshold = kthLargestKey(v, d, k, ties);
  int64_t n = 0;
  for (int64_t j = 0; j < d && n < k; ++j) {
    auto key = magnitudeKey(v[j]);
    if (key > threshold || (key == threshold && ties-- > 0))
      indices[n++] = uint32_t(j);
  }
}

/// Approximate top-k: the threshold is the matching quantile of a strided sample of the
/// magnitudes; coordinates at or above it are sent in index order, at most k. Unused slots
/// hold index d, which decoding skips.
template <typename T>
void thresholdIndices(const T *v, int64_t d, int64_t k, uint32_t *indices) {
  int64_t m = std::min<int64_t>(d, std::max<int64_t>(4096, 32 * k));
  using Key = decltype(magnitudeKey(T()));
  std::vector<Key> sample(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i)
    sample[size_t(i)] = magnitudeKey(v[(i * d) / m]);
  int64_t rank = std::clamp<int64_t>((k * m + d - 1) / d, 1, m); // ceil(k m / d)
  std::nth_element(sample.begin(), sample.begin() + (rank - 1), sample.end(), std::greater<Key>());
  Key threshold = sample[size_t(rank - 1)];
  int64_t n = 0;
  for (int64_t j = 0; j < d && n < k; ++j)
    if (magnitudeKey(v[j]) >= threshold)
      indices[n++] = uint32_t(j);
  for (; n < k; ++n)
    indices[n] = uint32_t(d);
}

/// rand-k's coordinates at `step`: k distinct ones uniform among d (Floyd's algorithm over
/// Philox draws of (key, step)), ascending. Every rank draws the same.
void randKIndices(uint64_t key, uint64_t step, int64_t d, int64_t k, uint32_t *indices) {
  std::vector<bool> taken(static_cast<size_t>(d));
  std::array<uint32_t, 2> philoxKey = {uint32_t(key), uint32_t(key >> 32)};
  int64_t n = 0;
  for (int64_t j = d - k; j < d; ++j) {
    std::array<uint32_t, 4> r = philox4x32({uint32_t(j), uint32_t(j >> 32), uint32_t(step),
                                            uint32_t(step >> 32)},
                                           philoxKey);
    uint64_t draw = (uint64_t(r[0]) << 32) | r[1];
    int64_t t = int64_t(draw % uint64_t(j + 1));
    int64_t pick = taken[size_t(t)] ? j : t;
    taken[size_t(pick)] = true;
    indices[n++] = uint32_t(pick);
  }
  std::sort(indices, indices + k);
}

uint16_t toBf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if (std::isnan(x))
    return uint16_t((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u); // round to nearest, ties to even
  return uint16_t(u >> 16);
}

float fromBf16(uint16_t b) {
  uint32_t u = uint32_t(b) << 16;
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

uint16_t toFp16(float x) {
  _Float16 h = static_cast<_Float16>(x);
  uint16_t u;
  std::memcpy(&u, &h, 2);
  return u;
}

float fromFp16(uint16_t u) {
  _Float16 h;
  std::memcpy(&h, &u, 2);
  return static_cast<float>(h);
}

template <typename T> void compressT(const CompressionSpec &s, const T *v, int64_t d,
                                     uint64_t step, uint8_t *message) {
  switch (s.compressor) {
  case CompressorKind::TopK:
  case CompressorKind::TopKThreshold:
  case CompressorKind::RandK: {
    bool sendsIndices = s.compressor != CompressorKind::RandK;
    std::vector<uint32_t> scratch;
    uint32_t *indices = reinterpret_cast<uint32_t *>(message);
    if (!sendsIndices) {
      scratch.resize(size_t(s.k));
      indices = scratch.data();
    }
    if (s.compressor == CompressorKind::TopK)
      topKIndices(v, d, s.k, indices);
    else if (s.compressor == CompressorKind::TopKThreshold)
      thresholdIndices(v, d, s.k, indices);
    else
      randKIndices(s.key, step, d, s.k, indices);
    uint8_t *values = message + (sendsIndices ? s.k * 4 : 0);
    for (int64_t i = 0; i < s.k; ++i) {
      T value = indices[i] < uint32_t(d) ? v[indices[i]] : T(0);
      std::memcpy(values + i * int64_t(sizeof(T)), &value, sizeof(T));
    }
    return;
  }
  case CompressorKind::ScaledSign: {
    double l1 = 0;
    for (int64_t j = 0; j < d; ++j)
      l1 += std::fabs(double(v[j]));
    T scale = T(l1 / double(d));
    std::memcpy(message, &scale, sizeof(T));
    uint8_t *bits = message + sizeof(T);
    std::memset(bits, 0, size_t((d + 7) / 8));
    for (int64_t j = 0; j < d; ++j)
      if (std::signbit(v[j]))
        bits[j / 8] |= uint8_t(1u << (j % 8));
    return;
  }
  case CompressorKind::Bf16:
  case CompressorKind::Fp16:
    for (int64_t j = 0; j < d; ++j) {
      uint16_t u = s.compressor == CompressorKind::Bf16 ? toBf16(float(v[j])) : toFp16(float(v[j]));
      std::memcpy(message + 2 * j, &u, 2);
    }
    return;
  }
}

template <typename T>
void decompressAddT(const CompressionSpec &s, const uint8_t *message, int64_t d, uint64_t step,
                    T scale, T *out) {
  switch (s.compressor) {
  case CompressorKind::TopK:
  case CompressorKind::TopKThreshold:
  case CompressorKind::RandK: {
    std::vector<uint32_t> scratch;
    const uint8_t *values = message;
    const uint32_t *indices;
    if (s.compressor == CompressorKind::RandK) {
      scratch.resize(size_t(s.k));
      randKIndices(s.key, step, d, s.k, scratch.data());
      indices = scratch.data();
    } else {
      scratch.resize(size_t(s.k));
      std::memcpy(scratch.data(), message, size_t(s.k) * 4);
      indices = scratch.data();
      values = message + s.k * 4;
    }
    for (int64_t i = 0; i < s.k; ++i) {
      if (indices[i] >= uint32_t(d))
        continue;
      T value;
      std::memcpy(&value, values + i * int64_t(sizeof(T)), sizeof(T));
      out[indices[i]] += scale * value;
    }
    return;
  }
  case CompressorKind::ScaledSign: {
    T magnitude;
    std::memcpy(&magnitude, message, sizeof(T));
    const uint8_t *bits = message + sizeof(T);
    for (int64_t j = 0; j < d; ++j)
      out[j] += scale * ((bits[j / 8] >> (j % 8)) & 1 ? -magnitude : magnitude);
    return;
  }
  case CompressorKind::Bf16:
  case CompressorKind::Fp16:
    for (int64_t j = 0; j < d; ++j) {
      uint16_t u;
      std::memcpy(&u, message + 2 * j, 2);
      out[j] += scale * T(s.compressor == CompressorKind::Bf16 ? fromBf16(u) : fromFp16(u));
    }
    return;
  }
}

template <typename T> DType dtypeOf() { return sizeof(T) == 4 ? DType::F32 : DType::F64; }

} // namespace

Status validateCompression(const CompressionSpec &spec, int64_t d) {
  auto invalid = [](std::string m) { return Status::error(StatusCode::kInvalidArgument, m); };
  if (d < 1)
    return invalid("compression needs at least one coordinate, not " + std::to_string(d));
  if (uint8_t(spec.control) > uint8_t(ErrorControl::EControl))
    return invalid("unknown error control " + std::to_string(int(spec.control)));
  if (uint8_t(spec.compressor) > uint8_t(CompressorKind::Fp16))
    return invalid("unknown compressor " + std::to_string(int(spec.compressor)));
  if (sparse(spec.compressor) && (spec.k < 1 || spec.k > d))
    return invalid("a top-k or rand-k compressor keeps 1 to " + std::to_string(d) +
                   " coordinates, not " + std::to_string(spec.k));
  if (sparse(spec.compressor) && d > int64_t(std::numeric_limits<uint32_t>::max()) - 1)
    return invalid("sparse messages index at most 2^32 - 1 coordinates");
  if (spec.control == ErrorControl::EControl && !(spec.eta > 0 && spec.eta <= 1))
    return invalid("EControl's eta must be in (0, 1], not " + std::to_string(spec.eta));
  return Status();
}

int64_t compressedBytes(const CompressionSpec &spec, int64_t d, DType dtype) {
  int64_t value = int64_t(dtypeSize(dtype));
  switch (spec.compressor) {
  case CompressorKind::TopK:
  case CompressorKind::TopKThreshold:
    return spec.k * (4 + value);
  case CompressorKind::RandK:
    return spec.k * value;
  case CompressorKind::ScaledSign:
    return value + (d + 7) / 8;
  case CompressorKind::Bf16:
  case CompressorKind::Fp16:
    return 2 * d;
  }
  return 0;
}

void compress(const CompressionSpec &s, const float *v, int64_t d, uint64_t step, uint8_t *m) {
  compressT(s, v, d, step, m);
}
void compress(const CompressionSpec &s, const double *v, int64_t d, uint64_t step, uint8_t *m) {
  compressT(s, v, d, step, m);
}
void decompressAdd(const CompressionSpec &s, const uint8_t *m, int64_t d, uint64_t step,
                   float scale, float *out) {
  decompressAddT(s, m, d, step, scale, out);
}
void decompressAdd(const CompressionSpec &s, const uint8_t *m, int64_t d, uint64_t step,
                   double scale, double *out) {
  decompressAddT(s, m, d, step, scale, out);
}

namespace {

/// One vector of d coordinates stored as n arrays: a step's gradients (and each kind of
/// state), one array per parameter, worked on where they are instead of being copied into one.
template <typename T> struct Pieces {
  std::vector<T *> at;         ///< the arrays; empty when the vector is absent
  std::vector<int64_t> begin;  ///< n + 1 offsets: array s holds [begin[s], begin[s + 1])

  static Pieces whole(T *p, int64_t d) { return p ? Pieces{{p}, {0, d}} : Pieces{}; }
  bool present() const { return !at.empty(); }
  size_t count() const { return at.size(); }
  int64_t size(size_t s) const { return begin[s + 1] - begin[s]; }
  /// Coordinate j of the vector (a search over the offsets: for sparse updates).
  T &operator[](int64_t j) const {
    size_t s = size_t(std::upper_bound(begin.begin() + 1, begin.end(), j) - begin.begin() - 1);
    return at[s][j - begin[s]];
  }
  /// Copies the vector into `flat` or back.
  void gather(T *flat) const {
    for (size_t s = 0; s < count(); ++s)
      std::copy(at[s], at[s] + size(s), flat + begin[s]);
  }
  void scatter(const T *flat) const {
    for (size_t s = 0; s < count(); ++s)
      std::copy(flat + begin[s], flat + begin[s + 1], at[s]);
  }
};

template <typename T> struct StatePieces {
  Pieces<T> e, h, hbar;
};

/// The coordinates a sparse message carries and their values, in message order (rand-k's
/// indices are regenerated, top-k's read; padding slots of a threshold message skipped).
template <typename T>
void sparseEntries(const CompressionSpec &s, const uint8_t *message, int64_t d, uint64_t step,
                   std::vector<std::pair<uint32_t, T>> &out) {
  std::vector<uint32_t> indices(static_cast<size_t>(s.k));
  const uint8_t *values = message;
  if (s.compressor == CompressorKind::RandK) {
    randKIndices(s.key, step, d, s.k, indices.data());
  } else {
    std::memcpy(indices.data(), message, size_t(s.k) * 4);
    values = message + s.k * 4;
  }
  for (int64_t i = 0; i < s.k; ++i) {
    if (indices[size_t(i)] >= uint32_t(d))
      continue;
    T value;
    std::memcpy(&value, values + i * int64_t(sizeof(T)), sizeof(T));
    out.push_back({indices[size_t(i)], value});
  }
}

/// The worker's half over pieces. Sparse compressors take one fused pass over (g, e, h) that
/// forms the compressor input u and the dense part of the new state, then the selection,
/// then corrections at the k sent coordinates only; the others decode their own message.
template <typename T>
void workerPieces(const CompressionSpec &spec, const Pieces<T> &g, int64_t d, uint64_t step,
                  const StatePieces<T> &state, uint8_t *message) {
  static thread_local std::vector<T> input, sent;
  input.resize(size_t(d));
  T *u = input.data();
  const T eta = T(spec.eta);
  const bool isSparse = sparse(spec.compressor);
  for (size_t s = 0; s < g.count(); ++s) {
    const T *gs = g.at[s];
    T *us = u + g.begin[s];
    T *es = state.e.present() ? state.e.at[s] : nullptr;
    T *hs = state.h.present() ? state.h.at[s] : nullptr;
    const int64_t n = g.size(s);
    switch (spec.control) {
    case ErrorControl::None:
      std::copy(gs, gs + n, us);
      break;
    case ErrorControl::Ef14:
      for (int64_t j = 0; j < n; ++j) {
        us[j] = es[j] + gs[j];
        if (isSparse)
          es[j] = us[j]; // less what is sent, below
      }
      break;
    case ErrorControl::Ef21:
      for (int64_t j = 0; j < n; ++j)
        us[j] = gs[j] - hs[j];
      break;
    case ErrorControl::EControl:
      for (int64_t j = 0; j < n; ++j) {
        T difference = gs[j] - hs[j];
        us[j] = eta * es[j] + difference;
        if (isSparse)
          es[j] = es[j] + difference; // less what is sent, below
      }
      break;
    }
  }
  compress(spec, u, d, step, message);
  if (spec.control == ErrorControl::None)
    return;
  if (isSparse) {
    static thread_local std::vector<std::pair<uint32_t, T>> entries;
    entries.clear();
    sparseEntries(spec, message, d, step, entries);
    for (auto [j, value] : entries) {
      if (keepsError(spec.control))
        state.e[j] = state.e[j] - value;
      if (keepsEstimate(spec.control))
        state.h[j] += value;
    }
    return;
  }
  // Dense compressors: what was sent, as the others decode it.
  sent.assign(size_t(d), T(0));
  T *c = sent.data();
  decompressAdd(spec, message, d, step, T(1), c);
  for (size_t s = 0; s < g.count(); ++s) {
    const T *gs = g.at[s], *cs = c + g.begin[s], *us = u + g.begin[s];
    T *es = state.e.present() ? state.e.at[s] : nullptr;
    T *hs = state.h.present() ? state.h.at[s] : nullptr;
    const int64_t n = g.size(s);
    for (int64_t j = 0; j < n; ++j) {
      if (spec.control == ErrorControl::Ef14)
        es[j] = us[j] - cs[j];
      else if (spec.control == ErrorControl::EControl)
        es[j] = es[j] + (gs[j] - hs[j]) - cs[j];
      if (keepsEstimate(spec.control))
        hs[j] += cs[j];
    }
  }
}

/// The server's half over pieces: the messages' sum in rank order, divided by the rank
/// count (every rank computes the same bits), added to h-bar for EF21 and EControl, written
/// to `direction`.
template <typename T>
void serverPieces(const CompressionSpec &spec, const uint8_t *messages, int ranks, int64_t d,
                  uint64_t step, const StatePieces<T> &state, const Pieces<T> &direction) {
  const int64_t bytes = compressedBytes(spec, d, dtypeOf<T>());
  if (sparse(spec.compressor) && keepsEstimate(spec.control)) {
    // Only the sent coordinates of h-bar change: sum each one's values in rank order.
    static thread_local std::vector<std::pair<uint32_t, T>> entries;
    entries.clear();
    for (int r = 0; r < ranks; ++r)
      sparseEntries(spec, messages + r * bytes, d, step, entries);
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (size_t i = 0; i < entries.size();) {
      uint32_t j = entries[i].first;
      T sum = T(0);
      for (; i < entries.size() && entries[i].first == j; ++i)
        sum += entries[i].second;
      state.hbar[j] += sum / T(ranks);
    }
    for (size_t s = 0; s < direction.count(); ++s)
      std::copy(state.hbar.at[s], state.hbar.at[s] + direction.size(s), direction.at[s]);
    return;
  }
  static thread_local std::vector<T> mean;
  mean.assign(size_t(d), T(0));
  for (int r = 0; r < ranks; ++r)
    decompressAdd(spec, messages + r * bytes, d, step, T(1), mean.data());
  for (int64_t j = 0; j < d; ++j)
    mean[size_t(j)] /= T(ranks);
  if (!keepsEstimate(spec.control)) {
    direction.scatter(mean.data());
    return;
  }
  for (size_t s = 0; s < direction.count(); ++s) {
    T *hbar = state.hbar.at[s], *out = direction.at[s];
    const T *m = mean.data() + direction.begin[s];
    for (int64_t j = 0; j < direction.size(s); ++j)
      out[j] = hbar[j] += m[j];
  }
}

template <typename T>
Status exchangePieces(Communicator &group, const CompressionSpec &spec, const Pieces<T> &g,
                      int64_t d, uint64_t step, const StatePieces<T> &state,
                      const Pieces<T> &direction) {
  if (Status st = validateCompression(spec, d); !st.ok())
    return st;
  if ((keepsError(spec.control) && !state.e.present()) ||
      (keepsEstimate(spec.control) && (!state.h.present() || !state.hbar.present())))
    return Status::error(StatusCode::kInvalidArgument,
                         "the error control lacks its state (e for EF14 and EControl, h and "
                         "h-bar for EF21 and EControl)");
  if (step == 0)
    return Status::error(StatusCode::kInvalidArgument, "steps count from 1");
  if (keepsEstimate(spec.control) && step == 1) {
    // The uncompressed first round: h = g, h-bar = the mean of g, which is applied.
    static thread_local std::vector<T> mean;
    mean.resize(size_t(d));
    g.gather(mean.data());
    state.h.scatter(mean.data());
    if (Status st = group.allReduce(mean.data(), d, dtypeOf<T>(), Reduction::Mean); !st.ok())
      return st;
    state.hbar.scatter(mean.data());
    direction.scatter(mean.data());
    return Status();
  }
  const int64_t bytes = compressedBytes(spec, d, dtypeOf<T>());
  static thread_local std::vector<uint8_t> mine, all;
  mine.resize(size_t(bytes));
  workerPieces(spec, g, d, step, state, mine.data());
  if (spec.compressor == CompressorKind::RandK) {
    // Every rank sent the same coordinates: their values add up in one all-reduce, a message
    // that decodes to the mean.
    auto *values = reinterpret_cast<T *>(mine.data());
    if (Status st = group.allReduce(values, spec.k, dtypeOf<T>(), Reduction::Mean); !st.ok())
      return st;
    serverPieces(spec, mine.data(), 1, d, step, state, direction);
    return Status();
  }
  all.resize(size_t(bytes) * size_t(group.size()));
  if (Status st = group.allGather(mine.data(), bytes, all.data()); !st.ok())
    return st;
  serverPieces(spec, all.data(), group.size(), d, step, state, direction);
  return Status();
}

template <typename T> StatePieces<T> wholeState(ErrorState<T> s, int64_t d) {
  return {Pieces<T>::whole(s.e, d), Pieces<T>::whole(s.h, d), Pieces<T>::whole(s.hbar, d)};
}

} // namespace

template <typename T>
void errorControlWorker(const CompressionSpec &spec, const T *g, int64_t d, uint64_t step,
                        ErrorState<T> state, uint8_t *message) {
  workerPieces(spec, Pieces<T>::whole(const_cast<T *>(g), d), d, step, wholeState(state, d),
               message);
}

template <typename T>
void errorControlServer(const CompressionSpec &spec, const uint8_t *messages, int ranks,
                        int64_t d, uint64_t step, ErrorState<T> state, T *direction) {
  serverPieces(spec, messages, ranks, d, step, wholeState(state, d),
               Pieces<T>::whole(direction, d));
}

template <typename T>
Status compressedMean(Communicator &group, const CompressionSpec &spec, const T *g, int64_t d,
                      uint64_t step, ErrorState<T> state, T *direction) {
  return exchangePieces(group, spec, Pieces<T>::whole(const_cast<T *>(g), d), d, step,
                        wholeState(state, d), Pieces<T>::whole(direction, d));
}

template void errorControlWorker<float>(const CompressionSpec &, const float *, int64_t,
                                        uint64_t, ErrorState<float>, uint8_t *);
template void errorControlWorker<double>(const CompressionSpec &, const double *, int64_t,
                                         uint64_t, ErrorState<double>, uint8_t *);
template void errorControlServer<float>(const CompressionSpec &, const uint8_t *, int, int64_t,
                                        uint64_t, ErrorState<float>, float *);
template void errorControlServer<double>(const CompressionSpec &, const uint8_t *, int, int64_t,
                                         uint64_t, ErrorState<double>, double *);
template Status compressedMean<float>(Communicator &, const CompressionSpec &, const float *,
                                      int64_t, uint64_t, ErrorState<float>, float *);
template Status compressedMean<double>(Communicator &, const CompressionSpec &, const double *,
                                       int64_t, uint64_t, ErrorState<double>, double *);

} // namespace kiln::rt

//===-- The kernel compiled code calls -------------------------------------------------------===//

namespace kiln::rt {
namespace {

/// compressed_exchange: the N gradients (and each kind of state, and the directions) are
/// the pieces of one vector, worked on in place: top-k selects over the whole model.
template <typename T> void compressedExchange(const int64_t *params, void *const *buffers) {
  kiln_compression_config c;
  std::memcpy(&c, params, sizeof c);
  const int64_t n = c.tensors;
  const int64_t *counts = params + KILN_ABI_COMPRESSION_CONFIG_FIELDS;
  CompressionSpec spec;
  spec.control = ErrorControl(c.control);
  spec.compressor = CompressorKind(c.compressor);
  spec.k = c.k;
  spec.key = uint64_t(c.key);
  spec.eta = c.eta;
  std::vector<int64_t> begin(size_t(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i)
    begin[size_t(i) + 1] = begin[size_t(i)] + counts[i];
  const int64_t d = begin.back();
  auto pieces = [&](int64_t first) {
    Pieces<T> p{std::vector<T *>(size_t(n)), begin};
    for (int64_t i = 0; i < n; ++i)
      p.at[size_t(i)] = static_cast<T *>(buffers[first + i]);
    return p;
  };
  // Buffers: the N gradients, the step, the N directions, then N per kind of state.
  const int64_t step = *static_cast<const int64_t *>(buffers[n]);
  int64_t next = 2 * n + 1;
  StatePieces<T> state;
  if (keepsError(spec.control)) {
    state.e = pieces(next);
    next += n;
  }
  if (keepsEstimate(spec.control)) {
    state.h = pieces(next);
    state.hbar = pieces(next + n);
  }
  Communicator &group = worldCommunicator();
  if (Status st = exchangePieces(group, spec, pieces(0), d, uint64_t(std::max<int64_t>(step, 0)),
                                 state, pieces(n + 1));
      !st.ok()) {
    std::fprintf(stderr, "kiln: error: rank %d of %d: kiln.compressed_exchange: %s\n",
                 group.rank(), group.size(), std::string(st.message()).c_str());
    group.abort(1);
    std::_Exit(1);
  }
}

} // namespace
} // namespace kiln::rt

#define KILN_EXPORT extern "C" __attribute__((visibility("default")))
KILN_EXPORT void kiln_compressed_exchange_f32(const int64_t *p, void *const *b) {
  kiln::rt::compressedExchange<float>(p, b);
}
KILN_EXPORT void kiln_compressed_exchange_f64(const int64_t *p, void *const *b) {
  kiln::rt::compressedExchange<double>(p, b);
}
