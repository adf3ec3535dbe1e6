// SPDX-License-Identifier: Apache-2.0
// kiln-expand-ntk: the empirical NTK (kiln.ntk) as loops of VJPs and a Gram product, so that
// the model is differentiated by kiln-autodiff like any loss and the loops compile to the
// same kernels as a training step. docs/algorithms.md §5.
//
// The Gram product J J^T is the runtime's BLAS kernel (kiln_rt.kernel_call gram, in double).
// Each VJP is of the whole batch with a unit cotangent: the Jacobian of the batched function
// (what neural-tangents computes), for any model, at the price of N times the work of a
// one-sample VJP. The runtime's empiricalNtk (kiln/runtime/regularizers/Ntk.h) takes
// one-sample rows from a VJP compiled for a batch of 1 instead.
//
// The kernel's other two forms need forward mode too: kiln.ntk_vector_product is J (J^T v),
// a VJP then a JVP (kiln.jvp), and kiln.ntk_grad differentiates J_a . W_a for each row a, a
// JVP along W_a, in reverse mode (a kiln.grad of a function containing a kiln.jvp).
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/TypeSwitch.h"

#include <map>

namespace kiln {
#define GEN_PASS_DEF_KILNEXPANDNTKPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

Value filled(ImplicitLocOpBuilder &b, RankedTensorType type, double value) {
  Value empty = tensor::EmptyOp::create(b, type.getShape(), type.getElementType());
  Value scalar = arith::ConstantOp::create(b, b.getFloatAttr(type.getElementType(), value));
  return linalg::FillOp::create(b, ValueRange{scalar}, ValueRange{empty}).getResult(0);
}

/// A private function `@<model><suffix>(model's arguments, extra...) -> scalar` beside the
/// model (renamed if the name is taken), whose body `fill` builds from its arguments.
func::FuncOp buildScalarFunction(func::FuncOp model, StringRef suffix, TypeRange extra,
                                 SymbolTable &symbols,
                                 function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> fill) {
  FunctionType type = model.getFunctionType();
  auto logits = cast<RankedTensorType>(type.getResult(0));
  SmallVector<Type> inputs(type.getInputs());
  llvm::append_range(inputs, extra);
  auto scalar = RankedTensorType::get({}, logits.getElementType());
  OpBuilder mb(model);
  mb.setInsertionPointAfter(model);
  auto f = func::FuncOp::create(mb, model.getLoc(), (model.getSymName() + suffix).str(),
                                FunctionType::get(model.getContext(), inputs, {scalar}));
  f.setPrivate();
  symbols.insert(f);
  Block *body = f.addEntryBlock();
  ImplicitLocOpBuilder b(model.getLoc(), OpBuilder::atBlockEnd(body));
  Value product = fill(b, body->getArguments());
  func::ReturnOp::create(b, Value(kiln::SumOp::create(b, scalar, product)));
  return f;
}

/// `@<model>_ntk_weighted(model's arguments, c) = sum(model(...) * c)`: its gradient with
/// respect to the parameters is the VJP of the model with cotangent c.
func::FuncOp buildWeighted(func::FuncOp model, SymbolTable &symbols) {
  Type logits = model.getFunctionType().getResult(0);
  return buildScalarFunction(
      model, "_ntk_weighted", {logits}, symbols, [&](ImplicitLocOpBuilder &b, ValueRange args) {
        auto call = func::CallOp::create(b, model, args.drop_back());
        return Value(arith::MulFOp::create(b, call.getResult(0), args.back()));
      });
}

/// A gradient as one row: [size] (a rank-0 gradient becomes [1]).
Value flattened(ImplicitLocOpBuilder &b, Value grad) {
  auto type = rankedType(grad);
  auto flat = RankedTensorType::get({type.getNumElements()}, type.getElementType());
  if (type.getRank() == 1)
    return grad;
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, flat, grad, ArrayRef<ReassociationIndices>{});
  ReassociationIndices all = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  return tensor::CollapseShapeOp::create(b, flat, grad, ArrayRef<ReassociationIndices>{all});
}

/// `@<model>_ntk_tangent(model's arguments, tangents of the wrt ones, mask) =
/// sum(jvp(model)(...) * mask)`: its gradient with respect to the parameters is the
/// derivative of one row of J times the tangents (kiln.ntk_grad).
func::FuncOp buildTangent(func::FuncOp model, ArrayRef<int64_t> wrt, SymbolTable &symbols) {
  FunctionType type = model.getFunctionType();
  auto logits = cast<RankedTensorType>(type.getResult(0));
  SmallVector<Type> extra = llvm::map_to_vector(wrt, [&](int64_t i) { return type.getInput(i); });
  extra.push_back(logits);
  size_t arity = type.getNumInputs();
  return buildScalarFunction(
      model, "_ntk_tangent", extra, symbols, [&](ImplicitLocOpBuilder &b, ValueRange args) {
        auto jvp = kiln::JvpOp::create(b, logits, logits, FlatSymbolRefAttr::get(model),
                                       args.take_front(arity), args.slice(arity, wrt.size()),
                                       b.getDenseI64ArrayAttr(wrt));
        return Value(arith::MulFOp::create(b, jvp.getTangent(), args.back()));
      });
}

/// Which unit cotangent selects a row of the Jacobian.
enum class Row {
  Logit,  ///< (row, a given logit)
  Flat,   ///< row of N K: (row / K, row % K)
  Summed, ///< ones on all of sample row's logits
};

/// What kiln.ntk, kiln.ntk_vector_product and kiln.ntk_grad share: the model, its
/// operands, the parameters and the shapes.
struct Expansion {
  func::FuncOp model, weighted;
  SmallVector<Value> operands;
  ArrayRef<int64_t> wrt;
  int64_t n, k, p;
  Type paramElement, logitElement;
  Value zero, one; // index constants

  RankedTensorType logitsType() const { return RankedTensorType::get({n, k}, logitElement); }

  /// The [N, K] cotangent selecting row `row` of the Jacobian (`logit` for Row::Logit).
  Value unitCotangent(ImplicitLocOpBuilder &b, Row kind, Value row, Value logit) {
    Value zeros = filled(b, logitsType(), 0.0);
    if (kind == Row::Summed) {
      Value ones = filled(b, RankedTensorType::get({1, k}, logitElement), 1.0);
      SmallVector<OpFoldResult> offsets = {row, b.getIndexAttr(0)};
      return tensor::InsertSliceOp::create(
          b, ones, zeros, offsets, ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(k)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    }
    Value unit = arith::ConstantOp::create(b, b.getFloatAttr(logitElement, 1.0));
    if (kind == Row::Flat) {
      Value kIndex = arith::ConstantIndexOp::create(b, k);
      Value sample = arith::DivUIOp::create(b, row, kIndex);
      logit = arith::RemUIOp::create(b, row, kIndex);
      row = sample;
    }
    return tensor::InsertOp::create(b, unit, zeros, ValueRange{row, logit});
  }

  SmallVector<Type> paramTypes() const {
    return llvm::map_to_vector(wrt, [&](int64_t i) { return operands[i].getType(); });
  }

  /// J^T c: the parameters' gradients of sum(model * c).
  ValueRange vjp(ImplicitLocOpBuilder &b, Value cotangent) {
    SmallVector<Value> args(operands);
    args.push_back(cotangent);
    return kiln::GradOp::create(b, paramTypes(), FlatSymbolRefAttr::get(weighted), args,
                                b.getDenseI64ArrayAttr(wrt))
        .getResults();
  }

  /// J t: the model's derivative along parameter tangents t, [N, K].
  Value jvp(ImplicitLocOpBuilder &b, ValueRange tangents) {
    return kiln::JvpOp::create(b, logitsType(), logitsType(), FlatSymbolRefAttr::get(model),
                               operands, tangents, b.getDenseI64ArrayAttr(wrt))
        .getTangent();
  }

  /// Rows `rows` of the Jacobian, [rows, P], row i selected as `kind` says (with `logit`).
  Value jacobian(ImplicitLocOpBuilder &b, int64_t rows, Row kind, Value logit) {
    Value empty = tensor::EmptyOp::create(b, ArrayRef<int64_t>{rows, p}, paramElement);
    Value upper = arith::ConstantIndexOp::create(b, rows);
    auto loop = scf::ForOp::create(b, zero, upper, one, ValueRange{empty});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value row = loop.getInductionVar();
      Value j = loop.getRegionIterArg(0);
      int64_t offset = 0;
      for (Value g : vjp(b, unitCotangent(b, kind, row, logit))) {
        Value flat = flattened(b, g);
        int64_t size = rankedType(flat).getDimSize(0);
        j = tensor::InsertSliceOp::create(
            b, flat, j, ArrayRef<OpFoldResult>{row, b.getIndexAttr(offset)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(size)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
        offset += size;
      }
      scf::YieldOp::create(b, j);
    }
    return loop.getResult(0);
  }

  /// Row `row` of `w` [R, P] as one tensor per parameter, shaped like it.
  SmallVector<Value> unflattened(ImplicitLocOpBuilder &b, Value w, Value row) {
    SmallVector<Value> result;
    int64_t offset = 0;
    for (Type t : paramTypes()) {
      auto type = cast<RankedTensorType>(t);
      int64_t size = type.getNumElements();
      auto flatType = RankedTensorType::get({size}, paramElement);
      Value flat = tensor::ExtractSliceOp::create(
          b, flatType, w, ArrayRef<OpFoldResult>{row, b.getIndexAttr(offset)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(size)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
      offset += size;
      if (type.getRank() == 1) {
        result.push_back(flat);
      } else if (type.getRank() == 0) {
        result.push_back(
            tensor::CollapseShapeOp::create(b, type, flat, ArrayRef<ReassociationIndices>{}));
      } else {
        ReassociationIndices all = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
        result.push_back(tensor::ExpandShapeOp::create(b, type, flat,
                                                       ArrayRef<ReassociationIndices>{all}));
      }
    }
    return result;
  }

  /// J J^T in `kernelElement`: the runtime's BLAS kernel, accumulating in double from J as
  /// it is (no transposed or widened copy).
  Value gram(ImplicitLocOpBuilder &b, Value j, Type kernelElement) {
    int64_t rows = rankedType(j).getDimSize(0);
    Value init = tensor::EmptyOp::create(b, ArrayRef<int64_t>{rows, rows}, kernelElement);
    auto call = kiln::krt::KernelCallOp::create(
        b, TypeRange{init.getType()},
        kiln::krt::KernelAttr::get(b.getContext(), kiln::krt::Kernel::Gram), ValueRange{j},
        ValueRange{init},
        kiln::krt::GramAttr::get(b.getContext(), rows, p, paramElement.isF64()));
    return call.getResult(0);
  }

  Value kernel(ImplicitLocOpBuilder &b, kiln::NtkOp ntk) {
    Type kernelElement = rankedType(ntk.getKernel()).getElementType();
    auto square = RankedTensorType::get({n, n}, kernelElement);
    switch (ntk.getLogits()) {
    case kiln::NtkLogits::Sum:
      return gram(b, jacobian(b, n, Row::Summed, Value()), kernelElement);
    case kiln::NtkLogits::Full: {
      Value g = gram(b, jacobian(b, n * k, Row::Flat, Value()), kernelElement);
      return tensor::ExpandShapeOp::create(b, rankedType(ntk.getKernel()), g,
                                           ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
    }
    case kiln::NtkLogits::Trace:
      break;
    }
    // One logit's rows at a time: memory N P whatever K is.
    Value upper = arith::ConstantIndexOp::create(b, k);
    auto loop = scf::ForOp::create(b, zero, upper, one, ValueRange{filled(b, square, 0.0)});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value g = gram(b, jacobian(b, n, Row::Logit, loop.getInductionVar()), kernelElement);
      scf::YieldOp::create(b, Value(arith::AddFOp::create(b, loop.getRegionIterArg(0), g)));
    }
    return scaled(b, loop.getResult(0), 1.0 / double(k));
  }

  /// `x * factor` (x itself for 1).
  Value scaled(ImplicitLocOpBuilder &b, Value x, double factor) {
    if (factor == 1.0)
      return x;
    auto type = rankedType(x);
    auto splat = DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), factor));
    return arith::MulFOp::create(b, x, arith::ConstantOp::create(b, splat));
  }

  /// The row sums of t [N, K]: [N].
  Value rowSums(ImplicitLocOpBuilder &b, Value t) {
    auto vectorType = RankedTensorType::get({n}, logitElement);
    auto reduce = linalg::ReduceOp::create(
        b, ValueRange{t}, ValueRange{filled(b, vectorType, 0.0)}, ArrayRef<int64_t>{1},
        [](OpBuilder &nb, Location loc, ValueRange a) {
          linalg::YieldOp::create(nb, loc, Value(arith::AddFOp::create(nb, loc, a[0], a[1])));
        });
    return reduce.getResult(0);
  }

  Value vectorProduct(ImplicitLocOpBuilder &b, kiln::NtkVectorProductOp product) {
    Value v = product.getVector();
    switch (product.getLogits()) {
    case kiln::NtkLogits::Full:
      return jvp(b, vjp(b, v));
    case kiln::NtkLogits::Sum: {
      // The NTK of sum_k f_k: v on every logit of its sample, the JVP summed back.
      Value empty = tensor::EmptyOp::create(b, ArrayRef<int64_t>{n, k}, logitElement);
      Value c = linalg::BroadcastOp::create(b, v, empty, ArrayRef<int64_t>{1}).getResult()[0];
      return rowSums(b, jvp(b, vjp(b, c)));
    }
    case kiln::NtkLogits::Trace:
      break;
    }
    // (1/K) sum_k J_k (J_k^T v): v in logit k's column, logit k's column of the JVP.
    auto vectorType = RankedTensorType::get({n}, logitElement);
    auto columnType = RankedTensorType::get({n, 1}, logitElement);
    Value column = tensor::ExpandShapeOp::create(b, columnType, v,
                                                 ArrayRef<ReassociationIndices>{{0, 1}});
    Value upper = arith::ConstantIndexOp::create(b, k);
    auto loop = scf::ForOp::create(b, zero, upper, one, ValueRange{filled(b, vectorType, 0.0)});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value logit = loop.getInductionVar();
      SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), logit};
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(n), b.getIndexAttr(1)};
      SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
      Value c = tensor::InsertSliceOp::create(b, column, filled(b, logitsType(), 0.0), offsets,
                                              sizes, strides);
      Value t = jvp(b, vjp(b, c));
      Value mine = tensor::ExtractSliceOp::create(b, vectorType, t, offsets, sizes, strides);
      scf::YieldOp::create(b, Value(arith::AddFOp::create(b, loop.getRegionIterArg(0), mine)));
    }
    return scaled(b, loop.getResult(0), 1.0 / double(k));
  }

  /// (G + G^T) * factor for G [R, R], in the parameters' element type.
  Value symmetrized(ImplicitLocOpBuilder &b, Value g, double factor) {
    auto type = rankedType(g);
    Value sum = arith::AddFOp::create(b, g, kiln::TransposeOp::create(b, type, g));
    sum = scaled(b, sum, factor);
    auto target = RankedTensorType::get(type.getShape(), paramElement);
    if (type.getElementType().getIntOrFloatBitWidth() > paramElement.getIntOrFloatBitWidth())
      return arith::TruncFOp::create(b, target, sum);
    if (type.getElementType() != paramElement)
      return arith::ExtFOp::create(b, target, sum);
    return sum;
  }

  /// Adds to `grads` sum_a d(J_a . W_a)/dz over the R rows of w [R, P], row a being the
  /// Jacobian's row selected as `kind` says, for the operands z listed in `differentiated`:
  /// one kiln.grad of the tangent function per row. Returns the new sums.
  SmallVector<Value> addRowDerivatives(ImplicitLocOpBuilder &b, func::FuncOp tangent, Value w,
                                       Row kind, Value logit, ArrayRef<int64_t> differentiated,
                                       ValueRange grads) {
    int64_t rows = rankedType(w).getDimSize(0);
    Value upper = arith::ConstantIndexOp::create(b, rows);
    auto loop = scf::ForOp::create(b, zero, upper, one, grads);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value row = loop.getInductionVar();
      SmallVector<Value> args(operands);
      llvm::append_range(args, unflattened(b, w, row));
      args.push_back(unitCotangent(b, kind, row, logit));
      auto grad = kiln::GradOp::create(b, ValueRange(grads).getTypes(),
                                       FlatSymbolRefAttr::get(tangent), args,
                                       b.getDenseI64ArrayAttr(differentiated));
      SmallVector<Value> sums;
      for (auto [sum, g] : llvm::zip(loop.getRegionIterArgs(), grad.getResults()))
        sums.push_back(arith::AddFOp::create(b, sum, g));
      scf::YieldOp::create(b, sums);
    }
    return SmallVector<Value>(loop.getResults());
  }

  /// The gradients of the operands listed in `differentiated` (those whose kiln.ntk_grad
  /// result is used).
  SmallVector<Value> kernelGradient(ImplicitLocOpBuilder &b, kiln::NtkGradOp op,
                                    func::FuncOp tangent, ArrayRef<int64_t> differentiated) {
    SmallVector<Value> grads = llvm::map_to_vector(differentiated, [&](int64_t i) {
      return filled(b, rankedType(operands[i]), 0.0);
    });
    Value g = op.getCotangent();
    auto matmul = [&](Value a, Value j) -> Value {
      auto type = RankedTensorType::get({rankedType(a).getDimSize(0), p}, paramElement);
      return kiln::MatmulOp::create(b, type, a, j);
    };
    switch (op.getLogits()) {
    case kiln::NtkLogits::Sum: {
      Value w = matmul(symmetrized(b, g, 1.0), jacobian(b, n, Row::Summed, Value()));
      return addRowDerivatives(b, tangent, w, Row::Summed, Value(), differentiated, grads);
    }
    case kiln::NtkLogits::Full: {
      auto flatType = RankedTensorType::get({n * k, n * k}, rankedType(g).getElementType());
      Value flat = tensor::CollapseShapeOp::create(b, flatType, g,
                                                   ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
      Value w = matmul(symmetrized(b, flat, 1.0), jacobian(b, n * k, Row::Flat, Value()));
      return addRowDerivatives(b, tangent, w, Row::Flat, Value(), differentiated, grads);
    }
    case kiln::NtkLogits::Trace:
      break;
    }
    // Per logit k: W_k = (1/K) (G + G^T) J_k, rows (i, k); memory N P as the kernel's.
    Value gs = symmetrized(b, g, 1.0 / double(k));
    Value upper = arith::ConstantIndexOp::create(b, k);
    auto loop = scf::ForOp::create(b, zero, upper, one, grads);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value logit = loop.getInductionVar();
      Value w = matmul(gs, jacobian(b, n, Row::Logit, logit));
      scf::YieldOp::create(b, addRowDerivatives(b, tangent, w, Row::Logit, logit,
                                                differentiated, loop.getRegionIterArgs()));
    }
    return SmallVector<Value>(loop.getResults());
  }
};

struct KilnExpandNtkPass : kiln::impl::KilnExpandNtkPassBase<KilnExpandNtkPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // A kernel's VJP computes only the gradients that are used: dead code (the cotangent of a
    // batch that is no argument of the gradient) goes first.
    IRRewriter rewriter(module.getContext());
    module.walk([&](func::FuncOp f) {
      if (!f.getBody().empty() && f.walk([](kiln::NtkGradOp) { return WalkResult::interrupt(); })
                                      .wasInterrupted())
        (void)runRegionDCE(rewriter, f.getBody());
    });
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<kiln::NtkOp, kiln::NtkVectorProductOp, kiln::NtkGradOp>(op))
        ops.push_back(op);
    });
    // One weighted (and one tangent) function per model, shared by its ops.
    llvm::DenseMap<Operation *, func::FuncOp> weightedOf;
    std::map<std::pair<Operation *, std::vector<int64_t>>, func::FuncOp> tangentOf;
    for (Operation *op : ops) {
      auto calleeAttr = op->getAttrOfType<FlatSymbolRefAttr>("callee");
      ArrayRef<int64_t> wrt = op->getAttrOfType<DenseI64ArrayAttr>("wrt").asArrayRef();
      SmallVector<Value> operands =
          llvm::TypeSwitch<Operation *, SmallVector<Value>>(op)
              .Case([](kiln::NtkOp o) { return SmallVector<Value>(o.getOperands()); })
              .Case([](kiln::NtkVectorProductOp o) { return SmallVector<Value>(o.getArgs()); })
              .Case([](kiln::NtkGradOp o) { return SmallVector<Value>(o.getArgs()); });
      auto model = symbols.lookup<func::FuncOp>(calleeAttr.getValue()); // the verifier checked it
      func::FuncOp &weighted = weightedOf[model];
      if (!weighted)
        weighted = buildWeighted(model, symbols);
      auto logits = cast<RankedTensorType>(model.getFunctionType().getResult(0));
      Expansion e{model,
                  weighted,
                  operands,
                  wrt,
                  logits.getDimSize(0),
                  logits.getDimSize(1),
                  0,
                  rankedType(operands[wrt.front()]).getElementType(),
                  logits.getElementType(),
                  {},
                  {}};
      for (int64_t index : wrt)
        e.p += rankedType(operands[index]).getNumElements();
      ImplicitLocOpBuilder b(op->getLoc(), op);
      e.zero = arith::ConstantIndexOp::create(b, 0);
      e.one = arith::ConstantIndexOp::create(b, 1);
      SmallVector<Value> replacements;
      if (auto ntk = dyn_cast<kiln::NtkOp>(op)) {
        replacements.push_back(e.kernel(b, ntk));
      } else if (auto product = dyn_cast<kiln::NtkVectorProductOp>(op)) {
        replacements.push_back(e.vectorProduct(b, product));
      } else {
        auto grad = cast<kiln::NtkGradOp>(op);
        SmallVector<int64_t> floats, differentiated;
        for (auto [index, operand] : llvm::enumerate(operands))
          if (isa<FloatType>(getElementTypeOrSelf(operand.getType())) &&
              isa<RankedTensorType>(operand.getType()))
            floats.push_back(index);
        for (auto [index, result] : llvm::zip(floats, grad.getGradients()))
          if (!result.use_empty())
            differentiated.push_back(index);
        if (differentiated.empty()) {
          op->erase();
          continue;
        }
        func::FuncOp &tangent = tangentOf[{model, std::vector<int64_t>(wrt.begin(), wrt.end())}];
        if (!tangent)
          tangent = buildTangent(model, wrt, symbols);
        SmallVector<Value> computed = e.kernelGradient(b, grad, tangent, differentiated);
        auto next = computed.begin();
        for (auto [index, result] : llvm::zip(floats, grad.getGradients()))
          replacements.push_back(llvm::is_contained(differentiated, index)
                                     ? *next++
                                     : filled(b, rankedType(result), 0.0)); // unused
      }
      op->replaceAllUsesWith(replacements);
      op->erase();
    }
  }
};

} // namespace
