// SPDX-License-Identifier: Apache-2.0
// Attributes of the kiln_rt dialect: the parameter blocks of the runtime's library kernels
// and the entry-point contract, as typed attributes with named fields.
#ifndef KILN_RT_KILNRTATTRS_TD
#define KILN_RT_KILNRTATTRS_TD

include "kiln/Enums/KilnEnums.td"
include "kiln/RT/KilnRTBase.td"
include "kiln/RT/KilnRTEnums.td"

def KilnRT_KernelAttr : EnumAttr<KilnRT_Dialect, KilnRT_Kernel, "kernel">;

//===-- Kernel parameter blocks -------------------------------------------------------------===//

def KilnRT_WindowAttr : KilnRT_Attr<"Window", "window"> {
  let summary = "The geometry of a window kernel: convolution, pooling and their gradients";
  let description = [{
    Follows torch.nn.functional.conv2d on NCHW tensors: input [n, c, h, w]; filter
    [o, c / groups, kh, kw] (pooling: o = c, groups = 1); output [n, o, oh, ow]; strides
    (sh, sw), zero padding on both sides (ph, pw; pooling pads with -inf or leaves padding
    out of the average) and dilations (dh, dw; 1 is dense). kiln-use-library-kernels packs
    it into Abi.h's `kiln_window_geometry`, in this order.

    ```mlir
    #kiln_rt.window<n = 8, c = 1, h = 28, w = 28, o = 4, kh = 3, kw = 3, oh = 26, ow = 26,
                    sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
    ```
  }];
  let parameters = (ins "int64_t":$n, "int64_t":$c, "int64_t":$h, "int64_t":$w,
                        "int64_t":$o, "int64_t":$kh, "int64_t":$kw, "int64_t":$oh,
                        "int64_t":$ow, "int64_t":$sh, "int64_t":$sw, "int64_t":$ph,
                        "int64_t":$pw, "int64_t":$dh, "int64_t":$dw, "int64_t":$groups);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The shapes of the kernel's operands, inputs then outputs.
    ::llvm::SmallVector<::llvm::SmallVector<int64_t>> getOperandShapes(Kernel kernel) const;
  }];
}

def KilnRT_FrugalAttr : KilnRT_Attr<"Frugal", "frugal"> {
  let summary = "The configuration of one FRUGAL step on one parameter (kiln.frugal)";
  let description = [{
    A [rows, cols] parameter (rank 1 and "coordinates": rows = 1) whose state-full part is
    `k` columns, rows or coordinates, or GaLore's rank-k SVD subspace (`projection`), moved
    by `state_full` (Adam(W) or heavy-ball momentum) at `lr`; the rest moves by
    `state_free` (signSGD or SGD) at lr * free_lr_scale; a new subspace every `update_gap`
    steps (docs/algorithms.md §2). kiln-use-library-kernels packs it into Abi.h's
    `kiln_frugal_config`.

    ```mlir
    #kiln_rt.frugal<rows = 784, cols = 256, projection = rows, k = 196, update_gap = 200,
                    state_full = adamw, state_free = sign_sgd, lr = 1.000000e-03,
                    beta1 = 9.000000e-01, beta2 = 9.990000e-01, eps = 1.000000e-08,
                    weight_decay = 0.000000e+00, free_lr_scale = 1.000000e+00>
    ```
  }];
  let parameters = (ins "int64_t":$rows, "int64_t":$cols,
                        EnumParameter<Kiln_FrugalProjection>:$projection, "int64_t":$k,
                        "int64_t":$update_gap, EnumParameter<Kiln_FrugalStateFull>:$state_full,
                        EnumParameter<Kiln_FrugalStateFree>:$state_free,
                        KilnRT_F64Parameter:$lr, KilnRT_F64Parameter:$beta1,
                        KilnRT_F64Parameter:$beta2, KilnRT_F64Parameter:$eps,
                        KilnRT_F64Parameter:$weight_decay, KilnRT_F64Parameter:$free_lr_scale);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The element counts of the kernel's operands: g, then p, m, v, subspace, step, key.
    ::llvm::SmallVector<int64_t> getOperandCounts() const;
  }];
}

def KilnRT_FrugalBlocksAttr : KilnRT_Attr<"FrugalBlocks", "frugal_blocks"> {
  let summary = "The configuration of one blockwise FRUGAL step (kiln.frugal_blocks)";
  let description = [{
    N parameter tensors of `sizes` elements, of which `k` are state-full at a time, chosen
    in `order`; their state is packed into pools of `pool` elements. The rules and
    hyperparameters are #kiln_rt.frugal's. kiln-use-library-kernels packs it into Abi.h's
    `kiln_frugal_blocks_config` followed by the sizes.

    ```mlir
    #kiln_rt.frugal_blocks<sizes = [100352, 1280], k = 1, order = ascending,
                           update_gap = 200, pool = 100352, state_full = adamw,
                           state_free = sign_sgd, lr = 1.000000e-03, beta1 = 9.000000e-01,
                           beta2 = 9.990000e-01, eps = 1.000000e-08,
                           weight_decay = 0.000000e+00, free_lr_scale = 1.000000e+00>
    ```
  }];
  let parameters = (ins KilnRT_ListParameter<"int64_t", "element counts">:$sizes,
                        "int64_t":$k, EnumParameter<Kiln_FrugalBlockOrder>:$order,
                        "int64_t":$update_gap, "int64_t":$pool,
                        EnumParameter<Kiln_FrugalStateFull>:$state_full,
                        EnumParameter<Kiln_FrugalStateFree>:$state_free,
                        KilnRT_F64Parameter:$lr, KilnRT_F64Parameter:$beta1,
                        KilnRT_F64Parameter:$beta2, KilnRT_F64Parameter:$eps,
                        KilnRT_F64Parameter:$weight_decay, KilnRT_F64Parameter:$free_lr_scale);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def KilnRT_TransportAttr : KilnRT_Attr<"Transport", "transport"> {
  let summary = "The configuration of an entropic OT regularizer (kiln.monge_gap, "
                "kiln.sinkhorn_divergence)";
  let description = [{
    The rows of x [n, d] and y [m, d], the ground `cost`, epsilon (absolute, or times the
    std or mean of the cost matrix: `epsilon_mode`), the Sinkhorn stopping rule
    (`threshold` on the L1 marginal error, checked every `inner_iterations`, at most
    `max_iterations`), and whether the call also returns the gradients of the value.
    kiln-use-library-kernels packs it into Abi.h's `kiln_transport_config`.

    ```mlir
    #kiln_rt.transport<n = 256, m = 256, d = 2, cost = sqeuclidean, epsilon_mode = std,
                       max_iterations = 2000, inner_iterations = 10, gradients = true,
                       epsilon = 5.000000e-02, threshold = 1.000000e-03>
    ```
  }];
  let parameters = (ins "int64_t":$n, "int64_t":$m, "int64_t":$d,
                        EnumParameter<Kiln_TransportCost>:$cost,
                        EnumParameter<Kiln_EpsilonMode>:$epsilon_mode,
                        "int64_t":$max_iterations, "int64_t":$inner_iterations,
                        KilnRT_FlagParameter:$gradients, KilnRT_F64Parameter:$epsilon,
                        KilnRT_F64Parameter:$threshold);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def KilnRT_SpectrumAttr : KilnRT_Attr<"Spectrum", "spectrum"> {
  let summary = "The size of a symmetric matrix whose spectrum a kernel computes "
                "(kiln.ntk_spectrum)";
  let description = [{
    The matrix is [m, m]; the kernel returns its eigenvalues [m], trace and condition
    number. kiln-use-library-kernels packs it into Abi.h's `kiln_spectrum_config`.

    ```mlir
    #kiln_rt.spectrum<m = 32>
    ```
  }];
  let parameters = (ins "int64_t":$m);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def KilnRT_GramAttr : KilnRT_Attr<"Gram", "gram"> {
  let summary = "The shape of a Gram product J J^T (kiln.ntk's contraction)";
  let description = [{
    J is [rows, cols], f64 when `input_f64` is set and f32 otherwise; the product [rows, rows]
    has the output's element type and is accumulated in double (BLAS dsyrk) whatever the
    types. kiln-use-library-kernels packs it into Abi.h's `kiln_gram_config`.

    ```mlir
    #kiln_rt.gram<rows = 32, cols = 266240>
    ```
  }];
  let parameters = (ins "int64_t":$rows, "int64_t":$cols, KilnRT_FlagParameter:$input_f64);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def KilnRT_NormalAttr : KilnRT_Attr<"Normal", "normal"> {
  let summary = "The configuration of a normal fill (kiln.random_normal, the Gaussian "
                "mechanism's noise)";
  let description = [{
    `count` draws from N(mean, stddev^2) for the Philox seed key + `key_offset` (the key is
    the call's one i64 input), exactly as the runtime's fillNormal makes them, so compiled
    noise and initializers equal the driver's fills bit for bit. mean and stddev hold f32
    values (fillNormal takes floats). kiln-use-library-kernels packs it into Abi.h's
    `kiln_normal_config`.

    ```mlir
    #kiln_rt.normal<count = 200704, key_offset = 0, mean = 0.000000e+00,
                    stddev = 1.000000e+00>
    ```
  }];
  let parameters = (ins "int64_t":$count, "int64_t":$key_offset, KilnRT_F64Parameter:$mean,
                        KilnRT_F64Parameter:$stddev);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def KilnRT_CollectiveAttr : KilnRT_Attr<"Collective", "collective"> {
  let summary = "The configuration of a collective between processes (kiln.all_reduce, "
                "kiln.broadcast_from, kiln.all_gather)";
  let description = [{
    The element counts of the tensors one call sends (an all_reduce or broadcast bucket
    has several; an all_gather one, its input), the `reduction` of an all_reduce, the
    `root` rank of a broadcast, and the number of `ranks` an all_gather's result was shaped
    for (0 otherwise; the runtime refuses to run it on another number).
    kiln-use-library-kernels packs it into Abi.h's `kiln_collective_config` followed by
    the sizes.

    ```mlir
    #kiln_rt.collective<sizes = [100352, 128, 1280, 10], reduction = mean, root = 0,
                        ranks = 0>
    ```
  }];
  let parameters = (ins KilnRT_ListParameter<"int64_t", "element counts">:$sizes,
                        EnumParameter<Kiln_Reduction>:$reduction, "int64_t":$root,
                        "int64_t":$ranks);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def KilnRT_CompressionAttr : KilnRT_Attr<"Compression", "compression"> {
  let summary = "The configuration of a compressed gradient exchange (kiln.compressed_exchange)";
  let description = [{
    The element counts of the N gradients (compressed as one vector), the error control
    (`method`: compressed, ef14, ef21 or econtrol), the compressor, the `k` coordinates that
    top-k and rand-k keep, rand-k's Philox `key` and EControl's `eta`.
    kiln-use-library-kernels packs it into Abi.h's `kiln_compression_config` followed by
    the sizes.

    ```mlir
    #kiln_rt.compression<sizes = [200704, 256, 2560, 10], method = econtrol,
                         compressor = top_k, k = 2035, key = 0, eta = 5.000000e-01>
    ```
  }];
  let parameters = (ins KilnRT_ListParameter<"int64_t", "element counts">:$sizes,
                        EnumParameter<Kiln_GradientExchange>:$method,
                        EnumParameter<Kiln_Compressor>:$compressor, "int64_t":$k,
                        "int64_t":$key, KilnRT_F64Parameter:$eta);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The kinds of state the method keeps, each one tensor per gradient: e (ef14,
    /// econtrol), then h and h-bar (ef21, econtrol).
    int64_t getStateKinds() const;
  }];
}

//===-- The entry-point contract ------------------------------------------------------------===//

def KilnRT_InputAttr : KilnRT_Attr<"Input", "input"> {
  let summary = "One input of an entry point, as the runtime sees it";
  let description = [{
    `type` is the input's tensor type (a dynamic extent is taken from the caller's
    tensor). `name` is the argument's name (`kiln.name`), by which the runtime reports,
    checkpoints and binds it. `dims`, when given, names for each dimension the extent variable of the entry
    point that it must equal (-1: none): dynamic extents that the program uses together
    (added, multiplied element-wise, updated in place) share a variable, which the runtime
    checks on every call. `donated`: the step may overwrite the buffer (a result is computed in it).
    `init`: how a driver fills the input when the caller gives none (the grammar of
    runtime/include/kiln/runtime/InitSpec.h, from `kiln.init`). `data`: the dataset field a
    training driver feeds it (`kiln.data`). `classes`: for labels, the class count of the
    logits they index, so labels must lie in [0, classes). `role` and `candidates`: how the
    step's optimizers use it (and, for an architecture parameter, its edge's candidate
    operations). Omitted fields take their defaults.

    ```mlir
    #kiln_rt.input<type = tensor<784x256xf32>, name = "w1", donated = true,
                   init = "normal:0.05", role = parameter>
    #kiln_rt.input<type = tensor<128xi64>, data = labels, classes = 10>
    #kiln_rt.input<type = tensor<?x784xf32>, data = images, dims = [0, -1]>
    ```
  }];
  let parameters = (ins "::mlir::RankedTensorType":$type,
                        StringRefParameter<"the argument's name", "\"\"">:$name,
                        KilnRT_FlagParameter:$donated,
                        StringRefParameter<"an initialiser (InitSpec.h)", "\"\"">:$init,
                        OptionalParameter<"std::optional<::kiln::DataField>">:$data,
                        DefaultValuedParameter<"int64_t", "0">:$classes,
                        OptionalParameter<"std::optional<::kiln::krt::Role>">:$role,
                        OptionalParameter<"::mlir::ArrayAttr">:$candidates,
                        KilnRT_OptionalListParameter<"int64_t", "extent variables">:$dims);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilderWithInferredContext<(ins "::mlir::RankedTensorType":$type), [{
      return $_get(type.getContext(), type, "", false, "", std::nullopt, 0, std::nullopt,
                   ::mlir::ArrayAttr(), ::llvm::ArrayRef<int64_t>());
    }]>
  ];
  let extraClassDeclaration = [{
    InputAttr withName(::llvm::StringRef name) const;
    InputAttr withDonated(bool donated) const;
    InputAttr withInit(::llvm::StringRef init) const;
    InputAttr withData(std::optional<::kiln::DataField> data) const;
    InputAttr withClasses(int64_t classes) const;
    InputAttr withRole(std::optional<Role> role, ::mlir::ArrayAttr candidates) const;
    InputAttr withDims(::llvm::ArrayRef<int64_t> dims) const;
  }];
}

def KilnRT_ResultAttr : KilnRT_Attr<"Result", "result"> {
  let summary = "One result of an entry point, as the runtime sees it";
  let description = [{
    `alias` is the input whose buffer the result is computed in (the in-place update of a
    donated parameter or state), or -1 for a result the caller allocates an output buffer
    for, which then has a static shape.

    ```mlir
    #kiln_rt.result<type = tensor<784x256xf32>, alias = 0>
    #kiln_rt.result<type = tensor<f32>>
    ```
  }];
  let parameters = (ins "::mlir::RankedTensorType":$type,
                        DefaultValuedParameter<"int64_t", "-1">:$alias);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def KilnRT_EntryPointAttr : KilnRT_Attr<"EntryPoint", "entry_point"> {
  let summary = "The contract between the runtime and one entry point of a module";
  let description = [{
    Every public function with a body is an entry point, which the runtime calls through
    `kiln_call_<name>` (Abi.h). Its contract travels through the pipeline on the function
    as `kiln_rt.entry_point`: declared from the tensor signature, completed by the passes
    that know each part (kiln-record-label-classes, kiln-record-roles,
    kiln-prepare-entry-points for donation, kiln-finalize-entry-points for the results'
    aliases after bufferization), and written as the signature JSON of Abi.h by
    kiln-emit-abi. `extents` lists, for each extent variable the inputs' `dims` name, the
    static extent it must have, or -1 where any extent will do as long as all the
    dimensions that share it agree (kiln-record-extent-ties).

    ```mlir
    func.func @step(%p: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> attributes {
      kiln_rt.entry_point = #kiln_rt.entry_point<
          inputs = [#kiln_rt.input<type = tensor<4xf32>, donated = true, role = parameter>,
                    #kiln_rt.input<type = tensor<4xf32>>],
          results = [#kiln_rt.result<type = tensor<4xf32>, alias = 0>]>} {
      %p1 = kiln.sgd %p, %g {lr = 0.1 : f64} : tensor<4xf32>
      return %p1 : tensor<4xf32>
    }
    ```
  }];
  let parameters = (ins KilnRT_ListParameter<"::kiln::krt::InputAttr", "inputs">:$inputs,
                        KilnRT_ListParameter<"::kiln::krt::ResultAttr", "results">:$results,
                        KilnRT_OptionalListParameter<"int64_t", "extent values">:$extents);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// This contract with input `index` replaced.
    EntryPointAttr withInput(unsigned index, InputAttr input) const;
    /// This contract with new results.
    EntryPointAttr withResults(::llvm::ArrayRef<ResultAttr> results) const;
    /// This contract with new extent variables.
    EntryPointAttr withExtents(::llvm::ArrayRef<int64_t> extents) const;
  }];
}

#endif // KILN_RT_KILNRTATTRS_TD
