// SPDX-License-Identifier: Apache-2.0
// The kiln dialect, its op base class and the attribute/type constraints its ops share.
#ifndef KILN_IR_KILNDIALECT_TD
#define KILN_IR_KILNDIALECT_TD

include "kiln/Enums/KilnEnums.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let cppNamespace = "::kiln";
  let summary = "Training steps as dataflow graphs: optimizers, search, privacy, compression";
  let description = [{
    The kiln dialect expresses a whole training step on builtin tensors: the model and loss
    (later issues), and the optimizer updates that consume gradients. Ops are pure: parameters
    and optimizer state go in as operands and come out as results, like Optax. Bufferization
    later aliases each updated value to the buffer it replaces, so the compiled step updates
    parameters and state in place.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  // `kiln.init` on an entry point's argument says how drivers fill it when not given.
  let hasRegionArgAttrVerify = 1;
  // `kiln.searched_alphas` on a module: the alphas a search learned, for kiln-bind-arch.
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    static constexpr ::llvm::StringLiteral kInitAttrName = "kiln.init";
    /// On a training step's argument: which field of the dataset a driver feeds it
    /// ("images" or "labels"), one batch per call.
    static constexpr ::llvm::StringLiteral kDataAttrName = "kiln.data";
    /// On a function's argument: its name, which the runtime reports, checkpoints and binds
    /// it by. The text frontend sets it from the argument's SSA name (`%w1` is "w1").
    static constexpr ::llvm::StringLiteral kNameAttrName = "kiln.name";
    /// On a module: the architecture parameters a search learned, by the name of their
    /// tensor in the search's checkpoint ("a1" = dense<...>), which kiln-bind-arch
    /// substitutes for kiln.architecture. Drivers read the checkpoint and attach them
    /// (`--arch CHECKPOINT`), so the compiler never reads files of the runtime.
    static constexpr ::llvm::StringLiteral kSearchedAlphasAttrName = "kiln.searched_alphas";
    /// On a module: the batch size kiln-specialize-batch gave a program written with a
    /// dynamic batch, so that drivers know it can be compiled for others (a last, partial
    /// evaluation batch).
    static constexpr ::llvm::StringLiteral kBatchAttrName = "kiln.batch";
  }];
}

class Kiln_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kiln_Dialect, mnemonic, traits>;

//===-- Shared constraints -----------------------------------------------------------------===//

/// An attribute that takes one of an enumeration's cases, written as a string
/// (`projection = "rows"`) so programs read naturally, verified by ODS against the cases and
/// read in C++ as the enum (`getProjection()` returns `kiln::FrugalProjection`). An EnumAttr
/// proper would be printed `#kiln<projection rows>` in an attribute dictionary.
class Kiln_StrEnumAttr<EnumInfo info> : Attr<
    And<[CPred<"::llvm::isa<::mlir::StringAttr>($_self)">,
         CPred<info.cppNamespace # "::" # info.stringToSymbolFnName #
               "(::llvm::cast<::mlir::StringAttr>($_self).getValue()).has_value()">]>,
    info.summary> {
  let storageType = "::mlir::StringAttr";
  let returnType = info.cppType;
  let convertFromStorage =
      "*" # info.cppNamespace # "::" # info.stringToSymbolFnName # "($_self.getValue())";
  let constBuilderCall = "$_builder.getStringAttr(" # info.cppNamespace # "::" #
                         info.symbolToStringFnName # "($0))";
}

// Predicates are written so NaN fails them: every comparison with NaN is false. No
// hyperparameter is infinite: an infinite learning rate or clip norm is a typo, not a choice.
def Kiln_Finite : AttrConstraint<
    CPred<"[](double x) { return x - x == 0.0; }("
          "::llvm::cast<::mlir::FloatAttr>($_self).getValueAsDouble())">,
    "whose value is finite">;
def Kiln_NonNegativeF64 : AttrConstraint<
    CPred<"[](double x) { return x >= 0.0 && x - x == 0.0; }("
          "::llvm::cast<::mlir::FloatAttr>($_self).getValueAsDouble())">,
    "whose value is finite and non-negative">;
def Kiln_InUnitInterval : AttrConstraint<
    CPred<"[](double x) { return x >= 0.0 && x < 1.0; }("
          "::llvm::cast<::mlir::FloatAttr>($_self).getValueAsDouble())">,
    "whose value is in [0, 1)">;

def Kiln_InClosedUnitInterval : AttrConstraint<
    CPred<"[](double x) { return x >= 0.0 && x <= 1.0; }("
          "::llvm::cast<::mlir::FloatAttr>($_self).getValueAsDouble())">,
    "whose value is in [0, 1]">;

def Kiln_Positive : AttrConstraint<
    CPred<"[](double x) { return x > 0.0 && x - x == 0.0; }("
          "::llvm::cast<::mlir::FloatAttr>($_self).getValueAsDouble())">,
    "whose value is finite and positive">;

def Kiln_FiniteF64Attr : ConfinedAttr<F64Attr, [Kiln_Finite]>;
def Kiln_PositiveF64Attr : ConfinedAttr<F64Attr, [Kiln_Positive]>;
def Kiln_NonNegF64Attr : ConfinedAttr<F64Attr, [Kiln_NonNegativeF64]>;
def Kiln_ClosedUnitIntervalF64Attr : ConfinedAttr<F64Attr, [Kiln_InClosedUnitInterval]>;
def Kiln_UnitIntervalF64Attr : ConfinedAttr<F64Attr, [Kiln_InUnitInterval]>;
def Kiln_NonEmptyStringAttr : ConfinedAttr<StrAttr, [
    AttrConstraint<CPred<"!::llvm::cast<::mlir::StringAttr>($_self).getValue().empty()">,
                   "non-empty">]>;

/// Parameters, gradients and optimizer state: ranked f32 tensors (static or dynamic shape).
def Kiln_ParamTensor : RankedTensorOf<[F32]>;

/// A learning rate that changes per step, passed as a rank-0 tensor.
def Kiln_ScalarF32Tensor : 0DTensorOf<[F32]>,
    BuildableType<"::mlir::RankedTensorType::get({}, $_builder.getF32Type())">;

/// The 1-based index of the step being taken (PyTorch's `state["step"]` after its increment).
def Kiln_StepTensor : 0DTensorOf<[I64]>,
    BuildableType<"::mlir::RankedTensorType::get({}, $_builder.getI64Type())">;

#endif // KILN_IR_KILNDIALECT_TD
