// A 784-128-128-10 tanh network, AdamW with warm-up + cosine decay over 10 epochs (one epoch
// of warm-up), gradients clipped to global norm 1 (docs/tutorial.md, section 2). The batch
// is `?`: the train step compiles it for 128 (kiln-run --batch N for another size).
func.func private @forward(%w1: tensor<784x128xf32>, %b1: tensor<128xf32>, %w2: tensor<128x128xf32>,
    %b2: tensor<128xf32>, %w3: tensor<128x10xf32>, %b3: tensor<10xf32>, %x: tensor<?x784xf32>) -> tensor<?x10xf32> {
  %h1 = kiln.matmul %x, %w1 : tensor<?x784xf32>, tensor<784x128xf32> -> tensor<?x128xf32>
  %z1 = kiln.bias_add %h1, %b1 : tensor<?x128xf32>, tensor<128xf32>
  %a1 = math.tanh %z1 : tensor<?x128xf32>
  %h2 = kiln.matmul %a1, %w2 : tensor<?x128xf32>, tensor<128x128xf32> -> tensor<?x128xf32>
  %z2 = kiln.bias_add %h2, %b2 : tensor<?x128xf32>, tensor<128xf32>
  %a2 = math.tanh %z2 : tensor<?x128xf32>
  %h3 = kiln.matmul %a2, %w3 : tensor<?x128xf32>, tensor<128x10xf32> -> tensor<?x10xf32>
  %z3 = kiln.bias_add %h3, %b3 : tensor<?x10xf32>, tensor<10xf32>
  return %z3 : tensor<?x10xf32>
}
func.func private @loss(%w1: tensor<784x128xf32> {kiln.init = "uniform:0.0357"},
    %b1: tensor<128xf32> {kiln.init = "uniform:0.0357"},
    %w2: tensor<128x128xf32> {kiln.init = "uniform:0.0884"},
    %b2: tensor<128xf32> {kiln.init = "uniform:0.0884"},
    %w3: tensor<128x10xf32> {kiln.init = "uniform:0.0884"},
    %b3: tensor<10xf32> {kiln.init = "uniform:0.0884"},
    %x: tensor<?x784xf32> {kiln.data = "images"}, %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %logits = func.call @forward(%w1, %b1, %w2, %b2, %w3, %b3, %x) : (tensor<784x128xf32>, tensor<128xf32>,
      tensor<128x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<?x784xf32>) -> tensor<?x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<?x10xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "adamw", lr = 2.0e-3 : f64, weight_decay = 1.0e-2 : f64,
    clip_global_norm = 1.0 : f64, schedule = "warmup_cosine_decay",
    schedule_options = {init_value = 0.0 : f64, warmup_epochs = 1, decay_epochs = 10},
    forward = @forward, batch = 128}
