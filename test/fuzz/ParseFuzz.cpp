// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the text frontend's parse and verification of a program, then printing what
// verified (custom printers run on every op the parser accepted).
#include "FuzzInput.h"
#include "ProgramFuzz.h"

#include "llvm/Support/raw_ostream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kiln::fuzz::ParsedProgram program(data, size);
  if (!program.module)
    return 0;
  std::string text;
  llvm::raw_string_ostream os(text);
  program.module->print(os);
  return 0;
}
