// RUN: kiln-opt %s --split-input-file --kiln-map-to-gpu --verify-diagnostics | FileCheck %s

// kiln-fuse-horizontal's chunk loop (two updates, a block per chunk of 1024): each thread
// takes 4 consecutive elements of its chunk's slice of each update, as 16-byte vector
// accesses where the slice is aligned and whole, element by element otherwise. The
// learning rate, read from a buffer before the loop, is a device value: a single-thread
// launch reads it into a rank-0 buffer that the chunk launch reads back.
// CHECK-LABEL: func.func @chunk_update
// CHECK:         %[[SPILL:.*]] = gpu.alloc () : memref<f32>
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %[[ONE:.*]], {{.*}} = %{{.*}}, {{.*}} = %{{.*}}) threads({{.*}}) in ({{.*}} = %[[ONE]],
// CHECK:           %[[RATE:.*]] = memref.load %{{.*}}[] : memref<f32>
// CHECK:           memref.store %[[RATE]], %[[SPILL]][] : memref<f32>
// CHECK:           gpu.terminator
// CHECK:         gpu.launch blocks(%[[BLOCK:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[CHUNKS:.*]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[THREAD:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C256:.*]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}})
// CHECK:           %[[R:.*]] = memref.load %[[SPILL]][] : memref<f32>
// CHECK:           scf.if
// CHECK:             %[[FIRST:.*]] = arith.muli %[[THREAD]], %{{.*}} : index
// CHECK:             scf.for %[[I:.*]] = %[[FIRST]] to %{{.*}} step %{{.*}} {
// CHECK:               memref.extract_aligned_pointer_as_index
// CHECK:               arith.remui %{{.*}}, %{{.*}} : index
// CHECK:               scf.if %{{.*}} {
// CHECK:                 %[[G:.*]] = vector.load %{{.*}}[%[[I]]] {alignment = 16 : i64} : memref<?xf32, strided<[1], offset: ?>>, vector<4xf32>
// CHECK:                 %[[P:.*]] = vector.load %{{.*}}[%[[I]]] {alignment = 16 : i64} : memref<?xf32, strided<[1], offset: ?>>, vector<4xf32>
// CHECK:                 %[[RV:.*]] = vector.broadcast %[[R]] : f32 to vector<4xf32>
// CHECK:                 %[[D:.*]] = arith.mulf %[[G]], %[[RV]] : vector<4xf32>
// CHECK:                 %[[NEW:.*]] = arith.subf %[[P]], %[[D]] : vector<4xf32>
// CHECK:                 vector.store %[[NEW]], %{{.*}}[%[[I]]] {alignment = 16 : i64}
// CHECK:               } else {
// CHECK:                 scf.for
// CHECK:                   memref.load
// CHECK:                   memref.store
// CHECK:           scf.if
// CHECK:             vector.load
// CHECK:         gpu.dealloc %[[SPILL]] : memref<f32>
// CHECK-NEXT:    return
#id = affine_map<(i) -> (i)>
func.func @chunk_update(%p: memref<4096xf32>, %g: memref<4096xf32>, %q: memref<10xf32>,
                        %h: memref<10xf32>, %lr: memref<f32>) {
  %rate = memref.load %lr[] : memref<f32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %c1024 = arith.constant 1024 : index
  %c4096 = arith.constant 4096 : index
  %c4106 = arith.constant 4106 : index
  %c5 = arith.constant 5 : index
  scf.parallel (%chunk) = (%c0) to (%c5) step (%c1) {
    %begin = arith.muli %chunk, %c1024 : index
    %next = arith.addi %begin, %c1024 : index
    %end = arith.minui %next, %c4106 : index
    %hi = arith.minsi %end, %c4096 : index
    %len = arith.subi %hi, %begin : index
    %some = arith.cmpi sgt, %len, %c0 : index
    scf.if %some {
      %sp = memref.subview %p[%begin] [%len] [1] : memref<4096xf32> to memref<?xf32, strided<[1], offset: ?>>
      %sg = memref.subview %g[%begin] [%len] [1] : memref<4096xf32> to memref<?xf32, strided<[1], offset: ?>>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%sg : memref<?xf32, strided<[1], offset: ?>>) outs(%sp : memref<?xf32, strided<[1], offset: ?>>) {
      ^bb0(%x: f32, %y: f32):
        %d = arith.mulf %x, %rate : f32
        %z = arith.subf %y, %d : f32
        linalg.yield %z : f32
      }
    }
    %b2 = arith.subi %begin, %c4096 : index
    %lo2 = arith.maxsi %b2, %c0 : index
    %e2 = arith.subi %end, %c4096 : index
    %hi2 = arith.minsi %e2, %c10 : index
    %len2 = arith.subi %hi2, %lo2 : index
    %some2 = arith.cmpi sgt, %len2, %c0 : index
    scf.if %some2 {
      %sq = memref.subview %q[%lo2] [%len2] [1] : memref<10xf32> to memref<?xf32, strided<[1], offset: ?>>
      %sh = memref.subview %h[%lo2] [%len2] [1] : memref<10xf32> to memref<?xf32, strided<[1], offset: ?>>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%sh : memref<?xf32, strided<[1], offset: ?>>) outs(%sq : memref<?xf32, strided<[1], offset: ?>>) {
      ^bb0(%x: f32, %y: f32):
        %d = arith.mulf %x, %rate : f32
        %z = arith.subf %y, %d : f32
        linalg.yield %z : f32
      }
    }
    scf.reduce
  }
  return
}

// -----

// An output the update overwrites whole is not read; an i1 output (1 bit an element) keeps
// the element-by-element form.
// CHECK-LABEL: func.func @overwrite_and_mask
// CHECK:         gpu.launch
// CHECK:           scf.if
// CHECK:             %[[G:.*]] = vector.load %{{.*}} {alignment = 16 : i64} : memref<?xf32, strided<[1], offset: ?>>, vector<4xf32>
// CHECK-NOT:         vector.load
// CHECK:             %[[H:.*]] = arith.mulf %[[G]], %[[G]] : vector<4xf32>
// CHECK:             vector.store %[[H]]
// CHECK:           scf.if
// CHECK-NOT:         vector.load
// CHECK:             scf.for
// CHECK:               %[[X:.*]] = memref.load
// CHECK-NEXT:          %[[B:.*]] = arith.cmpf ogt, %[[X]], %{{.*}} : f32
// CHECK-NEXT:          memref.store %[[B]]
#idm = affine_map<(i) -> (i)>
func.func @overwrite_and_mask(%g: memref<4096xf32>, %sq: memref<4096xf32>, %mask: memref<4096xi1>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c1024 = arith.constant 1024 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%chunk) = (%c0) to (%c4) step (%c1) {
    %begin = arith.muli %chunk, %c1024 : index
    %some = arith.cmpi slt, %begin, %c1024 : index
    scf.if %some {
      %sg = memref.subview %g[%begin] [%c1024] [1] : memref<4096xf32> to memref<?xf32, strided<[1], offset: ?>>
      %ss = memref.subview %sq[%begin] [%c1024] [1] : memref<4096xf32> to memref<?xf32, strided<[1], offset: ?>>
      linalg.generic {indexing_maps = [#idm, #idm], iterator_types = ["parallel"]}
          ins(%sg : memref<?xf32, strided<[1], offset: ?>>) outs(%ss : memref<?xf32, strided<[1], offset: ?>>) {
      ^bb0(%x: f32, %unused: f32):
        %y = arith.mulf %x, %x : f32
        linalg.yield %y : f32
      }
    }
    scf.if %some {
      %sg = memref.subview %g[%begin] [%c1024] [1] : memref<4096xf32> to memref<?xf32, strided<[1], offset: ?>>
      %sm = memref.subview %mask[%begin] [%c1024] [1] : memref<4096xi1> to memref<?xi1, strided<[1], offset: ?>>
      linalg.generic {indexing_maps = [#idm, #idm], iterator_types = ["parallel"]}
          ins(%sg : memref<?xf32, strided<[1], offset: ?>>) outs(%sm : memref<?xi1, strided<[1], offset: ?>>) {
      ^bb0(%x: f32, %unused: i1):
        %b = arith.cmpf ogt, %x, %zero : f32
        linalg.yield %b : i1
      }
    }
    scf.reduce
  }
  return
}

// -----

// Other linalg ops: a thread per point of the parallel dimensions, the linear thread index
// split last dimension fastest; a reduction dimension runs inside the thread.
// CHECK-LABEL: func.func @row_sums
// CHECK:         %[[TOTAL:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK:         %[[BLOCKS:.*]] = arith.ceildivui %[[TOTAL]], %[[C256:.*]] : index
// CHECK:         gpu.launch blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCKS]], {{.*}} threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C256]],
// CHECK:           %[[LIN0:.*]] = arith.muli %[[B]], %[[C256]] : index
// CHECK:           %[[LIN:.*]] = arith.addi %[[LIN0]], %[[T]] : index
// CHECK:           %[[IN:.*]] = arith.cmpi ult, %[[LIN]], %[[TOTAL]] : index
// CHECK:           scf.if %[[IN]] {
// CHECK:             scf.for
// CHECK:               memref.load
// CHECK:               arith.addf
// CHECK:               memref.store
#rows = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @row_sums(%x: memref<300x7xf32>, %s: memref<300xf32>) {
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<300x7xf32>) outs(%s : memref<300xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %a = arith.addf %acc, %v : f32
    linalg.yield %a : f32
  }
  return
}

// -----

// A sum of a whole buffer into a scalar: blocks add grid-strided terms and reduce across
// the block (gpu.all_reduce), one partial per block; one block adds the partials and
// combines them with the accumulator.
// CHECK-LABEL: func.func @loss
// CHECK:         %[[PARTIALS:.*]] = gpu.alloc (%[[NB:.*]]) : memref<?xf32>
// CHECK:         gpu.launch blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in (%[[GX:.*]] = %[[NB]], {{.*}} threads(%[[T:.*]], %{{.*}}, %{{.*}}) in
// CHECK:           %[[STRIDE:.*]] = arith.muli %[[GX]], %{{.*}} : index
// CHECK:           %[[PART:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[STRIDE]] iter_args(%[[S:.*]] = %{{.*}}) -> (f32) {
// CHECK:             %[[X:.*]] = memref.load
// CHECK:             %[[XX:.*]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK:             %[[NEXT:.*]] = arith.addf %[[S]], %[[XX]] : f32
// CHECK:             scf.yield %[[NEXT]] : f32
// CHECK:           %[[BLOCKSUM:.*]] = gpu.all_reduce add %[[PART]] uniform {
// CHECK:           memref.store %[[BLOCKSUM]], %[[PARTIALS]][%[[B]]] : memref<?xf32>
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %[[ONE:.*]], {{.*}}) threads(%[[T2:.*]], %{{.*}}, %{{.*}}) in
// CHECK:           scf.for %{{.*}} = %[[T2]] to %[[NB]] step
// CHECK:             memref.load %[[PARTIALS]]
// CHECK:           %[[SUM:.*]] = gpu.all_reduce add
// CHECK:           %[[OLD:.*]] = memref.load %[[ACC:.*]][] : memref<f32>
// CHECK:           %[[NEW:.*]] = arith.addf %[[OLD]], %[[SUM]] : f32
// CHECK:           memref.store %[[NEW]], %[[ACC]][] : memref<f32>
// CHECK:         gpu.dealloc %[[PARTIALS]] : memref<?xf32>
#all = affine_map<(i, j) -> (i, j)>
#none = affine_map<(i, j) -> ()>
func.func @loss(%g: memref<512x256xf32>, %acc: memref<f32>) {
  linalg.generic {indexing_maps = [#all, #none], iterator_types = ["reduction", "reduction"]}
      ins(%g : memref<512x256xf32>) outs(%acc : memref<f32>) {
  ^bb0(%x: f32, %a: f32):
    %xx = arith.mulf %x, %x : f32
    %s = arith.addf %a, %xx : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Buffers are device buffers; constant scalar globals become constants, other globals are
// copied to the device where they are taken.
// CHECK-LABEL: func.func @buffers
// CHECK-NOT:     memref.alloc
// CHECK:         %[[TABLE:.*]] = memref.get_global @table : memref<4xf32>
// CHECK:         %[[DTABLE:.*]] = gpu.alloc () : memref<4xf32>
// CHECK:         gpu.memcpy %[[DTABLE]], %[[TABLE]] : memref<4xf32>, memref<4xf32>
// CHECK:         %[[TMP:.*]] = gpu.alloc () : memref<4xf32>
// CHECK:         gpu.memcpy %[[TMP]], %{{.*}} : memref<4xf32>, memref<4xf32>
// CHECK:         gpu.launch
// CHECK:           memref.load %[[TMP]]
// CHECK:           memref.load %[[DTABLE]]
// CHECK:           %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:           arith.mulf
// CHECK:           arith.mulf %{{.*}}, %[[HALF]] : f32
// CHECK:         gpu.dealloc %[[TMP]] : memref<4xf32>
// CHECK:         gpu.dealloc %[[DTABLE]] : memref<4xf32>
// CHECK-NEXT:    return
memref.global "private" constant @half : memref<f32> = dense<5.000000e-01>
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @buffers(%x: memref<4xf32>, %y: memref<4xf32>) {
  %h = memref.get_global @half : memref<f32>
  %t = memref.get_global @table : memref<4xf32>
  %tmp = memref.alloc() : memref<4xf32>
  memref.copy %x, %tmp : memref<4xf32> to memref<4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %a = memref.load %tmp[%i] : memref<4xf32>
    %b = memref.load %t[%i] : memref<4xf32>
    %hv = memref.load %h[] : memref<f32>
    %m = arith.mulf %a, %b : f32
    %n = arith.mulf %m, %hv : f32
    memref.store %n, %y[%i] : memref<4xf32>
  }
  memref.dealloc %tmp : memref<4xf32>
  return
}

// -----

// A runtime library kernel reaches the GPU as a host call that kiln-use-library-kernels
// makes; left as a kernel call, it is an error here.
func.func @conv(%x: memref<8x1x28x28xf32>, %w: memref<4x1x3x3xf32>, %y: memref<8x4x26x26xf32>) {
  // expected-error @below {{kiln-map-to-gpu: the runtime kernel 'kiln_conv2d_f32' must first become a host call of the CUDA backend (kiln-use-library-kernels{device=cuda})}}
  kiln_rt.kernel_call conv2d ins(%x, %w : memref<8x1x28x28xf32>, memref<4x1x3x3xf32>)
      outs(%y : memref<8x4x26x26xf32>)
      params #kiln_rt.window<n = 8, c = 1, h = 28, w = 28, o = 4, kh = 3, kw = 3, oh = 26,
                             ow = 26, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
  return
}

// -----

// The host decides how much work a launch does: a bound read from device memory cannot.
func.func @device_bound(%n: memref<index>, %x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %count = memref.load %n[] : memref<index>
  // expected-error @below {{kiln-map-to-gpu: a value computed on the device decides work on the host}}
  scf.parallel (%i) = (%c0) to (%count) step (%c1) {
    memref.store %zero, %x[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// A scalar from one single-thread launch used by the serial code after a deallocation (which
// ends the run): it is reloaded inside the next launch, never read on the host.
// CHECK-LABEL: func.func @reload_in_next_launch
// CHECK:         %[[SPILL:.*]] = gpu.alloc () : memref<f32>
// CHECK:         gpu.launch
// CHECK:           %[[A:.*]] = memref.load %{{.*}}[] : memref<f32>
// CHECK:           memref.store %[[A]], %[[SPILL]][] : memref<f32>
// CHECK:         gpu.dealloc %{{.*}} : memref<f32>
// CHECK-NOT:     memref.load
// CHECK:         gpu.launch
// CHECK-NEXT:      %[[R:.*]] = memref.load %[[SPILL]][] : memref<f32>
// CHECK-NEXT:      %[[B:.*]] = arith.mulf %[[R]], %[[R]] : f32
// CHECK-NEXT:      memref.store %[[B]]
func.func @reload_in_next_launch(%x: memref<f32>, %y: memref<f32>) {
  %a = memref.load %x[] : memref<f32>
  %tmp = memref.alloc() : memref<f32>
  memref.dealloc %tmp : memref<f32>
  %b = arith.mulf %a, %a : f32
  memref.store %b, %y[] : memref<f32>
  return
}

// -----

// A loop the host runs (kiln.ntk's loop over output rows): its body calls the CUDA backend
// and holds loop nests, so the loop stays on the host and its body is mapped like a
// function body: each nest a launch, the call between them on the host, the temporary a
// device allocation. A scalar computed on the device before the loop is reloaded inside the
// body's launch, not on the host.
// CHECK-LABEL: func.func @host_loop
// CHECK:         %[[SPILL:.*]] = gpu.alloc () : memref<f32>
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}}, %[[SPILL]][] : memref<f32>
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT:      %[[TMP:.*]] = gpu.alloc () : memref<4x4xf32>
// CHECK:           gpu.launch
// CHECK:             memref.load %[[SPILL]][] : memref<f32>
// CHECK:           func.call @kiln_cuda_matmul_f32
// CHECK:           gpu.launch
// CHECK:           gpu.dealloc %[[TMP]]
// CHECK-NEXT:    }
// CHECK-NEXT:    gpu.dealloc %[[SPILL]]
func.func private @kiln_cuda_matmul_f32(i64, i64, i64, !llvm.ptr, i64, !llvm.ptr, i64, !llvm.ptr, i64)
func.func @host_loop(%s: memref<f32>, %a: memref<4x4xf32>, %out: memref<8x4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c4 = arith.constant 4 : i64
  %v = memref.load %s[] : memref<f32>
  %w = arith.mulf %v, %v : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %tmp = memref.alloc() : memref<4x4xf32>
    linalg.fill ins(%w : f32) outs(%tmp : memref<4x4xf32>)
    %pa = memref.extract_aligned_pointer_as_index %a : memref<4x4xf32> -> index
    %pt = memref.extract_aligned_pointer_as_index %tmp : memref<4x4xf32> -> index
    %ia = arith.index_cast %pa : index to i64
    %it = arith.index_cast %pt : index to i64
    %ptra = llvm.inttoptr %ia : i64 to !llvm.ptr
    %ptrt = llvm.inttoptr %it : i64 to !llvm.ptr
    func.call @kiln_cuda_matmul_f32(%c4, %c4, %c4, %ptra, %c4, %ptra, %c4, %ptrt, %c4) : (i64, i64, i64, !llvm.ptr, i64, !llvm.ptr, i64, !llvm.ptr, i64) -> ()
    %slice = memref.subview %out[%i, 0, 0] [1, 4, 4] [1, 1, 1] : memref<8x4x4xf32> to memref<4x4xf32, strided<[4, 1], offset: ?>>
    linalg.copy ins(%tmp : memref<4x4xf32>) outs(%slice : memref<4x4xf32, strided<[4, 1], offset: ?>>)
    memref.dealloc %tmp : memref<4x4xf32>
  }
  return
}

// -----

// A sum over the batch of each column (a bias gradient), its reduction dimension first: the
// parallel dimension is put outermost, so each thread adds up one column, rows in order,
// instead of one thread doing the whole nest.
// CHECK-LABEL: func.func @column_sums
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.*}} = %[[BLOCKS:.*]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads({{.*}}) in (%{{.*}} = %c256
// CHECK:           scf.if
// CHECK:             scf.for %[[ROW:.*]] = %{{.*}} to %c128
// CHECK:               memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<128x10xf32>
// CHECK:               arith.addf
// CHECK-NOT:     gpu.launch
func.func @column_sums(%dz: memref<128x10xf32>, %db: memref<10xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%dz : memref<128x10xf32>) outs(%db : memref<10xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A fill followed by a reduction into the same buffer over the same points: each thread
// stores the initial value of its own element before it reduces, in one launch.
// CHECK-LABEL: func.func @fill_then_sum
// CHECK-SAME:    (%{{.*}}: memref<128x10xf32>, %[[DB:.*]]: memref<10xf32>)
// CHECK:         gpu.launch
// CHECK:           scf.if
// CHECK:             memref.store %{{.*}}, %[[DB]][%{{.*}}] : memref<10xf32>
// CHECK-NEXT:        scf.for
// CHECK-NOT:     gpu.launch
func.func @fill_then_sum(%dz: memref<128x10xf32>, %db: memref<10xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%db : memref<10xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%dz : memref<128x10xf32>) outs(%db : memref<10xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The fill stays a launch of its own where the next loop reads other elements of the
// buffer (a thread would read a neighbour's element before its owner filled it).
// CHECK-LABEL: func.func @fill_then_shifted_read
// CHECK:         gpu.launch
// CHECK:           memref.store
// CHECK:         gpu.launch
func.func @fill_then_shifted_read(%a: memref<11xf32>, %b: memref<10xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%a : memref<11xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0 + 1)>, affine_map<(d0) -> (d0)>],
                  iterator_types = ["parallel"]}
      ins(%a : memref<11xf32>) outs(%b : memref<10xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}
