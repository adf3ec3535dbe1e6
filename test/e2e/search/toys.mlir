// The scalar toy problems of docs/algorithms.md §1.3, compiled: one RARTS Gauss-Seidel sweep and
// the DARTS first- and second-order architecture gradients (the latter with the
// finite-difference Hessian-vector product, R = 0.01 / ||v||), each step one entry point
// built from kiln.value_and_grad. And the mixed-operation worked example.
//
// RUN: kiln-run %s -e rarts_step -i 0=fill:0.2 -i 1=fill:0.3 -i 2=fill:0.5 | FileCheck %s --check-prefix=RARTS
// RARTS: result 0: f64[] [0.24]
// RARTS: result 1: f64[] [0.364]
// RARTS: result 2: f64[] [0.469]
//
// RUN: kiln-run %s -e darts_step -i 0=fill:0.2 -i 1=fill:0.5 | FileCheck %s --check-prefix=DARTS
// DARTS: result 0: f64[] [0.05]
// DARTS: result 1: f64[] [0.23]
// DARTS: result 2: f64[] [0.77]
// DARTS: result 3: f64[] [-0.027]
//
// RUN: kiln-run %s -e mixed_example -i 0=%S/Inputs/alpha.npy --print-limit 4 | FileCheck %s --check-prefix=MIXED
// MIXED: result 0: f64[4] [0, 0.1668308, 0.3039856, 0.3039856]
// MIXED: result 1: f64[1] [0.4708164]

// L_A(w, a) = (w - a)^2 / 2: the training split of both methods.
func.func private @loss_a(%w: tensor<f64>, %a: tensor<f64>) -> tensor<f64> {
  %half = arith.constant dense<0.5> : tensor<f64>
  %d = arith.subf %w, %a : tensor<f64>
  %dd = arith.mulf %d, %d : tensor<f64>
  %l = arith.mulf %half, %dd : tensor<f64>
  return %l : tensor<f64>
}
// L_B(y, a) = (y - 1)^2 / 2 + 0.05 a^2: RARTS' second split, DARTS' validation loss.
func.func private @loss_b(%y: tensor<f64>, %a: tensor<f64>) -> tensor<f64> {
  %half = arith.constant dense<0.5> : tensor<f64>
  %one = arith.constant dense<1.0> : tensor<f64>
  %c = arith.constant dense<0.05> : tensor<f64>
  %d = arith.subf %y, %one : tensor<f64>
  %dd = arith.mulf %d, %d : tensor<f64>
  %l1 = arith.mulf %half, %dd : tensor<f64>
  %aa = arith.mulf %a, %a : tensor<f64>
  %l2 = arith.mulf %c, %aa : tensor<f64>
  %l = arith.addf %l1, %l2 : tensor<f64>
  return %l : tensor<f64>
}

// One RARTS sweep, lambda = beta = 1, every step size 0.1, in Gauss-Seidel order: w on A,
// then y on B (coupled to the new w), then alpha from both splits at the new w and y.
func.func @rarts_step(%w: tensor<f64>, %y: tensor<f64>, %a: tensor<f64>)
    -> (tensor<f64>, tensor<f64>, tensor<f64>) {
  %eta = arith.constant dense<0.1> : tensor<f64>
  %la, %gw = kiln.value_and_grad @loss_a(%w, %a) wrt [0] : (tensor<f64>, tensor<f64>) -> (tensor<f64>, tensor<f64>)
  %wy = arith.subf %w, %y : tensor<f64>
  %dw = arith.addf %gw, %wy : tensor<f64>
  %sw = arith.mulf %eta, %dw : tensor<f64>
  %w1 = arith.subf %w, %sw : tensor<f64>
  %lb, %gy = kiln.value_and_grad @loss_b(%y, %a) wrt [0] : (tensor<f64>, tensor<f64>) -> (tensor<f64>, tensor<f64>)
  %yw = arith.subf %y, %w1 : tensor<f64>
  %dy = arith.addf %gy, %yw : tensor<f64>
  %sy = arith.mulf %eta, %dy : tensor<f64>
  %y1 = arith.subf %y, %sy : tensor<f64>
  %ga_b = kiln.grad @loss_b(%y1, %a) wrt [1] : (tensor<f64>, tensor<f64>) -> tensor<f64>
  %ga_a = kiln.grad @loss_a(%w1, %a) wrt [1] : (tensor<f64>, tensor<f64>) -> tensor<f64>
  %ga = arith.addf %ga_b, %ga_a : tensor<f64>
  %sa = arith.mulf %eta, %ga : tensor<f64>
  %a1 = arith.subf %a, %sa : tensor<f64>
  return %w1, %y1, %a1 : tensor<f64>, tensor<f64>, tensor<f64>
}

// DARTS with L_train = L_A and L_val = L_B at (w, a), xi = 0.1, no momentum or decay:
// the first-order alpha gradient, the unrolled weight w', the finite-difference
// Hessian-vector product and the second-order alpha gradient g0 - xi * hvp.
func.func @darts_step(%w: tensor<f64>, %a: tensor<f64>)
    -> (tensor<f64>, tensor<f64>, tensor<f64>, tensor<f64>) {
  %xi = arith.constant dense<0.1> : tensor<f64>
  %r = arith.constant dense<0.01> : tensor<f64>
  %two = arith.constant dense<2.0> : tensor<f64>
  %g1 = kiln.grad @loss_b(%w, %a) wrt [1] : (tensor<f64>, tensor<f64>) -> tensor<f64>
  %gw = kiln.grad @loss_a(%w, %a) wrt [0] : (tensor<f64>, tensor<f64>) -> tensor<f64>
  %step = arith.mulf %xi, %gw : tensor<f64>
  %wu = arith.subf %w, %step : tensor<f64>
  %lv, %v, %g0 = kiln.value_and_grad @loss_b(%wu, %a) wrt [0, 1] : (tensor<f64>, tensor<f64>) -> (tensor<f64>, tensor<f64>, tensor<f64>)
  // R = 0.01 / ||v||; w+- = w +- R v.
  %vv = arith.mulf %v, %v : tensor<f64>
  %norm = math.sqrt %vv : tensor<f64>
  %big_r = arith.divf %r, %norm : tensor<f64>
  %rv = arith.mulf %big_r, %v : tensor<f64>
  %wp = arith.addf %w, %rv : tensor<f64>
  %wm = arith.subf %w, %rv : tensor<f64>
  %gp = kiln.grad @loss_a(%wp, %a) wrt [1] : (tensor<f64>, tensor<f64>) -> tensor<f64>
  %gm = kiln.grad @loss_a(%wm, %a) wrt [1] : (tensor<f64>, tensor<f64>) -> tensor<f64>
  %diff = arith.subf %gp, %gm : tensor<f64>
  %den = arith.mulf %two, %big_r : tensor<f64>
  %hvp = arith.divf %diff, %den : tensor<f64>
  %corr = arith.mulf %xi, %hvp : tensor<f64>
  %g2 = arith.subf %g0, %corr : tensor<f64>
  return %g1, %wu, %hvp, %g2 : tensor<f64>, tensor<f64>, tensor<f64>, tensor<f64>
}

// The mixed-op example: alpha = [0.2, -0.1, 0.5, 0.5] over (none, op1, op2, op3) with op
// outputs 0, 1, 2 and -1: the mixed output's gradient with respect to each candidate (its
// weight; "none" has no operand, shown as 0) and the mixed output 0.470816.
func.func @mixed_example(%alpha: tensor<4xf64>) -> (tensor<4xf64>, tensor<1xf64>) {
  %x1 = arith.constant dense<1.0> : tensor<1xf64>
  %x2 = arith.constant dense<2.0> : tensor<1xf64>
  %x3 = arith.constant dense<-1.0> : tensor<1xf64>
  %one = arith.constant dense<1.0> : tensor<1xf64>
  %y = kiln.mixed %alpha [%x1, %x2, %x3] {ops = ["none", "op1", "op2", "op3"]}
      : tensor<4xf64>, [tensor<1xf64>, tensor<1xf64>, tensor<1xf64>] -> tensor<1xf64>
  %da, %d1, %d2, %d3 = kiln.mixed_grad %alpha, %one [%x1, %x2, %x3] {ops = ["none", "op1", "op2", "op3"]}
      : tensor<4xf64>, tensor<1xf64>, [tensor<1xf64>, tensor<1xf64>, tensor<1xf64>]
      -> tensor<1xf64>, tensor<1xf64>, tensor<1xf64>
  %w0 = arith.constant dense<0.0> : tensor<1xf64>
  %w = tensor.concat dim(0) %w0, %d1, %d2, %d3 : (tensor<1xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>) -> tensor<4xf64>
  return %w, %y : tensor<4xf64>, tensor<1xf64>
}
