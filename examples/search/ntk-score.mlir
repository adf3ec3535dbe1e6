// A train-free score for the supernet's architectures (TE-NAS; Chen et al., ICLR 2021): the
// condition number of the empirical NTK of a network at initialization on one batch.
// Lower trains better. docs/algorithms.md §5.3 has the recipe; ntk_rank.py scores every
// architecture of the space with this program and compares the ranking with the accuracy
// each reaches when trained (README.md, "Train-free ranking").
//
// One compiled program scores every architecture: the alphas are inputs, and an alpha of 0
// for the chosen candidate and -1e4 for the others makes softmax(alpha) exactly one-hot, so
// the edges compute the chosen candidate alone and the others' weights get zero Jacobian
// columns, which leave the kernel as it is.
//
//     kiln-run examples/search/ntk-score.mlir -i 8=a1.npy -i 9=a2.npy -i 10=x.npy --seed 0

func.func private @forward(%w1: tensor<784x64xf32>, %b1: tensor<64xf32>, %e1_relu: tensor<64x64xf32>, %e1_tanh: tensor<64x64xf32>, %e2_relu: tensor<64x64xf32>, %e2_tanh: tensor<64x64xf32>, %w4: tensor<64x10xf32>, %b4: tensor<10xf32>, %a1: tensor<4xf32>, %a2: tensor<4xf32>, %x: tensor<32x784xf32>) -> tensor<32x10xf32> {
  %h0 = kiln.matmul %x, %w1 : tensor<32x784xf32>, tensor<784x64xf32> -> tensor<32x64xf32>
  %h1 = kiln.bias_add %h0, %b1 : tensor<32x64xf32>, tensor<64xf32>
  %h = kiln.relu %h1 : tensor<32x64xf32>
  // Edge 1 (node 1), from h: two linear candidates, skip, and none.
  %r1 = kiln.matmul %h, %e1_relu : tensor<32x64xf32>, tensor<64x64xf32> -> tensor<32x64xf32>
  %c1 = kiln.relu %r1 : tensor<32x64xf32>
  %t1 = kiln.matmul %h, %e1_tanh : tensor<32x64xf32>, tensor<64x64xf32> -> tensor<32x64xf32>
  %d1 = math.tanh %t1 : tensor<32x64xf32>
  %n1 = kiln.mixed %a1 [%c1, %d1, %h] {ops = ["none", "linear_relu", "linear_tanh", "skip_connect"], node = 1 : i64}
      : tensor<4xf32>, [tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>] -> tensor<32x64xf32>
  // Edge 2 (node 2), from node 1.
  %r2 = kiln.matmul %n1, %e2_relu : tensor<32x64xf32>, tensor<64x64xf32> -> tensor<32x64xf32>
  %c2 = kiln.relu %r2 : tensor<32x64xf32>
  %t2 = kiln.matmul %n1, %e2_tanh : tensor<32x64xf32>, tensor<64x64xf32> -> tensor<32x64xf32>
  %d2 = math.tanh %t2 : tensor<32x64xf32>
  %n2 = kiln.mixed %a2 [%c2, %d2, %n1] {ops = ["none", "linear_relu", "linear_tanh", "skip_connect"], node = 2 : i64}
      : tensor<4xf32>, [tensor<32x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>] -> tensor<32x64xf32>
  %o = kiln.matmul %n2, %w4 : tensor<32x64xf32>, tensor<64x10xf32> -> tensor<32x10xf32>
  %logits = kiln.bias_add %o, %b4 : tensor<32x10xf32>, tensor<10xf32>
  return %logits : tensor<32x10xf32>
}

// TE-NAS' kernel: the gradients of each sample's summed logits with respect to the weights
// (biases left out, as TE-NAS does), contracted in f64. Results: the condition number, the
// trace and the eigenvalues (ascending).
func.func @ntk_score(%w1: tensor<784x64xf32> {kiln.init = "uniform:0.0357143"},
    %b1: tensor<64xf32> {kiln.init = "uniform:0.0357143"},
    %e1_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e1_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %w4: tensor<64x10xf32> {kiln.init = "uniform:0.125"},
    %b4: tensor<10xf32> {kiln.init = "uniform:0.125"},
    %a1: tensor<4xf32>, %a2: tensor<4xf32>,
    %x: tensor<32x784xf32> {kiln.data = "images"}) -> (tensor<f64>, tensor<f64>, tensor<32xf64>) {
  %theta = kiln.ntk @forward(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %a1, %a2, %x) wrt [0, 2, 3, 4, 5, 6] {logits = "sum"}
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<32x784xf32>) -> tensor<32x32xf64>
  %eigenvalues, %trace, %cond = kiln.ntk_spectrum %theta : tensor<32x32xf64> -> tensor<32xf64>, tensor<f64>, tensor<f64>
  return %cond, %trace, %eigenvalues : tensor<f64>, tensor<f64>, tensor<32xf64>
}
