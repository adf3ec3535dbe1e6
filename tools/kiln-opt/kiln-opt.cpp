// SPDX-License-Identifier: Apache-2.0
// kiln-opt: mlir-opt with the kiln dialect, passes and pipelines, for lit tests and debugging.
#include "kiln/Pipelines/Pipelines.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  kiln::registerKilnPassesAndPipelines();
  mlir::DialectRegistry registry;
  kiln::registerKilnDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Kiln optimizer driver\n", registry));
}
