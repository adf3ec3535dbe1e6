// SPDX-License-Identifier: Apache-2.0
// Tests for the CSV dataset reader: good files with and without a header, the label in any
// column, the accepted number spellings, and every error with its path:line:column.
#include "kiln/runtime/io/Dataset.h"

#include "TestUtil.h"

#include <fstream>
#include <string>
#include <vector>

namespace kiln::rt {
namespace {
using test::expectError;
using test::TempDir;

std::string write(const TempDir &dir, const std::string &name, const std::string &text) {
  std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<float> featuresOf(const Dataset &d) {
  return std::vector<float>(d.features.data<float>(),
                            d.features.data<float>() + d.count * d.numFeatures);
}

std::vector<int64_t> labelsOf(const Dataset &d) {
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < d.count; ++i)
    labels.push_back(d.label(i));
  return labels;
}

TEST(Csv, ReadsRowsWithoutHeader) {
  TempDir dir;
  std::string path = write(dir, "plain.csv", "1,0.5,-2\n0,1e-1,+3.25\n2, 4 ,5\n");
  auto d = loadCsvDataset(path, DType::I64);
  ASSERT_TRUE(d.ok()) << d.status().toString();
  EXPECT_EQ(d->count, 3);
  EXPECT_EQ(d->numFeatures, 2);
  EXPECT_EQ(d->source, path);
  EXPECT_EQ(d->features.shape(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(d->features.dtype(), DType::F32);
  EXPECT_EQ(d->labels.shape(), (std::vector<int64_t>{3}));
  EXPECT_EQ(d->labels.dtype(), DType::I64);
  EXPECT_EQ(featuresOf(*d), (std::vector<float>{0.5f, -2.f, 0.1f, 3.25f, 4.f, 5.f}));
  EXPECT_EQ(labelsOf(*d), (std::vector<int64_t>{1, 0, 2}));
}

TEST(Csv, DetectsOrForcesAHeader) {
  TempDir dir;
  std::string named = write(dir, "named.csv", "label,x,y\n3,1,2\n4,5,6\n");
  auto d = loadCsvDataset(named, DType::I32);
  ASSERT_TRUE(d.ok()) << d.status().toString();
  EXPECT_EQ(d->count, 2);
  EXPECT_EQ(d->labels.dtype(), DType::I32);
  EXPECT_EQ(labelsOf(*d), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(featuresOf(*d), (std::vector<float>{1, 2, 5, 6}));

  // Numeric column names: only CsvHeader::kYes skips them.
  std::string numbered = write(dir, "numbered.csv", "0,1,2\n3,1,2\n4,5,6\n");
  auto detected = loadCsvDataset(numbered, DType::I64);
  ASSERT_TRUE(detected.ok());
  EXPECT_EQ(detected->count, 3);
  CsvOptions yes;
  yes.header = CsvHeader::kYes;
  auto skipped = loadCsvDataset(numbered, DType::I64, yes);
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->count, 2);
  EXPECT_EQ(labelsOf(*skipped), (std::vector<int64_t>{3, 4}));

  // A header that is not numbers under kNo is data, and wrong.
  CsvOptions no;
  no.header = CsvHeader::kNo;
  expectError(loadCsvDataset(named, DType::I64, no).status(), StatusCode::kInvalidArgument,
              named + ":1:1: label 'label' (field 1) is not an integer");

  // pandas' to_csv writes an empty name for the index column; quoted names may hold commas.
  std::string quoted = write(dir, "quoted.csv", ",\"a, b\",\"say \"\"c\"\"\"\n1,2,3\n");
  auto q = loadCsvDataset(quoted, DType::I64);
  ASSERT_TRUE(q.ok()) << q.status().toString();
  EXPECT_EQ(q->count, 1);
  EXPECT_EQ(featuresOf(*q), (std::vector<float>{2, 3}));
}

TEST(Csv, LabelColumnLastOrByIndex) {
  TempDir dir;
  std::string path = write(dir, "last.csv", "x0,x1,class\n0.25,0.5,1\n0.75,1,0\n");
  CsvOptions last;
  last.labelColumn = -1;
  auto d = loadCsvDataset(path, DType::I64, last);
  ASSERT_TRUE(d.ok()) << d.status().toString();
  EXPECT_EQ(labelsOf(*d), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(featuresOf(*d), (std::vector<float>{0.25f, 0.5f, 0.75f, 1.f}));
  CsvOptions middle;
  middle.labelColumn = 1;
  std::string mid = write(dir, "middle.csv", "0.25,7,0.5\n");
  auto m = loadCsvDataset(mid, DType::I64, middle);
  ASSERT_TRUE(m.ok()) << m.status().toString();
  EXPECT_EQ(labelsOf(*m), (std::vector<int64_t>{7}));
  EXPECT_EQ(featuresOf(*m), (std::vector<float>{0.25f, 0.5f}));
}

TEST(Csv, OtherDelimitersLineEndingsAndBlankLines) {
  TempDir dir;
  // A byte-order mark, CRLF, blank lines, no final newline, quoted numbers.
  std::string path =
      write(dir, "semi.csv", "\xEF\xBB\xBFlabel;a;b\r\n\r\n1;\"2.5\";3\r\n  \n0;-4;5e2");
  CsvOptions semi;
  semi.delimiter = ';';
  auto d = loadCsvDataset(path, DType::I64, semi);
  ASSERT_TRUE(d.ok()) << d.status().toString();
  EXPECT_EQ(d->count, 2);
  EXPECT_EQ(featuresOf(*d), (std::vector<float>{2.5f, 3, -4, 500}));
  // Tabs: fields are not trimmed of the delimiter, so an empty field stays empty.
  std::string tabs = write(dir, "tabs.tsv", "1\t2\t3\n0\t\t3\n");
  CsvOptions tab;
  tab.delimiter = '\t';
  expectError(loadCsvDataset(tabs, DType::I64, tab).status(), StatusCode::kInvalidArgument,
              tabs + ":2:3: field 2 is empty, not a number");
}

TEST(Csv, IntegralLabelsInAnySpelling) {
  TempDir dir;
  std::string path = write(dir, "labels.csv", "3.0,1\n+2,1\n1e1,1\n-0,1\n");
  auto d = loadCsvDataset(path, DType::I64);
  ASSERT_TRUE(d.ok()) << d.status().toString();
  EXPECT_EQ(labelsOf(*d), (std::vector<int64_t>{3, 2, 10, 0}));
}

// Found by the csv fuzz target: a header-less file whose only row has no newline made the
// reader count newlines from one past the end of the text.
TEST(Csv, LastRowWithoutNewline) {
  TempDir dir;
  auto loaded = loadCsvDataset(write(dir, "one.csv", "1,2.5"), DType::I64);
  ASSERT_TRUE(loaded.ok()) << loaded.status().toString();
  EXPECT_EQ(loaded->count, 1);
  EXPECT_FLOAT_EQ(loaded->features.data<float>()[0], 2.5f);
}

TEST(Csv, MissingAndEmptyFiles) {
  TempDir dir;
  expectError(loadCsvDataset(dir.file("absent.csv"), DType::I64).status(), StatusCode::kNotFound,
              dir.file("absent.csv") + ": No such file or directory");
  std::string empty = write(dir, "empty.csv", "");
  expectError(loadCsvDataset(empty, DType::I64).status(), StatusCode::kInvalidArgument,
              empty + ": empty file (no rows)");
  std::string blank = write(dir, "blank.csv", "\n \r\n\n");
  expectError(loadCsvDataset(blank, DType::I64).status(), StatusCode::kInvalidArgument,
              blank + ": empty file");
  std::string header = write(dir, "header.csv", "\nlabel,x\n\n");
  expectError(loadCsvDataset(header, DType::I64).status(), StatusCode::kInvalidArgument,
              header + ": no data rows after the header on line 2");
  expectError(loadCsvDataset(dir.path(), DType::I64).status(), StatusCode::kInvalidArgument,
              dir.path() + ": is a directory");
}

TEST(Csv, LabelsOutsideTheClassesAreLocated) {
  TempDir dir;
  std::string path = write(dir, "classes.csv", "label,a\n0,1\n2,1\n 3,1\n");
  CsvOptions options;
  options.classes = 3;
  expectError(loadCsvDataset(path, DType::I64, options).status(), StatusCode::kInvalidArgument,
              path + ":4:2: label '3' (field 1) is outside [0, 3), the 3 classes");
  std::string negative = write(dir, "negative.csv", "0,1\n-1,1\n");
  expectError(loadCsvDataset(negative, DType::I32, options).status(),
              StatusCode::kInvalidArgument, negative + ":2:1: label '-1' (field 1) is outside");
  // Without a class count any integer is a label, as before.
  options.classes = 0;
  EXPECT_TRUE(loadCsvDataset(path, DType::I64, options).ok());
}

TEST(Csv, BinaryCellsAreEscapedAndCut) {
  TempDir dir;
  std::string path = write(dir, "binary.csv", "1,2\n1,\x01\xff" + std::string(300, 'z') + "\n");
  Status status = loadCsvDataset(path, DType::I64).status();
  expectError(status, StatusCode::kInvalidArgument, ":2:3: field 2 is '\\x01\\xff",
              "... (302 bytes), not a number");
  EXPECT_EQ(std::string(status.message()).find('\x01'), std::string::npos);
}

TEST(Csv, ReportsEveryContentErrorWithLineAndColumn) {
  TempDir dir;
  struct Case {
    std::string text, message;
  };
  std::vector<Case> cases = {
      {"1,2,3\n1,abc,3\n", ":2:3: field 2 is 'abc', not a number"},
      {"1,2,3\n1,2, 3x\n", ":2:6: field 3 is '3x', not a number"},
      {"1,2,3\n1,,3\n", ":2:3: field 2 is empty, not a number"},
      {"1,2,3\n1,2,nan\n", ":2:5: field 3 is 'nan', not a finite number"},
      {"1,2,3\n1,2,-inf\n", ":2:5: field 3 is '-inf', not a finite number"},
      {"1,2,3\n1,2,1e39\n", ":2:5: field 3 is '1e39', out of the range of f32"},
      {"a,b,c\n1,2,3\n\n1,2\n", ":4:4: row has 2 fields where 3 are expected (as on line 1)"},
      {"1,2,3\n1,2,3,4,5\n", ":2:7: row has 5 fields where 3 are expected (as on line 1)"},
      {"1,2,3\n1.5,2,3\n", ":2:1: label '1.5' (field 1) is not an integer"},
      {"1,2,3\ncat,2,3\n", ":2:1: label 'cat' (field 1) is not an integer"},
      {"1,2,3\n,2,3\n", ":2:1: label '' (field 1) is not an integer"},
      {"1,2,3\n99999999999999999999,2,3\n",
       ":2:1: label '99999999999999999999' (field 1) does not fit in i64"},
      {"1,2,3\n1,\"2,3\n", ":2:3: unterminated quoted field"},
      {"1,2,3\n1,\"2\"x,3\n", ":2:6: unexpected 'x' after the closing quote of field 2"},
      {"1\n2\n", ":1:1: the rows have a single field (the label) and no features"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string path = write(dir, "bad" + std::to_string(i) + ".csv", cases[i].text);
    expectError(loadCsvDataset(path, DType::I64).status(), StatusCode::kInvalidArgument,
                path + cases[i].message);
  }
  // i32 labels are range-checked.
  std::string wide = write(dir, "wide.csv", "1,2\n3000000000,2\n");
  expectError(loadCsvDataset(wide, DType::I32).status(), StatusCode::kInvalidArgument,
              wide + ":2:1: label '3000000000' (field 1) does not fit in i32");
  EXPECT_TRUE(loadCsvDataset(wide, DType::I64).ok());
  // The label column must exist; the error points at the first row.
  CsvOptions far;
  far.labelColumn = 3;
  std::string three = write(dir, "three.csv", "\n1,2,3\n");
  expectError(loadCsvDataset(three, DType::I64, far).status(), StatusCode::kInvalidArgument,
              three + ":2:1: label column 3 is outside the row's 3 fields");
  far.labelColumn = -4;
  expectError(loadCsvDataset(three, DType::I64, far).status(), StatusCode::kInvalidArgument,
              three + ":2:1: label column -4 is outside");
  expectError(loadCsvDataset(three, DType::F32).status(), StatusCode::kInvalidArgument,
              "i32 or i64, not f32");
}

TEST(Csv, ReadsALargeFile) {
  TempDir dir;
  std::string text;
  const int rows = 20000, cols = 16;
  for (int r = 0; r < rows; ++r) {
    text += std::to_string(r % 10);
    for (int c = 0; c < cols; ++c)
      text += "," + std::to_string(r * 0.5 + c);
    text += "\n";
  }
  std::string path = write(dir, "large.csv", text);
  auto d = loadCsvDataset(path, DType::I32);
  ASSERT_TRUE(d.ok()) << d.status().toString();
  ASSERT_EQ(d->count, rows);
  ASSERT_EQ(d->numFeatures, cols);
  EXPECT_EQ(d->label(12345), 5);
  EXPECT_EQ(d->features.data<float>()[12345 * cols + 3], float(12345 * 0.5 + 3));
}

} // namespace
} // namespace kiln::rt
