/* SPDX-License-Identifier: Apache-2.0
 * The contract between kiln-compile's output and libkiln_runtime: one written ABI, shared by
 * the compiler (headers only, target kiln_runtime_abi) and the runtime. Plain C on purpose, so
 * the generated C header and a C application can include it too. */
#ifndef KILN_RUNTIME_ABI_H
#define KILN_RUNTIME_ABI_H

#include <stddef.h>
#include <stdint.h>

/* Bump on any change to the symbols, the entry-point calling convention or the signature JSON. */
#define KILN_ABI_VERSION 1

/* Every library that kiln-compile writes exports these three kinds of symbols:
 *   const uint32_t kiln_module_abi_version;   == KILN_ABI_VERSION at compile time
 *   const char     kiln_module_signature[];   NUL-terminated JSON, schema below
 *   void kiln_call_<entry>(void **args);      one per public func.func
 * plus `_mlir_ciface_<entry>` taking one memref-descriptor pointer per argument. */
#define KILN_ABI_VERSION_SYMBOL "kiln_module_abi_version"
#define KILN_ABI_SIGNATURE_SYMBOL "kiln_module_signature"
#define KILN_ABI_ENTRY_PREFIX "kiln_call_"

/* Calling convention of kiln_call_<entry>: args[i] points to a memref descriptor
 * (MLIR's StridedMemRefType layout, mlir/ExecutionEngine/CRunnerUtils.h):
 *
 *   struct { T *allocated; T *aligned; int64_t offset; int64_t sizes[rank]; int64_t strides[rank]; }
 *
 * sizes and strides count elements. The arguments are every input in order, then one
 * caller-allocated output buffer for each result whose "alias" is -1, in result order.
 * A rank-0 descriptor has only {allocated, aligned, offset}.
 *
 * Donation (XLA-style input/output aliasing): a result with "alias": j is computed in place in
 * input j's buffer, so after the call input j holds that result and nothing was copied. An
 * input marked "donated" may be overwritten by the step even where no result aliases it;
 * inputs not marked donated are only read.
 *
 * Signature JSON:
 *   {"abi_version": 1,
 *    "entry_points": [
 *      {"name": "adam_step", "symbol": "kiln_call_adam_step",
 *       "inputs":  [{"dtype": "f32", "shape": [4, 3], "donated": true, "init": "zeros"}, ...],
 *       "results": [{"dtype": "f32", "shape": [4, 3], "alias": 0},
 *                   {"dtype": "f32", "shape": [], "alias": -1}, ...]}]}
 * A dimension of -1 is dynamic: the input's extent is taken from the caller's tensor. Results
 * with alias -1 always have static shapes (kiln-compile rejects the others).
 * "data" is optional: the dataset field ("images" or "labels") a training driver feeds the
 * input, one batch per call; it comes from a `kiln.data` argument attribute.
 * "classes" is optional, on a labels input: labels must lie in [0, classes), the class axis
 * of the logits the program scores them against (compiled code does not check them).
 * "init" is optional: how a driver such as kiln-run fills the input when none is given, in
 * the grammar of kiln/runtime/InitSpec.h; it comes from a `kiln.init` argument attribute.
 * dtype is one of "f32", "f64", "f16", "bf16", "i1", "i8", "i32", "i64"; i1 elements occupy one
 * byte each (0 or 1), as in MLIR's default data layout. */
typedef void (*kiln_entry_fn)(void **args);

/* Parallel loops. Compiled code does not start threads: it outlines each parallel loop into a
 * body taking a half-open range [begin, end) of its iterations and a context pointer, and
 * calls this function, which libkiln_runtime exports (the module resolves it when loaded).
 * The runtime splits [0, n) into contiguous ranges of at least `grain` iterations over its
 * thread pool, the same OpenMP runtime (GNU libgomp) that oneDNN uses, so generated loops and
 * library kernels never compete with two pools. It returns when every range is done. */
typedef void (*kiln_parallel_body_fn)(int64_t begin, int64_t end, void *context);
#define KILN_ABI_PARALLEL_FOR_SYMBOL "kiln_parallel_for"
#ifdef __cplusplus
extern "C"
#endif
    void
    kiln_parallel_for(int64_t n, int64_t grain, kiln_parallel_body_fn body, void *context);

/* Library kernels that compiled code calls for heavy linear algebra, implemented by
 * libkiln_runtime with oneDNN (which shares the thread pool above). Row-major, contiguous
 * rows with the given leading dimensions; C += A * B, i.e. beta = 1, so the caller
 * initialises C (zeros for a plain product). */
#define KILN_ABI_MATMUL_F32_SYMBOL "kiln_matmul_f32"
#ifdef __cplusplus
extern "C"
#endif
    void
    kiln_matmul_f32(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                    const float *b, int64_t ldb, float *c, int64_t ldc);

/* The heap of compiled code: memref allocations in a module call these (MLIR's generic
 * allocation functions), which libkiln_runtime implements with per-size free lists so the
 * temporaries of one step are reused by the next instead of being page-faulted again. */
#define KILN_ABI_ALLOC_SYMBOL "_mlir_memref_to_llvm_alloc"
#define KILN_ABI_FREE_SYMBOL "_mlir_memref_to_llvm_free"
#ifdef __cplusplus
extern "C" {
#endif
void *_mlir_memref_to_llvm_alloc(size_t size);
void _mlir_memref_to_llvm_free(void *ptr);
#ifdef __cplusplus
}
#endif

/* Window kernels: convolution and pooling over NCHW tensors, called by compiled code for
 * kiln.conv2d, kiln.max_pool2d, kiln.avg_pool2d and their gradients (kiln.kernel_call ops).
 * One geometry describes every call (the same conventions as torch.nn.functional.conv2d):
 * input [n, c, h, w]; filter [o, c / groups, kh, kw] (pooling: o = c, groups = 1); output
 * [n, o, oh, ow]; stride, zero (pooling: -inf or excluded) padding on both sides, and
 * dilation (1 = dense). Every kernel has the same signature: the geometry, up to two
 * contiguous row-major inputs (b null for one-input kernels) and one output, which it
 * overwrites whole. f32 kernels run on oneDNN (primitives created once per geometry and
 * cached), f64 ones are plain loops kept as an independent reference for gradient checks. */
typedef struct kiln_window_geometry {
  int64_t n, c, h, w;
  int64_t o, kh, kw;
  int64_t oh, ow;
  int64_t sh, sw, ph, pw, dh, dw;
  int64_t groups;
} kiln_window_geometry;
#define KILN_ABI_WINDOW_GEOMETRY_FIELDS 16
typedef void (*kiln_window_kernel_fn)(const kiln_window_geometry *g, const void *a,
                                      const void *b, void *out);

/* X(name, inputs): the symbol of each is kiln_<name>_f32 or kiln_<name>_f64.
 *   conv2d             (x, filter)    -> y
 *   conv2d_grad_input  (dy, filter)   -> dx
 *   conv2d_grad_filter (x, dy)        -> dfilter
 *   max_pool2d         (x)            -> y      (padding counts as -inf; NaN propagates)
 *   max_pool2d_grad    (x, dy)        -> dx     (to the first maximum of each window)
 *   avg_pool2d         (x)            -> y      (sum / (kh * kw): count_include_pad)
 *   avg_pool2d_grad    (dy)           -> dx */
#define KILN_ABI_WINDOW_KERNELS(X)                                                           \
  X(conv2d, 2)                                                                               \
  X(conv2d_grad_input, 2)                                                                    \
  X(conv2d_grad_filter, 2)                                                                   \
  X(max_pool2d, 1)                                                                           \
  X(max_pool2d_grad, 2)                                                                      \
  X(avg_pool2d, 1)                                                                           \
  X(avg_pool2d_grad, 1)

#ifdef __cplusplus
#define KILN_ABI_DECLARE_WINDOW_KERNEL(name, inputs)                                         \
  extern "C" void kiln_##name##_f32(const kiln_window_geometry *, const void *, const void *, \
                                    void *);                                                 \
  extern "C" void kiln_##name##_f64(const kiln_window_geometry *, const void *, const void *, \
                                    void *);
#else
#define KILN_ABI_DECLARE_WINDOW_KERNEL(name, inputs)                                         \
  void kiln_##name##_f32(const kiln_window_geometry *, const void *, const void *, void *);  \
  void kiln_##name##_f64(const kiln_window_geometry *, const void *, const void *, void *);
#endif
KILN_ABI_WINDOW_KERNELS(KILN_ABI_DECLARE_WINDOW_KERNEL)
#undef KILN_ABI_DECLARE_WINDOW_KERNEL

#endif /* KILN_RUNTIME_ABI_H */
