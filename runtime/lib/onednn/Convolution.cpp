// SPDX-License-Identifier: Apache-2.0
// kiln_conv2d*_f32 (Abi.h): convolution forward and both backward passes through oneDNN.
// Building a primitive is far slower than running it, so each (pass, geometry) pair gets
// its primitive once and keeps it for the life of the process.
#include "kiln/runtime/Abi.h"
#include "../kernels/Window.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

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

struct Cached {
  dnnl::primitive primitive;
  memory::desc x, filter, y; ///< plain NCHW / (G)OIHW descriptors the caller's data has
};

dnnl::engine &cpu() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

/// The descriptors of one geometry, in the layouts compiled code passes (no reorders).
struct Descs {
  memory::desc x, filter, y;
  memory::dims strides, dilation, padding;
};

Descs descsOf(const kiln_window_geometry &g) {
  using tag = memory::format_tag;
  const auto f32 = memory::data_type::f32;
  Descs d;
  d.x = memory::desc({g.n, g.c, g.h, g.w}, f32, tag::nchw);
  d.y = memory::desc({g.n, g.o, g.oh, g.ow}, f32, tag::nchw);
  d.filter = g.groups == 1
                 ? memory::desc({g.o, g.c, g.kh, g.kw}, f32, tag::oihw)
                 : memory::desc({g.groups, g.o / g.groups, g.c / g.groups, g.kh, g.kw}, f32,
                                tag::goihw);
  d.strides = {g.sh, g.sw};
  d.dilation = {g.dh - 1, g.dw - 1}; // oneDNN counts the gaps: 0 is a dense window
  d.padding = {g.ph, g.pw};
  return d;
}

dnnl::convolution_forward::primitive_desc forwardDesc(const Descs &d) {
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training,
                                       dnnl::algorithm::convolution_direct, d.x, d.filter, d.y,
                                       d.strides, d.dilation, d.padding, d.padding);
  return dnnl::convolution_forward::primitive_desc(desc, cpu());
}

const Cached &primitiveFor(Pass pass, const kiln_window_geometry &g) {
  static std::mutex mutex;
  static std::map<Key, std::unique_ptr<Cached>> cache;
  Key key{pass, {}};
  std::memcpy(key.geometry.data(), &g, sizeof(g));
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<Cached> &slot = cache[key];
  if (slot)
    return *slot;
  Descs d = descsOf(g);
  auto forward = forwardDesc(d);
  slot = std::make_unique<Cached>();
  slot->x = d.x;
  slot->filter = d.filter;
  slot->y = d.y;
  switch (pass) {
  case Pass::Forward:
    slot->primitive = dnnl::convolution_forward(forward);
    break;
  case Pass::GradInput: {
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.x,
                                               d.filter, d.y, d.strides, d.dilation, d.padding,
                                               d.padding);
    slot->primitive = dnnl::convolution_backward_data(
        dnnl::convolution_backward_data::primitive_desc(desc, cpu(), forward));
    break;
  }
  case Pass::GradFilter: {
    dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, d.x,
                                                  d.filter, d.y, d.strides, d.dilation,
                                                  d.padding, d.padding);
    slot->primitive = dnnl::convolution_backward_weights(
        dnnl::convolution_backward_weights::primitive_desc(desc, cpu(), forward));
    break;
  }
  }
  return *slot;
}

/// Runs one pass on oneDNN, or on the plain loops if oneDNN refuses the geometry (it
/// accepts every one the compiler emits; a refusal must not abort the host process).
template <typename Fallback>
void run(Pass pass, const kiln_window_geometry &g, const void *a, const void *b, void *out,
         Fallback fallback) {
  try {
    const Cached &c = primitiveFor(pass, g);
    auto wrap = [](const memory::desc &desc, const void *data) {
      return memory(desc, cpu(), const_cast<void *>(data));
    };
    dnnl::stream stream(cpu());
    switch (pass) {
    case Pass::Forward:
      c.primitive.execute(stream, {{DNNL_ARG_SRC, wrap(c.x, a)},
                                   {DNNL_ARG_WEIGHTS, wrap(c.filter, b)},
                                   {DNNL_ARG_DST, wrap(c.y, out)}});
      break;
    case Pass::GradInput:
      c.primitive.execute(stream, {{DNNL_ARG_DIFF_DST, wrap(c.y, a)},
                                   {DNNL_ARG_WEIGHTS, wrap(c.filter, b)},
                                   {DNNL_ARG_DIFF_SRC, wrap(c.x, out)}});
      break;
    case Pass::GradFilter:
      c.primitive.execute(stream, {{DNNL_ARG_SRC, wrap(c.x, a)},
                                   {DNNL_ARG_DIFF_DST, wrap(c.y, b)},
                                   {DNNL_ARG_DIFF_WEIGHTS, wrap(c.filter, out)}});
      break;
    }
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

KILN_EXPORT void kiln_conv2d_f32(const kiln_window_geometry *g, const void *a, const void *b,
                                 void *out) {
  run(Pass::Forward, *g, a, b, out, [&] {
    kernels::conv2d(*g, static_cast<const float *>(a), static_cast<const float *>(b),
                    static_cast<float *>(out));
  });
}
KILN_EXPORT void kiln_conv2d_grad_input_f32(const kiln_window_geometry *g, const void *a,
                                            const void *b, void *out) {
  run(Pass::GradInput, *g, a, b, out, [&] {
    kernels::conv2dGradInput(*g, static_cast<const float *>(a), static_cast<const float *>(b),
                             static_cast<float *>(out));
  });
}
KILN_EXPORT void kiln_conv2d_grad_filter_f32(const kiln_window_geometry *g, const void *a,
                                             const void *b, void *out) {
  run(Pass::GradFilter, *g, a, b, out, [&] {
    kernels::conv2dGradFilter(*g, static_cast<const float *>(a), static_cast<const float *>(b),
                              static_cast<float *>(out));
  });
}
