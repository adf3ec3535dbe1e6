// A 784-256-256-10 multilayer perceptron for Fashion-MNIST, trained with Adam.
//
//     kiln-run examples/mlp/mlp.mlir --train fashion-mnist --epochs 10
//
// kiln.train_step writes @train_step (gradients of @loss, one kiln.adam per parameter, the
// step counter) and, from @forward, @eval_step (test loss and correct rows); kiln-run trains
// with them. Weights are [in, out], initialised as torch.nn.Linear (uniform, 1/sqrt(in)).
// The batch is `?`, compiled for the step's 128 (kiln-run --batch N for another size).
// docs/tutorial.md shows the same step written by hand.

func.func private @forward(%w1: tensor<784x256xf32>, %b1: tensor<256xf32>, %w2: tensor<256x256xf32>, %b2: tensor<256xf32>, %w3: tensor<256x10xf32>, %b3: tensor<10xf32>, %x: tensor<?x784xf32>) -> tensor<?x10xf32> {
  %h1 = kiln.matmul %x, %w1 : tensor<?x784xf32>, tensor<784x256xf32> -> tensor<?x256xf32>
  %z1 = kiln.bias_add %h1, %b1 : tensor<?x256xf32>, tensor<256xf32>
  %a1 = kiln.relu %z1 : tensor<?x256xf32>
  %h2 = kiln.matmul %a1, %w2 : tensor<?x256xf32>, tensor<256x256xf32> -> tensor<?x256xf32>
  %z2 = kiln.bias_add %h2, %b2 : tensor<?x256xf32>, tensor<256xf32>
  %a2 = kiln.relu %z2 : tensor<?x256xf32>
  %h3 = kiln.matmul %a2, %w3 : tensor<?x256xf32>, tensor<256x10xf32> -> tensor<?x10xf32>
  %z3 = kiln.bias_add %h3, %b3 : tensor<?x10xf32>, tensor<10xf32>
  return %z3 : tensor<?x10xf32>
}
func.func private @loss(%w1: tensor<784x256xf32> {kiln.init = "uniform:0.0357143"},
    %b1: tensor<256xf32> {kiln.init = "uniform:0.0357143"},
    %w2: tensor<256x256xf32> {kiln.init = "uniform:0.0625"},
    %b2: tensor<256xf32> {kiln.init = "uniform:0.0625"},
    %w3: tensor<256x10xf32> {kiln.init = "uniform:0.0625"},
    %b3: tensor<10xf32> {kiln.init = "uniform:0.0625"},
    %x: tensor<?x784xf32> {kiln.data = "images"},
    %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %logits = func.call @forward(%w1, %b1, %w2, %b2, %w3, %b3, %x) : (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<?x784xf32>) -> tensor<?x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<?x10xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "adam", lr = 1.0e-3 : f64, forward = @forward,
    batch = 128}
