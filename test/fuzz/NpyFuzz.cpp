// SPDX-License-Identifier: Apache-2.0
// Fuzz target: loadNpy on arbitrary bytes. Whatever it accepts must survive saveNpy and
// read back identical, so a header the reader misparses shows up even without a crash.
#include "FuzzInput.h"
#include "kiln/runtime/io/Npy.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const kiln::fuzz::ScratchFile input(".npy"), copy(".npy");
  kiln::rt::StatusOr<kiln::rt::Tensor> loaded = kiln::rt::loadNpy(input.write(data, size));
  if (!loaded.ok())
    return 0;
  // BF16 has no NumPy type code, and no descr maps to it; anything else must round-trip.
  kiln::rt::Status saved = kiln::rt::saveNpy(copy.path(), loaded->view());
  if (!saved.ok()) {
    std::fprintf(stderr, "saveNpy refused what loadNpy accepted: %s\n", saved.toString().c_str());
    std::abort();
  }
  kiln::rt::StatusOr<kiln::rt::Tensor> again = kiln::rt::loadNpy(copy.path());
  if (!again.ok() || again->dtype() != loaded->dtype() || again->shape() != loaded->shape() ||
      std::memcmp(again->data(), loaded->data(), loaded->nbytes()) != 0) {
    std::fprintf(stderr, "a .npy file does not read back as it was written\n");
    std::abort();
  }
  return 0;
}
