// RUN: kiln-opt %s --kiln-specialize-batch=batch=16 | FileCheck %s
// RUN: kiln-opt %s --kiln-specialize-batch | FileCheck %s --check-prefix=DECLARED

/// Every dynamic dimension becomes the batch: signatures, results, calls; static ones stay.
// CHECK-LABEL: module attributes {kiln.batch = 16 : i64}
// CHECK:       func.func private @forward(%{{.*}}: tensor<3x2xf32>, %{{.*}}: tensor<16x3xf32>) -> tensor<16x2xf32>
// CHECK:         kiln.matmul %{{.*}}, %{{.*}} : tensor<16x3xf32>, tensor<3x2xf32> -> tensor<16x2xf32>
// CHECK:       func.func @loss(%{{.*}}: tensor<3x2xf32> {kiln.init = "zeros"}, %{{.*}}: tensor<16x3xf32> {kiln.data = "images"}, %{{.*}}: tensor<16xi64> {kiln.data = "labels"})
// CHECK:         call @forward(%{{.*}}, %{{.*}}) : (tensor<3x2xf32>, tensor<16x3xf32>) -> tensor<16x2xf32>
// CHECK:         kiln.softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<16x2xf32>, tensor<16xi64> -> tensor<f32>
/// Without a size from the driver, the one the train step declares.
// DECLARED-LABEL: module attributes {kiln.batch = 8 : i64}
// DECLARED:       kiln.matmul %{{.*}}, %{{.*}} : tensor<8x3xf32>, tensor<3x2xf32> -> tensor<8x2xf32>
func.func private @forward(%w: tensor<3x2xf32>, %x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %h = kiln.matmul %x, %w : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
  return %h : tensor<?x2xf32>
}
func.func @loss(%w: tensor<3x2xf32> {kiln.init = "zeros"}, %x: tensor<?x3xf32> {kiln.data = "images"},
                %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %z = func.call @forward(%w, %x) : (tensor<3x2xf32>, tensor<?x3xf32>) -> tensor<?x2xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<?x2xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 0.1 : f64, batch = 8}
