// RUN: kiln-opt %s --kiln-outline-parallel | FileCheck %s

/// The loop body moves into step_parallel0(begin, end, context); the values it uses travel
/// in a stack context (the memref as its descriptor, constants are rematerialized inside),
/// and the loop becomes a call into the runtime's thread pool.
// CHECK-LABEL: func.func @step
// CHECK-SAME:    (%[[A:.*]]: memref<?xf32>, %[[N:.*]]: index, %[[S:.*]]: f32)
// CHECK:         %[[CTX:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>, f32)>
// CHECK:         %[[DESC:.*]] = builtin.unrealized_conversion_cast %[[A]] : memref<?xf32> to !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
// CHECK:         llvm.store %[[DESC]]
// CHECK:         llvm.store %[[S]]
// CHECK:         %[[FN:.*]] = constant @step_parallel0 : (i64, i64, !llvm.ptr) -> ()
// CHECK:         %[[FNP:.*]] = builtin.unrealized_conversion_cast %[[FN]]
// CHECK:         call @kiln_parallel_for(%{{.*}}, %{{.*}}, %[[FNP]], %[[CTX]]) : (i64, i64, !llvm.ptr, !llvm.ptr) -> ()
// CHECK-NOT:     scf.parallel
// CHECK:         return
// CHECK-LABEL: func.func private @step_parallel0
// CHECK-SAME:    (%[[B:.*]]: i64, %[[E:.*]]: i64, %[[C:.*]]: !llvm.ptr)
// CHECK:         arith.constant 1 : index
// CHECK:         %[[SLOT:.*]] = llvm.getelementptr %[[C]][0, 0]
// CHECK:         %[[LD:.*]] = llvm.load %[[SLOT]]
// CHECK:         %[[MEM:.*]] = builtin.unrealized_conversion_cast %[[LD]] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<?xf32>
// CHECK:         scf.for
// CHECK:           memref.store %{{.*}}, %[[MEM]]
// CHECK:       func.func private @kiln_parallel_for(i64, i64, !llvm.ptr, !llvm.ptr)
func.func @step(%a: memref<?xf32>, %n: index, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %x = memref.load %a[%i] : memref<?xf32>
    %y = arith.mulf %x, %s : f32
    memref.store %y, %a[%i] : memref<?xf32>
    scf.reduce
  }
  return
}
