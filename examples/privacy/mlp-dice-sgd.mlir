// The MLP of examples/mlp trained with DiceSGD (Zhang, Bu, Wu and Hong, ICLR 2024) on
// Fashion-MNIST, DP-SGD's clipping bias fed back through an error state:
//
//     kiln-run examples/privacy/mlp-dice-sgd.mlir --train fashion-mnist --epochs 15 \
//         --target-epsilon 3 --calibrate-noise --metrics dice-sgd.csv
//
// As mlp-dp-sgd.mlir, with kiln.dice_feedback in place of kiln.dp_aggregate: the clipped part
// of each gradient (clip norm C1 = 1) is kept in `dice.e.<param>` and returned, clipped to
// C2 = 1, at the next step; the noise std is sigma C1 sqrt(1 + 2 C2 / C1) per summed
// gradient, the reference code's calibration, and its epsilon is DP-SGD's accountant on that
// sigma (the reference code's accounting, not the paper's theorem: docs/algorithms.md §4.2).

kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 2.0 : f64, forward = @forward,
    privacy = "dice_sgd", max_grad_norm = 1.0 : f64, error_max_norm = 1.0 : f64,
    expected_batch_size = 256, batch = 320}
