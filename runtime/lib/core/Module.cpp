// SPDX-License-Identifier: Apache-2.0
// Loading a kiln-compile shared library, checking its ABI, and resolving its entry points.
#include "kiln/runtime/Module.h"
#include "kiln/runtime/cuda/CudaApi.h"

#include "Determinism.h"
#include "Signature.h"
#include "SysError.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>
#include <omp.h>
#include <sys/stat.h>

namespace kiln::rt {
namespace {
struct DlClose {
  void operator()(void *handle) const { dlclose(handle); }
};
using LibraryHandle = std::unique_ptr<void, DlClose>;

std::string lastDlError() {
  const char *text = dlerror();
  return text ? text : "unknown dynamic loader error";
}

// dlsym's result is only meaningful together with dlerror: a symbol may legitimately be null.
void *findSymbol(void *handle, const char *name) {
  dlerror();
  void *address = dlsym(handle, name);
  return dlerror() ? nullptr : address;
}
// The ELF symbol size of a dlsym'd object, or 0 where the loader does not know it. Lets us read
// the kiln_module_* data symbols without running past their end in a malformed library.
size_t symbolSize(const void *address) {
  Dl_info info;
  void *entry = nullptr;
  if (dladdr1(address, &info, &entry, RTLD_DL_SYMENT) == 0 || !entry)
    return 0;
  return static_cast<const ElfW(Sym) *>(entry)->st_size;
}
// The loader maps a library's segments from the file: one that ends past the end of the file
// (a truncated or corrupt library) is mapped anyway, and touching it kills the process with
// SIGBUS. So the ELF headers are read with read(2) and every segment and table checked
// against the file's size before dlopen sees the file.
Status checkElfFile(int fd, size_t size, const std::string &context) {
  auto fail = [&](const std::string &why) {
    return Status::error(StatusCode::kInvalidArgument, context + ": " + why);
  };
  auto readAt = [&](void *buffer, size_t bytes, uint64_t offset) {
    size_t done = 0;
    while (done < bytes) {
      ssize_t got = ::pread(fd, static_cast<char *>(buffer) + done, bytes - done,
                            static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        return false;
      done += static_cast<size_t>(got);
    }
    return true;
  };
  // Within the file: [offset, offset + bytes), without overflow.
  auto within = [&](uint64_t offset, uint64_t bytes) {
    return offset <= size && bytes <= size - offset;
  };
  Elf64_Ehdr header;
  if (size < sizeof(header) || !readAt(&header, sizeof(header), 0))
    return fail("not a shared library (" + std::to_string(size) + " bytes, too short for an ELF "
                "header)");
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
    return fail("not a shared library (no ELF header)");
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB)
    return fail("not a 64-bit little-endian ELF file, which this runtime loads");
  if (header.e_type != ET_DYN)
    return fail("an ELF file, but not a shared library");
  if (header.e_phentsize != sizeof(Elf64_Phdr) ||
      !within(header.e_phoff, uint64_t(header.e_phnum) * sizeof(Elf64_Phdr)))
    return fail("truncated or corrupt: its program headers lie outside its " +
                std::to_string(size) + " bytes");
  if (header.e_shoff != 0 &&
      (header.e_shentsize != sizeof(Elf64_Shdr) ||
       !within(header.e_shoff, uint64_t(header.e_shnum) * sizeof(Elf64_Shdr))))
    return fail("truncated or corrupt: its section headers lie outside its " +
                std::to_string(size) + " bytes");
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    if (!readAt(&segment, sizeof(segment), header.e_phoff + uint64_t(i) * sizeof(segment)))
      return fail("cannot read its program header " + std::to_string(i));
    if (segment.p_filesz > 0 && !within(segment.p_offset, segment.p_filesz))
      return fail("truncated or corrupt: segment " + std::to_string(i) + " ends at byte " +
                  std::to_string(segment.p_offset + segment.p_filesz) + " of a file of " +
                  std::to_string(size) + " bytes");
  }
  return Status();
}
} // namespace

struct Module::State {
  std::string path;
  LibraryHandle library;
  Device device = Device::kCpu;
  const kiln_cuda_api *cuda = nullptr;
  // Filled once in load() and never resized, so `const Function *` handed out stay valid.
  std::vector<Function> functions;
};

Module::Module(std::shared_ptr<const State> state) : state_(std::move(state)) {}

StatusOr<Module> Module::load(const std::string &soPath) {
  const std::string context = "cannot load Kiln module '" + soPath + "'";
  auto fail = [&](StatusCode code, const std::string &why) {
    return Status::error(code, context + ": " + why);
  };
  if (soPath.empty())
    return Status::error(StatusCode::kInvalidArgument, "cannot load Kiln module: empty path");

  // Checking the file first reports a missing file plainly rather than in the loader's words.
  struct stat info;
  if (::stat(soPath.c_str(), &info) != 0)
    return detail::sysError(errno, context);
  if (S_ISDIR(info.st_mode))
    return fail(StatusCode::kInvalidArgument, "it is a directory");
  if (!S_ISREG(info.st_mode))
    return fail(StatusCode::kInvalidArgument, "not a regular file");
  {
    int fd = ::open(soPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return detail::sysError(errno, context);
    Status elf = checkElfFile(fd, static_cast<size_t>(info.st_size), context);
    ::close(fd);
    KILN_RETURN_IF_ERROR(elf);
  }
  // Without a slash, dlopen would search the library path instead of opening the file we saw.
  std::string loadPath = soPath.find('/') == std::string::npos ? "./" + soPath : soPath;

  // RTLD_LOCAL keeps one module's symbols (every module exports kiln_call_*) from resolving
  // another's; RTLD_NOW surfaces missing dependencies here rather than mid-training-step.
  LibraryHandle library(dlopen(loadPath.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!library)
    return fail(StatusCode::kInvalidArgument, "not a loadable shared library: " + lastDlError());

  // Both data symbols mark a Kiln module; the ELF size (0 = unknown) bounds how far we read.
  struct DataSymbol {
    const void *address;
    size_t size;
  };
  auto kilnSymbol = [&](const char *name) -> StatusOr<DataSymbol> {
    const void *address = findSymbol(library.get(), name);
    if (!address)
      return fail(StatusCode::kInvalidArgument,
                  std::string("not a Kiln module (it does not export ") + name + ")");
    return DataSymbol{address, symbolSize(address)};
  };

  KILN_ASSIGN_OR_RETURN(DataSymbol version, kilnSymbol(KILN_ABI_VERSION_SYMBOL));
  if (version.size != 0 && version.size < sizeof(uint32_t))
    return fail(StatusCode::kInvalidArgument, KILN_ABI_VERSION_SYMBOL " is " +
                                                  std::to_string(version.size) +
                                                  " bytes, expected a uint32_t");
  uint32_t abi = *static_cast<const uint32_t *>(version.address);
  if (abi != KILN_ABI_VERSION)
    return fail(StatusCode::kFailedPrecondition,
                "built for Kiln ABI " + std::to_string(abi) + ", this runtime speaks " +
                    std::to_string(KILN_ABI_VERSION) + "; recompile it with this kiln-compile");

  KILN_ASSIGN_OR_RETURN(DataSymbol signature, kilnSymbol(KILN_ABI_SIGNATURE_SYMBOL));
  const char *text = static_cast<const char *>(signature.address);
  size_t length = signature.size ? strnlen(text, signature.size) : std::strlen(text);
  if (signature.size != 0 && length == signature.size)
    return fail(StatusCode::kInvalidArgument,
                KILN_ABI_SIGNATURE_SYMBOL " is not NUL-terminated within its " +
                    std::to_string(signature.size) + " bytes");
  std::string device;
  StatusOr<std::vector<detail::EntrySignature>> entries =
      detail::parseSignature(std::string_view(text, length), &device);
  if (!entries.ok())
    return fail(entries.status().code(), std::string(entries.status().message()));

  auto state = std::make_shared<State>();
  state->path = soPath;
  if (device == "cuda") {
    // The module names libkiln_runtime_cuda as a dependency, so its table is reachable from
    // the module's handle; the module's constructor has already tried to load the kernels.
    using GetApi = const kiln_cuda_api *(*)();
    auto get = reinterpret_cast<GetApi>(findSymbol(library.get(), "kiln_cuda_api_get"));
    const kiln_cuda_api *api = get ? get() : nullptr;
    if (!api)
      return fail(StatusCode::kInvalidArgument,
                  "its signature says \"device\": \"cuda\", but it does not link "
                  "libkiln_runtime_cuda (no kiln_cuda_api_get); recompile it with "
                  "kiln-compile --device cuda");
    if (api->version != KILN_CUDA_API_VERSION)
      return fail(StatusCode::kFailedPrecondition,
                  "compiled for CUDA, but the libkiln_runtime_cuda it loaded speaks CUDA API " +
                      std::to_string(api->version) + ", this runtime " +
                      std::to_string(KILN_CUDA_API_VERSION) + "; rebuild the module with this Kiln");
    if (api->init() != 0 || api->error()) {
      std::string why = api->error() ? api->error() : "the CUDA backend did not start";
      api->clear_error();
      return fail(StatusCode::kFailedPrecondition,
                  "compiled for CUDA (--device cuda), but the GPU cannot run it: " + why);
    }
    state->device = Device::kCuda;
    state->cuda = api;
  }
  for (detail::EntrySignature &entry : *entries) {
    void *symbol = findSymbol(library.get(), entry.symbol.c_str());
    if (!symbol)
      return fail(StatusCode::kInvalidArgument, "entry point '" + entry.name + "' names symbol " +
                                                    entry.symbol +
                                                    ", which the library does not export");
    Function fn;
    fn.name_ = std::move(entry.name);
    fn.inputs_ = std::move(entry.inputs);
    fn.results_ = std::move(entry.results);
    fn.extents_ = std::move(entry.extents);
    for (const ResultSpec &result : fn.results_)
      fn.numOutputBuffers_ += result.alias == -1;
    // POSIX guarantees that a dlsym'd function address survives this cast.
    fn.entry_ = reinterpret_cast<kiln_entry_fn>(symbol);
    state->functions.push_back(std::move(fn));
  }
  state->library = std::move(library);
  return Module(std::move(state));
}

StatusOr<const Function *> Module::lookup(std::string_view name) const {
  for (const Function &fn : state_->functions)
    if (fn.name() == name)
      return &fn;
  std::string available;
  for (const Function &fn : state_->functions)
    available += (available.empty() ? "" : ", ") + fn.name();
  return Status::error(StatusCode::kNotFound,
                       "module '" + state_->path + "' has no entry point '" + std::string(name) +
                           "' (it has: " + (available.empty() ? "none" : available) + ")");
}

std::vector<std::string> Module::entryPoints() const {
  std::vector<std::string> names;
  names.reserve(state_->functions.size());
  for (const Function &fn : state_->functions)
    names.push_back(fn.name());
  return names;
}

const std::string &Module::path() const { return state_->path; }

Device Module::device() const { return state_->device; }

const kiln_cuda_api *Module::cudaBackend() const { return state_->cuda; }

bool Module::contains(const Function &fn) const {
  for (const Function &own : state_->functions)
    if (&own == &fn)
      return true;
  return false;
}

StatusOr<std::unique_ptr<Runtime>> Runtime::create(const RuntimeOptions &options) {
  if (options.threads < 0)
    return Status::error(StatusCode::kInvalidArgument,
                         "RuntimeOptions::threads must be >= 0 (0 = hardware concurrency), got " +
                             std::to_string(options.threads));
  // The pool is process-wide (OpenMP's); a Runtime sizes it, 0 keeps OMP_NUM_THREADS or
  // the hardware concurrency.
  if (options.threads > 0)
    omp_set_num_threads(options.threads);
  detail::setDeterministic(options.deterministic);
  return std::unique_ptr<Runtime>(new Runtime(options));
}

StatusOr<Module> Runtime::loadModule(const std::string &soPath) { return Module::load(soPath); }

StateAccount Function::stateAccount() const {
  StateAccount account;
  for (const InputSpec &in : inputs_) {
    if (in.role.empty() || std::any_of(in.shape.begin(), in.shape.end(), [](int64_t d) { return d < 0; }))
      continue;
    int64_t n = 1;
    for (int64_t d : in.shape)
      n *= d;
    int64_t bytes = n * int64_t(dtypeSize(in.dtype));
    if (in.role == "parameter") {
      account.parameters += n;
      account.parameterBytes += bytes;
    } else if (in.role == "rank_state") {
      account.rankStateBytes += bytes;
    } else {
      account.optimizerStateBytes += bytes;
    }
  }
  return account;
}

StatusOr<size_t> Function::inputIndex(std::string_view name) const {
  std::string names;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (inputs_[i].name == name)
      return i;
    if (!inputs_[i].name.empty())
      names += (names.empty() ? "" : ", ") + inputs_[i].name;
  }
  return Status::error(StatusCode::kNotFound,
                       "@" + name_ + " has no input named '" + std::string(name) + "'" +
                           (names.empty() ? " (its inputs have no names)" : " (it has " + names + ")"));
}

} // namespace kiln::rt
