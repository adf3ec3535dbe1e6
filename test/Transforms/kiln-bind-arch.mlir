// RUN: kiln-opt %s --kiln-bind-arch --split-input-file -verify-diagnostics | FileCheck %s

/// Each kiln.architecture becomes a constant of the searched alphas the driver attached
/// (`--arch CHECKPOINT` reads them from the search's checkpoint), found by the name of
/// their tensor there: the search loss's argument name ("a1"), or input<i> in a checkpoint
/// of a program without names.
// CHECK-LABEL: func.func @retrain
// CHECK-NOT:     kiln.architecture
// CHECK-DAG:     %[[A8:.*]] = arith.constant dense<[1.000000e-01, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG:     %[[A9:.*]] = arith.constant dense<[-1.000000e+00, 0.000000e+00, 5.000000e-01]> : tensor<3xf32>
// CHECK:         return %[[A8]], %[[A9]], %[[A8]]
module attributes {kiln.searched_alphas = {a1 = dense<[0.1, 2.0]> : tensor<2xf32>,
                                           input9 = dense<[-1.0, 0.0, 0.5]> : tensor<3xf32>}} {
  func.func @retrain() -> (tensor<2xf32>, tensor<3xf32>, tensor<2xf32>) {
    %a = kiln.architecture "a1" : tensor<2xf32>
    %b = kiln.architecture "input9" : tensor<3xf32>
    %c = kiln.architecture "a1" : tensor<2xf32>
    return %a, %b, %c : tensor<2xf32>, tensor<3xf32>, tensor<2xf32>
  }
}

// -----

/// Without kiln.architecture the pass changes nothing, alphas or not.
// CHECK-LABEL: func.func @plain
// CHECK-NEXT:    return
func.func @plain() {
  return
}

// -----

/// Without searched alphas there is nothing to retrain.
func.func @no_alphas() -> tensor<2xf32> {
  // expected-error @+1 {{stands for a searched architecture parameter: compile with --arch CHECKPOINT, the checkpoint of the search}}
  %a = kiln.architecture "input8" : tensor<2xf32>
  return %a : tensor<2xf32>
}

// -----

module attributes {kiln.searched_alphas = {input8 = dense<[0.1, 2.0]> : tensor<2xf32>}} {
  func.func @missing_tensor() -> tensor<2xf32> {
    // expected-error @+1 {{has no searched alphas: the search's checkpoint has no tensor "a7"}}
    %a = kiln.architecture "a7" : tensor<2xf32>
    return %a : tensor<2xf32>
  }
}

// -----

module attributes {kiln.searched_alphas = {input8 = dense<[0.1, 2.0, 3.0]> : tensor<3xf32>}} {
  func.func @wrong_shape() -> tensor<2xf32> {
    // expected-error @+1 {{is 'tensor<2xf32>' but the search's "input8" is 'tensor<3xf32>' (a checkpoint of another search step?)}}
    %a = kiln.architecture "input8" : tensor<2xf32>
    return %a : tensor<2xf32>
  }
}

// -----

// expected-error @+1 {{'kiln.searched_alphas': "input8" must be a dense tensor of floats, not dense<[1, 2]> : tensor<2xi64>}}
module attributes {kiln.searched_alphas = {input8 = dense<[1, 2]> : tensor<2xi64>}} {
}
