// The network of docs/algorithms.md §5.4, f(x) = v^T relu(W x) / sqrt(2), with its VJP for
// one sample as an entry point: what kiln::rt::compiledJacobianRows calls. W is stored
// transposed ([in, out], as kiln.matmul takes it); a permutation of the parameters leaves
// the NTK as it is.
func.func private @f(%wt: tensor<2x2xf64>, %v: tensor<2x1xf64>, %x: tensor<1x2xf64>) -> tensor<1x1xf64> {
  %h = kiln.matmul %x, %wt : tensor<1x2xf64>, tensor<2x2xf64> -> tensor<1x2xf64>
  %a = kiln.relu %h : tensor<1x2xf64>
  %o = kiln.matmul %a, %v : tensor<1x2xf64>, tensor<2x1xf64> -> tensor<1x1xf64>
  %scale = arith.constant dense<0.70710678118654757> : tensor<1x1xf64>
  %f = arith.mulf %o, %scale : tensor<1x1xf64>
  return %f : tensor<1x1xf64>
}
func.func private @weighted(%wt: tensor<2x2xf64>, %v: tensor<2x1xf64>, %x: tensor<1x2xf64>,
                            %c: tensor<1x1xf64>) -> tensor<f64> {
  %f = func.call @f(%wt, %v, %x) : (tensor<2x2xf64>, tensor<2x1xf64>, tensor<1x2xf64>) -> tensor<1x1xf64>
  %p = arith.mulf %f, %c : tensor<1x1xf64>
  %s = kiln.sum %p : tensor<1x1xf64> -> tensor<f64>
  return %s : tensor<f64>
}
func.func @vjp(%wt: tensor<2x2xf64>, %v: tensor<2x1xf64>, %x: tensor<1x2xf64>,
               %c: tensor<1x1xf64>) -> (tensor<2x2xf64>, tensor<2x1xf64>) {
  %dw, %dv = kiln.grad @weighted(%wt, %v, %x, %c) wrt [0, 1]
      : (tensor<2x2xf64>, tensor<2x1xf64>, tensor<1x2xf64>, tensor<1x1xf64>) -> (tensor<2x2xf64>, tensor<2x1xf64>)
  return %dw, %dv : tensor<2x2xf64>, tensor<2x1xf64>
}
