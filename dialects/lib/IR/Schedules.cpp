// SPDX-License-Identifier: Apache-2.0
// Verifiers of the learning-rate schedules.
#include "kiln/IR/KilnOps.h"

using namespace mlir;
using namespace kiln;

LogicalResult WarmupCosineDecayScheduleOp::verify() {
  if (getWarmupSteps() >= getDecaySteps())
    return emitOpError("warmup_steps (") << getWarmupSteps()
                                         << ") must be smaller than decay_steps ("
                                         << getDecaySteps() << ")";
  return success();
}

LogicalResult UbaScheduleOp::verify() {
  // At phi = 0 the end of the schedule is 0 / 0 (the reference guards that denominator).
  double phi = getPhi().convertToDouble();
  if (!(phi > 0.0))
    return emitOpError("phi must be positive (2 is cosine annealing), not ") << phi;
  if (getWarmupSteps() >= getTotalSteps())
    return emitOpError("warmup_steps (") << getWarmupSteps()
                                         << ") must be smaller than total_steps ("
                                         << getTotalSteps() << ")";
  return success();
}
