// SPDX-License-Identifier: Apache-2.0
// kiln_conv2d*_f32 (Abi.h): convolution forward and both backward passes through oneDNN.
// Building a primitive is far slower than running it, so each (pass, geometry) pair gets
// its primitive once and keeps it for the life of the process. oneDNN picks the layouts
// (blocked nChw16c and friends, where its direct AVX-512 kernels are several times faster
// than im2col GEMM on plain NCHW); cached reorders move data between them and the plain
// layouts of compiled code.
#include "kiln/runtime/Abi.h"
#include "../core/Determinism.h"
#include "../kernels/Window.h"

#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace {

using dnnl::memory;
/// GradFilterChunk is GradFilter on a slice of the batch, its primitive built for one
/// thread (see gradFilterInChunks).
enum class Pass { Forward, GradInput, GradFilter, GradFilterChunk };

struct Key {
  Pass pass;
  std::array<int64_t, KILN_ABI_WINDOW_GEOMETRY_FIELDS> geometry;
  bool operator<(const Key &other) const {
    return pass != other.pass ? pass < other.pass : geometry < other.geometry;
  }
};

/// One operand of a pass: the plain layout compiled code passes, and the (often blocked)
/// layout the primitive chose; when they differ, a cached reorder converts between them.
struct Operand {
  memory::desc user, internal;
  dnnl::reorder toInternal, toUser;
  bool same() const { return user == internal; }
};

struct Cached {
  dnnl::primitive primitive;
  /// The scratchpad the primitive needs where the caller provides it (chunk passes, which
  /// run concurrently: a library-managed scratchpad is shared); empty otherwise.
  memory::desc scratchpad;
  int args[3];          ///< DNNL_ARG_* of input a, input b and the output
  Operand operands[3];  ///< in the same order
  /// Buffers for operands in the primitive's layout, reused by the next call; a concurrent
  /// call of the same geometry (another session's thread) allocates its own.
  std::mutex scratchMutex;
  std::vector<memory> scratch;
};

dnnl::engine &cpu() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

/// The descriptors of one geometry in the layouts compiled code passes (NCHW, (G)OIHW), and
/// the same shapes with format `any`, which lets oneDNN pick its fastest (blocked) layouts.
struct Descs {
  memory::desc x, filter, y, anyX, anyFilter, anyY;
  memory::dims strides, dilation, padding;
};

Descs descsOf(const kiln_window_geometry &g) {
  using tag = memory::format_tag;
  const auto f32 = memory::data_type::f32;
  Descs d;
  memory::dims x{g.n, g.c, g.h, g.w}, y{g.n, g.o, g.oh, g.ow};
  memory::dims filter = g.groups == 1 ? memory::dims{g.o, g.c, g.kh, g.kw}
                                      : memory::dims{g.groups, g.o / g.groups, g.c / g.groups,
                                                     g.kh, g.kw};
  d.x = memory::desc(x, f32, tag::nchw);
  d.y = memory::desc(y, f32, tag::nchw);
  d.filter = memory::desc(filter, f32, g.groups == 1 ? tag::oihw : tag::goihw);
  d.anyX = memory::desc(x, f32, tag::any);
  d.anyY = memory::desc(y, f32, tag::any);
  d.anyFilter = memory::desc(filter, f32, tag::any);
  d.strides = {g.sh, g.sw};
  d.dilation = {g.dh - 1, g.dw - 1}; // oneDNN counts the gaps: 0 is a dense window
  d.padding = {g.ph, g.pw};
  return d;
}

Operand operand(const memory::desc &user, const memory::desc &internal, bool input,
                const dnnl::primitive_attr &attr) {
  Operand o{user, internal, {}, {}};
  if (!o.same()) {
    dnnl::reorder::primitive_desc pd = input
        ? dnnl::reorder::primitive_desc(cpu(), user, cpu(), internal, attr)
        : dnnl::reorder::primitive_desc(cpu(), internal, cpu(), user, attr);
    // Layout reorders need no scratchpad; one that did would need it passed at execution.
    if (pd.scratchpad_desc().get_size() != 0)
      throw dnnl::error(dnnl_unimplemented, "a layout reorder that needs a scratchpad");
    (input ? o.toInternal : o.toUser) = dnnl::reorder(pd);
  }
  return o;
}

Cached &primitiveFor(Pass pass, const kiln_window_geometry &g) {
  static std::mutex mutex;
  static std::map<Key, std::unique_ptr<Cached>> cache;
  Key key{pass, {}};
  std::memcpy(key.geometry.data(), &g, sizeof(g));
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<Cached> &slot = cache[key];
  if (slot)
    return *slot;
  // oneDNN partitions a pass for the threads it sees when the primitive is created; a chunk's
  // primitive runs on one thread (inside the caller's parallel loop), so it is built for one.
  struct Threads {
    int saved = omp_get_max_threads();
    explicit Threads(bool one) {
      if (one)
        omp_set_num_threads(1);
    }
    ~Threads() { omp_set_num_threads(saved); }
  } threads(pass == Pass::GradFilterChunk);
  // oneDNN's own scratchpad is one per primitive, so a primitive executed by several threads
  // at once (the chunks) needs a scratchpad per execution, which the caller then provides.
  dnnl::primitive_attr attr;
  if (pass == Pass::GradFilterChunk)
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  Descs d = descsOf(g);
  dnnl::convolution_forward::desc forwardDesc(
      dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, d.anyX,
      d.anyFilter, d.anyY, d.strides, d.dilation, d.padding, d.padding);
  dnnl::convolution_forward::primitive_desc forward(forwardDesc, cpu());
  auto cached = std::make_unique<Cached>();
  switch (pass) {
  case Pass::Forward:
    cached->primitive = dnnl::convolution_forward(forward);
    cached->args[0] = DNNL_ARG_SRC, cached->args[1] = DNNL_ARG_WEIGHTS;
    cached->args[2] = DNNL_ARG_DST;
    cached->operands[0] = operand(d.x, forward.src_desc(), true, attr);
    cached->operands[1] = operand(d.filter, forward.weights_desc(), true, attr);
    cached->operands[2] = operand(d.y, forward.dst_desc(), false, attr);
    break;
  case Pass::GradInput: {
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.anyX,
                                               d.anyFilter, d.anyY, d.strides, d.dilation,
                                               d.padding, d.padding);
    dnnl::convolution_backward_data::primitive_desc pd(desc, cpu(), forward);
    cached->primitive = dnnl::convolution_backward_data(pd);
    cached->args[0] = DNNL_ARG_DIFF_DST, cached->args[1] = DNNL_ARG_WEIGHTS;
    cached->args[2] = DNNL_ARG_DIFF_SRC;
    cached->operands[0] = operand(d.y, pd.diff_dst_desc(), true, attr);
    cached->operands[1] = operand(d.filter, pd.weights_desc(), true, attr);
    cached->operands[2] = operand(d.x, pd.diff_src_desc(), false, attr);
    break;
  }
  case Pass::GradFilter:
  case Pass::GradFilterChunk: {
    dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, d.anyX,
                                                  d.anyFilter, d.anyY, d.strides, d.dilation,
                                                  d.padding, d.padding);
    dnnl::convolution_backward_weights::primitive_desc pd(desc, attr, cpu(), forward);
    cached->primitive = dnnl::convolution_backward_weights(pd);
    if (pass == Pass::GradFilterChunk)
      cached->scratchpad = pd.scratchpad_desc();
    cached->args[0] = DNNL_ARG_SRC, cached->args[1] = DNNL_ARG_DIFF_DST;
    cached->args[2] = DNNL_ARG_DIFF_WEIGHTS;
    cached->operands[0] = operand(d.x, pd.src_desc(), true, attr);
    cached->operands[1] = operand(d.y, pd.diff_dst_desc(), true, attr);
    cached->operands[2] = operand(d.filter, pd.diff_weights_desc(), false, attr);
    break;
  }
  }
  slot = std::move(cached);
  return *slot;
}

/// Runs one pass on oneDNN, or on the plain loops if oneDNN refuses the geometry (it
/// accepts every one the compiler emits; a refusal must not abort the host process).
/// Executes a cached pass on plain-layout buffers, through its layouts' reorders; `scratch`
/// holds the operands in the primitive's layouts (allocated on first use).
void execute(Cached &c, const void *a, const void *b, void *out, std::vector<memory> &scratch) {
  if (scratch.empty()) {
    for (const Operand &o : c.operands)
      scratch.push_back(o.same() ? memory() : memory(o.internal, cpu()));
    scratch.push_back(c.scratchpad.get_size() ? memory(c.scratchpad, cpu()) : memory());
  }
  dnnl::stream stream(cpu());
  const void *data[3] = {a, b, out};
  std::unordered_map<int, memory> args;
  memory user[3];
  for (int i = 0; i < 3; ++i) {
    const Operand &o = c.operands[i];
    user[i] = memory(o.user, cpu(), const_cast<void *>(data[i]));
    if (o.same()) {
      args[c.args[i]] = user[i];
      continue;
    }
    if (i < 2)
      o.toInternal.execute(stream, user[i], scratch[i]);
    args[c.args[i]] = scratch[i];
  }
  if (c.scratchpad.get_size())
    args[DNNL_ARG_SCRATCHPAD] = scratch[3];
  c.primitive.execute(stream, args);
  if (!c.operands[2].same())
    c.operands[2].toUser.execute(stream, scratch[2], user[2]);
  stream.wait();
}

void warnRefused(const dnnl::error &e) {
  static std::once_flag warned;
  std::call_once(warned, [&] {
    std::fprintf(stderr, "kiln: oneDNN refused a convolution (%s); using plain loops\n",
                 e.what());
  });
}

template <typename Fallback>
void run(Pass pass, const kiln_window_geometry &g, const void *a, const void *b, void *out,
         Fallback fallback) {
  try {
    Cached &c = primitiveFor(pass, g);
    std::unique_lock<std::mutex> scratchLock(c.scratchMutex, std::try_to_lock);
    std::vector<memory> local, &scratch = scratchLock.owns_lock() ? c.scratch : local;
    execute(c, a, b, out, scratch);
  } catch (const dnnl::error &e) {
    warnRefused(e);
    fallback();
  }
}

/// Images per chunk of the deterministic filter gradient: small enough that a batch of 128
/// gives every thread of a wide machine work, large enough that oneDNN's kernels run on
/// whole vectors of the batch.
constexpr int64_t kGradFilterChunk = 8;

/// The filter gradient is a sum over the batch, and oneDNN splits that sum over the threads
/// it finds, so its result depends on their number. Here the batch is cut into fixed chunks of
/// kGradFilterChunk images, each chunk's gradient computed by oneDNN on one thread, and the
/// partial gradients added in chunk order: the same bits for any number of threads.
bool gradFilterInChunks(const kiln_window_geometry &g, const float *x, const float *dy,
                        float *dfilter);

/// Groups per chunk of a one-image filter gradient (below).
constexpr int64_t kGroupChunk = 16;

/// One image with many groups (kiln.clipped_value_and_grad folds a batch into the channels,
/// so that group i's filter gradient is sample i's) has no batch to cut, and oneDNN on one
/// thread would do all of it. The groups are independent, so they are cut instead, into
/// fixed chunks of kGroupChunk: each chunk's channels, cotangents and filters are contiguous
/// slices, no partial sums are added, and the bits do not depend on the thread count.
bool gradFilterInGroupChunks(const kiln_window_geometry &g, const float *x, const float *dy,
                             float *dfilter) {
  int64_t cg = g.c / g.groups, og = g.o / g.groups;
  int64_t chunks = (g.groups + kGroupChunk - 1) / kGroupChunk;
  auto slice = [&](int64_t groups) {
    kiln_window_geometry s = g;
    s.groups = groups;
    s.c = groups * cg;
    s.o = groups * og;
    return s;
  };
  Cached *fullPass, *lastPass;
  try {
    fullPass = &primitiveFor(Pass::GradFilterChunk, slice(std::min(g.groups, kGroupChunk)));
    lastPass = &primitiveFor(Pass::GradFilterChunk, slice(g.groups - (chunks - 1) * kGroupChunk));
  } catch (const dnnl::error &e) {
    warnRefused(e);
    return false;
  }
  bool refused = false;
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < chunks; ++k) {
    std::vector<memory> scratch;
    int64_t first = k * kGroupChunk;
    try {
      execute(k == chunks - 1 ? *lastPass : *fullPass, x + first * cg * g.h * g.w,
              dy + first * og * g.oh * g.ow, dfilter + first * og * cg * g.kh * g.kw, scratch);
    } catch (const dnnl::error &) {
#pragma omp atomic write
      refused = true;
    }
  }
  return !refused;
}

/// Channels per group below which a one-image grouped filter gradient goes around oneDNN
/// (to kernels::groupedFilterGradientOneImage): its blocked layouts pad a group's channels
/// to a vector of 16, so with one channel a group (a per-sample gradient of a first layer)
/// most of every vector is padding. Measured on the 320-sample first layer of
/// examples/privacy's CNN (8x8 filters on 28x28 images, 2 threads): 2.6 ms through oneDNN,
/// 0.56 ms in the plain kernel; its second layer (16 channels a group) takes 0.8 ms in
/// oneDNN.
constexpr int64_t kBlockedChannels = 16;

bool gradFilterInChunks(const kiln_window_geometry &g, const float *x, const float *dy,
                        float *dfilter) {
  if (g.n == 1 && g.groups > kGroupChunk)
    return gradFilterInGroupChunks(g, x, dy, dfilter);
  int64_t chunks = (g.n + kGradFilterChunk - 1) / kGradFilterChunk;
  int64_t filterSize = g.o * (g.c / g.groups) * g.kh * g.kw;
  int64_t xImage = g.c * g.h * g.w, yImage = g.o * g.oh * g.ow;
  kiln_window_geometry full = g, last = g;
  full.n = std::min(g.n, kGradFilterChunk);
  last.n = g.n - (chunks - 1) * kGradFilterChunk;
  Cached *fullPass, *lastPass;
  try {
    fullPass = &primitiveFor(Pass::GradFilterChunk, full);
    lastPass = &primitiveFor(Pass::GradFilterChunk, last);
  } catch (const dnnl::error &e) {
    warnRefused(e);
    return false;
  }
  std::vector<float> partial(static_cast<size_t>(chunks * filterSize));
  bool refused = false;
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < chunks; ++k) {
    // Each chunk has scratch of its own: chunks run concurrently.
    std::vector<memory> scratch;
    try {
      execute(k == chunks - 1 ? *lastPass : *fullPass, x + k * kGradFilterChunk * xImage,
              dy + k * kGradFilterChunk * yImage, partial.data() + k * filterSize, scratch);
    } catch (const dnnl::error &) {
#pragma omp atomic write
      refused = true;
    }
  }
  if (refused)
    return false;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < filterSize; ++i) {
    float sum = partial[i];
    for (int64_t k = 1; k < chunks; ++k)
      sum += partial[k * filterSize + i];
    dfilter[i] = sum;
  }
  return true;
}

} // namespace

using namespace kiln::rt;

#define KILN_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
const kiln_window_geometry &geometry(const int64_t *params) {
  return *reinterpret_cast<const kiln_window_geometry *>(params);
}
} // namespace

KILN_EXPORT void kiln_conv2d_f32(const int64_t *params, void *const *b) {
  const kiln_window_geometry &g = geometry(params);
  run(Pass::Forward, g, b[0], b[1], b[2], [&] {
    kernels::conv2d(g, static_cast<const float *>(b[0]), static_cast<const float *>(b[1]),
                    static_cast<float *>(b[2]));
  });
}
KILN_EXPORT void kiln_conv2d_grad_input_f32(const int64_t *params, void *const *b) {
  const kiln_window_geometry &g = geometry(params);
  run(Pass::GradInput, g, b[0], b[1], b[2], [&] {
    kernels::conv2dGradInput(g, static_cast<const float *>(b[0]),
                             static_cast<const float *>(b[1]), static_cast<float *>(b[2]));
  });
}
KILN_EXPORT void kiln_conv2d_grad_filter_f32(const int64_t *params, void *const *b) {
  const kiln_window_geometry &g = geometry(params);
  auto x = static_cast<const float *>(b[0]), dy = static_cast<const float *>(b[1]);
  auto dfilter = static_cast<float *>(b[2]);
  if (g.n == 1 && g.groups >= kGroupChunk && g.c / g.groups < kBlockedChannels) {
    kernels::groupedFilterGradientOneImage(g, x, dy, dfilter);
    return;
  }
  if (kiln::rt::detail::deterministic() && g.n > 0 && gradFilterInChunks(g, x, dy, dfilter))
    return;
  run(Pass::GradFilter, g, b[0], b[1], b[2],
      [&] { kernels::conv2dGradFilter(g, x, dy, dfilter); });
}
