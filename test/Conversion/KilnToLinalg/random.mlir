// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s

// convert-kiln-to-linalg: random initializers (Random.cpp).

// Each initializer is one parallel loop with no inputs: element i (row-major) computes its
// own Philox4x32-10 block from (i, stream) and the key, as kiln::rt::fillUniform and
// fillNormal do, so compiled and driver-side initialization agree bit for bit. The next key
// (key + 1) is written into the key's own tensor.

/// random_uniform (f32): block i / 4, word i % 4 of counter {block, block >> 32, 1, 0} under
/// key {key, key >> 32}, ten rounds; its top 24 bits scaled to [lo, hi) in f64 (bounds
/// rounded to f32 first), rounded to f32 and kept below hi.
// CHECK-DAG:   #[[SCALAR:.*]] = affine_map<() -> ()>
// CHECK-LABEL: func.func @random_uniform_philox_word_per_element
// CHECK-SAME:    (%[[KT:.*]]: tensor<i64>)
// CHECK:         %[[KEY:.*]] = tensor.extract %[[KT]][] : tensor<i64>
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<4x6xf32>
// CHECK:         %[[R:.*]] = linalg.generic {indexing_maps = [#{{.*}}], iterator_types = ["parallel", "parallel"]} outs(%[[E]] : tensor<4x6xf32>)
// CHECK:           %[[I0:.*]] = linalg.index 0 : index
// CHECK:           %[[ROW:.*]] = arith.addi %{{.*}}, %[[I0]] : index
// CHECK-DAG:       %[[I1:.*]] = linalg.index 1 : index
// CHECK-DAG:       %[[C6:.*]] = arith.constant 6 : index
// CHECK-DAG:       %[[RS:.*]] = arith.muli %[[ROW]], %[[C6]] : index
// CHECK:           %[[LIN:.*]] = arith.addi %[[RS]], %[[I1]] : index
// CHECK:           %[[I:.*]] = arith.index_cast %[[LIN]] : index to i64
// CHECK:           %[[C4:.*]] = arith.constant 4 : i64
// CHECK-NEXT:      %[[BLOCK:.*]] = arith.divui %[[I]], %[[C4]] : i64
// CHECK-NEXT:      %[[C4B:.*]] = arith.constant 4 : i64
// CHECK-NEXT:      %[[K:.*]] = arith.remui %[[I]], %[[C4B]] : i64
// CHECK-NEXT:      %[[C32:.*]] = arith.constant 32 : i64
// CHECK-NEXT:      %[[X0:.*]] = arith.trunci %[[BLOCK]] : i64 to i32
// CHECK-NEXT:      %[[BH:.*]] = arith.shrui %[[BLOCK]], %[[C32]] : i64
// CHECK-NEXT:      %[[X1:.*]] = arith.trunci %[[BH]] : i64 to i32
// CHECK-NEXT:      %[[STREAM:.*]] = arith.constant 1 : i32
// CHECK-NEXT:      %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT:      %[[K0:.*]] = arith.trunci %[[KEY]] : i64 to i32
// CHECK-NEXT:      %[[KH:.*]] = arith.shrui %[[KEY]], %[[C32]] : i64
// CHECK-NEXT:      %[[K1:.*]] = arith.trunci %[[KH]] : i64 to i32
// CHECK-NEXT:      %[[M0:.*]] = arith.constant -766435501 : i32
// CHECK-NEXT:      %[[M1:.*]] = arith.constant -845247145 : i32
// CHECK-NEXT:      %[[W0:.*]] = arith.constant -1640531527 : i32
// CHECK-NEXT:      %[[W1:.*]] = arith.constant -1150833019 : i32
/// Round 1: the two products, the xors with the other words and the key, the key bumps;
/// round 2 multiplies the new words 0 and 2.
// CHECK-NEXT:      %[[L0:.*]], %[[H0:.*]] = arith.mului_extended %[[M0]], %[[X0]] : i32
// CHECK-NEXT:      %[[L1:.*]], %[[H1:.*]] = arith.mului_extended %[[M1]], %[[STREAM]] : i32
// CHECK-NEXT:      %[[A:.*]] = arith.xori %[[H1]], %[[X1]] : i32
// CHECK-NEXT:      %[[N0:.*]] = arith.xori %[[A]], %[[K0]] : i32
// CHECK-NEXT:      %[[B:.*]] = arith.xori %[[H0]], %[[ZERO]] : i32
// CHECK-NEXT:      %[[N2:.*]] = arith.xori %[[B]], %[[K1]] : i32
// CHECK-NEXT:      arith.addi %[[K0]], %[[W0]] : i32
// CHECK-NEXT:      arith.addi %[[K1]], %[[W1]] : i32
// CHECK-NEXT:      arith.mului_extended %[[M0]], %[[N0]] : i32
// CHECK-NEXT:      arith.mului_extended %[[M1]], %[[N2]] : i32
/// Rounds 3 to 9, then round 10 gives the four output words; there is no eleventh.
// CHECK-COUNT-14:  arith.mului_extended
// CHECK:           %[[X3L:.*]], %[[H0L:.*]] = arith.mului_extended %[[M0]], %{{.*}} : i32
// CHECK-NEXT:      %[[X1L:.*]], %[[H1L:.*]] = arith.mului_extended %[[M1]], %{{.*}} : i32
// CHECK-NEXT:      %[[T0:.*]] = arith.xori %[[H1L]], %{{.*}} : i32
// CHECK-NEXT:      %[[X0L:.*]] = arith.xori %[[T0]], %{{.*}} : i32
// CHECK-NEXT:      %[[T2:.*]] = arith.xori %[[H0L]], %{{.*}} : i32
// CHECK-NEXT:      %[[X2L:.*]] = arith.xori %[[T2]], %{{.*}} : i32
// CHECK-NOT:       arith.mului_extended
/// Word i % 4.
// CHECK:           %[[C2:.*]] = arith.constant 2 : i64
// CHECK-NEXT:      %[[IS2:.*]] = arith.cmpi eq, %[[K]], %[[C2]] : i64
// CHECK-NEXT:      %[[S2:.*]] = arith.select %[[IS2]], %[[X2L]], %[[X3L]] : i32
// CHECK-NEXT:      %[[C1:.*]] = arith.constant 1 : i64
// CHECK-NEXT:      %[[IS1:.*]] = arith.cmpi eq, %[[K]], %[[C1]] : i64
// CHECK-NEXT:      %[[S1:.*]] = arith.select %[[IS1]], %[[X1L]], %[[S2]] : i32
// CHECK-NEXT:      %[[C0:.*]] = arith.constant 0 : i64
// CHECK-NEXT:      %[[IS0:.*]] = arith.cmpi eq, %[[K]], %[[C0]] : i64
// CHECK-NEXT:      %[[WORD:.*]] = arith.select %[[IS0]], %[[X0L]], %[[S1]] : i32
/// Top 24 bits: (word >> 8) * 2^-24, then lo + (hi - lo) * u.
// CHECK:           %[[TOP:.*]] = arith.shrui %[[WORD]], %c8_i32 : i32
// CHECK-DAG:       %[[P24:.*]] = arith.constant 5.9604644775390625E-8 : f64
// CHECK-DAG:       %[[UF:.*]] = arith.uitofp %[[TOP]] : i32 to f64
// CHECK:           %[[U:.*]] = arith.mulf %[[UF]], %[[P24]] : f64
// CHECK-DAG:       %[[WIDTH:.*]] = arith.constant 1.250000e-01 : f64
// CHECK-DAG:       %[[LO:.*]] = arith.constant -6.250000e-02 : f64
// CHECK-DAG:       %[[SCALED:.*]] = arith.mulf %[[WIDTH]], %[[U]] : f64
// CHECK:           %[[VAL:.*]] = arith.addf %[[LO]], %[[SCALED]] : f64
// CHECK:           %[[V32:.*]] = arith.truncf %[[VAL]] : f64 to f32
/// Rounding onto hi itself gives the float just below it.
// CHECK-DAG:       %[[HI:.*]] = arith.constant 6.250000e-02 : f32
// CHECK-DAG:       %[[BELOW:.*]] = arith.constant 0.0624999962 : f32
// CHECK-DAG:       %[[HIT:.*]] = arith.cmpf oge, %[[V32]], %[[HI]] : f32
// CHECK:           %[[OUT:.*]] = arith.select %[[HIT]], %[[BELOW]], %[[V32]] : f32
// CHECK-NEXT:      linalg.yield %[[OUT]] : f32
/// The next key, in place of the key.
// CHECK:         %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    %[[NK:.*]] = linalg.generic {indexing_maps = [#[[SCALAR]]], iterator_types = []} outs(%[[KT]] : tensor<i64>)
// CHECK-NEXT:    ^bb0(%[[KI:.*]]: i64):
// CHECK-NEXT:      %[[INC:.*]] = arith.addi %[[KI]], %[[ONE]] : i64
// CHECK-NEXT:      linalg.yield %[[INC]] : i64
// CHECK:         return %[[R]], %[[NK]]
func.func @random_uniform_philox_word_per_element(%k: tensor<i64>) -> (tensor<4x6xf32>, tensor<i64>) {
  %b, %k1 = kiln.random_uniform %k {low = -0.0625 : f64, high = 0.0625 : f64} : tensor<4x6xf32>
  return %b, %k1 : tensor<4x6xf32>, tensor<i64>
}

// -----

/// random_normal (f32): counter stream 2; one iteration per Philox block (10 elements: 3
/// blocks) turns words {0, 1} and {2, 3} into the open uniforms (w + 0.5) * 2^-32 of two
/// Box-Muller pairs and yields both halves of each: mean + stddev * sqrt(-2 log u1) *
/// cos/sin(2 pi u2), in f64, rounded once to f32. A second loop interleaves the four values
/// of each block into the row-major tensor, cut to its 10 elements.
// CHECK-LABEL: func.func @random_normal_box_muller
// CHECK-SAME:    (%[[KT:.*]]: tensor<i64>)
// CHECK:         %[[BLOCKS:.*]]:4 = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel"]} outs({{.*}} : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK:           %[[I:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK:           %[[STREAM:.*]] = arith.constant 2 : i32
// CHECK:           arith.mului_extended %{{.*}}, %[[STREAM]] : i32
// CHECK-COUNT-16:  arith.mului_extended
// CHECK:           %[[X3L:.*]], %[[H0L:.*]] = arith.mului_extended
// CHECK-NEXT:      %[[X1L:.*]], %[[H1L:.*]] = arith.mului_extended
// CHECK-NEXT:      %[[T0:.*]] = arith.xori %[[H1L]], %{{.*}} : i32
// CHECK-NEXT:      %[[X0L:.*]] = arith.xori %[[T0]], %{{.*}} : i32
// CHECK-NEXT:      %[[T2:.*]] = arith.xori %[[H0L]], %{{.*}} : i32
// CHECK-NEXT:      %[[X2L:.*]] = arith.xori %[[T2]], %{{.*}} : i32
// CHECK-NOT:       arith.mului_extended
// CHECK-DAG:       %[[SCALE32:.*]] = arith.constant 2.3283064365386963E-10 : f64
// CHECK-DAG:       %[[HALF:.*]] = arith.constant 5.000000e-01 : f64
// CHECK:           %[[FA:.*]] = arith.uitofp %[[X0L]] : i32 to f64
// CHECK-NEXT:      %[[HA:.*]] = arith.addf %[[FA]], %[[HALF]] : f64
// CHECK-NEXT:      %[[U1:.*]] = arith.mulf %[[HA]], %[[SCALE32]] : f64
// CHECK:           %[[FB:.*]] = arith.uitofp %[[X1L]] : i32 to f64
// CHECK:           %[[U2:.*]] = arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK-DAG:       %[[NEG2:.*]] = arith.constant -2.000000e+00 : f64
// CHECK-DAG:       %[[LOG:.*]] = math.log %[[U1]] : f64
// CHECK:           %[[M2:.*]] = arith.mulf %[[NEG2]], %[[LOG]] : f64
// CHECK-NEXT:      %[[RAD:.*]] = math.sqrt %[[M2]] : f64
// CHECK-NEXT:      %[[TWOPI:.*]] = arith.constant 6.2831853071795862 : f64
// CHECK-NEXT:      %[[ANG:.*]] = arith.mulf %[[TWOPI]], %[[U2]] : f64
// CHECK-NEXT:      %[[SD:.*]] = arith.constant 0.019999999552965164 : f64
// CHECK-NEXT:      %[[SR:.*]] = arith.mulf %[[SD]], %[[RAD]] : f64
// CHECK-NEXT:      %[[COS:.*]] = math.cos %[[ANG]] : f64
// CHECK-NEXT:      %[[SIN:.*]] = math.sin %[[ANG]] : f64
// CHECK-DAG:       %[[MEAN:.*]] = arith.constant -1.000000e+00 : f64
// CHECK-DAG:       %[[Y0:.*]] = arith.mulf %[[SR]], %[[COS]] : f64
// CHECK:           %[[V0:.*]] = arith.addf %[[MEAN]], %[[Y0]] : f64
// CHECK-NEXT:      %[[R0:.*]] = arith.truncf %[[V0]] : f64 to f32
// CHECK:           %[[Y1:.*]] = arith.mulf %[[SR]], %[[SIN]] : f64
// CHECK:           %[[V1:.*]] = arith.addf %{{.*}}, %[[Y1]] : f64
// CHECK-NEXT:      %[[R1:.*]] = arith.truncf %[[V1]] : f64 to f32
// CHECK:           arith.uitofp %[[X2L]] : i32 to f64
// CHECK:           arith.uitofp %[[X3L]] : i32 to f64
// CHECK-COUNT-1:   math.log
// CHECK-NOT:       math.log
// CHECK:           linalg.yield %[[R0]], %[[R1]], %{{.*}}, %{{.*}} : f32, f32, f32, f32
// CHECK:         %[[TABLE:.*]] = linalg.generic {{.*}} ins(%[[BLOCKS]]#0, %[[BLOCKS]]#1, %[[BLOCKS]]#2, %[[BLOCKS]]#3 : {{.*}}) outs(%{{.*}} : tensor<3x4xf32>)
// CHECK:         %[[FLAT:.*]] = tensor.collapse_shape %[[TABLE]] {{\[}}[0, 1]] : tensor<3x4xf32> into tensor<12xf32>
// CHECK:         %[[R:.*]] = tensor.extract_slice %[[FLAT]][0] [10] [1] : tensor<12xf32> to tensor<10xf32>
// CHECK:         linalg.generic {{.*}} outs(%[[KT]] : tensor<i64>)
// CHECK:           arith.addi
// CHECK:         return %[[R]]
func.func @random_normal_box_muller(%k: tensor<i64>) -> (tensor<10xf32>, tensor<i64>) {
  %w, %k1 = kiln.random_normal %k {mean = -1.0 : f64, stddev = 0.02 : f64} : tensor<10xf32>
  return %w, %k1 : tensor<10xf32>, tensor<i64>
}

// -----

/// variance_scaling: the fans read from the shape with in_axis = 1 and out_axis = 0 (an
/// [O, C, KH, KW] filter): fan_in = 4 * 9, fan_out = 8 * 9, fan_avg = 54, so Xavier-uniform
/// bounds +-sqrt(3 / 54) = +-0.235702261 (as f32), drawn as random_uniform draws them.
// CHECK-LABEL: func.func @variance_scaling_fan_avg_uniform_conv_filter
// CHECK-SAME:    (%[[KT:.*]]: tensor<i64>)
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%{{.*}} : tensor<8x4x3x3xf32>)
// CHECK:           %[[STREAM:.*]] = arith.constant 1 : i32
// CHECK:           arith.mului_extended %{{.*}}, %[[STREAM]] : i32
// CHECK:           %[[U:.*]] = arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK-DAG:       %[[WIDTH:.*]] = arith.constant 0.47140452265739441 : f64
// CHECK-DAG:       %[[LO:.*]] = arith.constant -0.2357022613286972 : f64
// CHECK-DAG:       %[[SCALED:.*]] = arith.mulf %[[WIDTH]], %[[U]] : f64
// CHECK:           %[[VAL:.*]] = arith.addf %[[LO]], %[[SCALED]] : f64
// CHECK:           %[[V32:.*]] = arith.truncf %[[VAL]] : f64 to f32
// CHECK-DAG:       %[[HI:.*]] = arith.constant 0.235702261 : f32
// CHECK-DAG:       %[[HIT:.*]] = arith.cmpf oge, %[[V32]], %[[HI]] : f32
// CHECK:           arith.select %[[HIT]], %{{.*}}, %[[V32]] : f32
// CHECK:         linalg.generic {{.*}} outs(%[[KT]] : tensor<i64>)
// CHECK:           arith.addi
func.func @variance_scaling_fan_avg_uniform_conv_filter(%k: tensor<i64>)
    -> (tensor<8x4x3x3xf32>, tensor<i64>) {
  %w, %k1 = kiln.variance_scaling %k {scale = 1.0 : f64, mode = "fan_avg", distribution = "uniform",
                                      in_axis = 1 : i64, out_axis = 0 : i64} : tensor<8x4x3x3xf32>
  return %w, %k1 : tensor<8x4x3x3xf32>, tensor<i64>
}
