// SPDX-License-Identifier: Apache-2.0
// Fuzz target: loadIdx on arbitrary bytes (plain or gzip: zlib decides from the content), read
// as each element type a driver asks for, since each is its own conversion loop.
#include "FuzzInput.h"
#include "kiln/runtime/io/Idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const kiln::fuzz::ScratchFile input(".idx");
  const std::string &path = input.write(data, size);
  using kiln::rt::DType;
  for (DType as : {DType::F32, DType::F64, DType::I32, DType::I64}) {
    kiln::rt::StatusOr<kiln::rt::Tensor> loaded = kiln::rt::loadIdx(path, as, 1.0 / 255);
    // The header decides success, not the requested type: stop at the first refusal.
    if (!loaded.ok())
      break;
  }
  return 0;
}
