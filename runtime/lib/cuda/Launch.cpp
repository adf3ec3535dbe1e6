// SPDX-License-Identifier: Apache-2.0
// The embedded kernel images and their functions, loaded once per process (the backend uses
// one device's primary context).
#include "Launch.h"

#include <map>
#include <mutex>
#include <string>
#include <utility>

// The fatbins nvcc built (runtime/CMakeLists.txt passes their paths), in read-only data.
#define KILN_EMBED(symbol, path)                                                             \
  asm(".section .rodata\n.balign 16\n.hidden " #symbol "\n.type " #symbol                   \
      ", @object\n" #symbol ":\n.incbin \"" path "\"\n.previous\n");                         \
  extern "C" const unsigned char symbol[];
KILN_EMBED(kiln_window_fatbin, KILN_WINDOW_FATBIN)
KILN_EMBED(kiln_random_fatbin, KILN_RANDOM_FATBIN)
KILN_EMBED(kiln_data_fatbin, KILN_DATA_FATBIN)

namespace kiln::cuda {

CUfunction function(Image image, const char *name) {
  // Loaded for the life of the process (the library is never unloaded) and never destroyed,
  // so no exit-time destructor races the driver's own teardown.
  static std::mutex mutex;
  static auto *modules = new std::map<Image, CUmodule>;
  static auto *functions = new std::map<std::pair<Image, std::string>, CUfunction>;
  const Driver *d = driver();
  if (!d)
    return nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  auto known = functions->find({image, name});
  if (known != functions->end())
    return known->second;
  CUmodule &module = (*modules)[image];
  if (!module) {
    const void *data = image == Image::kWindow   ? kiln_window_fatbin
                       : image == Image::kRandom ? kiln_random_fatbin
                                                 : kiln_data_fatbin;
    if (!check(d->cuModuleLoadData(&module, data),
               "loading the runtime's kernels (cuModuleLoadData; built for sm_80 and sm_90)"))
      return nullptr;
  }
  CUfunction f = nullptr;
  if (!check(d->cuModuleGetFunction(&f, module, name),
             (std::string("cuModuleGetFunction(") + name + ")").c_str()))
    return nullptr;
  (*functions)[{image, name}] = f;
  return f;
}

} // namespace kiln::cuda
