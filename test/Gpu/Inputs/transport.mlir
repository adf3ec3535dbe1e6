// The Monge gap of a point cloud with itself and the Sinkhorn divergence of two clouds: a
// step made of runtime kernels alone (kiln_cuda_monge_gap_f32 and
// kiln_cuda_sinkhorn_divergence_f32, run on host copies), for test/Gpu/fake-driver.test.
func.func @gap(%x: tensor<8x2xf32> {kiln.init = "normal:1.0"},
               %y: tensor<6x2xf32> {kiln.init = "uniform:2.0"})
    -> (tensor<f32>, tensor<4xf32>, tensor<f32>) {
  %g, %r = kiln.monge_gap %x, %x : tensor<8x2xf32>, tensor<8x2xf32> -> tensor<f32>, tensor<4xf32>
  %s = kiln.sinkhorn_divergence %x, %y : tensor<8x2xf32>, tensor<6x2xf32> -> tensor<f32>
  return %g, %r, %s : tensor<f32>, tensor<4xf32>, tensor<f32>
}
