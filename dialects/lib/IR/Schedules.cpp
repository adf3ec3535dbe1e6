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
  if (getWarmupSteps() >= getTotalSteps())
    return emitOpError("warmup_steps (") << getWarmupSteps()
                                         << ") must be smaller than total_steps ("
                                         << getTotalSteps() << ")";
  return success();
}
