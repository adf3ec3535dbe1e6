// Inputs of kiln-specialize-batch-errors.mlir: without a batch from the driver or the op.

func.func @loss(%w: tensor<3x2xf32> {kiln.init = "zeros"},
                // expected-note@+1 {{the dynamic batch}}
                %x: tensor<?x3xf32> {kiln.data = "images"},
                %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<?x2xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
// expected-error@+1 {{@loss takes a dynamic batch (argument 1: 'tensor<?x3xf32>'): choose its size with --batch N}}
kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 0.1 : f64}

// -----

func.func @loss(%w: tensor<3x2xf32> {kiln.init = "zeros"}, %x: tensor<?x3xf32> {kiln.data = "images"},
                %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<?x2xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @a(@loss) {optimizer = "sgd", lr = 0.1 : f64, batch = 8}
// expected-error@+1 {{declares batch 16, a 8: one program is compiled for one batch size}}
kiln.train_step @b(@loss) {optimizer = "sgd", lr = 0.1 : f64, batch = 16}
