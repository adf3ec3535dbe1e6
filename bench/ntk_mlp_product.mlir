// The network and batch of bench/ntk_mlp_op.mlir (784-256-256-10, ReLU, 128 samples): the
// traced NTK times a vector (kiln.ntk_vector_product: per logit one VJP and one JVP of the
// batch, no kernel formed) and the kernel itself (kiln.ntk), for
// `kiln-run LIB -e <name> -n 20 --stats` (bench/README.md, "NTK-vector products").
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
func.func @product(%w1: tensor<784x256xf32> {kiln.init = "normal:0.0357"},
                   %b1: tensor<256xf32> {kiln.init = "normal:0.05"},
                   %w2: tensor<256x256xf32> {kiln.init = "normal:0.0625"},
                   %b2: tensor<256xf32> {kiln.init = "normal:0.05"},
                   %w3: tensor<256x10xf32> {kiln.init = "normal:0.0625"},
                   %b3: tensor<10xf32> {kiln.init = "normal:0.05"},
                   %x: tensor<128x784xf32> {kiln.init = "uniform:1"},
                   %v: tensor<128xf32> {kiln.init = "normal:1"}) -> tensor<128xf32> {
  %tv = kiln.ntk_vector_product @f(%w1, %b1, %w2, %b2, %w3, %b3, %x) wrt [0, 1, 2, 3, 4, 5], %v
      : (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<128x784xf32>), tensor<128xf32> -> tensor<128xf32>
  return %tv : tensor<128xf32>
}
func.func @kernel(%w1: tensor<784x256xf32> {kiln.init = "normal:0.0357"},
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
