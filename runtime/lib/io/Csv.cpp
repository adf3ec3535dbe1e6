// SPDX-License-Identifier: Apache-2.0
// CSV reader for numeric datasets: the whole file in memory, one pass over its lines,
// numbers parsed in place with std::from_chars. Every content error is located as
// path:line:column.
#include "kiln/runtime/io/Dataset.h"

#include "Files.h"
#include "core/SysError.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace kiln::rt {
namespace {

/// One field of a row: its text (inside the quotes for a quoted field, without surrounding
/// blanks) and the 1-based byte column where it starts.
struct Field {
  std::string_view text;
  size_t column;
};

class CsvReader {
public:
  CsvReader(const std::string &path, DType labelType, const CsvOptions &options)
      : path_(path), labelType_(labelType), options_(options) {}

  StatusOr<Dataset> read();

private:
  /// The path as messages show it (escaped, so a strange name cannot garble them).
  std::string where() const { return escapeForMessage(path_, 4096); }
  Status error(const std::string &what) const {
    return Status::error(StatusCode::kInvalidArgument, where() + ": " + what);
  }
  Status errorAt(size_t column, const std::string &what) const {
    return Status::error(StatusCode::kInvalidArgument, where() + ":" + std::to_string(line_) +
                                                           ":" + std::to_string(column) + ": " +
                                                           what);
  }
  StatusOr<std::string> readFile() const;
  bool blank(char c) const { return (c == ' ' || c == '\t') && c != options_.delimiter; }
  Status split(std::string_view row);
  Status parseRow(size_t rowEnd);

  std::string path_;
  DType labelType_;
  CsvOptions options_;
  int64_t line_ = 0;          ///< 1-based number of the line being read
  std::vector<Field> fields_; ///< the fields of that line
  size_t expected_ = 0;       ///< fields per row, from the first row
  int64_t firstLine_ = 0;     ///< the line that fixed `expected_`
  size_t labelColumn_ = 0;    ///< resolved label field index
  std::vector<float> features_;
  std::vector<int64_t> labels_;
};

StatusOr<std::string> CsvReader::readFile() const {
  KILN_ASSIGN_OR_RETURN(detail::RegularFile file, detail::openRegularFile(path_, where()));
  std::string bytes;
  bytes.reserve(size_t(file.size));
  char chunk[1 << 16];
  while (true) {
    ssize_t n = ::read(file.fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return detail::sysError(errno, where());
    if (n == 0)
      break;
    bytes.append(chunk, size_t(n));
  }
  return bytes;
}

/// Cuts `row` into fields_ at the delimiter. A field may be enclosed in double quotes (then
/// it may hold the delimiter, and "" stands for a quote); blanks around a field are dropped.
Status CsvReader::split(std::string_view row) {
  fields_.clear();
  size_t p = 0;
  while (true) {
    while (p < row.size() && blank(row[p]))
      ++p;
    Field field{std::string_view(), p + 1};
    if (p < row.size() && row[p] == '"') {
      size_t start = ++p;
      while (true) {
        if (p >= row.size())
          return errorAt(field.column, "unterminated quoted field (a field cannot span lines)");
        if (row[p] == '"' && p + 1 < row.size() && row[p + 1] == '"')
          p += 2;
        else if (row[p] == '"')
          break;
        else
          ++p;
      }
      field.text = row.substr(start, p - start);
      ++p; // the closing quote
      while (p < row.size() && blank(row[p]))
        ++p;
      if (p < row.size() && row[p] != options_.delimiter)
        return errorAt(p + 1, "unexpected " + quoteForMessage(row.substr(p, 1)) +
                                  " after the closing quote of field " +
                                  std::to_string(fields_.size() + 1));
    } else {
      size_t start = p;
      while (p < row.size() && row[p] != options_.delimiter)
        ++p;
      size_t end = p;
      while (end > start && blank(row[end - 1]))
        --end;
      field.text = row.substr(start, end - start);
    }
    fields_.push_back(field);
    if (p >= row.size())
      return Status();
    ++p; // the delimiter
  }
}

/// Parses all of `text` as a T with std::from_chars, which takes no leading '+' (one is
/// skipped here, not "+-"); invalid_argument when anything is left over.
template <class T> std::errc parse(std::string_view text, T &value) {
  const char *begin = text.data(), *end = text.data() + text.size();
  if (end - begin > 1 && *begin == '+' && begin[1] != '-')
    ++begin;
  auto [stop, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc() && stop != end)
    return std::errc::invalid_argument;
  return ec;
}

Status CsvReader::parseRow(size_t rowEnd) {
  if (fields_.size() != expected_)
    return errorAt(fields_.size() < expected_ ? rowEnd + 1 : fields_[expected_].column,
                   "row has " + std::to_string(fields_.size()) + " field" +
                       (fields_.size() == 1 ? "" : "s") + " where " + std::to_string(expected_) +
                       (expected_ == 1 ? " is" : " are") + " expected (as on line " +
                       std::to_string(firstLine_) + ")");
  // The messages are built on the error paths only: this loop runs once per number.
  auto quoted = [](const Field &field) { return quoteForMessage(field.text); };
  auto which = [](size_t f) { return "field " + std::to_string(f + 1); };
  for (size_t f = 0; f < fields_.size(); ++f) {
    const Field &field = fields_[f];
    if (f == labelColumn_) {
      int64_t label = 0;
      std::errc ec = parse(field.text, label);
      if (ec == std::errc::invalid_argument) {
        // "3.0" and "3e2" are integers too; "2.5" is not.
        double value = 0;
        if (parse(field.text, value) != std::errc() || value != std::floor(value) ||
            !(std::fabs(value) < 9.2e18))
          return errorAt(field.column,
                         "label " + quoted(field) + " (" + which(f) + ") is not an integer");
        label = int64_t(value);
        ec = std::errc();
      }
      if (ec != std::errc() ||
          (labelType_ == DType::I32 && (label < INT32_MIN || label > INT32_MAX)))
        return errorAt(field.column, "label " + quoted(field) + " (" + which(f) +
                                         ") does not fit in " + std::string(dtypeName(labelType_)));
      if (options_.classes > 0 && (label < 0 || label >= options_.classes))
        return errorAt(field.column, "label " + quoted(field) + " (" + which(f) +
                                         ") is outside [0, " + std::to_string(options_.classes) +
                                         "), the " + std::to_string(options_.classes) +
                                         " classes");
      labels_.push_back(label);
      continue;
    }
    float value = 0;
    std::errc ec = parse(field.text, value);
    if (ec != std::errc() || !std::isfinite(value))
      return errorAt(field.column,
                     field.text.empty() ? which(f) + " is empty, not a number"
                     : ec == std::errc::result_out_of_range
                         ? which(f) + " is " + quoted(field) + ", out of the range of f32"
                     : ec != std::errc()
                         ? which(f) + " is " + quoted(field) + ", not a number"
                         : which(f) + " is " + quoted(field) + ", not a finite number");
    features_.push_back(value);
  }
  return Status();
}

StatusOr<Dataset> CsvReader::read() {
  if (labelType_ != DType::I32 && labelType_ != DType::I64)
    return error("labels can be read as i32 or i64, not " + std::string(dtypeName(labelType_)));
  KILN_ASSIGN_OR_RETURN(std::string bytes, readFile());
  std::string_view text(bytes);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") // a UTF-8 byte-order mark
    text.remove_prefix(3);
  int64_t headerLine = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t newline = text.find('\n', pos);
    size_t stop = newline == std::string_view::npos ? text.size() : newline;
    std::string_view row = text.substr(pos, stop - pos);
    pos = stop + 1;
    ++line_;
    if (!row.empty() && row.back() == '\r')
      row.remove_suffix(1);
    if (std::all_of(row.begin(), row.end(), [](char c) { return c == ' ' || c == '\t'; }))
      continue;
    KILN_RETURN_IF_ERROR(split(row));
    if (expected_ == 0) { // the first row: it fixes the field count and may be the header
      expected_ = fields_.size();
      firstLine_ = line_;
      int64_t column = options_.labelColumn < 0 ? int64_t(expected_) + options_.labelColumn
                                                : options_.labelColumn;
      if (column < 0 || column >= int64_t(expected_))
        return errorAt(1, "label column " + std::to_string(options_.labelColumn) +
                              " is outside the row's " + std::to_string(expected_) + " field" +
                              (expected_ == 1 ? "" : "s"));
      if (expected_ == 1)
        return errorAt(1, "the rows have a single field (the label) and no features");
      labelColumn_ = size_t(column);
      bool header = options_.header == CsvHeader::kYes;
      if (options_.header == CsvHeader::kAuto)
        header = std::any_of(fields_.begin(), fields_.end(), [](const Field &f) {
          double value;
          std::errc ec = parse(f.text, value);
          return f.text.empty() || (ec != std::errc() && ec != std::errc::result_out_of_range);
        });
      if (header) {
        headerLine = line_;
        continue;
      }
      // Room for every remaining line, so the vectors grow once.
      // After a last row without a newline, pos is one past the end of the text.
      size_t lines =
          size_t(std::count(text.begin() + long(std::min(pos, text.size())), text.end(), '\n')) + 2;
      features_.reserve(lines * (expected_ - 1));
      labels_.reserve(lines);
    }
    KILN_RETURN_IF_ERROR(parseRow(row.size()));
  }
  if (expected_ == 0)
    return error("empty file (no rows)");
  if (labels_.empty())
    return error("no data rows after the header on line " + std::to_string(headerLine));
  std::string().swap(bytes); // the text is parsed; free it before the tensors are allocated

  Dataset data;
  data.count = int64_t(labels_.size());
  data.numFeatures = int64_t(expected_) - 1;
  data.source = path_;
  KILN_ASSIGN_OR_RETURN(data.features,
                        Tensor::allocate(DType::F32, {data.count, data.numFeatures}));
  std::memcpy(data.features.data(), features_.data(), features_.size() * sizeof(float));
  KILN_ASSIGN_OR_RETURN(data.labels, Tensor::allocate(labelType_, {data.count}));
  for (int64_t i = 0; i < data.count; ++i) {
    if (labelType_ == DType::I64)
      data.labels.data<int64_t>()[i] = labels_[size_t(i)];
    else
      data.labels.data<int32_t>()[i] = int32_t(labels_[size_t(i)]);
  }
  return data;
}

} // namespace

StatusOr<Dataset> loadCsvDataset(const std::string &path, DType labelType,
                                 const CsvOptions &options) {
  return CsvReader(path, labelType, options).read();
}

} // namespace kiln::rt
