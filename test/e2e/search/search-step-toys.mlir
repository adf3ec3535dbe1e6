// The scalar toys of docs/algorithms.md §1.3 again, now with steps that kiln-search-step writes
// from one kiln.search_step: one program, the method chosen by --search. Plain gradient
// steps (momentum, decay and clipping off, SGD for alpha, constant lr 0.1), lambda = beta = 1,
// w = 0.2, a = 0.5 (and y = 0.3):
//   DARTS 1st: g_a = 0.05, a1 = 0.495; then w1 = 0.2 - 0.1 (0.2 - 0.495) = 0.2295.
//   DARTS 2nd: g_a = 0.05 - 0.1 * 0.77 = -0.027 (finite-difference HVP), a1 = 0.5027;
//              w1 = 0.2 - 0.1 (0.2 - 0.5027) = 0.23027.
//   RARTS (Gauss-Seidel): w1 = 0.24, y1 = 0.364, a1 = 0.469, as printed in 1.3.
//   RARTS (Jacobi): alpha's gradient at (w, y): 0.05 + 0.3, a1 = 0.465.
// Split A's loss at (w, a) is (0.2 - 0.5)^2 / 2 = 0.045 (DARTS reports it after the alpha
// step: (0.2 - a1)^2 / 2).
//
// DARTS step inputs: w 0, a 1, buf 2, step 3, split A's s 4, split B's s 5.
// RUN: kiln-run %s --search darts1 -e step -i 0=fill:0.2 -i 1=fill:0.5 -i 4=fill:1 -i 5=fill:0 | FileCheck %s --check-prefix=D1
// D1: result 0: f32[] [0.2295]
// D1: result 1: f32[] [0.495]
// D1: result 3: i64[] [1]
// D1: result 4: f32[] [0.0435125]
// RUN: kiln-run %s --search darts2 -e step -i 0=fill:0.2 -i 1=fill:0.5 -i 4=fill:1 -i 5=fill:0 | FileCheck %s --check-prefix=D2
// D2: result 0: f32[] [0.23027]
// D2: result 1: f32[] [0.5027]
// RARTS step inputs: w 0, a 1, y 2, w's buf 3, y's buf 4, step 5, s 6, s 7.
// RUN: kiln-run %s --search rarts -e step -i 0=fill:0.2 -i 1=fill:0.5 -i 2=fill:0.3 -i 6=fill:1 -i 7=fill:0 | FileCheck %s --check-prefix=RARTS
// RARTS: result 0: f32[] [0.24]
// RARTS: result 1: f32[] [0.469]
// RARTS: result 2: f32[] [0.364]
// RARTS: result 6: f32[] [0.045]
// RUN: kiln-run %s --search rarts_jacobi -e step -i 0=fill:0.2 -i 1=fill:0.5 -i 2=fill:0.3 -i 6=fill:1 -i 7=fill:0 | FileCheck %s --check-prefix=JACOBI
// JACOBI: result 0: f32[] [0.24]
// JACOBI: result 1: f32[] [0.465]
// JACOBI: result 2: f32[] [0.364]
//
// The step counter is updated in place, so repeated calls carry it like the weights.
// RUN: kiln-run %s --search darts1 -e step -i 0=fill:0.2 -i 1=fill:0.5 -i 4=fill:1 -i 5=fill:0 -n 3 | FileCheck %s --check-prefix=COUNT
// COUNT: result 3: i64[] [3]
//
// Without --search the op's own method (darts1) is used; a method it does not know is an error.
// RUN: kiln-run %s -e step -i 0=fill:0.2 -i 1=fill:0.5 -i 4=fill:1 -i 5=fill:0 | FileCheck %s --check-prefix=D1
// RUN: not kiln-run %s --search darts3 -e step 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: --search must be one of darts1, darts2, rarts, rarts_jacobi, not "darts3"

// L(w, a; s) = s L_A(w, a) + (1 - s) L_B(w, a), with L_A = (w - a)^2 / 2 and
// L_B = (w - 1)^2 / 2 + 0.05 a^2: split A's batch is s = 1, split B's s = 0.
func.func private @loss(%w: tensor<f32> {kiln.init = "zeros"}, %a: tensor<f32>,
                        %s: tensor<f32> {kiln.data = "images"}) -> tensor<f32> {
  %half = arith.constant dense<0.5> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %c = arith.constant dense<0.05> : tensor<f32>
  %d = arith.subf %w, %a : tensor<f32>
  %dd = arith.mulf %d, %d : tensor<f32>
  %la = arith.mulf %half, %dd : tensor<f32>
  %e = arith.subf %w, %one : tensor<f32>
  %ee = arith.mulf %e, %e : tensor<f32>
  %lb1 = arith.mulf %half, %ee : tensor<f32>
  %aa = arith.mulf %a, %a : tensor<f32>
  %lb2 = arith.mulf %c, %aa : tensor<f32>
  %lb = arith.addf %lb1, %lb2 : tensor<f32>
  %sa = arith.mulf %s, %la : tensor<f32>
  %ns = arith.subf %one, %s : tensor<f32>
  %sb = arith.mulf %ns, %lb : tensor<f32>
  %l = arith.addf %sa, %sb : tensor<f32>
  return %l : tensor<f32>
}
kiln.search_step @step(@loss) {architecture = array<i64: 1>, decay_steps = 1 : i64,
    lr = 0.1 : f64, lr_min = 0.1 : f64, momentum = 0.0 : f64, weight_decay = 0.0 : f64,
    max_grad_norm = 0.0 : f64, arch_optimizer = "sgd", arch_lr = 0.1 : f64,
    arch_weight_decay = 0.0 : f64, lambda = 1.0 : f64, beta = 1.0 : f64}
