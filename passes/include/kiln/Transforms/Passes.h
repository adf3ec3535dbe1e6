// SPDX-License-Identifier: Apache-2.0
// Declarations and registration of the kiln transformation passes.
#ifndef KILN_TRANSFORMS_PASSES_H
#define KILN_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln {
#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "kiln/Transforms/Passes.h.inc"

/// Names of the attributes the Abi passes hand to each other and to kiln-compile.
inline constexpr llvm::StringLiteral kAbiFunctionTypeAttr = "kiln.abi.function_type";
inline constexpr llvm::StringLiteral kAbiDonatedAttr = "kiln.abi.donated";
inline constexpr llvm::StringLiteral kAbiInitAttr = "kiln.abi.init";
inline constexpr llvm::StringLiteral kAbiDataAttr = "kiln.abi.data";
inline constexpr llvm::StringLiteral kAbiClassesAttr = "kiln.abi.classes";
inline constexpr llvm::StringLiteral kAbiRolesAttr = "kiln.abi.roles";
inline constexpr llvm::StringLiteral kAbiCandidatesAttr = "kiln.abi.candidates";
inline constexpr llvm::StringLiteral kAbiSignatureAttr = "kiln.abi.signature";
} // namespace kiln

#endif // KILN_TRANSFORMS_PASSES_H
