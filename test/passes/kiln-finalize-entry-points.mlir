// RUN: kiln-opt %s --kiln-finalize-entry-points --split-input-file -verify-diagnostics | FileCheck %s

/// Results that are argument buffers are dropped (the caller finds them in the input); the
/// fresh loss buffer stays a result and the JSON records both.
// CHECK:       module attributes {kiln.abi.signature = "{\22abi_version\22:1,\22entry_points\22:[{\22inputs\22:[{\22donated\22:true,\22dtype\22:\22f32\22,\22init\22:\22zeros\22,\22shape\22:[4]},{\22donated\22:false,\22dtype\22:\22f32\22,\22shape\22:[-1]}],\22name\22:\22step\22,\22results\22:[{\22alias\22:0,\22dtype\22:\22f32\22,\22shape\22:[4]},{\22alias\22:-1,\22dtype\22:\22f32\22,\22shape\22:[]}],\22symbol\22:\22kiln_call_step\22}]}"}
// CHECK-LABEL: func.func @step
// CHECK-SAME:    (%[[P:.*]]: memref<4xf32>, %{{.*}}: memref<?xf32>) -> memref<f32>
// CHECK:         %[[LOSS:.*]] = memref.alloc() : memref<f32>
// CHECK:         return %[[LOSS]] : memref<f32>
// CHECK-LABEL: func.func private @caller
// CHECK:         %[[LOSS2:.*]] = call @step(%[[A:.*]], %[[B:.*]]) : (memref<4xf32>, memref<?xf32>) -> memref<f32>
// CHECK:         return %[[A]], %[[LOSS2]]
func.func @step(%p: memref<4xf32>, %g: memref<?xf32>) -> (memref<4xf32>, memref<f32>)
    attributes {kiln.abi.function_type = (tensor<4xf32>, tensor<?xf32>) -> (tensor<4xf32>, tensor<f32>),
                kiln.abi.donated = array<i1: true, false>, kiln.abi.init = ["zeros", ""]} {
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
    attributes {kiln.abi.function_type = (tensor<?xf32>) -> tensor<?xf32>,
                kiln.abi.donated = array<i1: false>} {
  %c0 = arith.constant 0 : index
  %d = memref.dim %n, %c0 : memref<?xf32>
  %0 = memref.alloc(%d) : memref<?xf32>
  return %0 : memref<?xf32>
}
