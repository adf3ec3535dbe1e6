// RUN: kiln-opt %s --kiln-to-llvm --mlir-print-ir-after=kiln-finalize-entry-points 2>&1 >/dev/null | FileCheck %s --check-prefix=BUF
// RUN: kiln-opt %s --kiln-to-llvm | FileCheck %s
// RUN: kiln-opt %s --kiln-to-llvm="bucket-bytes=64 overlap-exchange=true" --mlir-print-ir-after=kiln-finalize-entry-points 2>&1 >/dev/null | FileCheck %s --check-prefix=OVERLAP

// Data-parallel steps through the whole pipeline: the dense exchange is one bucketed
// all_reduce on the gradients' buffers, the compressed one a kernel call that updates the
// error-control state in the step's own input buffers (no copy), and both become calls of
// the runtime's collectives.

// BUF-LABEL: func.func @ddp_step
// BUF:         kiln_rt.kernel_call all_reduce outs(%{{.*}}, %{{.*}} : memref<10xf32>, memref<64x10xf32>) params #kiln_rt.collective<sizes = [10, 640], reduction = mean, root = 0, ranks = 0>

// Buckets of 64 bytes, overlapped: the bias gradient, done first, starts its all_reduce before the
// weight gradient's product runs, and is waited for where its update reads it; the weight's
// bucket, finished last, is one blocking all_reduce.
// OVERLAP-LABEL: func.func @ddp_step
// OVERLAP:         kiln_rt.kernel_call all_reduce_start outs(%[[DB:.*]] : memref<10xf32>) params #kiln_rt.collective<sizes = [10], reduction = mean, root = 0, ranks = 0>
// OVERLAP:         linalg.matmul ins(%{{.*}}, %{{.*}} : memref<64x8xf32>, memref<8x10xf32>) outs(%[[DW:.*]] : memref<64x10xf32>)
// OVERLAP:         kiln_rt.kernel_call all_reduce outs(%[[DW]] : memref<64x10xf32>) params #kiln_rt.collective<sizes = [640], reduction = mean, root = 0, ranks = 0>
// OVERLAP:         kiln_rt.kernel_call all_reduce_wait outs(%[[DB]] : memref<10xf32>)
// OVERLAP:         return
// BUF-LABEL: func.func @econtrol_step
// BUF-SAME:    (%{{[^:]*}}: memref<64x10xf32>, %{{[^:]*}}: memref<10xf32>, %[[E0:[^:]*]]: memref<64x10xf32>, %[[E1:[^:]*]]: memref<10xf32>, %[[H0:[^:]*]]: memref<64x10xf32>, %[[H1:[^:]*]]: memref<10xf32>, %[[S0:[^:]*]]: memref<64x10xf32>, %[[S1:[^:]*]]: memref<10xf32>,
// BUF-NOT:     memref.copy
// BUF:         kiln_rt.kernel_call compressed_exchange ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<64x10xf32>, memref<10xf32>, memref<i64>) outs(%{{.*}}, %{{.*}}, %[[E0]], %[[E1]], %[[H0]], %[[H1]], %[[S0]], %[[S1]] : {{.*}}) params #kiln_rt.compression<sizes = [640, 10], method = econtrol, compressor = top_k, k = 7, key = 0, eta = 5.000000e-01>
// BUF-NOT:     memref.copy

// CHECK:       llvm.call @kiln_all_reduce_f32(
// CHECK:       llvm.func @_mlir_ciface_ddp_step(
// CHECK:       llvm.call @kiln_compressed_exchange_f32(
// CHECK:       llvm.func @_mlir_ciface_econtrol_step(
func.func private @loss(%w: tensor<64x10xf32> {kiln.init = "uniform:0.1", kiln.name = "w"},
                        %b: tensor<10xf32> {kiln.init = "zeros", kiln.name = "b"},
                        %x: tensor<8x64xf32> {kiln.data = "images"},
                        %y: tensor<8xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x64xf32>, tensor<64x10xf32> -> tensor<8x10xf32>
  %z = kiln.bias_add %h, %b : tensor<8x10xf32>, tensor<10xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<8x10xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @ddp_step(@loss) {optimizer = "sgd", lr = 0.1 : f64, exchange = "mean"}
kiln.train_step @econtrol_step(@loss) {optimizer = "sgd", lr = 0.1 : f64, exchange = "econtrol", eta = 0.5 : f64}
