// SPDX-License-Identifier: Apache-2.0
// main() for a fuzz target built without libFuzzer: runs every file named on the command line
// (or found in a directory named there) through LLVMFuzzerTestOneInput once. The test suite
// replays each target's seed corpus and regressions/ with it, so an input that once crashed a
// target keeps passing through it in every build, with or without sanitizers.
#include "FuzzInput.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

int main(int argc, char **argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path arg = argv[i];
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (const fs::directory_entry &entry : fs::directory_iterator(arg))
        // Hidden files (.gitkeep) hold a directory in git, not an input.
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
          files.push_back(entry.path());
    } else if (fs::exists(arg, ec)) {
      files.push_back(arg);
    } else {
      std::cerr << argv[0] << ": no such file or directory: " << arg.string() << "\n";
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path &file : files) {
    std::ifstream in(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::cerr << argv[0] << ": cannot read " << file.string() << "\n";
      return 2;
    }
    // A crash here names the input that caused it.
    std::cerr << "replaying " << file.string() << "\n";
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
  }
  std::cout << "replayed " << files.size() << " inputs\n";
  return 0;
}
