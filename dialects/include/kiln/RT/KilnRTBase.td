// SPDX-License-Identifier: Apache-2.0
// The kiln_rt dialect (the boundary between compiled code and libkiln_runtime) and the
// base classes of its ops and attributes.
#ifndef KILN_RT_KILNRTBASE_TD
#define KILN_RT_KILNRTBASE_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/OpBase.td"

def KilnRT_Dialect : Dialect {
  let name = "kiln_rt";
  let cppNamespace = "::kiln::krt";
  let summary = "The boundary between compiled Kiln code and libkiln_runtime";
  let description = [{
    The kiln dialect says what a training step computes; kiln_rt says how compiled code and
    libkiln_runtime meet (runtime/include/kiln/runtime/Abi.h):

    - calls of the runtime's library kernels (`kiln_rt.kernel_call`), whose parameter blocks
      are typed attributes with named fields (`#kiln_rt.window`, `#kiln_rt.frugal`,
      `#kiln_rt.frugal_blocks`);
    - the contract of each entry point (`#kiln_rt.entry_point`, on the function as
      `kiln_rt.entry_point`): its inputs' types, donation, initialisers, dataset fields,
      label ranges and roles, and which input's buffer each result is computed in.

    Nothing here is a C struct or JSON: kiln-use-library-kernels packs a parameter
    attribute into the struct of Abi.h where it lowers the call to LLVM, and kiln-emit-abi
    writes the entry points' JSON signature where it emits the module's ABI symbols.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// On an entry point (a public function with a body): its #kiln_rt.entry_point.
    static constexpr ::llvm::StringLiteral kEntryPointAttrName = "kiln_rt.entry_point";
  }];
}

class KilnRT_Op<string mnemonic, list<Trait> traits = []>
    : Op<KilnRT_Dialect, mnemonic, traits>;

class KilnRT_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<KilnRT_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===-- Attribute parameters ----------------------------------------------------------------===//

/// A double, written as a float literal (`lr = 1.000000e-03`); compared bit for bit, so that
/// a NaN is equal to itself and attributes stay uniqued.
def KilnRT_F64Parameter : AttrParameter<"::llvm::APFloat", "a double"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
    double value;
    if ($_parser.parseFloat(value))
      return ::mlir::failure();
    return ::llvm::APFloat(value);
  }() }];
  let printer = [{ $_printer.printFloat($_self); }];
  let comparator = [{ $_lhs.bitwiseIsEqual($_rhs) }];
}

/// A boolean, written `true` or `false`; false when omitted.
def KilnRT_FlagParameter : AttrParameter<"bool", "a flag"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<bool> {
    if (::mlir::succeeded($_parser.parseOptionalKeyword("true")))
      return true;
    if (::mlir::succeeded($_parser.parseOptionalKeyword("false")))
      return false;
    return $_parser.emitError($_parser.getCurrentLocation(), "expected true or false");
  }() }];
  let printer = [{ $_printer << ($_self ? "true" : "false"); }];
  let defaultValue = "false";
}

/// A list in square brackets (`[1, 2]`, `[#kiln_rt.input<...>]`).
class KilnRT_ListParameter<string element, string desc>
    : ArrayRefParameter<element, desc> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::SmallVector<}] # element # [{>> {
    ::llvm::SmallVector<}] # element # [{> items;
    if ($_parser.parseCommaSeparatedList(::mlir::AsmParser::Delimiter::Square, [&]() {
          auto item = ::mlir::FieldParser<}] # element # [{>::parse($_parser);
          if (::mlir::failed(item))
            return ::mlir::failure();
          items.push_back(*item);
          return ::mlir::success();
        }))
      return ::mlir::failure();
    return items;
  }() }];
  let printer = [{
    $_printer << '[';
    ::llvm::interleaveComma($_self, $_printer);
    $_printer << ']';
  }];
}

/// A list that may be left out, meaning empty.
class KilnRT_OptionalListParameter<string element, string desc>
    : KilnRT_ListParameter<element, desc> {
  let defaultValue = "::llvm::SmallVector<" # element # ">()";
  let comparator = cppType # "($_lhs) == " # cppType # "($_rhs)";
}

#endif // KILN_RT_KILNRTBASE_TD
