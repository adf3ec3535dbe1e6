// The MLP of examples/mlp (784-256-256-10, Fashion-MNIST) with plain SGD, its learning rate
// decayed from 0.2 to 0 over 10 epochs (a cosine, Optax's cosine_decay_schedule), for
// data-parallel training with compressed gradients:
//
//     mpirun -np 4 kiln-run examples/distributed/mlp-sgd.mlir --train fashion-mnist \
//         --epochs 10 --exchange econtrol --compression-ratio 0.01 --eta 0.05
//
// The batch is each rank's: 32 on each of 4 ranks is a global batch of 128. The exchange is
// kiln-run's choice (--exchange mean, compressed, ef14, ef21 or econtrol), so one program
// serves every row of README.md. SGD, not the MLP example's Adam: EF21 and EControl apply
// h-bar, an estimate of the gradient of which only the sent 1% changes per step, and Adam's
// per-coordinate normalisation turns its stale coordinates into full-size steps (with Adam,
// EControl reached 70% after 3 epochs here, SGD 84%). The decay is for 10 epochs, the
// README's runs: for longer ones change decay_epochs with --epochs. Against a constant lr
// of 0.1 it gains 0.45 points dense and 0.87 with EControl (README.md).

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
kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 0.2 : f64, forward = @forward,
    schedule = "cosine_decay", schedule_options = {decay_epochs = 10}, batch = 32}
