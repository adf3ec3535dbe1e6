// SPDX-License-Identifier: Apache-2.0
// Verifiers of the optimizer-update ops and their interface.
#include "kiln/IR/KilnOps.h"

using namespace mlir;
using namespace kiln;

LogicalResult kiln::detail::verifyOptimizerUpdateOp(Operation *op) {
  auto opt = cast<OptimizerUpdateOpInterface>(op);
  bool hasStatic = opt.getStaticLearningRate().has_value();
  bool hasDynamic = static_cast<bool>(opt.getDynamicLearningRate());
  if (hasStatic && hasDynamic)
    return op->emitOpError("has both an 'lr' attribute and an lr(...) operand; give one");
  if (!hasStatic && !hasDynamic)
    return op->emitOpError("needs a learning rate: an 'lr' attribute or an lr(...) operand");
  if (opt.getState().size() != opt.getNewState().size())
    return op->emitOpError("has ") << opt.getState().size() << " state operands but "
                                   << opt.getNewState().size() << " state results";
  return success();
}

LogicalResult MomentumOp::verify() {
  // PyTorch rejects this too: Nesterov with zero momentum is plain SGD written misleadingly.
  if (getNesterov() && getMomentum().isZero())
    return emitOpError("nesterov requires a positive momentum");
  return success();
}

LogicalResult AdagradOp::verify() {
  if (!getLrDecay().isZero() && !getStep())
    return emitOpError("lr_decay needs the step counter: add step(%t)");
  return success();
}
