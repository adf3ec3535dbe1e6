// SPDX-License-Identifier: Apache-2.0
// kiln-search-step: kiln.search_step -> the step function of DARTS (1st, 2nd order) or RARTS
// (docs/algorithms.md §1.2, §1.3), written with the same kiln ops a hand-written step would use, so
// autodiff, fusion and the runtime treat it like any other training step.
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"

namespace kiln {
#define GEN_PASS_DEF_KILNSEARCHSTEPPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Builds one step function. A "point" is a full argument list of @loss: the weights (or y,
/// or a perturbation of them) and alphas it is evaluated at, and one split's data.
class StepBuilder {
public:
  StepBuilder(kiln::SearchStepOp op, func::FuncOp loss, kiln::SearchMethod method)
      : op(op), loss(loss), method(method), b(op), loc(op.getLoc()) {
    FunctionType type = loss.getFunctionType();
    for (unsigned i = 0; i < type.getNumInputs(); ++i) {
      if (loss.getArgAttr(i, kiln::KilnDialect::kDataAttrName))
        data.push_back(i);
      else if (llvm::is_contained(op.getArchitecture(), int64_t(i)))
        alphas.push_back(i);
      else
        weights.push_back(i);
    }
  }

  void build();

private:
  bool rarts() const {
    return method == kiln::SearchMethod::Rarts || method == kiln::SearchMethod::RartsJacobi;
  }
  bool adam() { return op.getArchOptimizer() == kiln::ArchOptimizer::Adam; }
  Type argType(unsigned i) { return loss.getFunctionType().getInput(i); }
  Value scalar(double v) {
    auto type = RankedTensorType::get({}, b.getF32Type());
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, float(v)));
  }
  Value scale(Value s, Value x) {
    return kiln::MulOp::create(b, loc, TypeRange{x.getType()}, ValueRange{s, x},
                               ArrayRef<NamedAttribute>{});
  }

  /// value_and_grad of @loss at `point` with respect to `wrt` (loss argument indices).
  std::pair<Value, SmallVector<Value>> grad(ArrayRef<Value> point, ArrayRef<unsigned> wrt) {
    SmallVector<Type> types{loss.getFunctionType().getResult(0)};
    for (unsigned i : wrt)
      types.push_back(argType(i));
    SmallVector<int64_t> indices(wrt.begin(), wrt.end());
    auto call = kiln::ValueAndGradOp::create(
        b, loc, types, point,
        {b.getNamedAttr("callee", FlatSymbolRefAttr::get(loss.getSymNameAttr())),
         b.getNamedAttr("wrt", b.getDenseI64ArrayAttr(indices))});
    return {call.getResult(0), SmallVector<Value>(call.getResults().drop_front())};
  }

  /// A point: `w` at the weights, `a` at the alphas, `d` at the data.
  SmallVector<Value> point(ArrayRef<Value> w, ArrayRef<Value> a, ArrayRef<Value> d) {
    SmallVector<Value> p(loss.getFunctionType().getNumInputs());
    for (auto [i, v] : llvm::zip_equal(weights, w))
      p[i] = v;
    for (auto [i, v] : llvm::zip_equal(alphas, a))
      p[i] = v;
    for (auto [i, v] : llvm::zip_equal(data, d))
      p[i] = v;
    return p;
  }

  /// The weight optimizer on `w`: clipping to the global norm, then SGD with momentum on
  /// the schedule's lr. Returns the new weights and buffers.
  std::pair<SmallVector<Value>, SmallVector<Value>>
  weightStep(ArrayRef<Value> w, SmallVector<Value> g, ArrayRef<Value> buf, bool clip = true) {
    if (clip && op.getMaxGradNorm().convertToDouble() > 0) {
      auto c = kiln::ClipByGlobalNormOp::create(
          b, loc, ValueRange(g).getTypes(), g,
          {b.getNamedAttr("max_norm", op.getMaxGradNormAttr())});
      g.assign(c.getResults().begin(), c.getResults().end());
    }
    SmallVector<Value> newW, newBuf;
    for (auto [p, gp, bp] : llvm::zip_equal(w, g, buf)) {
      auto m = kiln::MomentumOp::create(
          b, loc, TypeRange{p.getType(), p.getType()}, ValueRange{p, gp, bp, lr},
          {b.getNamedAttr("momentum", op.getMomentumAttr()),
           b.getNamedAttr("weight_decay", op.getWeightDecayAttr())});
      newW.push_back(m.getNewParam());
      newBuf.push_back(m.getNewBuf());
    }
    return {newW, newBuf};
  }

  /// The alphas' optimizer: Adam (with the step counter t) or SGD.
  SmallVector<Value> archStep(ArrayRef<Value> a, ArrayRef<Value> g) {
    SmallVector<Value> newA, newM, newV;
    for (auto [i, pair] : llvm::enumerate(llvm::zip_equal(a, g))) {
      auto [p, gp] = pair;
      if (adam()) {
        auto o = kiln::AdamOp::create(
            b, loc, TypeRange{p.getType(), p.getType(), p.getType()},
            ValueRange{p, gp, archM[i], archV[i], t},
            {b.getNamedAttr("lr", op.getArchLrAttr()),
             b.getNamedAttr("beta1", op.getArchBeta1Attr()),
             b.getNamedAttr("beta2", op.getArchBeta2Attr()),
             b.getNamedAttr("weight_decay", op.getArchWeightDecayAttr())});
        newA.push_back(o.getNewParam());
        newM.push_back(o.getNewM());
        newV.push_back(o.getNewV());
      } else {
        auto o = kiln::SgdOp::create(b, loc, TypeRange{p.getType()}, ValueRange{p, gp},
                                     {b.getNamedAttr("lr", op.getArchLrAttr()),
                                      b.getNamedAttr("weight_decay", op.getArchWeightDecayAttr())});
        newA.push_back(o.getNewParam());
      }
    }
    newArchState = newM;
    llvm::append_range(newArchState, newV);
    return newA;
  }

  /// G = lambda g + beta (x - other): RARTS' coupled gradient of one weight copy.
  SmallVector<Value> coupled(ArrayRef<Value> g, ArrayRef<Value> x, ArrayRef<Value> other,
                             bool weighted) {
    SmallVector<Value> out;
    Value beta = scalar(op.getBeta().convertToDouble());
    Value lambda = weighted && op.getLambda().convertToDouble() != 1.0
                       ? scalar(op.getLambda().convertToDouble())
                       : Value();
    for (auto [gi, xi, oi] : llvm::zip_equal(g, x, other)) {
      Value d = arith::SubFOp::create(b, loc, xi, oi);
      Value lg = lambda ? scale(lambda, gi) : gi;
      out.push_back(arith::AddFOp::create(b, loc, lg, scale(beta, d)));
    }
    return out;
  }

  SmallVector<Value> add(ArrayRef<Value> x, ArrayRef<Value> y, Value yScale = {}) {
    SmallVector<Value> out;
    for (auto [xi, yi] : llvm::zip_equal(x, y))
      out.push_back(arith::AddFOp::create(b, loc, xi, yScale ? scale(yScale, yi) : yi));
    return out;
  }

  /// DARTS 2nd order's alpha gradient: g0 - lr hvp (docs/algorithms.md §1.2 a-d).
  SmallVector<Value> dartsSecondOrder();

  kiln::SearchStepOp op;
  func::FuncOp loss;
  kiln::SearchMethod method;
  OpBuilder b;
  Location loc;
  SmallVector<unsigned> weights, alphas, data;
  // The step's arguments.
  SmallVector<Value> w, a, y, buf, ybuf, archM, archV, dataA, dataB;
  Value step, t, lr;
  // The alphas' new optimizer state (all m, then all v), for the step's results.
  SmallVector<Value> newArchState;
};

SmallVector<Value> StepBuilder::dartsSecondOrder() {
  // w' = the weight optimizer's step on A, unclipped (the reference's
  // _compute_unrolled_model); its new buffer is dropped.
  auto [lossU, gu] = grad(point(w, a, dataA), weights);
  SmallVector<Value> unrolled = weightStep(w, gu, buf, /*clip=*/false).first;
  // g0 = grad_alpha L_B(w'), v = grad_w' L_B(w'): one backward pass.
  SmallVector<unsigned> both(weights);
  llvm::append_range(both, alphas);
  auto [lossV, gv] = grad(point(unrolled, a, dataB), both);
  ArrayRef<Value> v = ArrayRef<Value>(gv).take_front(weights.size());
  ArrayRef<Value> g0 = ArrayRef<Value>(gv).drop_front(weights.size());
  // R = r / ||v|| over all weights, guarded at ||v|| = 0 (where the product is then 0).
  Value sumSq;
  for (Value vi : v) {
    Value sq = arith::MulFOp::create(b, loc, vi, vi);
    Value s = kiln::SumOp::create(b, loc, TypeRange{RankedTensorType::get({}, b.getF32Type())},
                                  ValueRange{sq}, ArrayRef<NamedAttribute>{});
    sumSq = sumSq ? arith::AddFOp::create(b, loc, sumSq, s).getResult() : s;
  }
  Value norm = math::SqrtOp::create(b, loc, sumSq);
  Value safe = arith::MaximumFOp::create(b, loc, norm, scalar(1.0e-30));
  Value r = arith::DivFOp::create(b, loc, scalar(op.getHessianR().convertToDouble()), safe);
  SmallVector<Value> plus, minus;
  for (auto [wi, vi] : llvm::zip_equal(w, v)) {
    Value rv = scale(r, vi);
    plus.push_back(arith::AddFOp::create(b, loc, wi, rv));
    minus.push_back(arith::SubFOp::create(b, loc, wi, rv));
  }
  // hvp = (grad_alpha L_A(w + R v) - grad_alpha L_A(w - R v)) / 2R; g = g0 - lr hvp.
  auto [lossP, gp] = grad(point(plus, a, dataA), alphas);
  auto [lossM, gm] = grad(point(minus, a, dataA), alphas);
  Value twoR = arith::MulFOp::create(b, loc, scalar(2.0), r);
  Value coef = arith::DivFOp::create(b, loc, lr, twoR);
  SmallVector<Value> g;
  for (auto [g0i, gpi, gmi] : llvm::zip_equal(g0, gp, gm)) {
    Value d = arith::SubFOp::create(b, loc, gpi, gmi);
    g.push_back(arith::SubFOp::create(b, loc, g0i, scale(coef, d)));
  }
  return g;
}

void StepBuilder::build() {
  MLIRContext *ctx = op.getContext();
  auto i64 = RankedTensorType::get({}, b.getI64Type());
  auto f32 = RankedTensorType::get({}, b.getF32Type());
  // The signature, with the initialisers and data fields kiln-run reads, and the names the
  // runtime reports and checkpoints the arguments by: the loss's own for its parameters,
  // "<role>.<name>" for the state that follows one (as in a torch optimizer's state_dict).
  SmallVector<Type> inputs;
  SmallVector<DictionaryAttr> argAttrs;
  auto addArg = [&](Type type, StringRef attr, StringRef value, const Twine &name) {
    inputs.push_back(type);
    SmallVector<NamedAttribute> attrs{b.getNamedAttr(attr, b.getStringAttr(value))};
    std::string text = name.str();
    if (!text.empty())
      attrs.push_back(b.getNamedAttr(kiln::KilnDialect::kNameAttrName, b.getStringAttr(text)));
    argAttrs.push_back(DictionaryAttr::get(ctx, attrs));
  };
  auto initOf = [&](unsigned i) -> StringRef {
    if (auto init = loss.getArgAttrOfType<StringAttr>(i, kiln::KilnDialect::kInitAttrName))
      return init.getValue();
    return "normal:0.001"; // DARTS' alpha = 1e-3 N(0, 1); weights must carry their own.
  };
  // An unnamed loss argument leaves its state unnamed too: the runtime then uses indices.
  auto nameOf = [&](unsigned i, StringRef role) -> std::string {
    auto name = loss.getArgAttrOfType<StringAttr>(i, kiln::KilnDialect::kNameAttrName);
    if (!name)
      return "";
    return role.empty() ? name.getValue().str() : (role + "." + name.getValue()).str();
  };
  constexpr StringLiteral init = kiln::KilnDialect::kInitAttrName;
  SmallVector<unsigned> params;
  for (unsigned i = 0; i < loss.getFunctionType().getNumInputs(); ++i)
    if (!llvm::is_contained(data, i))
      params.push_back(i);
  for (unsigned i : params)
    addArg(argType(i), init, initOf(i), nameOf(i, ""));
  if (rarts())
    for (unsigned i : weights)
      addArg(argType(i), init, initOf(i), nameOf(i, "rarts.y")); // y: its own draw.
  SmallVector<StringRef, 2> buffers{"sgd.momentum"};
  if (rarts())
    buffers.push_back("rarts.y.sgd.momentum");
  for (StringRef buffer : buffers)
    for (unsigned i : weights)
      addArg(argType(i), init, "zeros", nameOf(i, buffer));
  if (adam())
    for (StringRef moment : {"adam.m", "adam.v"})
      for (unsigned i : alphas)
        addArg(argType(i), init, "zeros", nameOf(i, moment));
  addArg(i64, init, "zeros", "step");
  for (StringRef prefix : {"", "val_"})
    for (unsigned i : data) {
      std::string field =
          (prefix + loss.getArgAttrOfType<StringAttr>(i, kiln::KilnDialect::kDataAttrName)
                        .getValue())
              .str();
      std::string name = nameOf(i, "");
      addArg(argType(i), kiln::KilnDialect::kDataAttrName, field,
             name.empty() ? "" : prefix + name);
    }

  auto fn = func::FuncOp::create(b, loc, op.getSymName(), b.getFunctionType(inputs, {}));
  fn.setAllArgAttrs(argAttrs);
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);
  // Name the arguments.
  unsigned next = 0;
  auto take = [&](size_t n) {
    SmallVector<Value> out(body->getArguments().slice(next, n));
    next += n;
    return out;
  };
  SmallVector<Value> paramArgs = take(params.size());
  for (auto [i, v] : llvm::zip_equal(params, paramArgs))
    (llvm::is_contained(alphas, i) ? a : w).push_back(v);
  if (rarts())
    y = take(weights.size());
  buf = take(weights.size());
  if (rarts())
    ybuf = take(weights.size());
  if (adam()) {
    archM = take(alphas.size());
    archV = take(alphas.size());
  }
  step = take(1).front();
  dataA = take(data.size());
  dataB = take(data.size());

  double lr0 = op.getLr().convertToDouble(), lrMin = op.getLrMin().convertToDouble();
  lr = kiln::CosineDecayScheduleOp::create(
      b, loc, TypeRange{f32}, ValueRange{step},
      {b.getNamedAttr("init_value", op.getLrAttr()),
       b.getNamedAttr("decay_steps", op.getDecayStepsAttr()),
       b.getNamedAttr("alpha", b.getF64FloatAttr(lr0 > 0 ? lrMin / lr0 : 0.0))});
  // After the schedule's last read of the counter, so its increment can take its buffer.
  Value one = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(i64, int64_t(1)));
  t = arith::AddIOp::create(b, loc, step, one);

  Value lossA;
  SmallVector<Value> newW, newBuf, newA, newY, newYBuf;
  if (!rarts()) {
    // DARTS: the architecture step first, at the current weights (docs/algorithms.md §1.2).
    SmallVector<Value> ga =
        method == kiln::SearchMethod::Darts1 ? grad(point(w, a, dataB), alphas).second : dartsSecondOrder();
    newA = archStep(a, ga);
    // Then the weight step on A, with the new alphas.
    auto [l, gw] = grad(point(w, newA, dataA), weights);
    lossA = l;
    std::tie(newW, newBuf) = weightStep(w, gw, buf);
  } else {
    bool jacobi = method == kiln::SearchMethod::RartsJacobi;
    SmallVector<unsigned> wrt(weights);
    if (jacobi)
      llvm::append_range(wrt, alphas);
    // w on A: lambda grad_w L_A(w) + beta (w - y).
    auto [l, gA] = grad(point(w, a, dataA), wrt);
    lossA = l;
    ArrayRef<Value> gw = ArrayRef<Value>(gA).take_front(weights.size());
    std::tie(newW, newBuf) = weightStep(w, coupled(gw, w, y, /*weighted=*/true), buf);
    // y on B, coupled to the new w: grad_y L_B(y) + beta (y - w_new).
    auto [lB, gB] = grad(point(y, a, dataB), wrt);
    ArrayRef<Value> gy = ArrayRef<Value>(gB).take_front(weights.size());
    std::tie(newY, newYBuf) = weightStep(y, coupled(gy, y, newW, /*weighted=*/false), ybuf);
    // alpha: grad_alpha L_B + lambda grad_alpha L_A, at the new weights (Gauss-Seidel) or
    // from the two passes above (Jacobi).
    SmallVector<Value> gaB, gaA;
    if (jacobi) {
      gaA.assign(gA.begin() + weights.size(), gA.end());
      gaB.assign(gB.begin() + weights.size(), gB.end());
    } else {
      gaB = grad(point(newY, a, dataB), alphas).second;
      gaA = grad(point(newW, a, dataA), alphas).second;
    }
    double lambda = op.getLambda().convertToDouble();
    newA = archStep(a, add(gaB, gaA, lambda != 1.0 ? scalar(lambda) : Value()));
  }

  // Results mirror the state arguments, then split A's loss.
  SmallVector<Value> outs;
  for (unsigned i : params) {
    auto pos = [&](ArrayRef<unsigned> idx) { return llvm::find(idx, i) - idx.begin(); };
    outs.push_back(llvm::is_contained(alphas, i) ? newA[pos(alphas)] : newW[pos(weights)]);
  }
  llvm::append_range(outs, newY);
  llvm::append_range(outs, newBuf);
  llvm::append_range(outs, newYBuf);
  llvm::append_range(outs, newArchState);
  outs.push_back(t);
  outs.push_back(lossA);
  func::ReturnOp::create(b, loc, outs);
  fn.setFunctionType(b.getFunctionType(inputs, ValueRange(outs).getTypes()));
}

struct KilnSearchStepPass : kiln::impl::KilnSearchStepPassBase<KilnSearchStepPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<kiln::SearchStepOp> ops;
    getOperation().walk([&](kiln::SearchStepOp op) { ops.push_back(op); });
    std::optional<kiln::SearchMethod> override;
    if (!method.empty() && !(override = kiln::symbolizeSearchMethod(method))) {
      SmallVector<StringRef> names;
      for (uint32_t i = 0; i <= kiln::getMaxEnumValForSearchMethod(); ++i)
        names.push_back(kiln::stringifySearchMethod(*kiln::symbolizeSearchMethod(i)));
      emitError(ops.empty() ? getOperation().getLoc() : ops.front().getLoc())
          << "--search must be one of " << llvm::join(names, ", ") << ", not \"" << method
          << "\"";
      return signalPassFailure();
    }
    if (!method.empty() && ops.empty()) {
      emitError(getOperation().getLoc())
          << "--search " << method << " needs a kiln.search_step in the program";
      return signalPassFailure();
    }
    SymbolTable symbols(getOperation());
    for (kiln::SearchStepOp op : ops) {
      // The verifier has checked @loss and the op's hyperparameters.
      auto loss = symbols.lookup<func::FuncOp>(op.getLoss());
      kiln::SearchMethod chosen = override.value_or(op.getMethod());
      StepBuilder(op, loss, chosen).build();
      op->erase();
    }
  }
};

} // namespace
