// SPDX-License-Identifier: Apache-2.0
// Fuzz target: Session::call on a fixed compiled module (session.mlir) with arguments whose
// count, dtypes, shapes, placement (overlapping, null) and data come from the input. The
// runtime promises that whatever passes its checks runs within its buffers; everything else
// must be an error Status. Buffers are always as large as the views say: that much is the
// caller's side of the contract, which no runtime can check.
#include "FuzzInput.h"
#include "kiln/runtime/Runtime.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#ifndef KILN_FUZZ_SESSION_MODULE
#error "KILN_FUZZ_SESSION_MODULE names the compiled session.mlir"
#endif

namespace {

using namespace kiln::rt;

/// The input as a stream of choices; zeros once it runs out.
class Choices {
public:
  Choices(const uint8_t *data, size_t size) : data_(data), size_(size) {}
  uint8_t next() { return pos_ < size_ ? data_[pos_++] : 0; }
  /// True with probability about n/256.
  bool rarely(unsigned n) { return next() < n; }
  const uint8_t *rest() const { return data_ + pos_; }
  size_t restSize() const { return size_ - pos_; }

private:
  const uint8_t *data_;
  size_t size_, pos_ = 0;
};

struct Harness {
  std::unique_ptr<Runtime> runtime;
  std::optional<Session> session;
  std::vector<const Function *> functions;
};

Harness &harness() {
  static Harness *h = [] {
    auto *made = new Harness;
    // One thread: the fuzzer measures the runtime, not OpenMP's start-up.
    auto runtime = Runtime::create(RuntimeOptions{1});
    if (!runtime.ok())
      std::abort();
    made->runtime = std::move(runtime).value();
    auto module = made->runtime->loadModule(KILN_FUZZ_SESSION_MODULE);
    if (!module.ok()) {
      std::fprintf(stderr, "%s\n", module.status().toString().c_str());
      std::abort();
    }
    auto session = Session::create(*made->runtime, *module);
    if (!session.ok())
      std::abort();
    made->session.emplace(std::move(session).value());
    for (const std::string &name : made->session->module().entryPoints())
      made->functions.push_back(*made->session->module().lookup(name));
    return made;
  }();
  return *h;
}

/// One argument: what the signature declares, bent by the input now and then.
struct Argument {
  DType dtype;
  std::vector<int64_t> shape;
  size_t bytes = 0; ///< of its buffer; 0 for a shape with a negative extent
  int64_t classes = 0;
};

Argument choose(Choices &c, const TensorSpec *spec, int64_t classes) {
  Argument a{spec ? spec->dtype : DType::F32, {}, 0, classes};
  if (c.rarely(16))
    a.dtype = static_cast<DType>(c.next() % 8);
  size_t rank = spec ? spec->shape.size() : 0;
  if (c.rarely(16))
    rank = c.next() % 4;
  bool negative = false;
  for (size_t d = 0; d < rank; ++d) {
    int64_t declared = spec && d < spec->shape.size() ? spec->shape[d] : -1;
    int64_t extent = declared >= 0 && !c.rarely(24) ? declared : c.next() % 9;
    if (c.rarely(2)) {
      extent = -1 - (c.next() % 2);
      negative = true;
    }
    a.shape.push_back(extent);
  }
  if (!negative) {
    StatusOr<size_t> bytes = checkedByteSize(a.dtype, a.shape);
    a.bytes = bytes.ok() ? *bytes : 0;
  }
  return a;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Harness &h = harness();
  Choices c(data, size);
  const Function &fn = *h.functions[c.next() % h.functions.size()];

  // Argument counts: as declared, or one more or one fewer.
  uint8_t counts = c.next();
  size_t numInputs = fn.inputs().size(), numOutputs = fn.numOutputBuffers();
  if (counts & 1)
    numInputs = counts & 2 ? numInputs + 1 : numInputs ? numInputs - 1 : 0;
  if (counts & 4)
    numOutputs = counts & 8 ? numOutputs + 1 : numOutputs ? numOutputs - 1 : 0;
  bool allocating = counts & 16; // the form that allocates the outputs itself

  std::vector<const ResultSpec *> outputSpecs;
  for (const ResultSpec &r : fn.results())
    if (r.alias < 0)
      outputSpecs.push_back(&r);
  std::vector<Argument> args;
  for (size_t i = 0; i < numInputs; ++i) {
    const InputSpec *spec = i < fn.inputs().size() ? &fn.inputs()[i] : nullptr;
    args.push_back(choose(c, spec, spec ? spec->classes : 0));
  }
  for (size_t i = 0; i < numOutputs && !allocating; ++i)
    args.push_back(choose(c, i < outputSpecs.size() ? outputSpecs[i] : nullptr, 0));

  // Every argument gets its own 64-byte aligned region of one arena; now and then a view
  // starts at an earlier argument's region instead (overlap), or has no data at all.
  std::vector<size_t> offsets;
  size_t total = 0;
  for (const Argument &a : args) {
    offsets.push_back(total);
    total += (a.bytes + 63) / 64 * 64;
  }
  std::unique_ptr<unsigned char[]> arena(new unsigned char[std::max<size_t>(total, 1)]);
  std::vector<TensorView> views;
  for (size_t i = 0; i < args.size(); ++i) {
    void *at = arena.get() + offsets[i];
    uint8_t placement = c.next();
    if (placement < 8)
      at = nullptr;
    else if (placement < 40 && i > 0) {
      size_t other = offsets[c.next() % i];
      if (other + args[i].bytes <= total)
        at = arena.get() + other;
    }
    views.push_back(TensorView{at, args[i].dtype, args[i].shape});
  }

  // Data: the rest of the input, repeated. Labels are usually made valid, so the call
  // gets past that check and runs.
  for (size_t i = 0; i < total; ++i)
    arena[i] = c.restSize() ? c.rest()[i % c.restSize()] : 0;
  bool validLabels = !(counts & 32);
  for (size_t i = 0; i < args.size() && validLabels; ++i)
    if (args[i].classes > 0 && args[i].dtype == DType::I64 && views[i].data && args[i].bytes)
      for (size_t k = 0; k < args[i].bytes / sizeof(int64_t); ++k) {
        auto *label = static_cast<int64_t *>(views[i].data) + k;
        *label = static_cast<int64_t>(static_cast<uint64_t>(*label) % args[i].classes);
      }

  std::vector<TensorView> inputs(views.begin(), views.begin() + numInputs);
  if (allocating) {
    (void)h.session->call(fn, inputs);
  } else {
    std::vector<TensorView> outputs(views.begin() + numInputs, views.end());
    (void)h.session->call(fn, inputs, outputs);
  }
  return 0;
}
