// The MLP example's network (784-256-256-10, ReLU) and its empirical NTK on 128 samples
// through the compiled op, kiln.ntk (traced over the logits, f64), which kiln-bench-ntk calls
// for bench/ntk_peers.py --op-library beside the runtime's empiricalNtk (bench/ntk_mlp.mlir)
// and neural-tangents. kiln.ntk takes each Jacobian row from a VJP of the whole batch, so it
// does N times the arithmetic of the runtime's one-sample rows, in batched GEMMs.
func.func private @f(%w1: tensor<784x256xf32>, %b1: tensor<256xf32>, %w2: tensor<256x256xf32>,
                     %b2: tensor<256xf32>, %w3: tensor<256x10xf32>, %b3: tensor<10xf32>,
                     %x: tensor<128x784xf32>) -> tensor<128x10xf32> {
  %h1 = kiln.matmul %x, %w1 : tensor<128x784xf32>, tensor<784x256xf32> -> tensor<128x256xf32>
  %z1 = kiln.bias_add %h1, %b1 : tensor<128x256xf32>, tensor<256xf32>
  %a1 = kiln.relu %z1 : tensor<128x256xf32>
  %h2 = kiln.matmul %a1, %w2 : tensor<128x256xf32>, tensor<256x256xf32> -> tensor<128x256xf32>
  %z2 = kiln.bias_add %h2, %b2 : tensor<128x256xf32>, tensor<256xf32>
  %a2 = kiln.relu %z2 : tensor<128x256xf32>
  %h3 = kiln.matmul %a2, %w3 : tensor<128x256xf32>, tensor<256x10xf32> -> tensor<128x10xf32>
  %z3 = kiln.bias_add %h3, %b3 : tensor<128x10xf32>, tensor<10xf32>
  return %z3 : tensor<128x10xf32>
}
func.func @ntk(%w1: tensor<784x256xf32> {kiln.init = "normal:0.0357"},
               %b1: tensor<256xf32> {kiln.init = "normal:0.05"},
               %w2: tensor<256x256xf32> {kiln.init = "normal:0.0625"},
               %b2: tensor<256xf32> {kiln.init = "normal:0.05"},
               %w3: tensor<256x10xf32> {kiln.init = "normal:0.0625"},
               %b3: tensor<10xf32> {kiln.init = "normal:0.05"},
               %x: tensor<128x784xf32> {kiln.init = "uniform:1"}) -> tensor<128x128xf64> {
  %theta = kiln.ntk @f(%w1, %b1, %w2, %b2, %w3, %b3, %x) wrt [0, 1, 2, 3, 4, 5]
      : (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<128x784xf32>) -> tensor<128x128xf64>
  return %theta : tensor<128x128xf64>
}
