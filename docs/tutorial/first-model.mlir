// The program of docs/tutorial.md, assembled from its snippets.
func.func private @logits(%w1: tensor<784x128xf32>, %b1: tensor<128xf32>,
                          %w2: tensor<128x10xf32>, %b2: tensor<10xf32>,
                          %x: tensor<64x784xf32>) -> tensor<64x10xf32> {
  %h = kiln.matmul %x, %w1 : tensor<64x784xf32>, tensor<784x128xf32> -> tensor<64x128xf32>
  %z = kiln.bias_add %h, %b1 : tensor<64x128xf32>, tensor<128xf32>
  %a = kiln.relu %z : tensor<64x128xf32>
  %o = kiln.matmul %a, %w2 : tensor<64x128xf32>, tensor<128x10xf32> -> tensor<64x10xf32>
  %y = kiln.bias_add %o, %b2 : tensor<64x10xf32>, tensor<10xf32>
  return %y : tensor<64x10xf32>
}
func.func private @loss(%w1: tensor<784x128xf32>, %b1: tensor<128xf32>,
                        %w2: tensor<128x10xf32>, %b2: tensor<10xf32>,
                        %x: tensor<64x784xf32>, %labels: tensor<64xi64>) -> tensor<f32> {
  %y = func.call @logits(%w1, %b1, %w2, %b2, %x)
      : (tensor<784x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>,
         tensor<64x784xf32>) -> tensor<64x10xf32>
  %l = kiln.softmax_cross_entropy %y, %labels
      : tensor<64x10xf32>, tensor<64xi64> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @train_step(
    %w1: tensor<784x128xf32> {kiln.init = "uniform:0.0357"},
    %b1: tensor<128xf32> {kiln.init = "uniform:0.0357"},
    %w2: tensor<128x10xf32> {kiln.init = "uniform:0.0884"},
    %b2: tensor<10xf32> {kiln.init = "uniform:0.0884"},
    %m1: tensor<784x128xf32> {kiln.init = "zeros"}, %m2: tensor<128x10xf32> {kiln.init = "zeros"},
    %x: tensor<64x784xf32> {kiln.data = "images"},
    %labels: tensor<64xi64> {kiln.data = "labels"})
    -> (tensor<784x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>,
        tensor<784x128xf32>, tensor<128x10xf32>, tensor<f32>) {
  %l, %g1, %gb1, %g2, %gb2 = kiln.value_and_grad @loss(%w1, %b1, %w2, %b2, %x, %labels)
      wrt [0, 1, 2, 3]
      : (tensor<784x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>,
         tensor<64x784xf32>, tensor<64xi64>)
      -> (tensor<f32>, tensor<784x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>)
  %nw1, %nm1 = kiln.momentum %w1, %g1, %m1 {lr = 0.05 : f64, momentum = 0.9 : f64, nesterov}
      : tensor<784x128xf32>
  %nw2, %nm2 = kiln.momentum %w2, %g2, %m2 {lr = 0.05 : f64, momentum = 0.9 : f64, nesterov}
      : tensor<128x10xf32>
  %nb1 = kiln.sgd %b1, %gb1 {lr = 0.05 : f64} : tensor<128xf32>
  %nb2 = kiln.sgd %b2, %gb2 {lr = 0.05 : f64} : tensor<10xf32>
  return %nw1, %nb1, %nw2, %nb2, %nm1, %nm2, %l
      : tensor<784x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>,
        tensor<784x128xf32>, tensor<128x10xf32>, tensor<f32>
}
func.func @eval_step(%w1: tensor<784x128xf32>, %b1: tensor<128xf32>,
                     %w2: tensor<128x10xf32>, %b2: tensor<10xf32>,
                     %x: tensor<64x784xf32> {kiln.data = "images"},
                     %labels: tensor<64xi64> {kiln.data = "labels"})
    -> (tensor<f32>, tensor<i64>) {
  %y = func.call @logits(%w1, %b1, %w2, %b2, %x)
      : (tensor<784x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>,
         tensor<64x784xf32>) -> tensor<64x10xf32>
  %l = kiln.softmax_cross_entropy %y, %labels : tensor<64x10xf32>, tensor<64xi64> -> tensor<f32>
  %c = kiln.count_correct %y, %labels : tensor<64x10xf32>, tensor<64xi64>
  return %l, %c : tensor<f32>, tensor<i64>
}
