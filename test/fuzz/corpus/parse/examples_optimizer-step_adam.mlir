// A whole training step, compiled into one library: the loss and its gradient for a model
// whose three parameter tensors should reach a target,
//
//     L(w1, b1, w2) = 1/2 (|w1 - t1|^2 + |b1 - tb|^2 + |w2 - t2|^2),   dL/dw = w - t,
//
// then one Adam update per tensor (PyTorch defaults, lr 0.01). Parameters, Adam moments and
// the step counter are updated in place; the loss (before the update) is the one output.
//
//     kiln-run examples/optimizer-step/adam.mlir --steps 200
//     kiln-compile examples/optimizer-step/adam.mlir -o libadam.so   (plus libadam.h)

#sq = affine_map<(i, j) -> (i, j)>
#sum2 = affine_map<(i, j) -> ()>
#id = affine_map<(i) -> (i)>
#sum1 = affine_map<(i) -> ()>

func.func @train_step(
    %w1: tensor<512x256xf32> {kiln.init = "normal:0.05"},
    %b1: tensor<256xf32> {kiln.init = "zeros"},
    %w2: tensor<256x10xf32> {kiln.init = "normal:0.05"},
    %t1: tensor<512x256xf32> {kiln.init = "uniform:0.5"},
    %tb: tensor<256xf32> {kiln.init = "uniform:0.5"},
    %t2: tensor<256x10xf32> {kiln.init = "uniform:0.5"},
    %m1: tensor<512x256xf32> {kiln.init = "zeros"}, %v1: tensor<512x256xf32> {kiln.init = "zeros"},
    %mb: tensor<256xf32> {kiln.init = "zeros"}, %vb: tensor<256xf32> {kiln.init = "zeros"},
    %m2: tensor<256x10xf32> {kiln.init = "zeros"}, %v2: tensor<256x10xf32> {kiln.init = "zeros"},
    %step: tensor<i64> {kiln.init = "zeros"})
    -> (tensor<512x256xf32>, tensor<256xf32>, tensor<256x10xf32>,
        tensor<512x256xf32>, tensor<512x256xf32>, tensor<256xf32>, tensor<256xf32>,
        tensor<256x10xf32>, tensor<256x10xf32>, tensor<i64>, tensor<f32>) {
  // Gradients of the quadratic loss.
  %g1 = arith.subf %w1, %t1 : tensor<512x256xf32>
  %gb = arith.subf %b1, %tb : tensor<256xf32>
  %g2 = arith.subf %w2, %t2 : tensor<256x10xf32>

  // loss = 1/2 sum of squared gradients, accumulated over the three tensors.
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<f32>
  %acc0 = linalg.fill ins(%zero : f32) outs(%empty : tensor<f32>) -> tensor<f32>
  %acc1 = linalg.generic {indexing_maps = [#sq, #sum2], iterator_types = ["reduction", "reduction"]}
      ins(%g1 : tensor<512x256xf32>) outs(%acc0 : tensor<f32>) {
  ^bb0(%x: f32, %acc: f32):
    %xx = arith.mulf %x, %x : f32
    %s = arith.addf %acc, %xx : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  %acc2 = linalg.generic {indexing_maps = [#id, #sum1], iterator_types = ["reduction"]}
      ins(%gb : tensor<256xf32>) outs(%acc1 : tensor<f32>) {
  ^bb0(%x: f32, %acc: f32):
    %xx = arith.mulf %x, %x : f32
    %s = arith.addf %acc, %xx : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  %acc3 = linalg.generic {indexing_maps = [#sq, #sum2], iterator_types = ["reduction", "reduction"]}
      ins(%g2 : tensor<256x10xf32>) outs(%acc2 : tensor<f32>) {
  ^bb0(%x: f32, %acc: f32):
    %xx = arith.mulf %x, %x : f32
    %s = arith.addf %acc, %xx : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %loss = arith.mulf %acc3, %half : tensor<f32>

  // One Adam step per tensor; they share the step counter t, incremented first (1-based).
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  %nw1, %nm1, %nv1 = kiln.adam %w1, %g1, %m1, %v1 step(%t) {lr = 0.01 : f64} : tensor<512x256xf32>
  %nb1, %nmb, %nvb = kiln.adam %b1, %gb, %mb, %vb step(%t) {lr = 0.01 : f64} : tensor<256xf32>
  %nw2, %nm2, %nv2 = kiln.adam %w2, %g2, %m2, %v2 step(%t) {lr = 0.01 : f64} : tensor<256x10xf32>

  return %nw1, %nb1, %nw2, %nm1, %nv1, %nmb, %nvb, %nm2, %nv2, %t, %loss
      : tensor<512x256xf32>, tensor<256xf32>, tensor<256x10xf32>,
        tensor<512x256xf32>, tensor<512x256xf32>, tensor<256xf32>, tensor<256xf32>,
        tensor<256x10xf32>, tensor<256x10xf32>, tensor<i64>, tensor<f32>
}
