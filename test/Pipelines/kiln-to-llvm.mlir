// RUN: kiln-opt %s --kiln-to-llvm | FileCheck %s
// RUN: kiln-opt %s --kiln-to-llvm --mlir-print-ir-after=kiln-finalize-entry-points 2>&1 >/dev/null | FileCheck %s --check-prefix=BUF

/// After bufferization the step writes p, m, v and t in their own buffers: no allocation or
/// copy of a parameter-sized buffer, and only the fresh loss becomes an output argument.
// BUF-LABEL: func.func @adam_step
// BUF-SAME:    (%[[P:[a-z0-9]+]]: memref<64xf32>, %[[G:[a-z0-9]+]]: memref<64xf32>, %[[M:[a-z0-9]+]]: memref<64xf32>, %[[V:[a-z0-9]+]]: memref<64xf32>, %[[T:[a-z0-9]+]]: memref<i64>) -> memref<f32>
// BUF-NOT:     memref.alloc() {{.*}} : memref<64xf32>
// BUF-NOT:     memref.copy
// BUF:         linalg.generic {{.*}} outs(%[[T]] : memref<i64>)
// BUF:         linalg.generic {{.*}} ins(%[[G]] : memref<64xf32>) outs(%[[P]], %[[M]], %[[V]] : memref<64xf32>, memref<64xf32>, memref<64xf32>)
// BUF-NOT:     memref.alloc() {{.*}} : memref<64xf32>
// BUF-NOT:     memref.copy
// BUF:         %[[LOSS:.*]] = memref.alloc() {{.*}} : memref<f32>
// BUF-NOT:     memref.alloc
// BUF-NOT:     memref.copy
// BUF:         return %[[LOSS]] : memref<f32>

/// The library exports the uniform entry, the version and the signature.
// CHECK:       llvm.func @_mlir_ciface_adam_step(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK:       llvm.func @kiln_call_adam_step(%{{.*}}: !llvm.ptr)
// CHECK:         llvm.call @_mlir_ciface_adam_step
// CHECK:       llvm.mlir.global external constant @kiln_module_abi_version(1 : i32)
// CHECK:       llvm.mlir.global external constant @kiln_module_signature
// CHECK-SAME:    \22inputs\22:[{\22donated\22:true,\22dtype\22:\22f32\22,\22role\22:\22parameter\22,\22shape\22:[64]},{\22donated\22:false,\22dtype\22:\22f32\22,\22shape\22:[64]},{\22donated\22:true,\22dtype\22:\22f32\22,\22role\22:\22optimizer_state\22
// CHECK-SAME:    \22results\22:[{\22alias\22:0,{{.*}}{\22alias\22:2,{{.*}}{\22alias\22:3,{{.*}}{\22alias\22:4,{{.*}}{\22alias\22:-1,\22dtype\22:\22f32\22,\22shape\22:[]}]
func.func @adam_step(%p: tensor<64xf32>, %g: tensor<64xf32>, %m: tensor<64xf32>,
                     %v: tensor<64xf32>, %t: tensor<i64>)
    -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>, tensor<f32>) {
  %one = arith.constant dense<1> : tensor<i64>
  %t1 = arith.addi %t, %one : tensor<i64>
  %p1, %m1, %v1 = kiln.adam %p, %g, %m, %v step(%t1) {lr = 1.0e-3 : f64} : tensor<64xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<f32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<f32>) -> tensor<f32>
  %loss = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>],
                          iterator_types = ["reduction"]}
      ins(%g : tensor<64xf32>) outs(%init : tensor<f32>) {
  ^bb0(%x: f32, %acc: f32):
    %sq = arith.mulf %x, %x : f32
    %s = arith.addf %sq, %acc : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %p1, %m1, %v1, %t1, %loss : tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>, tensor<f32>
}
