// SPDX-License-Identifier: Apache-2.0
// Fuzz target: loadCsvDataset on arbitrary bytes, under the option combinations that change
// how a row is cut (label first or last, header forced or detected, comma or semicolon).
#include "FuzzInput.h"
#include "kiln/runtime/io/Dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const kiln::fuzz::ScratchFile input(".csv");
  const std::string &path = input.write(data, size);
  using kiln::rt::CsvHeader;
  using kiln::rt::CsvOptions;
  using kiln::rt::DType;
  const CsvOptions variants[] = {{0, CsvHeader::kAuto, ','},
                                 {-1, CsvHeader::kYes, ','},
                                 {2, CsvHeader::kNo, ';'}};
  for (const CsvOptions &options : variants) {
    auto loaded = kiln::rt::loadCsvDataset(path, options.labelColumn ? DType::I32 : DType::I64,
                                           options);
    if (!loaded.ok())
      continue;
    // What loads is a dataset the drivers split: keep its invariants honest.
    const kiln::rt::Dataset &d = *loaded;
    if (d.features.numel() != d.count * d.numFeatures || d.labels.numel() != d.count) {
      std::fprintf(stderr, "a CSV dataset's tensors disagree with its counts\n");
      std::abort();
    }
    for (int64_t i = 0; i < d.count; ++i)
      (void)d.label(i);
    if (d.count >= 2)
      (void)kiln::rt::twoWaySplit(d, /*seed=*/size);
  }
  return 0;
}
