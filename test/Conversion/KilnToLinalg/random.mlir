// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s

// convert-kiln-to-linalg: random initializers (Random.cpp).

// A uniform initializer is one parallel loop with no inputs: element i (row-major) computes
// its own Philox4x32-10 block from (i, stream) and the key, as kiln::rt::fillUniform does; a
// normal one calls the runtime's fillNormal through its kernel. Either way compiled and
// driver-side initialization agree bit for bit. The next key (key + 1) is written into the
// key's own tensor.

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

/// random_normal: a call of the runtime's normal kernel, which is fillNormal itself (so
/// compiled draws equal the driver's bit for bit), on the key tensor with offset 0; mean and
/// stddev rounded to f32 as fillNormal takes them; the tensor keeps its shape (the kernel
/// fills it row-major). The next key is written into the key's own tensor.
// CHECK-LABEL: func.func @random_normal_kernel
// CHECK-SAME:    (%[[KT:.*]]: tensor<i64>)
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<2x5xf32>
// CHECK:         %[[R:.*]] = kiln_rt.kernel_call normal ins(%[[KT]] : tensor<i64>) outs(%[[E]] : tensor<2x5xf32>) params #kiln_rt.normal<count = 10, key_offset = 0, mean = -1.000000e+00, stddev = 0.019999999552965164> -> tensor<2x5xf32>
// CHECK-NOT:     math.
// CHECK:         %[[NEXT:.*]] = linalg.generic {{.*}} outs(%[[KT]] : tensor<i64>)
// CHECK:           arith.addi
// CHECK:         return %[[R]], %[[NEXT]]
func.func @random_normal_kernel(%k: tensor<i64>) -> (tensor<2x5xf32>, tensor<i64>) {
  %w, %k1 = kiln.random_normal %k {mean = -1.0 : f64, stddev = 0.02 : f64} : tensor<2x5xf32>
  return %w, %k1 : tensor<2x5xf32>, tensor<i64>
}

// -----

/// variance_scaling, normal: He-normal over fan_in = 4 (axis 0 of an [in, out] matrix),
/// stddev sqrt(2 / 4) rounded to f32, drawn by the same kernel in f64.
// CHECK-LABEL: func.func @variance_scaling_normal_kernel
// CHECK:         kiln_rt.kernel_call normal ins(%{{.*}} : tensor<i64>) outs(%{{.*}} : tensor<4x3xf64>) params #kiln_rt.normal<count = 12, key_offset = 0, mean = 0.000000e+00, stddev = 0.70710676908493042> -> tensor<4x3xf64>
func.func @variance_scaling_normal_kernel(%k: tensor<i64>) -> (tensor<4x3xf64>, tensor<i64>) {
  %w, %k1 = kiln.variance_scaling %k {scale = 2.0 : f64, mode = "fan_in", distribution = "normal"} : tensor<4x3xf64>
  return %w, %k1 : tensor<4x3xf64>, tensor<i64>
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
