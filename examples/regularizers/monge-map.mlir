// Fitting a transport map between two 2-D point clouds, with and without the Monge gap
// (Uscidda & Cuturi, ICML 2023, the paper's first experiment; OTT-JAX's Monge gap tutorial).
//
//     build/bin/kiln-compile examples/regularizers/monge-map.mlir -o /tmp/libmonge-map.so
//     build/bin/kiln-monge-map /tmp/libmonge-map.so --out /tmp/monge-map
//
// The map is T(x) = x + MLP(x) (2-64-64-2, GELU; the last layer starts at zero, so T starts
// as the identity). Both steps fit T's image of a batch of source points to a batch of
// target points with the Sinkhorn divergence (epsilon = 0.1 x the mean cost, OTT's fitting
// loss); @train_monge adds the Monge gap of T on the source batch (epsilon = 0.01 x the mean
// cost, weight 1), which prefers, among the maps that fit, the one that moves mass least:
// the optimal transport map. kiln.train_step writes both steps; kiln-monge-map trains them
// from the same start and compares the maps on held-out points (README.md).

func.func @map(%w1: tensor<2x64xf32>, %b1: tensor<64xf32>, %w2: tensor<64x64xf32>,
               %b2: tensor<64xf32>, %w3: tensor<64x2xf32>, %b3: tensor<2xf32>,
               %x: tensor<256x2xf32>) -> tensor<256x2xf32> {
  %h1 = kiln.matmul %x, %w1 : tensor<256x2xf32>, tensor<2x64xf32> -> tensor<256x64xf32>
  %z1 = kiln.bias_add %h1, %b1 : tensor<256x64xf32>, tensor<64xf32>
  %a1 = kiln.gelu %z1 : tensor<256x64xf32>
  %h2 = kiln.matmul %a1, %w2 : tensor<256x64xf32>, tensor<64x64xf32> -> tensor<256x64xf32>
  %z2 = kiln.bias_add %h2, %b2 : tensor<256x64xf32>, tensor<64xf32>
  %a2 = kiln.gelu %z2 : tensor<256x64xf32>
  %h3 = kiln.matmul %a2, %w3 : tensor<256x64xf32>, tensor<64x2xf32> -> tensor<256x2xf32>
  %z3 = kiln.bias_add %h3, %b3 : tensor<256x2xf32>, tensor<2xf32>
  %t = kiln.add %x, %z3 : tensor<256x2xf32>, tensor<256x2xf32> -> tensor<256x2xf32>
  return %t : tensor<256x2xf32>
}

func.func private @fit_loss(%w1: tensor<2x64xf32> {kiln.init = "uniform:0.707107"},
    %b1: tensor<64xf32> {kiln.init = "uniform:0.707107"},
    %w2: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %b2: tensor<64xf32> {kiln.init = "uniform:0.125"},
    %w3: tensor<64x2xf32> {kiln.init = "zeros"}, %b3: tensor<2xf32> {kiln.init = "zeros"},
    %x: tensor<256x2xf32> {kiln.data = "images"},
    %y: tensor<256x2xf32> {kiln.data = "labels"}) -> tensor<f32> {
  %t = func.call @map(%w1, %b1, %w2, %b2, %w3, %b3, %x) : (tensor<2x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x2xf32>, tensor<2xf32>, tensor<256x2xf32>) -> tensor<256x2xf32>
  %fit = kiln.sinkhorn_divergence %t, %y {epsilon = 0.1 : f64, epsilon_mode = "mean"}
      : tensor<256x2xf32>, tensor<256x2xf32> -> tensor<f32>
  return %fit : tensor<f32>
}

func.func private @monge_loss(%w1: tensor<2x64xf32> {kiln.init = "uniform:0.707107"},
    %b1: tensor<64xf32> {kiln.init = "uniform:0.707107"},
    %w2: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %b2: tensor<64xf32> {kiln.init = "uniform:0.125"},
    %w3: tensor<64x2xf32> {kiln.init = "zeros"}, %b3: tensor<2xf32> {kiln.init = "zeros"},
    %x: tensor<256x2xf32> {kiln.data = "images"},
    %y: tensor<256x2xf32> {kiln.data = "labels"}) -> tensor<f32> {
  %t = func.call @map(%w1, %b1, %w2, %b2, %w3, %b3, %x) : (tensor<2x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x2xf32>, tensor<2xf32>, tensor<256x2xf32>) -> tensor<256x2xf32>
  %fit = kiln.sinkhorn_divergence %t, %y {epsilon = 0.1 : f64, epsilon_mode = "mean"}
      : tensor<256x2xf32>, tensor<256x2xf32> -> tensor<f32>
  %gap = kiln.monge_gap %x, %t {epsilon = 0.01 : f64, epsilon_mode = "mean"}
      : tensor<256x2xf32>, tensor<256x2xf32> -> tensor<f32>
  %loss = arith.addf %fit, %gap : tensor<f32>
  return %loss : tensor<f32>
}

kiln.train_step @train_fit(@fit_loss) {optimizer = "adam", lr = 1.0e-3 : f64}
kiln.train_step @train_monge(@monge_loss) {optimizer = "adam", lr = 1.0e-3 : f64}
