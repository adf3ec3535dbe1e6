// A 4-16-3 tanh perceptron trained with Adam, data-parallel (exchange = "mean"): the program
// the mpirun tests of kiln-run train. Its batch is `?`: each rank's share, given by --batch.
func.func private @forward(%w1: tensor<4x16xf32>, %b1: tensor<16xf32>, %w2: tensor<16x3xf32>,
                           %b2: tensor<3xf32>, %x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %h = kiln.matmul %x, %w1 : tensor<?x4xf32>, tensor<4x16xf32> -> tensor<?x16xf32>
  %z = kiln.bias_add %h, %b1 : tensor<?x16xf32>, tensor<16xf32>
  %a = math.tanh %z : tensor<?x16xf32>
  %o = kiln.matmul %a, %w2 : tensor<?x16xf32>, tensor<16x3xf32> -> tensor<?x3xf32>
  %y = kiln.bias_add %o, %b2 : tensor<?x3xf32>, tensor<3xf32>
  return %y : tensor<?x3xf32>
}
func.func private @loss(%w1: tensor<4x16xf32> {kiln.init = "uniform:0.5"},
                        %b1: tensor<16xf32> {kiln.init = "zeros"},
                        %w2: tensor<16x3xf32> {kiln.init = "uniform:0.25"},
                        %b2: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<?x4xf32> {kiln.data = "images"},
                        %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %z = func.call @forward(%w1, %b1, %w2, %b2, %x)
      : (tensor<4x16xf32>, tensor<16xf32>, tensor<16x3xf32>, tensor<3xf32>, tensor<?x4xf32>)
      -> tensor<?x3xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<?x3xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "adam", lr = 1.0e-2 : f64, forward = @forward,
    exchange = "mean", batch = 16}
