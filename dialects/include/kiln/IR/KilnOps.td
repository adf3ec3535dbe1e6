// SPDX-License-Identifier: Apache-2.0
// All kiln ops. Each op family lives in its own .td file, included here.
#ifndef KILN_IR_KILNOPS_TD
#define KILN_IR_KILNOPS_TD

include "kiln/IR/KilnDialect.td"
include "kiln/IR/KilnInterfaces.td"
include "kiln/IR/Autodiff.td"
include "kiln/IR/Convolution.td"
include "kiln/IR/Distributed.td"
include "kiln/IR/Frugal.td"
include "kiln/IR/Random.td"
include "kiln/IR/Regularizers.td"
include "kiln/IR/Search.td"
include "kiln/IR/Layers.td"
include "kiln/IR/Optimizers.td"
include "kiln/IR/Privacy.td"
include "kiln/IR/Schedules.td"
include "kiln/IR/Training.td"
include "kiln/IR/Transforms.td"

#endif // KILN_IR_KILNOPS_TD
