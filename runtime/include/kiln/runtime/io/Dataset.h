// SPDX-License-Identifier: Apache-2.0
// Labelled datasets for training drivers: loading them from IDX files or CSV, and seeded
// splits (train/validation, and the two halves of the training data architecture search
// trains weights and architecture on).
#ifndef KILN_RUNTIME_IO_DATASET_H
#define KILN_RUNTIME_IO_DATASET_H

#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kiln::rt {

/// `count` labelled examples, each a row of `numFeatures` f32 features.
struct Dataset {
  Tensor features;         ///< [count, numFeatures], f32, row-major
  Tensor labels;           ///< [count], i32 or i64
  int64_t count = 0;       ///< examples (rows)
  int64_t numFeatures = 0; ///< features per example
  /// Where the labels came from, for messages: the labels file of an IDX dataset, the CSV
  /// file's path. A split keeps its parent's source.
  std::string source;

  /// Label of example `i` (0 <= i < count), whichever of i32 and i64 the labels are.
  int64_t label(int64_t i) const;
};

/// Reads one split of an IDX dataset laid out as Fashion-MNIST is:
/// `DIR/PREFIX-images-idx3-ubyte[.gz]` and `DIR/PREFIX-labels-idx1-ubyte[.gz]` (PREFIX is
/// "train" or "t10k"; the .gz name is preferred when both exist). Images are scaled by 1/255
/// (bytes to [0, 1]) and flattened to [N, F]; labels are read as `labelType` (I32 or I64).
/// Errors are loadIdx's (they name the file; a missing one is reported under its .gz name),
/// kInvalidArgument for another `labelType`, and kInvalidArgument "DIR: N images but labels of
/// shape S" when the two files disagree.
StatusOr<Dataset> loadIdxDataset(const std::string &dir, const std::string &prefix,
                                 DType labelType);

/// Whether the first row of a CSV file names the columns.
enum class CsvHeader {
  kAuto, ///< a header if any field of the first row is not a number
  kYes,  ///< always: the first row is skipped (its field count must match the data's)
  kNo,   ///< never: the first row is data
};

struct CsvOptions {
  /// The column (0-based) holding the label; a negative one counts from the end, so -1 is
  /// the last. Every other column is a feature, in file order.
  int labelColumn = 0;
  CsvHeader header = CsvHeader::kAuto;
  char delimiter = ',';
  /// When positive, every label must be in [0, classes): one outside is an error located
  /// at its field, rather than an index compiled code would read another row's memory with.
  int64_t classes = 0;
};

/// Reads a numeric CSV file: one example per row, every column but the label a feature (f32),
/// the label an integer (read as `labelType`, I32 or I64; "3.0" is 3, "2.5" is an error).
/// Fields may carry surrounding spaces and double quotes ("1.5"; a header's names may hold
/// the delimiter inside quotes, with "" for a quote); rows end in LF or CRLF; blank lines and a
/// UTF-8 byte-order mark are skipped. Numbers are read with std::from_chars (decimal or
/// exponent notation; not NaN or infinity).
///
/// Errors: kNotFound "PATH: No such file or directory" (other open/read failures as their
/// errno maps; a directory, FIFO or device is kInvalidArgument "PATH: is a directory" or
/// "PATH: is not a regular file", never waited on); kInvalidArgument for everything wrong with the content, located as
/// "PATH:LINE:COLUMN: ..." (1-based line, 1-based byte column of the offending field; for a
/// row with too few fields, the end of the row): a field that is not a number (or not a
/// finite f32), a row with N fields where M are expected, a label that is not an integer (or
/// does not fit `labelType`, or lies outside [0, options.classes)), a label column outside the row, an unterminated quote; and
/// "PATH: ..." for an empty file, a header without data rows, or a file with no column
/// besides the label.
StatusOr<Dataset> loadCsvDataset(const std::string &path, DType labelType,
                                 const CsvOptions &options = {});

/// How many examples loadIdxDataset(dir, prefix, ...) would load, read from the labels file
/// alone (a driver sizing a compilation need not decompress the images). Errors as
/// loadIdxDataset's for the labels file.
StatusOr<int64_t> idxDatasetSize(const std::string &dir, const std::string &prefix);

/// The examples `rows` (indices into `data`, in that order; repeats allowed) as a new
/// dataset with `data`'s source. kInvalidArgument for an index outside [0, count).
StatusOr<Dataset> selectRows(const Dataset &data, const std::vector<int64_t> &rows);

/// The seeded permutation every split uses: 0..n-1 shuffled by Fisher-Yates from the last
/// position down, swapping position i with position `rng() % (i + 1)` of a
/// std::mt19937_64 seeded with `seed` (the shuffle kiln-run uses for its batches). The modulo
/// and the generator are fully specified, so the order is the same on every platform.
std::vector<int64_t> seededPermutation(int64_t n, uint64_t seed);

/// Splits `data` in two disjoint parts that together hold every example once: the second
/// (held-out, e.g. validation) part gets `round(fraction * count)` examples (std::llround,
/// halves away from zero), the first the other `count - round(fraction * count)`. Which
/// examples go where is decided by seededPermutation(count, seed): its first positions go to
/// the first part, the rest to the second. Each part keeps its examples in their original
/// order. kInvalidArgument when `fraction` is not in (0, 1) (NaN included) or leaves either
/// part empty.
StatusOr<std::pair<Dataset, Dataset>> splitDataset(const Dataset &data, double fraction,
                                                   uint64_t seed);

/// The two halves architecture search trains on (DARTS: network weights on A, architecture
/// parameters on B, from the training data alone): seededPermutation(count, seed), A its
/// first ceil(count / 2) positions, B the remaining floor(count / 2), each in original order.
/// kInvalidArgument for fewer than 2 examples.
StatusOr<std::pair<Dataset, Dataset>> twoWaySplit(const Dataset &data, uint64_t seed);

} // namespace kiln::rt

#endif // KILN_RUNTIME_IO_DATASET_H
