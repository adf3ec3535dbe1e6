// RUN: not kiln-opt %s --convert-kiln-to-linalg 2>&1 | FileCheck %s
// RUN: kiln-opt %s --kiln-specialize-batch=batch=2 --convert-kiln-to-linalg | FileCheck %s --check-prefix=STATIC

// The window kernels take their geometry as constants: a batch left dynamic is refused where
// the op is, and specialized it lowers.
// CHECK: error: 'kiln.conv2d' op needs a static batch: compile the program with --batch N
// STATIC: kiln_rt.kernel_call conv2d ins(%{{.*}} : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>) outs(%{{.*}} : tensor<2x4x6x6xf32>) params #kiln_rt.window<n = 2,
func.func @conv_dynamic_batch(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32> {
  %y = kiln.conv2d %x, %w : tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<?x4x6x6xf32>
  return %y : tensor<?x4x6x6xf32>
}
