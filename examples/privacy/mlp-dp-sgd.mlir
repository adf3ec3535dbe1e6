// The MLP of examples/mlp trained with DP-SGD (Abadi et al. 2016) on Fashion-MNIST:
//
//     kiln-run examples/privacy/mlp-dp-sgd.mlir --train fashion-mnist --epochs 15 \
//         --target-epsilon 3 --calibrate-noise --metrics dp-sgd.csv
//
// Each example's gradient is clipped to norm 1 (kiln.clipped_value_and_grad: ghost norms
// and a second weighted contraction, no per-example gradients in memory), Gaussian noise of
// std sigma * 1 is added to the clipped sum, which is divided by the expected lot of 256
// (kiln.dp_aggregate), and SGD applies it. kiln-run draws Poisson lots (each example joins
// with probability 256 / 60000) padded to a physical batch of 320, sets sigma so that the
// 15 epochs spend epsilon = 3 at delta = 1e-5 (--calibrate-noise), and prints epsilon after
// every epoch. README.md has the figures.

kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 2.0 : f64, forward = @forward,
    privacy = "dp_sgd", max_grad_norm = 1.0 : f64, expected_batch_size = 256, batch = 320}
