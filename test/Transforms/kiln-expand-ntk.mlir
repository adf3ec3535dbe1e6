// RUN: kiln-opt %s --kiln-expand-ntk | FileCheck %s
// RUN: kiln-opt %s --kiln-expand-ntk | FileCheck %s --check-prefix=TANGENT

// kiln.ntk becomes a loop over the Jacobian's rows, each a kiln.grad of the generated
// sum(f * c) with a unit cotangent whose flattened gradients fill one row, then J J^T by the
// runtime's Gram kernel (BLAS, in double, straight from the f32 rows).

func.func private @model(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

// CHECK-LABEL: func.func private @model_ntk_weighted
// CHECK-SAME:    (%[[W:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[X:.*]]: tensor<8x4xf32>, %[[C:.*]]: tensor<8x3xf32>) -> tensor<f32>
// CHECK:         %[[F:.*]] = call @model(%[[W]], %[[B]], %[[X]])
// CHECK:         %[[P:.*]] = arith.mulf %[[F]], %[[C]] : tensor<8x3xf32>
// CHECK:         kiln.sum %[[P]] : tensor<8x3xf32> -> tensor<f32>

// "trace": the logits outside (one logit's [N, P] rows at a time), an f64 kernel from f32
// rows, divided by K.
// CHECK-LABEL: func.func @trace
// CHECK:         %[[T:.*]] = scf.for %[[K:.*]] = %{{.*}} to %c3 {{.*}} -> (tensor<8x8xf64>)
// CHECK:           %[[J:.*]] = scf.for %[[N:.*]] = %{{.*}} to %c8 {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<8x15xf32>)
// CHECK:             %[[UNIT:.*]] = tensor.insert %{{.*}} into %{{.*}}[%[[N]], %[[K]]] : tensor<8x3xf32>
// CHECK:             %[[G:.*]]:2 = kiln.grad @model_ntk_weighted(%{{.*}}, %{{.*}}, %{{.*}}, %[[UNIT]]) wrt [0, 1]
// CHECK:             %[[FLAT:.*]] = tensor.collapse_shape %[[G]]#0 {{\[}}[0, 1]] : tensor<4x3xf32> into tensor<12xf32>
// CHECK:             %[[R0:.*]] = tensor.insert_slice %[[FLAT]] into %[[ACC]][%[[N]], 0] [1, 12] [1, 1] : tensor<12xf32> into tensor<8x15xf32>
// CHECK:             %[[R1:.*]] = tensor.insert_slice %[[G]]#1 into %[[R0]][%[[N]], 12] [1, 3] [1, 1] : tensor<3xf32> into tensor<8x15xf32>
// CHECK:             scf.yield %[[R1]]
// CHECK:           %[[GRAM:.*]] = kiln_rt.kernel_call gram ins(%[[J]] : tensor<8x15xf32>) outs(%{{.*}} : tensor<8x8xf64>) params #kiln_rt.gram<rows = 8, cols = 15>
// CHECK:           arith.addf %{{.*}}, %[[GRAM]] : tensor<8x8xf64>
// CHECK:         %[[THIRD:.*]] = arith.constant dense<0.33333333333333331> : tensor<8x8xf64>
// CHECK:         %[[MEAN:.*]] = arith.mulf %[[T]], %[[THIRD]]
// CHECK:         return %[[MEAN]]
// CHECK-NOT:     kiln.ntk
func.func @trace(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>) -> tensor<8x8xf64> {
  %t = kiln.ntk @model(%w, %b, %x) wrt [0, 1] : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>) -> tensor<8x8xf64>
  return %t : tensor<8x8xf64>
}

// "sum": one VJP per sample with ones on its row (TE-NAS).
// CHECK-LABEL: func.func @sum
// CHECK:         %[[J:.*]] = scf.for %[[N:.*]] = %{{.*}} to %c8 {{.*}} -> (tensor<8x12xf32>)
// CHECK:           %[[ROW:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[%[[N]], 0] [1, 3] [1, 1] : tensor<1x3xf32> into tensor<8x3xf32>
// CHECK:           kiln.grad @model_ntk_weighted(%{{.*}}, %{{.*}}, %{{.*}}, %[[ROW]]) wrt [0]
// CHECK:         kiln_rt.kernel_call gram ins(%[[J]] : tensor<8x12xf32>) outs(%{{.*}} : tensor<8x8xf32>) params #kiln_rt.gram<rows = 8, cols = 12>
func.func @sum(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>) -> tensor<8x8xf32> {
  %s = kiln.ntk @model(%w, %b, %x) wrt [0] {logits = "sum"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>) -> tensor<8x8xf32>
  return %s : tensor<8x8xf32>
}

// "full": all N K rows, row r being (sample r / K, logit r mod K), laid out [N, K, N, K].
// CHECK-LABEL: func.func @full
// CHECK:         %[[J:.*]] = scf.for %[[R:.*]] = %{{.*}} to %c24 {{.*}} -> (tensor<24x3xf32>)
// CHECK:           %[[S:.*]] = arith.divui %[[R]], %[[K:.*]] : index
// CHECK:           %[[L:.*]] = arith.remui %[[R]], %[[K]] : index
// CHECK:           %[[UNIT:.*]] = tensor.insert %{{.*}} into %{{.*}}[%[[S]], %[[L]]] : tensor<8x3xf32>
// CHECK:           kiln.grad @model_ntk_weighted(%{{.*}}, %{{.*}}, %{{.*}}, %[[UNIT]]) wrt [1]
// CHECK:         %[[GRAM:.*]] = kiln_rt.kernel_call gram ins(%[[J]] : tensor<24x3xf32>) {{.*}} params #kiln_rt.gram<rows = 24, cols = 3>
// CHECK:         tensor.expand_shape %[[GRAM]] {{\[}}[0, 1], [2, 3]] output_shape [8, 3, 8, 3] : tensor<24x24xf32> into tensor<8x3x8x3xf32>
func.func @full(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3x8x3xf32> {
  %f = kiln.ntk @model(%w, %b, %x) wrt [1] {logits = "full"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>) -> tensor<8x3x8x3xf32>
  return %f : tensor<8x3x8x3xf32>
}

// kiln.ntk_vector_product: J (J^T v) without the kernel: one VJP with cotangent v (here
// "sum": v on every logit of its sample), one JVP along it, its rows summed.
// CHECK-LABEL: func.func @product_sum
// CHECK-SAME:    (%[[W:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[X:.*]]: tensor<8x4xf32>, %[[V:.*]]: tensor<8xf32>)
// CHECK:         %[[C:.*]] = linalg.broadcast ins(%[[V]] : tensor<8xf32>) outs(%{{.*}} : tensor<8x3xf32>) dimensions = [1]
// CHECK:         %[[U:.*]]:2 = kiln.grad @model_ntk_weighted(%[[W]], %[[B]], %[[X]], %[[C]]) wrt [0, 1]
// CHECK:         %{{.*}}, %[[T:.*]] = kiln.jvp @model(%[[W]], %[[B]], %[[X]]) wrt [0, 1] tangents(%[[U]]#0, %[[U]]#1 : tensor<4x3xf32>, tensor<3xf32>)
// CHECK:         %[[S:.*]] = linalg.reduce ins(%[[T]] : tensor<8x3xf32>) {{.*}} dimensions = [1]
// CHECK:         return %[[S]]
// CHECK-NOT:     kiln_rt.kernel_call gram
func.func @product_sum(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>, %v: tensor<8xf32>) -> tensor<8xf32> {
  %t = kiln.ntk_vector_product @model(%w, %b, %x) wrt [0, 1], %v {logits = "sum"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>), tensor<8xf32> -> tensor<8xf32>
  return %t : tensor<8xf32>
}

// kiln.ntk_grad ("full"): J's 24 rows, W = (G + G^T) J in the parameters' element type, then
// per row a the gradient of @model_ntk_tangent: the JVP along W_a, masked to row a. The
// batch's gradient is unused, so it is not computed (wrt [0, 1] only).
// TANGENT-LABEL: func.func private @model_ntk_tangent
// TANGENT-SAME:    (%[[W:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[X:.*]]: tensor<8x4xf32>, %[[TW:.*]]: tensor<4x3xf32>, %[[TB:.*]]: tensor<3xf32>, %[[MASK:.*]]: tensor<8x3xf32>) -> tensor<f32>
// TANGENT:       %{{.*}}, %[[T:.*]] = kiln.jvp @model(%[[W]], %[[B]], %[[X]]) wrt [0, 1] tangents(%[[TW]], %[[TB]] : tensor<4x3xf32>, tensor<3xf32>)
// TANGENT:       %[[P:.*]] = arith.mulf %[[T]], %[[MASK]]
// TANGENT:       kiln.sum %[[P]]
// CHECK-LABEL: func.func @grad_full
// CHECK:         %[[G:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2, 3]] : tensor<8x3x8x3xf64> into tensor<24x24xf64>
// CHECK:         %[[J:.*]] = scf.for {{.*}} -> (tensor<24x15xf32>)
// CHECK:         %[[GT:.*]] = kiln.transpose %[[G]] : tensor<24x24xf64> -> tensor<24x24xf64>
// CHECK:         %[[GS:.*]] = arith.addf %[[G]], %[[GT]] : tensor<24x24xf64>
// CHECK:         %[[GS32:.*]] = arith.truncf %[[GS]] : tensor<24x24xf64> to tensor<24x24xf32>
// CHECK:         %[[WR:.*]] = kiln.matmul %[[GS32]], %[[J]] : tensor<24x24xf32>, tensor<24x15xf32> -> tensor<24x15xf32>
// CHECK:         %[[R:.*]]:2 = scf.for %[[A:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[GW:.*]] = %{{.*}}, %[[GB:.*]] = %{{.*}}) -> (tensor<4x3xf32>, tensor<3xf32>)
// CHECK:           %[[RW:.*]] = tensor.extract_slice %[[WR]][%[[A]], 0] [1, 12] [1, 1] : tensor<24x15xf32> to tensor<12xf32>
// CHECK:           %[[TW:.*]] = tensor.expand_shape %[[RW]] {{\[}}[0, 1]] output_shape [4, 3] : tensor<12xf32> into tensor<4x3xf32>
// CHECK:           %[[TB:.*]] = tensor.extract_slice %[[WR]][%[[A]], 12] [1, 3] [1, 1] : tensor<24x15xf32> to tensor<3xf32>
// CHECK:           %[[UNIT:.*]] = tensor.insert %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] : tensor<8x3xf32>
// CHECK:           %[[D:.*]]:2 = kiln.grad @model_ntk_tangent(%{{.*}}, %{{.*}}, %{{.*}}, %[[TW]], %[[TB]], %[[UNIT]]) wrt [0, 1]
// CHECK:           %[[SW:.*]] = arith.addf %[[GW]], %[[D]]#0
// CHECK:           %[[SB:.*]] = arith.addf %[[GB]], %[[D]]#1
// CHECK:           scf.yield %[[SW]], %[[SB]]
// CHECK:         return %[[R]]#0, %[[R]]#1
func.func @grad_full(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>, %g: tensor<8x3x8x3xf64>) -> (tensor<4x3xf32>, tensor<3xf32>) {
  %gw, %gb, %gx = kiln.ntk_grad @model(%w, %b, %x) wrt [0, 1], %g {logits = "full"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>), tensor<8x3x8x3xf64> -> (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>)
  return %gw, %gb : tensor<4x3xf32>, tensor<3xf32>
}
