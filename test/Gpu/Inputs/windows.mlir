// The runtime's own CUDA kernels, each beside its CPU twin: max pooling with overlapping,
// padded windows and its gradient (gathered on the GPU, scattered on the CPU), average
// pooling and its gradient in f64, and normal fills of odd sizes in both precisions. For
// test/Gpu/fake-driver.test (they launch) and test/Gpu/cpu-equals-gpu.test (they agree).
func.func @windows(%x: tensor<2x3x9x9xf32> {kiln.init = "normal:1.0"},
                   %dy: tensor<2x3x5x5xf32> {kiln.init = "normal:1.0"},
                   %xd: tensor<1x2x6x6xf64> {kiln.init = "normal:1.0"},
                   %dyd: tensor<1x2x3x3xf64> {kiln.init = "normal:1.0"},
                   %k: tensor<i64> {kiln.init = "key"})
    -> (tensor<2x3x5x5xf32>, tensor<2x3x9x9xf32>, tensor<1x2x3x3xf64>, tensor<1x2x6x6xf64>,
        tensor<1001xf32>, tensor<7xf64>, tensor<i64>) {
  %m = kiln.max_pool2d %x {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}
      : tensor<2x3x9x9xf32> -> tensor<2x3x5x5xf32>
  %dm = kiln.max_pool2d_grad %x, %dy {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}
      : tensor<2x3x9x9xf32>, tensor<2x3x5x5xf32>
  %a = kiln.avg_pool2d %xd {kernel = array<i64: 2, 2>} : tensor<1x2x6x6xf64> -> tensor<1x2x3x3xf64>
  %da = kiln.avg_pool2d_grad %dyd {kernel = array<i64: 2, 2>} : tensor<1x2x3x3xf64> -> tensor<1x2x6x6xf64>
  %n, %k1 = kiln.random_normal %k {stddev = 0.5 : f64} : tensor<1001xf32>
  %nd, %k2 = kiln.random_normal %k1 {stddev = 2.0 : f64} : tensor<7xf64>
  return %m, %dm, %a, %da, %n, %nd, %k2 : tensor<2x3x5x5xf32>, tensor<2x3x9x9xf32>,
      tensor<1x2x3x3xf64>, tensor<1x2x6x6xf64>, tensor<1001xf32>, tensor<7xf64>, tensor<i64>
}
