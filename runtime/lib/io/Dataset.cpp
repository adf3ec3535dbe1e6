// SPDX-License-Identifier: Apache-2.0
// Datasets from IDX files, row selection and the seeded splits. The CSV reader is Csv.cpp.
#include "kiln/runtime/io/Dataset.h"
#include "Files.h"

#include "kiln/runtime/io/Idx.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <numeric>
#include <random>

namespace kiln::rt {
namespace {

Status checkLabelType(DType labelType) {
  if (labelType != DType::I32 && labelType != DType::I64)
    return Status::error(StatusCode::kInvalidArgument, "labels can be read as i32 or i64, not " +
                                                           std::string(dtypeName(labelType)));
  return Status();
}

/// The two parts of `order` (first `firstSize` positions, then the rest), each sorted so
/// that a part keeps the original order of its examples.
StatusOr<std::pair<Dataset, Dataset>> splitAt(const Dataset &data, std::vector<int64_t> order,
                                              int64_t firstSize) {
  std::vector<int64_t> second(order.begin() + firstSize, order.end());
  order.resize(size_t(firstSize));
  std::sort(order.begin(), order.end());
  std::sort(second.begin(), second.end());
  KILN_ASSIGN_OR_RETURN(Dataset a, selectRows(data, order));
  KILN_ASSIGN_OR_RETURN(Dataset b, selectRows(data, second));
  return std::make_pair(std::move(a), std::move(b));
}

/// `value` as printf's %g writes it: 0.1, not std::to_string's 0.100000.
std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

} // namespace

int64_t Dataset::label(int64_t i) const {
  return labels.dtype() == DType::I64 ? labels.data<int64_t>()[i] : labels.data<int32_t>()[i];
}

namespace {
/// The file of an IDX dataset's `stem` in `dir`: the .gz one when both exist.
StatusOr<std::function<std::string(const std::string &)>> idxFiles(const std::string &dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    return Status::error(StatusCode::kInvalidArgument,
                         quoteForMessage(dir, 4096) +
                             " is not a directory (an IDX dataset is a directory of "
                             "PREFIX-images-idx3-ubyte[.gz] and PREFIX-labels-idx1-ubyte[.gz])");
  return std::function<std::string(const std::string &)>([dir](const std::string &stem) {
    for (const char *suffix : {".gz", ""})
      if (fs::exists(dir + "/" + stem + suffix))
        return dir + "/" + stem + suffix;
    return dir + "/" + stem + ".gz"; // reported as missing by loadIdx
  });
}
} // namespace

StatusOr<int64_t> idxDatasetSize(const std::string &dir, const std::string &prefix) {
  KILN_ASSIGN_OR_RETURN(auto find, idxFiles(dir));
  // The images file is there and readable (loadIdxDataset's first error, if it has one),
  // without decompressing it.
  const std::string images = find(prefix + "-images-idx3-ubyte");
  KILN_RETURN_IF_ERROR(
      detail::openRegularFile(images, "IDX file " + quoteForMessage(images, 4096)).status());
  KILN_ASSIGN_OR_RETURN(Tensor labels, loadIdx(find(prefix + "-labels-idx1-ubyte"), DType::I64));
  return labels.shape().empty() ? 0 : labels.shape()[0];
}

StatusOr<Dataset> loadIdxDataset(const std::string &dir, const std::string &prefix,
                                 DType labelType) {
  KILN_RETURN_IF_ERROR(checkLabelType(labelType));
  KILN_ASSIGN_OR_RETURN(auto find, idxFiles(dir));
  KILN_ASSIGN_OR_RETURN(Tensor images,
                        loadIdx(find(prefix + "-images-idx3-ubyte"), DType::F32, 1.0 / 255));
  Dataset data;
  data.source = find(prefix + "-labels-idx1-ubyte");
  KILN_ASSIGN_OR_RETURN(data.labels, loadIdx(data.source, labelType));
  data.count = images.shape().empty() ? 0 : images.shape()[0];
  data.numFeatures = data.count ? images.numel() / data.count : 0;
  if (data.labels.shape() != std::vector<int64_t>{data.count})
    return Status::error(StatusCode::kInvalidArgument, dir + ": " + std::to_string(data.count) +
                                                           " images but labels of shape " +
                                                           shapeToString(data.labels.shape()));
  if (images.shape() == std::vector<int64_t>{data.count, data.numFeatures}) {
    data.features = std::move(images);
  } else { // [N, 28, 28] and the like: the same bytes as [N, F]
    KILN_ASSIGN_OR_RETURN(data.features,
                          Tensor::allocate(DType::F32, {data.count, data.numFeatures}));
    std::memcpy(data.features.data(), images.data(), data.features.nbytes());
  }
  return data;
}

StatusOr<Dataset> selectRows(const Dataset &data, const std::vector<int64_t> &rows) {
  Dataset out;
  out.count = int64_t(rows.size());
  out.numFeatures = data.numFeatures;
  out.source = data.source;
  KILN_ASSIGN_OR_RETURN(out.features, Tensor::allocate(DType::F32, {out.count, out.numFeatures}));
  KILN_ASSIGN_OR_RETURN(out.labels, Tensor::allocate(data.labels.dtype(), {out.count}));
  const size_t rowBytes = size_t(data.numFeatures) * sizeof(float);
  const size_t labelBytes = dtypeSize(data.labels.dtype());
  for (int64_t r = 0; r < out.count; ++r) {
    int64_t i = rows[size_t(r)];
    if (i < 0 || i >= data.count)
      return Status::error(StatusCode::kInvalidArgument,
                           "row " + std::to_string(i) + " is outside the " +
                               std::to_string(data.count) + " examples of " + data.source);
    std::memcpy(out.features.data<char>() + r * rowBytes, data.features.data<char>() + i * rowBytes,
                rowBytes);
    std::memcpy(out.labels.data<char>() + r * labelBytes, data.labels.data<char>() + i * labelBytes,
                labelBytes);
  }
  return out;
}

std::vector<int64_t> seededPermutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> order(size_t(std::max<int64_t>(n, 0)));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[size_t(i)], order[size_t(rng() % uint64_t(i + 1))]);
  return order;
}

StatusOr<std::pair<Dataset, Dataset>> splitDataset(const Dataset &data, double fraction,
                                                   uint64_t seed) {
  // Written so that NaN fails too.
  if (!(fraction > 0 && fraction < 1))
    return Status::error(StatusCode::kInvalidArgument,
                         "a split fraction must be in (0, 1), not " + number(fraction));
  int64_t held = std::llround(fraction * double(data.count));
  if (held <= 0 || held >= data.count)
    return Status::error(StatusCode::kInvalidArgument,
                         "a split fraction of " + number(fraction) + " of the " +
                             std::to_string(data.count) + " examples of " + data.source +
                             " leaves " + (held <= 0 ? "the held-out" : "the other") +
                             " part empty");
  return splitAt(data, seededPermutation(data.count, seed), data.count - held);
}

StatusOr<std::pair<Dataset, Dataset>> twoWaySplit(const Dataset &data, uint64_t seed) {
  if (data.count < 2)
    return Status::error(StatusCode::kInvalidArgument,
                         "a two-way split needs at least 2 examples; " + data.source + " has " +
                             std::to_string(data.count));
  return splitAt(data, seededPermutation(data.count, seed), (data.count + 1) / 2);
}

} // namespace kiln::rt
