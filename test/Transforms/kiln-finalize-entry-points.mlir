// RUN: kiln-opt %s --kiln-finalize-entry-points --split-input-file -verify-diagnostics | FileCheck %s

/// Results that are argument buffers are dropped (the caller finds them in the input) and
/// become aliases of that input in the contract; the fresh loss buffer stays a result.
// CHECK-LABEL: func.func @step
// CHECK-SAME:    (%[[P:.*]]: memref<4xf32>, %{{.*}}: memref<?xf32>) -> memref<f32>
// CHECK-SAME:    results = [#kiln_rt.result<type = tensor<4xf32>, alias = 0>, #kiln_rt.result<type = tensor<f32>>]
// CHECK:         %[[LOSS:.*]] = memref.alloc() : memref<f32>
// CHECK:         return %[[LOSS]] : memref<f32>
// CHECK-LABEL: func.func private @caller
// CHECK:         %[[LOSS2:.*]] = call @step(%[[A:.*]], %[[B:.*]]) : (memref<4xf32>, memref<?xf32>) -> memref<f32>
// CHECK:         return %[[A]], %[[LOSS2]]
func.func @step(%p: memref<4xf32>, %g: memref<?xf32>) -> (memref<4xf32>, memref<f32>)
    attributes {kiln_rt.entry_point = #kiln_rt.entry_point<
        inputs = [#kiln_rt.input<type = tensor<4xf32>, donated = true, init = "zeros">,
                  #kiln_rt.input<type = tensor<?xf32>>],
        results = [#kiln_rt.result<type = tensor<4xf32>>, #kiln_rt.result<type = tensor<f32>>]>} {
  %loss = memref.alloc() : memref<f32>
  return %p, %loss : memref<4xf32>, memref<f32>
}
func.func private @caller(%a: memref<4xf32>, %b: memref<?xf32>) -> (memref<4xf32>, memref<f32>) {
  %0:2 = call @step(%a, %b) : (memref<4xf32>, memref<?xf32>) -> (memref<4xf32>, memref<f32>)
  return %0#0, %0#1 : memref<4xf32>, memref<f32>
}

// -----

/// A fresh result of dynamic shape has nowhere to go: the caller cannot size it.
// expected-error @+1 {{entry point @dynamic_fresh_result: result #0 ('tensor<?xf32>') has a dynamic shape and is not computed in place in an input; the runtime cannot allocate it (ABI v1)}}
func.func @dynamic_fresh_result(%n: memref<?xf32>) -> memref<?xf32>
    attributes {kiln_rt.entry_point = #kiln_rt.entry_point<
        inputs = [#kiln_rt.input<type = tensor<?xf32>>],
        results = [#kiln_rt.result<type = tensor<?xf32>>]>} {
  %c0 = arith.constant 0 : index
  %d = memref.dim %n, %c0 : memref<?xf32>
  %0 = memref.alloc(%d) : memref<?xf32>
  return %0 : memref<?xf32>
}

// -----

/// The new value of input 0 (prepare found it written there) ended up in a buffer of its
/// own: it is copied into the input's buffer before the return, with a remark, and aliases it.
// CHECK-LABEL: func.func @copied_home
// CHECK-SAME:    (%[[S:.*]]: memref<i64>) -> memref<i64>
// CHECK-SAME:    results = [#kiln_rt.result<type = tensor<i64>, alias = 0>, #kiln_rt.result<type = tensor<i64>>]
// CHECK:         %[[NEW:.*]] = memref.alloc() : memref<i64>
// CHECK:         %[[OLD:.*]] = memref.alloc() : memref<i64>
// CHECK:         memref.copy %[[NEW]], %[[S]] : memref<i64> to memref<i64>
// CHECK:         return %[[OLD]] : memref<i64>
func.func @copied_home(%s: memref<i64>) -> (memref<i64>, memref<i64>)
    attributes {kiln_rt.entry_point = #kiln_rt.entry_point<
        inputs = [#kiln_rt.input<type = tensor<i64>, donated = true>],
        results = [#kiln_rt.result<type = tensor<i64>, alias = 0>, #kiln_rt.result<type = tensor<i64>>]>} {
  // expected-remark @+1 {{the new value of input #0 of @copied_home is computed out of place (an operation reads the old value after it) and copied into the input's buffer at the end of the step}}
  %new = memref.alloc() : memref<i64>
  %old = memref.alloc() : memref<i64>
  memref.copy %s, %old : memref<i64> to memref<i64>
  return %new, %old : memref<i64>, memref<i64>
}
