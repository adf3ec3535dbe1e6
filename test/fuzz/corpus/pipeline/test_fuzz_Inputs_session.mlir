// The fixed module the session fuzz target calls (kiln-compile builds it with the target):
// dynamic extents, tied extents, an in-place update, a labels input with its classes and a
// caller-allocated result, so that every check Session::call makes has something to check.
// In place over a parameter of any shape: the two dynamic extents of %p and %g are tied.
func.func @sgd(%p: tensor<?x?xf32>, %g: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = kiln.sgd %p, %g {lr = 0.5 : f64} : tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
// A batch of any size scored against 4 classes: labels must lie in [0, 4).
func.func @loss(%w: tensor<3x4xf32>, %x: tensor<?x3xf32> {kiln.data = "images"},
                %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %z = kiln.matmul %x, %w : tensor<?x3xf32>, tensor<3x4xf32> -> tensor<?x4xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<?x4xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
// Static shapes, two donated states and a step counter: rank and extent checks.
func.func @adam(%p: tensor<5xf32>, %g: tensor<5xf32>, %m: tensor<5xf32>, %v: tensor<5xf32>,
                %t: tensor<i64>) -> (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) {
  %p1, %m1, %v1 = kiln.adam %p, %g, %m, %v step(%t) {lr = 1.0e-3 : f64} : tensor<5xf32>
  return %p1, %m1, %v1 : tensor<5xf32>, tensor<5xf32>, tensor<5xf32>
}
