// RUN: kiln-opt %s --kiln-search-step=method=darts1 | FileCheck %s --check-prefix=D1
// RUN: kiln-opt %s --kiln-search-step=method=darts2 | FileCheck %s --check-prefix=D2
// RUN: kiln-opt %s --kiln-search-step=method=rarts | FileCheck %s --check-prefix=RARTS
// RUN: kiln-opt %s --kiln-search-step=method=rarts_jacobi | FileCheck %s --check-prefix=JACOBI
// RUN: kiln-opt %s --kiln-search-step | FileCheck %s --check-prefix=OWN

// A loss over a weight, an alpha between two data arguments, and a bias: the step keeps the
// loss's order for its parameters and moves the data to the end, twice (splits A and B). Its
// arguments are named after the loss's (as the text frontend names them), the state after the
// role it plays for one of them, split B's data "val_<name>".
func.func private @loss(%w: tensor<4x3xf32> {kiln.init = "uniform:0.5", kiln.name = "w"},
                        %x: tensor<2x4xf32> {kiln.data = "images", kiln.name = "x"},
                        %alpha: tensor<2xf32> {kiln.name = "alpha"},
                        %labels: tensor<2xi64> {kiln.data = "labels", kiln.name = "labels"},
                        %b: tensor<3xf32> {kiln.init = "zeros", kiln.name = "b"}) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
  %hb = kiln.bias_add %h, %b : tensor<2x3xf32>, tensor<3xf32>
  %r = kiln.relu %hb : tensor<2x3xf32>
  %y = kiln.mixed %alpha [%r, %hb] {ops = ["relu", "skip_connect"]}
      : tensor<2xf32>, [tensor<2x3xf32>, tensor<2x3xf32>] -> tensor<2x3xf32>
  %l = kiln.softmax_cross_entropy %y, %labels : tensor<2x3xf32>, tensor<2xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.search_step @train_step(@loss) {method = "rarts", architecture = array<i64: 2>,
                                     decay_steps = 100 : i64, lambda = 0.5 : f64}

// DARTS first order: alpha's gradient on split B at w, Adam on it, then the weights' on A at
// the new alpha, clipped, SGD with momentum on the cosine schedule.
// D1-LABEL: func.func @train_step(
// D1-SAME:     %[[W:[a-z0-9]+]]: tensor<4x3xf32> {kiln.init = "uniform:0.5", kiln.name = "w"}, %[[A:[a-z0-9]+]]: tensor<2xf32> {kiln.init = "normal:0.001", kiln.name = "alpha"}, %[[B:[a-z0-9]+]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "b"},
// D1-SAME:     %[[BW:[a-z0-9]+]]: tensor<4x3xf32> {kiln.init = "zeros", kiln.name = "sgd.momentum.w"}, %[[BB:[a-z0-9]+]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "sgd.momentum.b"},
// D1-SAME:     %[[M:[a-z0-9]+]]: tensor<2xf32> {kiln.init = "zeros", kiln.name = "adam.m.alpha"}, %[[V:[a-z0-9]+]]: tensor<2xf32> {kiln.init = "zeros", kiln.name = "adam.v.alpha"}, %[[STEP:[a-z0-9]+]]: tensor<i64> {kiln.init = "zeros", kiln.name = "step"},
// D1-SAME:     %[[X:[a-z0-9]+]]: tensor<2x4xf32> {kiln.data = "images", kiln.name = "x"}, %[[L:[a-z0-9]+]]: tensor<2xi64> {kiln.data = "labels", kiln.name = "labels"},
// D1-SAME:     %[[XV:[a-z0-9]+]]: tensor<2x4xf32> {kiln.data = "val_images", kiln.name = "val_x"}, %[[LV:[a-z0-9]+]]: tensor<2xi64> {kiln.data = "val_labels", kiln.name = "val_labels"})
// D1-SAME:     -> (tensor<4x3xf32>, tensor<2xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<i64>, tensor<f32>)
// D1:        %[[LR:.*]] = kiln.cosine_decay_schedule %[[STEP]] {alpha = 4.000000e-02 : f64, decay_steps = 100 : i64, init_value = 2.500000e-02 : f64}
// D1:        %[[T:.*]] = arith.addi %[[STEP]]
// D1:        %[[GA:.*]]:2 = kiln.value_and_grad @loss(%[[W]], %[[XV]], %[[A]], %[[LV]], %[[B]]) wrt [2]
// D1:        %[[NA:.*]], %[[NM:.*]], %[[NV:.*]] = kiln.adam %[[A]], %[[GA]]#1, %[[M]], %[[V]] step(%[[T]]) {beta1 = 5.000000e-01 : f64, lr = 3.000000e-04 : f64, weight_decay = 1.000000e-03 : f64}
// D1:        %[[GW:.*]]:3 = kiln.value_and_grad @loss(%[[W]], %[[X]], %[[NA]], %[[L]], %[[B]]) wrt [0, 4]
// D1:        %[[C:.*]]:2 = kiln.clip_by_global_norm %[[GW]]#1, %[[GW]]#2 {max_norm = 5.000000e+00 : f64}
// D1:        %[[NW:.*]], %[[NBW:.*]] = kiln.momentum %[[W]], %[[C]]#0, %[[BW]] lr(%[[LR]]) {weight_decay = 3.000000e-04 : f64}
// D1:        %[[NB:.*]], %[[NBB:.*]] = kiln.momentum %[[B]], %[[C]]#1, %[[BB]] lr(%[[LR]])
// D1:        return %[[NW]], %[[NA]], %[[NB]], %[[NBW]], %[[NBB]], %[[NM]], %[[NV]], %[[T]], %[[GW]]#0
// D1-NOT:    kiln.search_step

// DARTS second order: the unrolled step (unclipped, its buffer dropped), g0 and v on B at w',
// R = 0.01 / ||v||, the two perturbed alpha gradients on A, g = g0 - lr (gp - gm) / 2R.
// D2-LABEL: func.func @train_step(
// D2-SAME:     %[[W:[a-z0-9]+]]: tensor<4x3xf32> {{{.*}}}, %[[A:[a-z0-9]+]]: tensor<2xf32> {{{.*}}}, %[[B:[a-z0-9]+]]: tensor<3xf32> {{{.*}}}, %[[BW:[a-z0-9]+]]: tensor<4x3xf32> {{{.*}}}, %[[BB:[a-z0-9]+]]: tensor<3xf32>
// D2:        %[[LR:.*]] = kiln.cosine_decay_schedule
// D2:        %[[GU:.*]]:3 = kiln.value_and_grad @loss(%[[W]], %{{.*}}, %[[A]], %{{.*}}, %[[B]]) wrt [0, 4]
// D2-NOT:    kiln.clip_by_global_norm
// D2:        %[[UW:.*]], %{{.*}} = kiln.momentum %[[W]], %[[GU]]#1, %[[BW]] lr(%[[LR]])
// D2:        %[[UB:.*]], %{{.*}} = kiln.momentum %[[B]], %[[GU]]#2, %[[BB]] lr(%[[LR]])
// D2:        %[[GV:.*]]:4 = kiln.value_and_grad @loss(%[[UW]], %{{.*}}, %[[A]], %{{.*}}, %[[UB]]) wrt [0, 4, 2]
// D2:        math.sqrt
// D2:        %[[R:.*]] = arith.divf %{{.*}}, %{{.*}} : tensor<f32>
// D2:        %[[RV:.*]] = kiln.mul %[[R]], %[[GV]]#1
// D2:        %[[WP:.*]] = arith.addf %[[W]], %[[RV]]
// D2:        %[[WM:.*]] = arith.subf %[[W]], %[[RV]]
// D2:        %[[GP:.*]]:2 = kiln.value_and_grad @loss(%[[WP]], %{{.*}}, %[[A]], %{{.*}}, %{{.*}}) wrt [2]
// D2:        %[[GM:.*]]:2 = kiln.value_and_grad @loss(%[[WM]], %{{.*}}, %[[A]], %{{.*}}, %{{.*}}) wrt [2]
// D2:        %[[TWOR:.*]] = arith.mulf %{{.*}}, %[[R]]
// D2:        %[[COEF:.*]] = arith.divf %[[LR]], %[[TWOR]]
// D2:        %[[D:.*]] = arith.subf %[[GP]]#1, %[[GM]]#1
// D2:        %[[H:.*]] = kiln.mul %[[COEF]], %[[D]]
// D2:        %[[G:.*]] = arith.subf %[[GV]]#3, %[[H]]
// D2:        kiln.adam %[[A]], %[[G]]
// D2:        kiln.clip_by_global_norm

// The RARTS sweep: w and y (with their buffers) in the state; w's gradient is lambda g + beta (w - y),
// y's g + beta (y - w_new); alpha's from B at y_new plus lambda times A's at w_new.
// RARTS-LABEL: func.func @train_step(
// RARTS-SAME:     %[[W:[a-z0-9]+]]: tensor<4x3xf32> {kiln.init = "uniform:0.5", kiln.name = "w"}, %[[A:[a-z0-9]+]]: tensor<2xf32> {kiln.init = "normal:0.001", kiln.name = "alpha"}, %[[B:[a-z0-9]+]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "b"},
// RARTS-SAME:     %[[YW:[a-z0-9]+]]: tensor<4x3xf32> {kiln.init = "uniform:0.5", kiln.name = "rarts.y.w"}, %[[YB:[a-z0-9]+]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "rarts.y.b"},
// RARTS-SAME:     %[[BW:[a-z0-9]+]]: tensor<4x3xf32> {kiln.init = "zeros", kiln.name = "sgd.momentum.w"}, %[[BB:[a-z0-9]+]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "sgd.momentum.b"}, %[[YBW:[a-z0-9]+]]: tensor<4x3xf32> {kiln.init = "zeros", kiln.name = "rarts.y.sgd.momentum.w"}, %[[YBB:[a-z0-9]+]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "rarts.y.sgd.momentum.b"},
// RARTS-SAME:     -> (tensor<4x3xf32>, tensor<2xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<i64>, tensor<f32>)
// RARTS:        %[[GW:.*]]:3 = kiln.value_and_grad @loss(%[[W]], %{{.*}}, %[[A]], %{{.*}}, %[[B]]) wrt [0, 4]
// RARTS:        %[[BETA:.*]] = arith.constant dense<1.000000e-01> : tensor<f32>
// RARTS:        %[[LAMBDA:.*]] = arith.constant dense<5.000000e-01> : tensor<f32>
// RARTS:        %[[DWY:.*]] = arith.subf %[[W]], %[[YW]]
// RARTS:        %[[LG:.*]] = kiln.mul %[[LAMBDA]], %[[GW]]#1
// RARTS:        %[[BD:.*]] = kiln.mul %[[BETA]], %[[DWY]]
// RARTS:        %[[G:.*]] = arith.addf %[[LG]], %[[BD]]
// RARTS:        %[[NW:.*]], %{{.*}} = kiln.momentum %[[W]], %{{.*}}#0, %[[BW]]
// RARTS:        %[[NB:.*]], %{{.*}} = kiln.momentum %[[B]], %{{.*}}#1, %[[BB]]
// RARTS:        %[[GY:.*]]:3 = kiln.value_and_grad @loss(%[[YW]], %{{.*}}, %[[A]], %{{.*}}, %[[YB]]) wrt [0, 4]
// RARTS:        arith.subf %[[YW]], %[[NW]]
// RARTS:        %[[NYW:.*]], %{{.*}} = kiln.momentum %[[YW]], %{{.*}}#0, %[[YBW]]
// RARTS:        %[[NYB:.*]], %{{.*}} = kiln.momentum %[[YB]], %{{.*}}#1, %[[YBB]]
// RARTS:        %[[GAB:.*]]:2 = kiln.value_and_grad @loss(%[[NYW]], %{{.*}}, %[[A]], %{{.*}}, %[[NYB]]) wrt [2]
// RARTS:        %[[GAA:.*]]:2 = kiln.value_and_grad @loss(%[[NW]], %{{.*}}, %[[A]], %{{.*}}, %[[NB]]) wrt [2]
// RARTS:        %[[LGA:.*]] = kiln.mul %{{.*}}, %[[GAA]]#1
// RARTS:        %[[GA:.*]] = arith.addf %[[GAB]]#1, %[[LGA]]
// RARTS:        kiln.adam %[[A]], %[[GA]]
// RARTS:        return %[[NW]], %{{.*}}, %[[NB]], %[[NYW]], %[[NYB]]

// Jacobi: alpha's gradients come from the weights' own two passes; no alpha-only pass.
// JACOBI-LABEL: func.func @train_step(
// JACOBI:        %[[GW:.*]]:4 = kiln.value_and_grad @loss({{.*}}) wrt [0, 4, 2]
// JACOBI:        %[[GY:.*]]:4 = kiln.value_and_grad @loss({{.*}}) wrt [0, 4, 2]
// JACOBI-NOT:    kiln.value_and_grad
// JACOBI:        %[[LGA:.*]] = kiln.mul %{{.*}}, %[[GW]]#3
// JACOBI:        arith.addf %[[GY]]#3, %[[LGA]]

// Without a method option, the op's own ("rarts") is expanded.
// OWN-LABEL: func.func @train_step(
// OWN-COUNT-4: kiln.value_and_grad
// OWN-NOT:     kiln.value_and_grad
