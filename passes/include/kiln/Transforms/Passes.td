// SPDX-License-Identifier: Apache-2.0
// Kiln transformation passes. The Abi group turns public functions into entry points that
// libkiln_runtime can call (runtime/include/kiln/runtime/Abi.h).
#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnRecordLabelClassesPass
    : Pass<"kiln-record-label-classes", "::mlir::ModuleOp"> {
  let summary = "Record how many classes each labels input of an entry point indexes";
  let description = [{
    Runs on kiln ops, before they are lowered. A label tensor indexes the class axis of the
    logits it is scored against (`kiln.softmax_cross_entropy`, `kiln.count_correct` and the
    gradient op), so an entry-point input used as labels (`kiln.data = "labels"` or not)
    holds values in [0, C) where C is that axis's static extent. The pass records C as the input's `classes` in the entry point's
    `kiln_rt.entry_point` contract (declaring it if no pass has yet); the signature carries
    it as "classes", and the runtime refuses a label outside the range instead of letting
    compiled code read past a logits row. Two consumers that disagree on C are an error
    located at the second one.
  }];
  let dependentDialects = ["::kiln::krt::KilnRTDialect"];
}

def KilnRecordRolesPass : Pass<"kiln-record-roles", "::mlir::ModuleOp"> {
  let summary = "Record which entry-point inputs are parameters and which optimizer state";
  let description = [{
    Runs on kiln ops, before they are lowered. An input that an optimizer update consumes
    as its parameter (OptimizerUpdateOpInterface, kiln.frugal) has the role `parameter`;
    one it consumes as state (moments, buffers, FRUGAL's subspace, step and key)
    `optimizer_state`; the alpha of a `kiln.mixed` edge `architecture`, with its edge's
    candidate names. The roles go into the entry point's `kiln_rt.entry_point` contract and
    the signature's "role" (and "candidates"), from which the runtime reports
    optimizer-state bytes per parameter of a compiled step and a trainer reports the state
    of an architecture search.
  }];
  let dependentDialects = ["::kiln::krt::KilnRTDialect"];
}

def KilnRecordExtentTiesPass : Pass<"kiln-record-extent-ties", "::mlir::ModuleOp"> {
  let summary = "Record which dynamic extents of entry-point inputs must be equal";
  let description = [{
    Runs on linalg on tensors, before bufferization. A program that adds two
    `tensor<?xf32>` inputs, updates a dynamic parameter with a gradient, or multiplies a
    batch of images by a weight requires extents of different inputs to be equal (or equal
    to a static extent), and reads out of bounds when a caller breaks that. The pass joins
    the dimensions the program makes equal (the loop dimensions of linalg ops and the operand
    dimensions their indexing maps read, destinations and their results, tensor.empty sizes
    taken with tensor.dim, casts) and gives every group holding a dynamic input dimension
    and another input dimension or a static extent an extent variable: the inputs' `dims`
    and the contract's `extents` in `kiln_rt.entry_point`, and the signature's "dims" and
    "extents", which the runtime checks before every call.

    ```mlir
    // %a: tensor<?xf32>, %b: tensor<?xf32> added element-wise:
    // inputs = [#kiln_rt.input<type = tensor<?xf32>, dims = [0]>,
    //           #kiln_rt.input<type = tensor<?xf32>, dims = [0]>], extents = [-1]
    ```
  }];
  let dependentDialects = ["::kiln::krt::KilnRTDialect"];
}

def KilnPrepareEntryPointsPass
    : Pass<"kiln-prepare-entry-points", "::mlir::ModuleOp"> {
  let summary = "Check entry-point signatures and decide which inputs are donated";
  let description = [{
    Runs on tensors, before one-shot bufferization. Every public function with a body is an
    entry point: its arguments and results must be ranked tensors of an ABI element type.
    The pass completes its `kiln_rt.entry_point` contract (declared from the tensor
    signature and the arguments' `kiln.init` and `kiln.data`, which it then removes),
    requests a C interface wrapper, and marks each argument `bufferization.writable` (and
    `donated` in the contract) only if some result is written into it through
    destination-passing ops (an updated parameter or optimizer state). Those are the
    donated inputs; bufferization may then update them in place, and leaves every other
    input untouched.
  }];
  let dependentDialects = ["::kiln::krt::KilnRTDialect"];
}

def KilnFinalizeEntryPointsPass
    : Pass<"kiln-finalize-entry-points", "::mlir::ModuleOp"> {
  let summary = "Record which input each entry-point result is computed in, and drop those";
  let description = [{
    Runs right after one-shot bufferization. A result whose buffer is an argument (the
    in-place update succeeded) gets that input as its `alias` in the `kiln_rt.entry_point`
    contract and is dropped from the function, as `drop-equivalent-buffer-results` does for
    private functions (which it limits itself to); call sites inside the module are
    updated. Every other result will be a caller-allocated output buffer
    (`buffer-results-to-out-params`) and must have a static shape.
  }];
}

def KilnEmitAbiPass : Pass<"kiln-emit-abi", "::mlir::ModuleOp"> {
  let summary = "Emit the ABI version, the signature and kiln_call_ wrappers in LLVM IR";
  let description = [{
    Runs on the LLVM dialect. For each entry point (an `llvm.func` carrying its
    `kiln_rt.entry_point` contract) it adds `kiln_call_<name>(void **args)` forwarding to
    `_mlir_ciface_<name>`, so the runtime calls any entry the same way; it writes the
    contracts as the signature JSON of Abi.h into the `kiln_module_signature` global (the
    only place the JSON is made), emits `kiln_module_abi_version`, and removes the
    contracts. The signature's `device` is the pipeline's: a CUDA module takes device
    pointers even when none of its work became a kernel of its own (a step made of library
    calls alone).
  }];
  let options = [
    Option<"device", "device", "std::string", "\"cpu\"",
           "The device the module was compiled for (cpu or cuda), recorded in the signature">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

//===-- Autodiff ------------------------------------------------------------------------===//

def KilnAutodiffPass : Pass<"kiln-autodiff", "::mlir::ModuleOp"> {
  let summary = "Forward-mode (kiln.jvp) and reverse-mode (kiln.grad, kiln.value_and_grad) "
                "differentiation";
  let description = [{
    Forward mode first: each kiln.jvp is replaced in place by a copy of its callee's body,
    each op followed by its JVP rule (ForwardDifferentiableOpInterface) where an operand
    carries a tangent; an op on the tangents' path without a rule is an error at its
    location. The JVP rules build only ops with VJP rules, so a gradient of a function that
    contains a kiln.jvp (reverse over forward) is then an ordinary reverse sweep.

    For each kiln.value_and_grad or kiln.grad, synthesizes a private function
    `<callee>_value_and_grad_<wrt>` that runs the callee's forward computation and then its
    reverse sweep, and replaces the op by a call to it. The reverse sweep visits the
    forward ops last to first, asks each for the VJP of its operands
    (DifferentiableOpInterface, implemented by kiln's model ops and attached to arith/math
    ops as external models) and sums the cotangents of values used more than once. Only ops
    with an operand that depends on a wrt argument are visited (activity, as in JAX: the
    batch may pass through ops without rules before it meets a parameter). An argument
    that does not reach the loss gets zeros; an op between a wrt argument and the loss
    without a rule is an error at its location. The callee must be a single block.

    kiln.clipped_value_and_grad takes the same sweep but leaves each parameter's gradient
    to the op that consumes it (PerSampleGradientOpInterface): the per-sample squared norms
    of all parameters are summed, Opacus' clip factors formed, and each parameter's clipped
    sum built as a weighted contraction of the same cotangents
    (`<callee>_clipped_value_and_grad_<wrt>`); a parameter used twice, one whose consumer
    has no per-sample rule, or a batch_norm in training mode is an error at its location.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"];
}

//===-- Training steps ------------------------------------------------------------------===//

def KilnSpecializeBatchPass : Pass<"kiln-specialize-batch", "::mlir::ModuleOp"> {
  let summary = "Give a program's dynamic batch dimension the size chosen at compile time";
  let description = [{
    A program may leave its batch dynamic (`tensor<?x784xf32>`) and be compiled for any batch
    size: with `batch` = N every dynamic dimension in the module (the function signatures,
    every op's results and block arguments) becomes N, so the rest of the pipeline sees
    static shapes, as if the program had been written for that batch. Every `?` of such a
    program stands for the batch; a program with other dynamic dimensions is compiled
    without `batch` (the runtime then checks the extents of every call).

    ```mlir
    // --kiln-specialize-batch='batch=64'
    func.func @loss(%w: tensor<784x10xf32>, %x: tensor<?x784xf32> {kiln.data = "images"}, ...)
    // becomes
    func.func @loss(%w: tensor<784x10xf32>, %x: tensor<64x784xf32> {kiln.data = "images"}, ...)
    ```

    Without `batch`, the `batch` a kiln.train_step declares is used; the size chosen is
    recorded as the module's `kiln.batch`. Without either, a generated step (kiln.train_step, kiln.search_step) whose loss takes a
    dynamic batch is an error located at the op that names the missing `--batch`: the
    training loop needs a static batch.
  }];
  let options = [Option<"batch", "batch", "int64_t", /*default=*/"0",
                        "The batch size every dynamic dimension becomes (0: none)">];
}

def KilnTrainStepPass : Pass<"kiln-train-step", "::mlir::ModuleOp"> {
  let summary = "Expand kiln.train_step into its step function (and @eval_step)";
  let description = [{
    Replaces every `kiln.train_step @name(@loss)` by a public function @name: one
    kiln.value_and_grad of @loss, kiln.clip_by_global_norm when asked, the schedule op at
    the counter, the optimizer op on every parameter with the 1-based step, and the
    counter's increment. Its arguments carry the kiln.init, kiln.data and kiln.name
    attributes kiln-run needs (parameters named as in the loss, state "adam.m.w1", the
    counter "step"). With a `forward` function it also writes @eval_step (loss and correct
    rows). Options of the wrong type for the optimizer or schedule op are errors located
    at the kiln.train_step. A schedule length given in epochs (`decay_epochs = 10`) becomes
    the op's length in steps (`decay_steps`) at `train-examples` / batch steps per epoch.
  }];
  let options = [Option<"trainExamples", "train-examples", "int64_t", /*default=*/"0",
                        "Training examples per epoch, for schedule lengths given in epochs "
                        "(steps per epoch = train-examples / batch, the last partial batch "
                        "dropped as kiln-run does)">,
                 Option<"exchange", "exchange", "std::string", /*default=*/"\"\"",
                        "Override every op's `exchange` (none, mean, compressed, ef14, ef21, "
                        "econtrol)">,
                 Option<"compressor", "compressor", "std::string", /*default=*/"\"\"",
                        "Override every op's `compressor`">,
                 Option<"compressionRatio", "compression-ratio", "double", /*default=*/"0.0",
                        "Override every op's `compression_ratio` (0: keep)">,
                 Option<"eta", "eta", "double", /*default=*/"0.0",
                        "Override every op's `eta` (0: keep)">];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
                           "::mlir::linalg::LinalgDialect"];
}

//===-- Data-parallel training ----------------------------------------------------------===//

def KilnDataParallelPass : Pass<"kiln-data-parallel", "::mlir::ModuleOp"> {
  let summary = "Write each kiln.exchange_gradients as bucketed collectives";
  let description = [{
    Runs on kiln ops, after the backward pass is differentiated and inlined into the step.
    A `method = "mean"` exchange becomes kiln.all_reduce ops of reduction "mean", each
    carrying a bucket of gradients: gradients of one element type in the order the
    backward pass computes them (the op that defines each, in its block; values from
    outside come first), a new bucket started when the next gradient would take the
    current one past `bucket-bytes` (a gradient larger than that travels alone). Fewer,
    larger messages pay the per-message latency once.

    With `overlap`, each bucket's all_reduce is placed right after the op
    that computes its last gradient, so that it travels while the backward pass goes on
    (kiln-to-linalg then waits for it where its results are first read, DDP's overlap);
    the bucket with the gradient computed last, which has nothing left to travel behind,
    stays where the exchange was, as all buckets do without `overlap`. Every rank compiles the same program,
    so the ranks reduce the same buckets in the same order.

    ```mlir
    // %gw, %gb = kiln.exchange_gradients %dw, %db {method = "mean"}
    //     : tensor<784x10xf32>, tensor<10xf32>
    // becomes, with the default bucket size and %db computed after %dw:
    // %r:2 = kiln.all_reduce %dw, %db {reduction = "mean"} : tensor<784x10xf32>, tensor<10xf32>
    ```
  }];
  let options = [Option<"bucketBytes", "bucket-bytes", "int64_t", /*default=*/"25 << 20",
                        "The largest bucket in bytes (DDP's default: 25 MiB)">,
                 Option<"overlap", "overlap", "bool", /*default=*/"false",
                        "Place each bucket where its last gradient is computed">];
}

//===-- Architecture search -------------------------------------------------------------===//

def KilnSearchStepPass : Pass<"kiln-search-step", "::mlir::ModuleOp"> {
  let summary = "Expand kiln.search_step into its step function (DARTS 1st/2nd order, RARTS)";
  let description = [{
    Replaces every `kiln.search_step @name(@loss)` by a public function @name that runs one
    iteration of its method (docs/algorithms.md §1.2, §1.3) out of kiln.value_and_grad calls of
    @loss, kiln.clip_by_global_norm, kiln.momentum for the weights, kiln.adam or kiln.sgd
    for the alphas and a kiln.cosine_decay_schedule. Its arguments carry the kiln.init and
    kiln.data attributes kiln-run needs to initialise the state and feed the two halves of
    the data. A non-empty `method` overrides every op's own: one program, any method.
  }];
  let options = [Option<"method", "method", "std::string", /*default=*/"\"\"",
                        "darts1, darts2, rarts or rarts_jacobi for every kiln.search_step">];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
                           "::mlir::math::MathDialect"];
}

def KilnRelaxMixedPass : Pass<"kiln-relax-mixed", "::mlir::ModuleOp"> {
  let summary = "Recompute supernet candidates for the backward instead of keeping them";
  let description = [{
    Runs after differentiation. Each `kiln.mixed_grad` needs every candidate's output for
    the alpha gradient, which would keep K full-size outputs per edge alive from the forward
    pass to the backward pass. A candidate output computed by a pure kiln op whose operands
    are live at the backward anyway (arguments, constants, or values used there or later),
    and which nothing after the backward uses, is recomputed right before the mixed_grad:
    the forward copy dies after the mixed sum, and no other value lives longer. A
    convolution candidate's input is kept for its weight gradient, so its output is
    recomputed; a max pool whose backward reads its output keeps it.
  }];
  let statistics = [Statistic<"numRecomputed", "recomputed", "Candidate outputs recomputed">];
}

def KilnBindArchPass : Pass<"kiln-bind-arch", "::mlir::ModuleOp"> {
  let summary = "Replace kiln.architecture with the searched alphas attached to the module";
  let description = [{
    Replaces every `kiln.architecture {input = i}` with a constant holding the module's
    `kiln.searched_alphas` entry "input<i>", which must have the op's type. Drivers attach
    that dictionary after reading a search's checkpoint (`--arch CHECKPOINT` on kiln-run and
    kiln-compile), so the compiler itself reads no files. Without it, any
    kiln.architecture is an error that says how to give one. kiln-derive-arch then
    discretizes the edges.

    ```mlir
    module attributes {kiln.searched_alphas = {input8 = dense<[0.1, 0.9]> : tensor<2xf32>}} {
      ... kiln.architecture {input = 8 : i64} : tensor<2xf32>   // becomes the constant
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def KilnDeriveArchPass : Pass<"kiln-derive-arch", "::mlir::ModuleOp"> {
  let summary = "Discretize a searched supernet: each kiln.mixed edge becomes one operation";
  let description = [{
    DARTS' genotype rule (docs/algorithms.md §1.1, `model_search.py::genotype`) applied to every
    `kiln.mixed` whose alpha is a constant (the searched architecture parameters, substituted
    for the alpha arguments): with p = softmax(alpha), an edge's strength is its largest p
    over candidates other than "none", and its operation the candidate holding it (strict
    >, so ties go to the lowest index; "none" is never chosen). Of the edges feeding one
    node (their `node` attribute), the two strongest are kept, ties to the earlier edge;
    the others, and edges with only "none", become zeros. What remains is a plain model:
    the unchosen candidates' computations are dead and canonicalization removes them.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

//===-- Regularizers ---------------------------------------------------------------------===//

def KilnExpandNtkPass : Pass<"kiln-expand-ntk", "::mlir::ModuleOp"> {
  let summary = "Write each kiln.ntk as loops of VJPs and a Gram product";
  let description = [{
    Also writes kiln.ntk_vector_product (`J (J^T v)`: a kiln.grad of the weighted
    function, then a kiln.jvp of f along it) and kiln.ntk_grad (the kernel's VJP: the
    Jacobian as above, `W = (G + G^T) J`, then for each row a the gradient of
    `@<f>_ntk_tangent`, which is f's JVP along W_a masked to row a: reverse over forward).

    For `kiln.ntk @f(...) wrt [...]` with f's logits [N, K]: a private function
    `@<f>_ntk_weighted` returns `sum(f(...) * c)` for a cotangent c [N, K], and a loop over
    the Jacobian's rows (sample n, logit k) calls kiln.grad of it with c the unit vector at
    (n, k) ("sum": ones on row n), flattens the gradients of the `wrt` arguments into row n of
    a matrix J, and takes J J^T in the result's element type (`kiln_rt.kernel_call gram`:
    BLAS, accumulated in double). "trace" loops over the logits
    outside, adds each logit's J_k J_k^T and divides by K, so J holds one logit's rows
    ([N, P]); "full" fills all N K rows and returns J J^T as [N, K, N, K]. Runs after a
    first kiln-autodiff (which turns a kiln.ntk inside a loss into kiln.ntk_grad) and
    before a second, which differentiates the generated kiln.grad and kiln.jvp like any
    other, once the inliner between them has inlined f into the weighted function.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect", "::kiln::krt::KilnRTDialect"];
}

//===-- FRUGAL ---------------------------------------------------------------------------===//

def KilnLowerFrugalPass : Pass<"kiln-lower-frugal", "::mlir::ModuleOp"> {
  let summary = "Lower kiln.frugal and kiln.frugal_blocks to the runtime's fused FRUGAL kernels";
  let description = [{
    Runs on tensors. Each `kiln.frugal` becomes a `kiln_rt.kernel_call frugal` whose outputs
    are the parameter, its two state tensors, the subspace, the step and the key, all
    updated in place (they are the op's operands, so bufferization writes the donated
    buffers directly). The kernel (Abi.h, runtime/lib/kernels/Frugal.cpp) makes one pass
    over the parameter: a sorted subspace lets it walk state-full and state-free
    coordinates together without a mask or a projected copy, and the state it reads exists
    only for the subspace. The "svd" projection is GaLore's: its kernel
    (FrugalSvd.cpp) needs the projected copy, which is three oneDNN matrix products.
    Each `kiln.frugal_blocks` becomes one `kiln_rt.kernel_call frugal_blocks` over all its
    tensors (N gradients in; N parameters, the state pools, the active list, step and key
    out). The parameters travel as `#kiln_rt.frugal` and `#kiln_rt.frugal_blocks`.
  }];
  let dependentDialects = ["::kiln::krt::KilnRTDialect"];
}

//===-- Library kernels -------------------------------------------------------------------===//

def KilnUseLibraryKernelsPass : Pass<"kiln-use-library-kernels", "::mlir::ModuleOp"> {
  let summary = "Call the runtime's oneDNN kernels for heavy linear algebra";
  let description = [{
    Runs on buffers. Each `linalg.matmul` of contiguous f32 matrices becomes a call to
    `kiln_matmul_f32` (Abi.h), which libkiln_runtime implements with oneDNN's sgemm on the
    shared thread pool: hand-tuned AVX-512 GEMM instead of generated loops (about 100x
    faster here). Other element types and strided views keep the generated loops.

    Each `kiln_rt.kernel_call` (convolution, pooling and their gradients, FRUGAL) becomes a
    call `kiln_<kernel>_<f32|f64>(params, buffers)`: its parameter attribute is packed into
    the kernel's C struct of Abi.h (the only place Kiln does so), which lives in a constant
    global shared by the calls with the same parameters, and its buffer addresses (inputs,
    then outputs) in a stack array. Strided buffers are staged through dense copies, which the
    kernels require (copied back for outputs).

    With `device=cuda` (the kiln-to-nvvm pipeline) the matrix products call
    `kiln_cuda_matmul_f32` instead, cuBLAS in libkiln_runtime_cuda on the stream the
    step's kernels run on, and a kernel call becomes
    `kiln_cuda_<kernel>_<f32|f64>(params, buffers, layout)`: the same parameters, the
    device addresses in a host stack array, and a constant layout (buffer count, input
    count, each buffer's bytes) with which the runtime stages kernels that have no device
    version through host memory. All three arrays are LLVM-dialect host values, which
    kiln-map-to-gpu leaves on the host. The collectives have no CUDA version (NCCL): a
    located error.
  }];
  let options = [
    Option<"device", "device", "std::string", "\"cpu\"",
           "Whose kernels to call: cpu (oneDNN, libkiln_runtime) or cuda (cuBLAS, "
           "libkiln_runtime_cuda)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def KilnLowerStridedCopiesPass : Pass<"kiln-lower-strided-copies", "::mlir::ModuleOp"> {
  let summary = "Turn copies between strided buffers into linalg.copy loops";
  let description = [{
    Runs on buffers. A `memref.copy` between buffers of identity layout becomes a memcpy in
    LLVM, but one involving a strided view (the slices of a `tensor.concat`, a staged kernel
    operand) would become a call to MLIR's `memrefCopy` helper, which lives in
    libmlir_c_runner_utils and so is not available to a compiled Kiln module. As
    `linalg.copy` it becomes an ordinary loop nest in the module itself.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def KilnFreeEarlyPass : Pass<"kiln-free-early", "::mlir::func::FuncOp"> {
  let summary = "Free each temporary buffer right after its last use";
  let description = [{
    Runs on buffers, before parallel loops are outlined. MLIR's ownership-based buffer
    deallocation places every `memref.dealloc` at the end of the block that allocated the
    buffer, so a step held all its temporaries until it returned: its peak memory was the
    sum of every buffer it allocates. This pass moves an unconditional `memref.dealloc` of a
    `memref.alloc` of the same block up to just after the last operation that uses the
    buffer or anything derived from it (views, casts, any result of an op taking it, except
    loaded values, and any buffer its address is stored into, such as the argument array
    of a runtime kernel call), so the peak is what is live at once. Ops with regions count as uses
    at their own position; a buffer that reaches the block's terminator is left alone.
  }];
  let statistics = [Statistic<"numMoved", "moved", "Deallocations moved to the last use">];
}

def KilnApproximateMathPass : Pass<"kiln-approximate-math", "::mlir::ModuleOp"> {
  let summary = "f32 tanh as a rational approximation in arithmetic, not a libm call";
  let description = [{
    A libm call per element keeps a loop scalar: tanh (through expm1f) was 40% of a
    tanh CNN's training step, more than its convolutions. This pass rewrites f32
    `math.tanh` into MLIR's polynomial approximation (a 13/6 rational function on the
    input clamped to +-7.9988, x itself below 4e-4; NaN stays NaN), plain arithmetic and
    FMAs (as `llvm.intr.fma`, so that they stay instructions) that the LLVM back end
    vectorizes. Its error is at most 5 f32 ulp (3e-7 relative;
    measured against libm on 36 million floats, and checked by
    test/e2e/approximate-tanh.test); because scalar and vector
    code evaluate the same operations, results still do not depend on the thread count.
    f64 tanh is left to libm. The kiln-to-llvm pipeline runs it unless `exact-math` is set.

    ```mlir
    %y = math.tanh %x : f32   // becomes clamps, two polynomials in x^2, one division
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

//===-- Fusion and parallelism ----------------------------------------------------------===//

def KilnFusePass : Pass<"kiln-fuse", "::mlir::func::FuncOp"> {
  let summary = "Vertical fusion: chains of element-wise tensor ops become one loop nest";
  let description = [{
    Runs on tensors, after kiln ops are lowered to linalg. An element-wise producer is fused
    into the element-wise op that is the only reader of its value (upstream's
    fuseElementwiseOps), so a chain of gradient transforms (a bf16-to-f32 cast, scale,
    clip, weight decay, the optimizer update) reads its inputs once and writes its outputs
    once. The producer's other results (an optimizer's new state) stay results of the fused
    op; a value read by several ops stays materialized, so nothing is computed twice.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::affine::AffineDialect",
                           "::mlir::tensor::TensorDialect"];
}

def KilnFuseHorizontalPass : Pass<"kiln-fuse-horizontal", "::mlir::func::FuncOp"> {
  let summary = "Horizontal fusion: independent element-wise updates share one parallel loop";
  let description = [{
    Runs on buffers. Independent element-wise `linalg.generic` ops (the optimizer updates of
    all parameter tensors of a step) are merged into a single `scf.parallel` loop over their
    concatenated index space, cut into chunks of `chunk-size` elements: each chunk runs the
    slice of every update that falls into it. This is the multi-tensor-apply problem solved
    by the compiler: one parallel region per step instead of one per tensor. Updates join a
    group only if no update in the group or op between them touches their buffers.

    Sum reductions over a whole buffer whose addition carries `reassoc` (the f64 norms and
    sums kiln lowers to) become per-chunk partial sums computed in parallel and added in chunk
    order, so the result is the same for any number of threads. Such sums per row (the
    accumulator indexed by leading parallel loops, as per-sample squared norms are) become a
    loop over the rows that sums each row in a register instead of memory.
  }];
  let options = [
    Option<"chunkSize", "chunk-size", "int64_t", "16384",
           "Elements per parallel work item">,
    Option<"minElements", "min-elements", "int64_t", "32768",
           "Groups with fewer elements (when static) stay serial">,
    Option<"parallelizeReductions", "parallelize-reductions", "bool", "true",
           "Split reassociable whole-buffer sums into per-chunk partial sums (the GPU "
           "back end maps them itself, kiln-map-to-gpu)">,
    Option<"align", "align", "int64_t", "1",
           "Each update starts at a multiple of this in the concatenated index space, so "
           "that a chunk's slice of it starts at one too (the GPU's 16-byte vector "
           "accesses: 4)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def KilnParallelizeNestsPass
    : Pass<"kiln-parallelize-nests", "::mlir::func::FuncOp"> {
  let summary = "Split large linalg loop nests on buffers into parallel chunks";
  let description = [{
    Runs on buffers, after kiln-fuse-horizontal, which already puts the element-wise
    updates with identical indexing into parallel loops. Every other linalg op directly in
    a function body (a per-channel bias fused with its activation, a row-wise softmax, a
    loss, a per-channel gradient sum) with a parallel loop and a static iteration space of
    at least `min-work` points is tiled along its outermost parallel loop (the channels of
    a sum over n, h and w) into a one-dimensional `scf.parallel` of
    chunks of at least `min-chunk` points, which kiln-outline-parallel runs on the
    runtime's thread pool. Each chunk writes disjoint elements and reduces in the same order
    as the serial loop, so results do not depend on the thread count.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", "32768",
           "Smallest iteration space worth running in parallel">,
    Option<"minChunk", "min-chunk", "int64_t", "8192",
           "Smallest number of iterations per chunk">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect"];
}

def KilnOutlineParallelPass : Pass<"kiln-outline-parallel", "::mlir::ModuleOp"> {
  let summary = "Run top-level scf.parallel loops on the runtime's thread pool";
  let description = [{
    Outlines the body of each top-level one-dimensional `scf.parallel` loop into a function
    `(begin, end, context)` that runs iterations [begin, end), packs the values it uses into
    a stack context, and calls `kiln_parallel_for` (Abi.h), which libkiln_runtime provides.
    Generated loops thus share the runtime's OpenMP pool with oneDNN instead of bringing a
    second threading runtime into the process.
  }];
  let options = [
    Option<"grain", "grain", "int64_t", "1",
           "Minimum iterations per thread">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::scf::SCFDialect",
                           "::mlir::func::FuncDialect", "::mlir::arith::ArithDialect"];
}

//===-- GPU -----------------------------------------------------------------------------===//

def KilnMapToGpuPass : Pass<"kiln-map-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Run a bufferized step's memory accesses in gpu.launch regions";
  let description = [{
    The kiln-to-nvvm pipeline's mapping step. Runs on buffers, after kiln-fuse-horizontal,
    in functions whose buffers (arguments and allocations) are all in GPU memory. Every op
    that reads or writes a buffer moves into a `gpu.launch`; the host keeps what only
    computes descriptors, sizes and indices from host values, and the order of launches:

    - kiln-fuse-horizontal's chunk loop (all parameter updates of a step) becomes one launch
      with a block per chunk; each thread updates `vector-width` consecutive elements of its
      chunk's slice of every update with 16-byte vector loads and stores
      (`ld.global.v4.f32`) where the slice is aligned, element by element elsewhere;
    - any other top-level `scf.parallel`, and every other linalg op (written as parallel
      loops), becomes a launch with a thread per iteration of its parallel dimensions
      (reductions run inside a thread);
    - the remaining serial code (step counters, bias corrections, the combination of
      partial sums) runs in single-thread launches, one per maximal run; a scalar such a
      run computes and a later launch uses travels through a rank-0 device buffer;
    - `memref.alloc`/`dealloc`/`copy` become `gpu.alloc`/`dealloc`/`memcpy`, constant
      rank-0 globals become constants, other globals are copied to the device;
    - `math.sqrt` becomes the PTX instruction the program asks for: `sqrt.rn` (IEEE), or
      `sqrt.approx` where `afn` allows it (libdevice's square root, which NVVM would call,
      is the approximation whatever the flags say).

    Runtime library kernels (`kiln_rt.kernel_call`: convolution, pooling, FRUGAL, optimal
    transport, collectives) have no CUDA version yet: they are a located error.

    ```mlir
    // scf.parallel (%c) = (0) to (%chunks) { scf.if { linalg.generic ... } }  becomes
    gpu.launch blocks(%b, ...) in (%chunks, ...) threads(%t, ...) in (%c256, ...) {
      ... vector.load %slice[%first] {alignment = 16} : memref<?xf32, strided<[1], offset: ?>>, vector<4xf32>
    }
    ```
  }];
  let options = [
    Option<"threadsPerBlock", "threads-per-block", "int64_t", "256",
           "Threads of a launch's block">,
    Option<"vectorWidth", "vector-width", "int64_t", "4",
           "Consecutive elements a thread updates in a fused update (4 x f32 = 16 bytes)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect", "::mlir::LLVM::LLVMDialect"];
}

#endif // KILN_TRANSFORMS_PASSES_TD
