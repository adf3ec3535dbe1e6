// SPDX-License-Identifier: Apache-2.0
// kiln_conv2d*_f32 (Abi.h): convolution forward and both backward passes through oneDNN.
// Building a primitive is far slower than running it, so each (pass, geometry) pair gets
// its primitive once and keeps it for the life of the process. oneDNN picks the layouts
// (blocked nChw16c and friends, where its direct AVX-512 kernels are several times faster
// than im2col GEMM on plain NCHW); cached reorders move data between them and the plain
// layouts of compiled code.
#include "kiln/runtime/Abi.h"
#include "../kernels/Window.h"

#include <oneapi/dnnl/dnnl.hpp>

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
enum class Pass { Forward, GradInput, GradFilter };

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

Operand operand(const memory::desc &user, const memory::desc &internal, bool input) {
  Operand o{user, internal, {}, {}};
  if (!o.same()) {
    if (input)
      o.toInternal = dnnl::reorder(dnnl::reorder::primitive_desc(cpu(), user, cpu(), internal));
    else
      o.toUser = dnnl::reorder(dnnl::reorder::primitive_desc(cpu(), internal, cpu(), user));
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
    cached->operands[0] = operand(d.x, forward.src_desc(), true);
    cached->operands[1] = operand(d.filter, forward.weights_desc(), true);
    cached->operands[2] = operand(d.y, forward.dst_desc(), false);
    break;
  case Pass::GradInput: {
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.anyX,
                                               d.anyFilter, d.anyY, d.strides, d.dilation,
                                               d.padding, d.padding);
    dnnl::convolution_backward_data::primitive_desc pd(desc, cpu(), forward);
    cached->primitive = dnnl::convolution_backward_data(pd);
    cached->args[0] = DNNL_ARG_DIFF_DST, cached->args[1] = DNNL_ARG_WEIGHTS;
    cached->args[2] = DNNL_ARG_DIFF_SRC;
    cached->operands[0] = operand(d.y, pd.diff_dst_desc(), true);
    cached->operands[1] = operand(d.filter, pd.weights_desc(), true);
    cached->operands[2] = operand(d.x, pd.diff_src_desc(), false);
    break;
  }
  case Pass::GradFilter: {
    dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, d.anyX,
                                                  d.anyFilter, d.anyY, d.strides, d.dilation,
                                                  d.padding, d.padding);
    dnnl::convolution_backward_weights::primitive_desc pd(desc, cpu(), forward);
    cached->primitive = dnnl::convolution_backward_weights(pd);
    cached->args[0] = DNNL_ARG_SRC, cached->args[1] = DNNL_ARG_DIFF_DST;
    cached->args[2] = DNNL_ARG_DIFF_WEIGHTS;
    cached->operands[0] = operand(d.x, pd.src_desc(), true);
    cached->operands[1] = operand(d.y, pd.diff_dst_desc(), true);
    cached->operands[2] = operand(d.filter, pd.diff_weights_desc(), false);
    break;
  }
  }
  slot = std::move(cached);
  return *slot;
}

/// Runs one pass on oneDNN, or on the plain loops if oneDNN refuses the geometry (it
/// accepts every one the compiler emits; a refusal must not abort the host process).
template <typename Fallback>
void run(Pass pass, const kiln_window_geometry &g, const void *a, const void *b, void *out,
         Fallback fallback) {
  try {
    Cached &c = primitiveFor(pass, g);
    std::unique_lock<std::mutex> scratchLock(c.scratchMutex, std::try_to_lock);
    std::vector<memory> local, &scratch = scratchLock.owns_lock() ? c.scratch : local;
    if (scratch.empty())
      for (const Operand &o : c.operands)
        scratch.push_back(o.same() ? memory() : memory(o.internal, cpu()));
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
    c.primitive.execute(stream, args);
    if (!c.operands[2].same())
      c.operands[2].toUser.execute(stream, scratch[2], user[2]);
    stream.wait();
  } catch (const dnnl::error &e) {
    static std::once_flag warned;
    std::call_once(warned, [&] {
      std::fprintf(stderr, "kiln: oneDNN refused a convolution (%s); using plain loops\n",
                   e.what());
    });
    fallback();
  }
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
  run(Pass::GradFilter, g, b[0], b[1], b[2], [&] {
    kernels::conv2dGradFilter(g, static_cast<const float *>(b[0]),
                              static_cast<const float *>(b[1]), static_cast<float *>(b[2]));
  });
}
