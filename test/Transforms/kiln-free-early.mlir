// RUN: kiln-opt %s --pass-pipeline='builtin.module(func.func(kiln-free-early))' --split-input-file | FileCheck %s

// Each temporary is freed after its last use, not at the end of the block; a use inside a
// loop counts at the loop, and a view of a buffer keeps the buffer alive.
// CHECK-LABEL: func.func @chain
// CHECK:         %[[A:.*]] = memref.alloc()
// CHECK:         linalg.fill {{.*}} outs(%[[A]]
// CHECK:         %[[B:.*]] = memref.alloc()
// CHECK:         linalg.copy ins(%[[A]] {{.*}} outs(%[[B]]
// CHECK-NEXT:    memref.dealloc %[[A]]
// CHECK:         %[[C:.*]] = memref.alloc()
// CHECK:         %[[V:.*]] = memref.subview %[[B]]
// CHECK:         scf.for
// CHECK:           memref.load %[[V]]
// CHECK:         }
// CHECK-NEXT:    memref.dealloc %[[B]]
// CHECK:         linalg.copy ins(%[[C]] {{.*}} outs(%arg0
// CHECK-NEXT:    memref.dealloc %[[C]]
// CHECK-NEXT:    return
func.func @chain(%out: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<8xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<8xf32>)
  %b = memref.alloc() : memref<8xf32>
  linalg.copy ins(%a : memref<8xf32>) outs(%b : memref<8xf32>)
  %c = memref.alloc() : memref<4xf32>
  %v = memref.subview %b[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %v[%i] : memref<4xf32, strided<[1]>>
    memref.store %x, %c[%i] : memref<4xf32>
  }
  linalg.copy ins(%c : memref<4xf32>) outs(%out : memref<4xf32>)
  memref.dealloc %a : memref<8xf32>
  memref.dealloc %b : memref<8xf32>
  memref.dealloc %c : memref<4xf32>
  return
}

// -----

// A buffer that reaches the terminator stays as it is; one nothing uses is freed at once.
// CHECK-LABEL: func.func @escapes
// CHECK:         %[[A:.*]] = memref.alloc()
// CHECK-NEXT:    %[[B:.*]] = memref.alloc()
// CHECK-NEXT:    memref.dealloc %[[B]]
// CHECK-NEXT:    linalg.fill
// CHECK-NEXT:    return %[[A]]
func.func @escapes(%f: f32) -> memref<4xf32> {
  %a = memref.alloc() : memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  linalg.fill ins(%f : f32) outs(%a : memref<4xf32>)
  memref.dealloc %b : memref<4xf32>
  return %a : memref<4xf32>
}

// -----

// A runtime kernel call takes its buffers' addresses from an argument array: storing an
// address there makes the array's later uses (the call) uses of the buffer.
// CHECK-LABEL: func.func @kernel_arguments
// CHECK:         %[[A:.*]] = memref.alloc()
// CHECK:         memref.store %{{.*}}, %[[ARGS:.*]][
// CHECK:         call @kernel(
// CHECK-NEXT:    memref.dealloc %[[A]]
func.func private @kernel(!llvm.ptr)
func.func @kernel_arguments() {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() : memref<8xf32>
  %args = memref.alloca() : memref<1xi64>
  %p = memref.extract_aligned_pointer_as_index %a : memref<8xf32> -> index
  %i = arith.index_cast %p : index to i64
  memref.store %i, %args[%c0] : memref<1xi64>
  %q = memref.extract_aligned_pointer_as_index %args : memref<1xi64> -> index
  %j = arith.index_cast %q : index to i64
  %ptr = llvm.inttoptr %j : i64 to !llvm.ptr
  call @kernel(%ptr) : (!llvm.ptr) -> ()
  memref.dealloc %a : memref<8xf32>
  return
}
