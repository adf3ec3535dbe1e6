// RUN: kiln-opt %s --kiln-emit-abi --split-input-file -verify-diagnostics | FileCheck %s

/// The program's own functions become internal (only ABI symbols are exported);
/// declarations such as malloc stay external.
// CHECK:       llvm.func internal @step()
// CHECK:       llvm.func @_mlir_ciface_step(
// CHECK:       llvm.func @malloc(i64) -> !llvm.ptr
/// kiln_call_<name> unpacks the argument array into the C interface wrapper.
// CHECK-LABEL: llvm.func @kiln_call_step(
// CHECK-SAME:    %[[ARGS:.*]]: !llvm.ptr)
// CHECK:         %[[S0:.*]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[D0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[S1:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[D1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.call @_mlir_ciface_step(%[[D0]], %[[D1]]) : (!llvm.ptr, !llvm.ptr) -> ()
// CHECK:       llvm.mlir.global external constant @kiln_module_abi_version(1 : i32)
// CHECK:       llvm.mlir.global external constant @kiln_module_signature("{\22abi_version
// CHECK-SAME:    \00")
module attributes {kiln.abi.signature = "{\22abi_version\22:1,\22entry_points\22:[{\22inputs\22:[{\22donated\22:true,\22dtype\22:\22f32\22,\22shape\22:[4]}],\22name\22:\22step\22,\22results\22:[{\22alias\22:0,\22dtype\22:\22f32\22,\22shape\22:[4]},{\22alias\22:-1,\22dtype\22:\22f32\22,\22shape\22:[]}],\22symbol\22:\22kiln_call_step\22}]}"} {
  llvm.func @step() {
    llvm.return
  }
  llvm.func @_mlir_ciface_step(%arg0: !llvm.ptr, %arg1: !llvm.ptr) {
    llvm.call @step() : () -> ()
    llvm.return
  }
  llvm.func @malloc(i64) -> !llvm.ptr
}

// -----

// expected-error @+1 {{missing kiln.abi.signature; run kiln-finalize-entry-points after bufferization}}
module {
}

// -----

module attributes {kiln.abi.signature = "{\22abi_version\22:1,\22entry_points\22:[{\22inputs\22:[],\22name\22:\22f\22,\22results\22:[],\22symbol\22:\22kiln_call_f\22}]}"} {
  // expected-error @+1 {{entry point @f lowered to 1 arguments, but its signature describes 0 descriptors}}
  llvm.func @_mlir_ciface_f(%arg0: !llvm.ptr) {
    llvm.return
  }
}
