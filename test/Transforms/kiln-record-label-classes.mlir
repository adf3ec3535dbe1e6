// RUN: kiln-opt %s --kiln-record-label-classes --split-input-file -verify-diagnostics | FileCheck %s

/// The labels input indexes the class axis of the logits it is scored against; other
/// inputs record 0 (unknown).
// CHECK-LABEL: func.func @classifier
// CHECK-SAME:    kiln_rt.entry_point = #kiln_rt.entry_point<inputs = [#kiln_rt.input<type = tensor<4x7xf32>>, #kiln_rt.input<type = tensor<4xi64>, data = labels, classes = 7>]
func.func @classifier(%z: tensor<4x7xf32>, %y: tensor<4xi64> {kiln.data = "labels"}) -> (tensor<f32>, tensor<i64>) {
  %l = kiln.softmax_cross_entropy %z, %y : tensor<4x7xf32>, tensor<4xi64> -> tensor<f32>
  %c = kiln.count_correct %z, %y : tensor<4x7xf32>, tensor<4xi64>
  return %l, %c : tensor<f32>, tensor<i64>
}

// -----

/// Labels not marked as a data field are checked too (a direct call indexes logits with them
/// all the same); private helpers get nothing.
// CHECK-LABEL: func.func @unmarked
// CHECK-SAME:    #kiln_rt.input<type = tensor<4xi64>, classes = 7>
// CHECK-LABEL: func.func private @helper
// CHECK-NOT:     kiln_rt.entry_point
func.func @unmarked(%z: tensor<4x7xf32>, %y: tensor<4xi64>) -> tensor<i64> {
  %c = kiln.count_correct %z, %y : tensor<4x7xf32>, tensor<4xi64>
  return %c : tensor<i64>
}
func.func private @helper(%z: tensor<4x7xf32>, %y: tensor<4xi64> {kiln.data = "labels"}) -> tensor<i64> {
  %c = kiln.count_correct %z, %y : tensor<4x7xf32>, tensor<4xi64>
  return %c : tensor<i64>
}

// -----

/// One labels tensor cannot index two different class counts.
func.func @disagree(%a: tensor<4x7xf32>, %b: tensor<4x3xf32>, %y: tensor<4xi64> {kiln.data = "labels"}) -> (tensor<i64>, tensor<i64>) {
  %c = kiln.count_correct %a, %y : tensor<4x7xf32>, tensor<4xi64>
  // expected-error @+1 {{labels argument #2 of @disagree indexes 3 classes here but 7 elsewhere}}
  %d = kiln.count_correct %b, %y : tensor<4x3xf32>, tensor<4xi64>
  return %c, %d : tensor<i64>, tensor<i64>
}
