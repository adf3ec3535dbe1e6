// RUN: kiln-opt %s -split-input-file -verify-diagnostics --allow-unregistered-dialect | kiln-opt -split-input-file --allow-unregistered-dialect | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --allow-unregistered-dialect --mlir-print-op-generic | kiln-opt -split-input-file --allow-unregistered-dialect | FileCheck %s

// Round trips and verifier errors of the entry-point contract (#kiln_rt.entry_point,
// #kiln_rt.input, #kiln_rt.result). Fields at their defaults are not printed.

// CHECK-LABEL: func.func @step
// CHECK-SAME:    kiln_rt.entry_point = #kiln_rt.entry_point<inputs = [
// CHECK-SAME:      #kiln_rt.input<type = tensor<784x10xf32>, donated = true, init = "normal:0.05", role = parameter>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<3xf32>, role = architecture, candidates = ["none", "relu", "skip_connect"]>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<?x784xf32>, data = images>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<?xi64>, data = labels, classes = 10>],
// CHECK-SAME:      results = [#kiln_rt.result<type = tensor<784x10xf32>, alias = 0>, #kiln_rt.result<type = tensor<f32>>]>
func.func @step(%w: tensor<784x10xf32>, %a: tensor<3xf32>, %x: tensor<?x784xf32>, %y: tensor<?xi64>)
    -> (tensor<784x10xf32>, tensor<f32>)
    attributes {kiln_rt.entry_point = #kiln_rt.entry_point<
        inputs = [#kiln_rt.input<type = tensor<784x10xf32>, donated = true, init = "normal:0.05",
                                 role = parameter>,
                  #kiln_rt.input<type = tensor<3xf32>, donated = false, role = architecture,
                                 candidates = ["none", "relu", "skip_connect"]>,
                  #kiln_rt.input<type = tensor<?x784xf32>, data = images>,
                  #kiln_rt.input<type = tensor<?xi64>, data = labels, classes = 10>],
        results = [#kiln_rt.result<type = tensor<784x10xf32>, alias = 0>,
                   #kiln_rt.result<type = tensor<f32>, alias = -1>]>} {
  %l = arith.constant dense<0.0> : tensor<f32>
  return %w, %l : tensor<784x10xf32>, tensor<f32>
}

// -----

// expected-error @+1 {{'kiln_rt.entry_point' describes 2 inputs, but the function takes 1}}
func.func @input_count(%w: tensor<4xf32>) attributes {kiln_rt.entry_point = #kiln_rt.entry_point<
    inputs = [#kiln_rt.input<type = tensor<4xf32>>, #kiln_rt.input<type = tensor<4xf32>>], results = []>} {
  return
}

// -----

// expected-error @+1 {{'kiln_rt.entry_point': input #0 is 'tensor<8xf32>', but the function takes 'tensor<4xf32>'}}
func.func @input_type(%w: tensor<4xf32>) attributes {kiln_rt.entry_point = #kiln_rt.entry_point<
    inputs = [#kiln_rt.input<type = tensor<8xf32>>], results = []>} {
  return
}

// -----

// expected-error @+1 {{'kiln_rt.entry_point' is a #kiln_rt.entry_point on a function}}
"test.op"() {kiln_rt.entry_point = #kiln_rt.entry_point<inputs = [], results = []>} : () -> ()

// -----

// expected-error @+1 {{unknown kiln_rt attribute 'kiln_rt.signature'}}
"test.op"() {kiln_rt.signature = "{}"} : () -> ()

// -----

// expected-error @+1 {{result #0 aliases input 1 of 1}}
"test.op"() {contract = #kiln_rt.entry_point<inputs = [#kiln_rt.input<type = tensor<4xf32>>],
                                            results = [#kiln_rt.result<type = tensor<4xf32>, alias = 1>]>} : () -> ()

// -----

// expected-error @+1 {{two results are computed in input 0}}
"test.op"() {contract = #kiln_rt.entry_point<inputs = [#kiln_rt.input<type = tensor<4xf32>>],
                                            results = [#kiln_rt.result<type = tensor<4xf32>, alias = 0>,
                                                       #kiln_rt.result<type = tensor<4xf32>, alias = 0>]>} : () -> ()

// -----

// expected-error @+1 {{result #0 ('tensor<8xf32>') is computed in input 0 of type 'tensor<4xf32>'}}
"test.op"() {contract = #kiln_rt.entry_point<inputs = [#kiln_rt.input<type = tensor<4xf32>>],
                                            results = [#kiln_rt.result<type = tensor<8xf32>, alias = 0>]>} : () -> ()

// -----

// expected-error @+1 {{alias is an input index, or -1 for an output buffer, not -2}}
"test.op"() {result = #kiln_rt.result<type = tensor<4xf32>, alias = -2>} : () -> ()

// -----

// expected-error @+1 {{classes (10) counts the classes an integer labels input indexes}}
"test.op"() {input = #kiln_rt.input<type = tensor<4xf32>, classes = 10>} : () -> ()

// -----

// expected-error @+1 {{candidates name the operations of an architecture input's edge}}
"test.op"() {input = #kiln_rt.input<type = tensor<3xf32>, role = parameter, candidates = ["a", "b", "c"]>} : () -> ()

// -----

// expected-error @+2 {{expected one of [images, labels, val_images, val_labels, weights]}}
// expected-error @+1 {{failed to parse KilnRT_InputAttr parameter 'data'}}
"test.op"() {input = #kiln_rt.input<type = tensor<4xf32>, data = pixels>} : () -> ()
