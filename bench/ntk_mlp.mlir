// The MLP example's network (784-256-256-10, ReLU) as the VJP of one sample's logits: the
// entry point kiln-bench-ntk turns into Jacobian rows (kiln::rt::compiledJacobianRows) for
// the empirical NTK that bench/ntk_peers.py compares with neural-tangents.
func.func private @f(%w1: tensor<784x256xf32>, %b1: tensor<256xf32>, %w2: tensor<256x256xf32>,
                     %b2: tensor<256xf32>, %w3: tensor<256x10xf32>, %b3: tensor<10xf32>,
                     %x: tensor<1x784xf32>) -> tensor<1x10xf32> {
  %h1 = kiln.matmul %x, %w1 : tensor<1x784xf32>, tensor<784x256xf32> -> tensor<1x256xf32>
  %z1 = kiln.bias_add %h1, %b1 : tensor<1x256xf32>, tensor<256xf32>
  %a1 = kiln.relu %z1 : tensor<1x256xf32>
  %h2 = kiln.matmul %a1, %w2 : tensor<1x256xf32>, tensor<256x256xf32> -> tensor<1x256xf32>
  %z2 = kiln.bias_add %h2, %b2 : tensor<1x256xf32>, tensor<256xf32>
  %a2 = kiln.relu %z2 : tensor<1x256xf32>
  %h3 = kiln.matmul %a2, %w3 : tensor<1x256xf32>, tensor<256x10xf32> -> tensor<1x10xf32>
  %z3 = kiln.bias_add %h3, %b3 : tensor<1x10xf32>, tensor<10xf32>
  return %z3 : tensor<1x10xf32>
}
func.func private @weighted(%w1: tensor<784x256xf32>, %b1: tensor<256xf32>,
                            %w2: tensor<256x256xf32>, %b2: tensor<256xf32>,
                            %w3: tensor<256x10xf32>, %b3: tensor<10xf32>,
                            %x: tensor<1x784xf32>, %c: tensor<1x10xf32>) -> tensor<f32> {
  %f = func.call @f(%w1, %b1, %w2, %b2, %w3, %b3, %x) : (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<1x784xf32>) -> tensor<1x10xf32>
  %p = arith.mulf %f, %c : tensor<1x10xf32>
  %s = kiln.sum %p : tensor<1x10xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @vjp(%w1: tensor<784x256xf32>, %b1: tensor<256xf32>, %w2: tensor<256x256xf32>,
               %b2: tensor<256xf32>, %w3: tensor<256x10xf32>, %b3: tensor<10xf32>,
               %x: tensor<1x784xf32>, %c: tensor<1x10xf32>)
    -> (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>,
        tensor<256x10xf32>, tensor<10xf32>) {
  %g:6 = kiln.grad @weighted(%w1, %b1, %w2, %b2, %w3, %b3, %x, %c) wrt [0, 1, 2, 3, 4, 5]
      : (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<1x784xf32>, tensor<1x10xf32>)
      -> (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>)
  return %g#0, %g#1, %g#2, %g#3, %g#4, %g#5 : tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>
}
