/* SPDX-License-Identifier: Apache-2.0
 * The contract between kiln-compile's output and libkiln_runtime: one written ABI, shared by
 * the compiler (headers only, target kiln_runtime_abi) and the runtime. Plain C on purpose, so
 * the generated C header and a C application can include it too. */
#ifndef KILN_RUNTIME_ABI_H
#define KILN_RUNTIME_ABI_H

#include <stddef.h>
#include <stdint.h>

/* Bump on any incompatible change to the symbols, the entry-point calling convention or the
 * signature JSON. New optional keys are compatible: a runtime ignores the keys it does not
 * know. */
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
 *       "inputs":  [{"dtype": "f32", "shape": [4, 3], "name": "w", "donated": true,
 *                    "init": "zeros"}, ...],
 *       "results": [{"dtype": "f32", "shape": [4, 3], "alias": 0},
 *                   {"dtype": "f32", "shape": [], "alias": -1}, ...]}]}
 * A dimension of -1 is dynamic: the input's extent is taken from the caller's tensor. Results
 * with alias -1 always have static shapes (kiln-compile rejects the others).
 * "name" is optional: the argument's name in the program, which drivers report, checkpoint
 * and bind the input by.
 * "data" is optional: the dataset field ("images" or "labels") a training driver feeds the
 * input, one batch per call; it comes from a `kiln.data` argument attribute. A bilevel
 * search step also takes "val_images" and "val_labels": a batch of the other half of the
 * training data (DARTS' search split, RARTS' split B).
 * "classes" is optional, on a labels input: labels must lie in [0, classes), the class axis
 * of the logits the program scores them against. Compiled code does not check them; the
 * runtime's Session does, on every call.
 * "dims" is optional, on an input: per dimension, the index of an extent variable of the
 * entry point, or -1. Dimensions sharing a variable must have equal extents: the program uses
 * them together (an element-wise op, an in-place update, a matrix product) and would read
 * out of bounds otherwise. The entry's "extents" gives each variable's required extent, or
 * -1 for any extent; the Session checks both on every call.
 * "role" is optional: "parameter" or "optimizer_state", as the optimizer ops of the step use
 * the input, for memory accounting, "architecture" for the alpha of a supernet edge,
 * whose candidate operations "candidates" names in order, or "rank_state" for state that
 * differs between the ranks of a data-parallel run (a compressed exchange's e and h).
 * "init" is optional: how a driver such as kiln-run fills the input when none is given, in
 * the grammar of kiln/runtime/InitSpec.h; it comes from a `kiln.init` argument attribute.
 * dtype is one of "f32", "f64", "f16", "bf16", "i1", "i8", "i32", "i64"; i1 elements occupy one
 * byte each (0 or 1), as in MLIR's default data layout.
 * "device" (top level, optional, default "cpu"): "cuda" for a module compiled with
 * `--device cuda`, whose descriptors must point to CUDA device memory (libkiln_runtime_cuda,
 * kiln/runtime/cuda/CudaApi.h, which the module names as a dependency). */
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

/* The same product in a module compiled with --device cuda: a, b and c are device pointers,
 * and libkiln_runtime_cuda runs it with cuBLAS (full fp32, no TF32) on the stream the step's
 * kernels run on, so it is ordered with them. With `accumulate` 0 it computes C = A B
 * (cuBLAS's beta = 0): the zero fill before a product needs no launch of its own. With
 * `transpose_a`, a holds A^T, row-major [k, m] (lda = m), and with `transpose_b`, b holds B^T
 * ([n, k], ldb = k): the transposed copies of a backward pass need no launch either. */
#define KILN_ABI_CUDA_MATMUL_F32_SYMBOL "kiln_cuda_matmul_f32"
#ifdef __cplusplus
extern "C"
#endif
    void
    kiln_cuda_matmul_f32(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                         const float *b, int64_t ldb, float *c, int64_t ldc,
                         int64_t accumulate, int64_t transpose_a, int64_t transpose_b);

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

/* Library kernels called through kiln_rt.kernel_call (convolution, pooling, FRUGAL). Every one
 * has the same signature: its parameters, a kernel-specific array of int64 fields (doubles
 * stored as their bit patterns), and its buffers, the inputs and then the outputs, each a
 * contiguous row-major array. The symbol is kiln_<name>_f32 or kiln_<name>_f64, after the
 * element type of the first output. */
typedef void (*kiln_kernel_fn)(const int64_t *params, void *const *buffers);

/* X(name, inputs, outputs, params, reads_outputs): the kernels and their arities.
 *
 * Window kernels over NCHW tensors (kiln.conv2d, kiln.max_pool2d, kiln.avg_pool2d and their
 * gradients). Their parameters are a kiln_window_geometry, which follows
 * torch.nn.functional.conv2d: input [n, c, h, w]; filter [o, c / groups, kh, kw] (pooling:
 * o = c, groups = 1); output [n, o, oh, ow]; stride, zero (pooling: -inf or excluded)
 * padding on both sides, and dilation (1 = dense). They overwrite their output whole. f32
 * convolutions run on oneDNN (primitives created once per geometry and cached), the rest
 * are plain loops, the f64 ones kept as an independent reference for gradient checks.
 *   conv2d             (x, filter)    -> y
 *   conv2d_grad_input  (dy, filter)   -> dx
 *   conv2d_grad_filter (x, dy)        -> dfilter
 *   max_pool2d         (x)            -> y      (padding counts as -inf; NaN propagates)
 *   max_pool2d_grad    (x, dy)        -> dx     (to the first maximum of each window)
 *   avg_pool2d         (x)            -> y      (sum / (kh * kw): count_include_pad)
 *   avg_pool2d_grad    (dy)           -> dx
 *
 * frugal (g) -> (p, m, v, subspace, step, key), updated in place: one FRUGAL step
 * (kiln.frugal); its parameters are a kiln_frugal_config.
 * frugal_blocks (g_0 .. g_N-1) -> (p_0 .. p_N-1, m, v, active, step, key), updated in
 * place: one blockwise FRUGAL step (kiln.frugal_blocks); its parameters are a
 * kiln_frugal_blocks_config followed by the N tensors' element counts, so its arities
 * depend on them (-1 in the table).
 *
 * monge_gap (x, y) -> (value, stats[, dx, dy]) and sinkhorn_divergence (x, y) -> the same:
 * the entropic OT regularizers of kiln/runtime/regularizers/OptimalTransport.h on the rows of
 * x [n, d] and y [m, d] (the Monge gap: m = n); parameters a kiln_transport_config. value
 * is rank 0; stats is [epsilon, iterations, error, converged (1 or 0)], the worst over the
 * solves; with `gradients` set, dx and dy receive the gradients of value (not scaled by a
 * cotangent: compiled code multiplies). Points that are not finite make every output NaN.
 *
 * spectrum (k) -> (eigenvalues, trace, condition): a symmetric matrix k [m, m]'s eigenvalues
 * in ascending order [m], its trace [] and lambda_max / lambda_min [] (1e5 when lambda_min
 * <= 0), from kiln/runtime/regularizers/Ntk.h's ntkSpectrum; parameters a
 * kiln_spectrum_config. A matrix that is not finite or not symmetric makes every output NaN.
 *
 * gram (j) -> (g): g = j j^T for j [rows, cols] (f32, or f64 with input_f64) into g
 * [rows, rows] of the symbol's type, accumulated in double with BLAS dsyrk; parameters a
 * kiln_gram_config.
 *
 * Collectives over the process group of kiln/runtime/distributed/Communicator.h (size 1
 * without a launcher); parameters a kiln_collective_config followed by each tensor's element
 * count. Every rank must make the same calls in the same order. A collective that fails
 * reports the rank and the reason on stderr and ends every rank of the group (MPI_Abort).
 *   all_reduce () -> (t_0 .. t_N-1), in place: the sum (reduction 0) or mean (1) over the
 *              ranks, the N tensors sent as one message (a bucket)
 *   all_reduce_start, all_reduce_wait () -> (t_0 .. t_N-1): all_reduce in two halves, the
 *              same parameters and buffers. The start hands the bucket to the
 *              communicator's background thread and returns; the wait (called with the
 *              same first buffer) blocks until that all_reduce is done and leaves the
 *              result in place. In between, nothing may touch the buffers; other starts
 *              may come, and the reductions run in the order they started.
 *   broadcast  () -> (t_0 .. t_N-1), in place: rank `root`'s values on every rank
 *   all_gather (x) -> (y): y [ranks, x...] holds every rank's x in rank order; a program
 *              compiled for `ranks` ranks run by another number is such an error
 *
 * compressed_exchange (g_0 .. g_N-1, t) -> (d_0 .. d_N-1, state...): one step of a compressed
 * exchange with error control (kiln/runtime/distributed/Compression.h's compressedMean) over
 * the N gradients taken as one vector; t is the 1-based step (i64, rank 0), d_i the
 * directions every rank applies; the state, updated in place, is N tensors shaped like the
 * gradients per kind the control keeps (e for EF14 and EControl, then h and h-bar for EF21
 * and EControl). Parameters: a kiln_compression_config followed by the N element counts.
 *
 * normal (key) -> (y): y's `count` elements drawn as kiln/runtime/Random.h's fillNormal
 * draws them for the seed key + key_offset (key: one i64), so compiled noise and
 * initializers equal the driver's fills bit for bit; parameters a kiln_normal_config. */
#define KILN_ABI_KERNELS(X)                                                                  \
  X(conv2d, 2, 1, 16, 0)                                                                     \
  X(conv2d_grad_input, 2, 1, 16, 0)                                                          \
  X(conv2d_grad_filter, 2, 1, 16, 0)                                                         \
  X(max_pool2d, 1, 1, 16, 0)                                                                 \
  X(max_pool2d_grad, 2, 1, 16, 0)                                                            \
  X(avg_pool2d, 1, 1, 16, 0)                                                                 \
  X(avg_pool2d_grad, 1, 1, 16, 0)                                                            \
  X(frugal, 1, 6, 13, 1)                                                                     \
  X(frugal_blocks, -1, -1, -1, 1)                                                            \
  X(monge_gap, 2, -1, 11, 0)                                                                 \
  X(sinkhorn_divergence, 2, -1, 11, 0)                                                       \
  X(spectrum, 1, 3, 1, 0)                                                                    \
  X(gram, 1, 1, 3, 0)                                                                        \
  X(all_reduce, 0, -1, -1, 1)                                                                \
  X(broadcast, 0, -1, -1, 1)                                                                 \
  X(all_gather, 1, 1, -1, 0)                                                                 \
  X(compressed_exchange, -1, -1, -1, 1)                                                      \
  X(normal, 1, 1, 4, 0)                                                                      \
  X(all_reduce_start, 0, -1, -1, 1)                                                          \
  X(all_reduce_wait, 0, -1, -1, 1)

typedef struct kiln_window_geometry {
  int64_t n, c, h, w;
  int64_t o, kh, kw;
  int64_t oh, ow;
  int64_t sh, sw, ph, pw, dh, dw;
  int64_t groups;
} kiln_window_geometry;
#define KILN_ABI_WINDOW_GEOMETRY_FIELDS 16

/* FRUGAL (docs/algorithms.md §2): a [rows, cols] parameter (rank 1: rows = 1) whose state-full
 * part is `k` columns, rows or single coordinates (projection 0, 1, 2) listed in
 * `subspace` (ascending; -1 in its first entry before the first selection), with Adam(W)
 * (state_full 0: m, v of shape [rows, k], [k, cols] or [k]) or heavy-ball momentum (1: m
 * only; v is an empty buffer); the rest moves by signSGD (state_free 0) or SGD (1) at
 * lr * free_lr_scale. Every `update_gap` steps (and at the first) a new subspace is drawn
 * from `key`, the state is zeroed and `step` restarts. Projection 3 is GaLore's SVD: the
 * subspace is the span of the gradient's top k singular vectors, `subspace` holds the
 * projector (element type of p; [k, cols] with state [rows, k] when rows >= cols, else
 * [rows, k] with state [k, cols]), re-selection happens when `step` is 0 or has reached
 * `update_gap`, and the key is unused. The doubles are bit patterns. */
typedef struct kiln_frugal_config {
  int64_t rows, cols, projection, k, update_gap, state_full, state_free;
  double lr, beta1, beta2, eps, weight_decay, free_lr_scale;
} kiln_frugal_config;
#define KILN_ABI_FRUGAL_CONFIG_FIELDS 13

/* Blockwise FRUGAL: `tensors` parameters of which `k` are state-full at a time, their
 * state packed in the order `active` lists them into pools of `pool` elements (m; v too for
 * Adam(W), else v is empty). order 0 "ascending", 1 "descending", 2 "random"; the rules and
 * the re-selection (at step 0 and when `step` reaches `update_gap`) are kiln.frugal's. */
typedef struct kiln_frugal_blocks_config {
  int64_t tensors, k, order, update_gap, pool, state_full, state_free;
  double lr, beta1, beta2, eps, weight_decay, free_lr_scale;
} kiln_frugal_blocks_config;
#define KILN_ABI_FRUGAL_BLOCKS_CONFIG_FIELDS 13

/* The entropic OT regularizers: the enums as OptimalTransport.h numbers them (cost 0
 * sqeuclidean, 1 euclidean; epsilon_mode 0 absolute, 1 times std(C), 2 times mean(C));
 * materialize_limit -1 takes the runtime's default. The doubles are bit patterns. */
typedef struct kiln_transport_config {
  int64_t n, m, d, cost, epsilon_mode, max_iterations, inner_iterations, materialize_limit,
      gradients;
  double epsilon, threshold;
} kiln_transport_config;
#define KILN_ABI_TRANSPORT_CONFIG_FIELDS 11

/* kiln.ntk_spectrum: the side of the matrix. */
typedef struct kiln_spectrum_config {
  int64_t m;
} kiln_spectrum_config;
#define KILN_ABI_SPECTRUM_CONFIG_FIELDS 1

/* kiln.ntk's contraction: J's shape and whether it holds doubles. */
typedef struct kiln_gram_config {
  int64_t rows, cols, input_f64;
} kiln_gram_config;
#define KILN_ABI_GRAM_CONFIG_FIELDS 3

/* The collectives: how many tensors, the reduction (0 sum, 1 mean), the broadcast's root and
 * the rank count an all_gather's result was shaped for (0 otherwise); the tensors' element
 * counts follow. */
typedef struct kiln_collective_config {
  int64_t tensors, reduction, root, ranks;
} kiln_collective_config;
#define KILN_ABI_COLLECTIVE_CONFIG_FIELDS 4

/* A compressed exchange: the tensors, the error control (0 none, 1 EF14, 2 EF21, 3
 * EControl), the compressor (0 top_k, 1 top_k_threshold, 2 rand_k, 3 scaled_sign, 4 bf16,
 * 5 fp16), the coordinates k that top-k and rand-k keep, rand-k's Philox key, and EControl's
 * eta (a double as its bit pattern). The element counts follow. */
typedef struct kiln_compression_config {
  int64_t tensors, control, compressor, k, key;
  double eta;
} kiln_compression_config;
#define KILN_ABI_COMPRESSION_CONFIG_FIELDS 6

/* A normal fill: the element count, the offset added to the key, and the mean and standard
 * deviation (doubles as their bit patterns, holding f32 values). */
typedef struct kiln_normal_config {
  int64_t count, key_offset;
  double mean, stddev;
} kiln_normal_config;
#define KILN_ABI_NORMAL_CONFIG_FIELDS 4

#ifdef __cplusplus
#define KILN_ABI_DECLARE_KERNEL(name, inputs, outputs, params, reads)                        \
  extern "C" void kiln_##name##_f32(const int64_t *, void *const *);                         \
  extern "C" void kiln_##name##_f64(const int64_t *, void *const *);
#else
#define KILN_ABI_DECLARE_KERNEL(name, inputs, outputs, params, reads)                        \
  void kiln_##name##_f32(const int64_t *, void *const *);                                    \
  void kiln_##name##_f64(const int64_t *, void *const *);
#endif
KILN_ABI_KERNELS(KILN_ABI_DECLARE_KERNEL)
#undef KILN_ABI_DECLARE_KERNEL

/* The same kernels in a module compiled with --device cuda: kiln_cuda_<name>_<f32|f64>, in
 * libkiln_runtime_cuda. `params` is the same host array; `buffers` holds device pointers;
 * `layout` (host) is [buffer count, input count, each buffer's size in bytes], so that a
 * kernel with no device version can stage its buffers through host memory. Window kernels
 * run on the device (cuDNN convolutions, pooling kernels equal to the CPU's bit for bit),
 * normal draws the CPU's Philox blocks on the device; FRUGAL, the transport regularizers,
 * spectrum and gram run the CPU kernel on host copies. All are ordered on the stream of the
 * step's kernels; the collectives have no CUDA version (a compile-time error). */
typedef void (*kiln_cuda_kernel_fn)(const int64_t *params, void *const *buffers,
                                    const int64_t *layout);
#define KILN_ABI_CUDA_KERNEL_PREFIX "kiln_cuda_"

#endif /* KILN_RUNTIME_ABI_H */
