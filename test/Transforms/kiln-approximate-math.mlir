// RUN: kiln-opt %s --kiln-approximate-math | FileCheck %s

// f32 tanh becomes MLIR's rational approximation: the input clamped to +-7.99881172 by
// NaN-keeping selects (ULT/UGT), odd and even polynomials in x^2 as llvm.intr.fma (so that
// convert-math-to-libm, which runs next, cannot make them fmaf calls), one division, and x
// itself below 4e-4. f64 tanh and the other math functions are left alone.
// CHECK-LABEL: func.func @tanh
// CHECK-SAME:    (%[[X:.*]]: f32, %[[D:.*]]: f64)
// CHECK-DAG:     %[[HI:.*]] = arith.constant 7.99881172 : f32
// CHECK-DAG:     %[[LO:.*]] = arith.constant -7.99881172 : f32
// CHECK-DAG:     %[[TINY:.*]] = arith.constant 4.000000e-04 : f32
// CHECK:         %[[LT:.*]] = arith.cmpf ult, %[[X]], %[[HI]] : f32
// CHECK:         %[[UPPER:.*]] = arith.select %[[LT]], %[[X]], %[[HI]] : f32
// CHECK:         %[[GT:.*]] = arith.cmpf ugt, %[[UPPER]], %[[LO]] : f32
// CHECK:         %[[C:.*]] = arith.select %[[GT]], %[[UPPER]], %[[LO]] : f32
// CHECK:         %[[ABS:.*]] = math.absf %[[X]] : f32
// CHECK:         %[[SMALL:.*]] = arith.cmpf olt, %[[ABS]], %[[TINY]] : f32
// CHECK:         %[[X2:.*]] = arith.mulf %[[C]], %[[C]] : f32
// CHECK-COUNT-6: llvm.intr.fma
// CHECK:         %[[P:.*]] = arith.mulf %[[C]], %{{.*}} : f32
// CHECK-COUNT-3: llvm.intr.fma
// CHECK:         %[[Q:.*]] = arith.divf %[[P]], %{{.*}} : f32
// CHECK:         %[[Y:.*]] = arith.select %[[SMALL]], %[[C]], %[[Q]] : f32
// CHECK-NOT:     math.fma
// CHECK:         %[[YD:.*]] = math.tanh %[[D]] : f64
// CHECK:         %[[E:.*]] = math.exp %[[X]] : f32
// CHECK:         return %[[Y]], %[[YD]], %[[E]]
func.func @tanh(%x: f32, %d: f64) -> (f32, f64, f32) {
  %y = math.tanh %x : f32
  %yd = math.tanh %d : f64
  %e = math.exp %x : f32
  return %y, %yd, %e : f32, f64, f32
}
