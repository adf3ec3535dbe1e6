// RUN: kiln-opt %s --kiln-emit-abi --split-input-file -verify-diagnostics | FileCheck %s

/// The program's own functions become internal (only ABI symbols are exported);
/// declarations such as malloc stay external. The contracts are consumed.
// CHECK:       llvm.func internal @step()
// CHECK-NOT:     kiln_rt.entry_point
// CHECK:       llvm.func @_mlir_ciface_step(
// CHECK:       llvm.func @malloc(i64) -> !llvm.ptr
/// kiln_call_<name> unpacks the argument array into the C interface wrapper.
// CHECK-LABEL: llvm.func @kiln_call_step(
// CHECK-SAME:    %[[ARGS:.*]]: !llvm.ptr)
// CHECK:         %[[S0:.*]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[D0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[S1:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[D1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[S2:.*]] = llvm.getelementptr %[[ARGS]][2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[D2:.*]] = llvm.load %[[S2]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.call @_mlir_ciface_step(%[[D0]], %[[D1]], %[[D2]]) : (!llvm.ptr, !llvm.ptr, !llvm.ptr) -> ()
// CHECK:       llvm.mlir.global external constant @kiln_module_abi_version(1 : i32)
/// The JSON of Abi.h, written from the contract (keys sorted).
// CHECK:       llvm.mlir.global external constant @kiln_module_signature("{\22abi_version\22:1,\22device\22:\22cpu\22,\22entry_points\22:[{\22inputs\22:[{\22classes\22:10,\22data\22:\22labels\22,\22donated\22:false,\22dtype\22:\22i64\22,\22shape\22:[-1]},{\22donated\22:true,\22dtype\22:\22f32\22,\22init\22:\22zeros\22,\22role\22:\22parameter\22,\22shape\22:[4]}],\22name\22:\22step\22,\22results\22:[{\22alias\22:1,\22dtype\22:\22f32\22,\22shape\22:[4]},{\22alias\22:-1,\22dtype\22:\22f32\22,\22shape\22:[]}],\22symbol\22:\22kiln_call_step\22}]}\00")
module {
  llvm.func @step() attributes {kiln_rt.entry_point = #kiln_rt.entry_point<
      inputs = [#kiln_rt.input<type = tensor<?xi64>, data = labels, classes = 10>,
                #kiln_rt.input<type = tensor<4xf32>, donated = true, init = "zeros", role = parameter>],
      results = [#kiln_rt.result<type = tensor<4xf32>, alias = 1>, #kiln_rt.result<type = tensor<f32>>]>} {
    llvm.return
  }
  llvm.func @_mlir_ciface_step(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: !llvm.ptr) attributes {kiln_rt.entry_point = #kiln_rt.entry_point<
      inputs = [#kiln_rt.input<type = tensor<?xi64>, data = labels, classes = 10>,
                #kiln_rt.input<type = tensor<4xf32>, donated = true, init = "zeros", role = parameter>],
      results = [#kiln_rt.result<type = tensor<4xf32>, alias = 1>, #kiln_rt.result<type = tensor<f32>>]>} {
    llvm.call @step() : () -> ()
    llvm.return
  }
  llvm.func @malloc(i64) -> !llvm.ptr
}

// -----

/// A module without entry points has an empty signature.
// CHECK:       llvm.mlir.global external constant @kiln_module_signature("{\22abi_version\22:1,\22device\22:\22cpu\22,\22entry_points\22:[]}\00")
module {
}

// -----

module {
  llvm.func @f() attributes {kiln_rt.entry_point = #kiln_rt.entry_point<inputs = [], results = []>} {
    llvm.return
  }
  // expected-error @+1 {{entry point @f lowered to 1 arguments, but its signature describes 0 descriptors}}
  llvm.func @_mlir_ciface_f(%arg0: !llvm.ptr) {
    llvm.return
  }
}
