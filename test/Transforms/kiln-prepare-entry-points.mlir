// RUN: kiln-opt %s --kiln-prepare-entry-points --split-input-file -verify-diagnostics | FileCheck %s

/// An input is donated (writable) only if a result is written into it; the gradient is read.
// CHECK-LABEL: func.func @donates_param_not_grad
// CHECK-SAME:    (%{{.*}}: tensor<4xf32> {bufferization.writable = true}, %{{.*}}: tensor<4xf32> {bufferization.writable = false})
// CHECK-SAME:    attributes {kiln_rt.entry_point = #kiln_rt.entry_point<
// CHECK-SAME:      inputs = [#kiln_rt.input<type = tensor<4xf32>, donated = true, init = "normal:0.1">, #kiln_rt.input<type = tensor<4xf32>>],
// CHECK-SAME:      results = [#kiln_rt.result<type = tensor<4xf32>, alias = 0>, #kiln_rt.result<type = tensor<f32>>]>, llvm.emit_c_interface}
#map = affine_map<(d0) -> (d0)>
func.func @donates_param_not_grad(%p: tensor<4xf32> {kiln.init = "normal:0.1"}, %g: tensor<4xf32>) -> (tensor<4xf32>, tensor<f32>) {
  %0 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%g : tensor<4xf32>) outs(%p : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %1 = arith.subf %out, %in : f32
    linalg.yield %1 : f32
  } -> tensor<4xf32>
  %loss = arith.constant dense<0.0> : tensor<f32>
  return %0, %loss : tensor<4xf32>, tensor<f32>
}

/// Private functions are not entry points.
// CHECK-LABEL: func.func private @helper
// CHECK-NOT:     kiln_rt.entry_point
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{entry point @scalar_arg: argument #1 has type 'f32'; entry points take and return ranked tensors of f32, f64, f16, bf16, i1, i8, i32 or i64}}
func.func @scalar_arg(%p: tensor<4xf32>, %lr: f32) -> tensor<4xf32> {
  return %p : tensor<4xf32>
}

// -----

// expected-error @+1 {{entry point @unranked_result: result #0 has type 'tensor<*xf32>'}}
func.func @unranked_result(%p: tensor<4xf32>) -> tensor<*xf32> {
  %0 = tensor.cast %p : tensor<4xf32> to tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// expected-error @+1 {{entry point @complex_element: argument #0 has type 'tensor<4xcomplex<f32>>'}}
func.func @complex_element(%p: tensor<4xcomplex<f32>>) {
  return
}
