// The model of test/e2e/golden/ntk.json (scripts/golden/make_ntk_goldens.py),
// f(x) = tanh(x W1 + b1) W2 + b2, and its empirical NTK in the three logit contractions of
// kiln.ntk, with the spectrum of the traced one; and the three kernels times vectors
// (kiln.ntk_vector_product), which never form them.
func.func private @forward(%w1: tensor<4x6xf64>, %b1: tensor<6xf64>, %w2: tensor<6x3xf64>,
                           %b2: tensor<3xf64>, %x: tensor<5x4xf64>) -> tensor<5x3xf64> {
  %h0 = kiln.matmul %x, %w1 : tensor<5x4xf64>, tensor<4x6xf64> -> tensor<5x6xf64>
  %h1 = kiln.bias_add %h0, %b1 : tensor<5x6xf64>, tensor<6xf64>
  %h = math.tanh %h1 : tensor<5x6xf64>
  %o = kiln.matmul %h, %w2 : tensor<5x6xf64>, tensor<6x3xf64> -> tensor<5x3xf64>
  %f = kiln.bias_add %o, %b2 : tensor<5x3xf64>, tensor<3xf64>
  return %f : tensor<5x3xf64>
}
func.func @kernels(%w1: tensor<4x6xf64>, %b1: tensor<6xf64>, %w2: tensor<6x3xf64>,
                   %b2: tensor<3xf64>, %x: tensor<5x4xf64>)
    -> (tensor<5x5xf64>, tensor<5x3x5x3xf64>, tensor<5x5xf64>, tensor<5xf64>, tensor<f64>, tensor<f64>) {
  %trace = kiln.ntk @forward(%w1, %b1, %w2, %b2, %x) wrt [0, 1, 2, 3]
      : (tensor<4x6xf64>, tensor<6xf64>, tensor<6x3xf64>, tensor<3xf64>, tensor<5x4xf64>) -> tensor<5x5xf64>
  %full = kiln.ntk @forward(%w1, %b1, %w2, %b2, %x) wrt [0, 1, 2, 3] {logits = "full"}
      : (tensor<4x6xf64>, tensor<6xf64>, tensor<6x3xf64>, tensor<3xf64>, tensor<5x4xf64>) -> tensor<5x3x5x3xf64>
  %sum = kiln.ntk @forward(%w1, %b1, %w2, %b2, %x) wrt [0, 1, 2, 3] {logits = "sum"}
      : (tensor<4x6xf64>, tensor<6xf64>, tensor<6x3xf64>, tensor<3xf64>, tensor<5x4xf64>) -> tensor<5x5xf64>
  %eigenvalues, %tr, %cond = kiln.ntk_spectrum %trace
      : tensor<5x5xf64> -> tensor<5xf64>, tensor<f64>, tensor<f64>
  return %trace, %full, %sum, %eigenvalues, %tr, %cond
      : tensor<5x5xf64>, tensor<5x3x5x3xf64>, tensor<5x5xf64>, tensor<5xf64>, tensor<f64>, tensor<f64>
}
func.func @products(%w1: tensor<4x6xf64>, %b1: tensor<6xf64>, %w2: tensor<6x3xf64>,
                     %b2: tensor<3xf64>, %x: tensor<5x4xf64>, %vf: tensor<5x3xf64>,
                     %v: tensor<5xf64>) -> (tensor<5xf64>, tensor<5x3xf64>, tensor<5xf64>) {
  %trace = kiln.ntk_vector_product @forward(%w1, %b1, %w2, %b2, %x) wrt [0, 1, 2, 3], %v
      : (tensor<4x6xf64>, tensor<6xf64>, tensor<6x3xf64>, tensor<3xf64>, tensor<5x4xf64>),
        tensor<5xf64> -> tensor<5xf64>
  %full = kiln.ntk_vector_product @forward(%w1, %b1, %w2, %b2, %x) wrt [0, 1, 2, 3], %vf
      {logits = "full"}
      : (tensor<4x6xf64>, tensor<6xf64>, tensor<6x3xf64>, tensor<3xf64>, tensor<5x4xf64>),
        tensor<5x3xf64> -> tensor<5x3xf64>
  %sum = kiln.ntk_vector_product @forward(%w1, %b1, %w2, %b2, %x) wrt [0, 1, 2, 3], %v
      {logits = "sum"}
      : (tensor<4x6xf64>, tensor<6xf64>, tensor<6x3xf64>, tensor<3xf64>, tensor<5x4xf64>),
        tensor<5xf64> -> tensor<5xf64>
  return %trace, %full, %sum : tensor<5xf64>, tensor<5x3xf64>, tensor<5xf64>
}
