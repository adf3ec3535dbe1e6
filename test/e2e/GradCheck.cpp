// SPDX-License-Identifier: Apache-2.0
// Finite-difference checks of kiln-autodiff: every VJP rule, alone and composed in small
// models, in f64. The analytic gradient of a compiled kiln.value_and_grad is compared with
// central differences of the compiled loss itself.
#include "kiln/runtime/Module.h"
#include "kiln/runtime/Random.h"
#include "kiln/runtime/Session.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace kiln::rt;

namespace {

/// An argument of a test loss: its MLIR type, shape and whether it is an integer label
/// tensor (labels in [0, classes)).
struct Arg {
  std::string name;
  std::vector<int64_t> shape;
  bool label = false;
  int classes = 0;
};

struct Case {
  std::string name;
  std::vector<Arg> args;
  std::vector<int> wrt;
  std::string body; ///< the loss function's body, ending in `return %loss : tensor<f64>`
  /// A function the loss refers to as @MODEL (kiln.ntk's model), emitted before it.
  std::string model = "";
};

std::string typeOf(const Arg &a) {
  std::string t = "tensor<";
  for (int64_t d : a.shape)
    t += std::to_string(d) + "x";
  return t + (a.label ? "i64>" : "f64>");
}

const std::vector<Case> &cases() {
  static const std::vector<Case> table = {
      {"mlp_cross_entropy",
       {{"w1", {5, 4}}, {"b1", {4}}, {"w2", {4, 3}}, {"b2", {3}}, {"x", {6, 5}},
        {"y", {6}, true, 3}},
       {0, 1, 2, 3, 4},
       "  %h = kiln.matmul %x, %w1 : tensor<6x5xf64>, tensor<5x4xf64> -> tensor<6x4xf64>\n"
       "  %z = kiln.bias_add %h, %b1 : tensor<6x4xf64>, tensor<4xf64>\n"
       "  %a = kiln.relu %z : tensor<6x4xf64>\n"
       "  %o = kiln.matmul %a, %w2 : tensor<6x4xf64>, tensor<4x3xf64> -> tensor<6x3xf64>\n"
       "  %l = kiln.bias_add %o, %b2 : tensor<6x3xf64>, tensor<3xf64>\n"
       "  %loss = kiln.softmax_cross_entropy %l, %y : tensor<6x3xf64>, tensor<6xi64> -> tensor<f64>\n"},
      {"cross_entropy_sum",
       {{"l", {4, 7}}, {"y", {4}, true, 7}},
       {0},
       "  %loss = kiln.softmax_cross_entropy %l, %y {reduction = \"sum\"} : tensor<4x7xf64>, "
       "tensor<4xi64> -> tensor<f64>\n"},
      {"mse_tanh",
       {{"w", {3, 2}}, {"x", {5, 3}}, {"t", {5, 2}}},
       {0, 1, 2},
       "  %h = kiln.matmul %x, %w : tensor<5x3xf64>, tensor<3x2xf64> -> tensor<5x2xf64>\n"
       "  %a = math.tanh %h : tensor<5x2xf64>\n"
       "  %loss = kiln.mse %a, %t : tensor<5x2xf64> -> tensor<f64>\n"},
      {"elementwise_fanout",
       {{"x", {7}}, {"y", {7}}, {"unused", {3}}},
       {0, 1, 2},
       // x is used three times, y twice; `unused` must get a zero gradient.
       "  %xx = arith.mulf %x, %x : tensor<7xf64>\n"
       "  %e = math.exp %x : tensor<7xf64>\n"
       "  %q = arith.divf %e, %y : tensor<7xf64>\n"
       "  %ly = math.log %y : tensor<7xf64>\n"
       "  %s1 = arith.addf %xx, %q : tensor<7xf64>\n"
       "  %s2 = arith.subf %s1, %ly : tensor<7xf64>\n"
       "  %n = arith.negf %s2 : tensor<7xf64>\n"
       "  %loss = kiln.sum %n : tensor<7xf64> -> tensor<f64>\n"},
      {"activations",
       {{"x", {3, 4}}, {"w", {3, 4}}},
       {0, 1},
       "  %g = kiln.gelu %x : tensor<3x4xf64>\n"
       "  %gw = arith.mulf %g, %w : tensor<3x4xf64>\n"
       "  %s = kiln.sigmoid %x : tensor<3x4xf64>\n"
       "  %r = kiln.leaky_relu %x {alpha = 0.2 : f64} : tensor<3x4xf64>\n"
       "  %t1 = arith.addf %gw, %s : tensor<3x4xf64>\n"
       "  %t2 = arith.addf %t1, %r : tensor<3x4xf64>\n"
       "  %loss = kiln.sum %t2 : tensor<3x4xf64> -> tensor<f64>\n"},
      {"log_softmax_weighted",
       {{"l", {4, 5}}, {"w", {4, 5}}},
       {0, 1},
       "  %lp = kiln.log_softmax %l : tensor<4x5xf64>\n"
       "  %p = arith.mulf %lp, %w : tensor<4x5xf64>\n"
       "  %loss = kiln.sum %p : tensor<4x5xf64> -> tensor<f64>\n"},
      {"flatten_reshape",
       {{"x", {2, 3, 4}}, {"w", {12, 5}}, {"v", {10}}},
       {0, 1, 2},
       "  %f = tensor.collapse_shape %x [[0], [1, 2]] : tensor<2x3x4xf64> into tensor<2x12xf64>\n"
       "  %h = kiln.matmul %f, %w : tensor<2x12xf64>, tensor<12x5xf64> -> tensor<2x5xf64>\n"
       "  %v2 = tensor.expand_shape %v [[0, 1]] output_shape [2, 5] : tensor<10xf64> into tensor<2x5xf64>\n"
       "  %hv = arith.mulf %h, %v2 : tensor<2x5xf64>\n"
       "  %sq = arith.mulf %hv, %hv : tensor<2x5xf64>\n"
       "  %loss = kiln.sum %sq : tensor<2x5xf64> -> tensor<f64>\n"},
      {"dropout",
       {{"x", {6, 7}}, {"w", {6, 7}}, {"key", {}, true, 1 << 30}},
       {0, 1},
       // With the key fixed the mask is fixed: the loss is smooth in x and w.
       "  %d, %k1 = kiln.dropout %x key(%key) {rate = 0.3 : f64} : tensor<6x7xf64>\n"
       "  %p = arith.mulf %d, %w : tensor<6x7xf64>\n"
       "  %loss = kiln.sum %p : tensor<6x7xf64> -> tensor<f64>\n"},
      {"layer_norm",
       {{"x", {5, 6}}, {"gamma", {6}}, {"beta", {6}}, {"w", {5, 6}}},
       {0, 1, 2, 3},
       "  %y = kiln.layer_norm %x, %gamma, %beta {eps = 1.0e-5 : f64} : tensor<5x6xf64>, tensor<6xf64>\n"
       "  %p = arith.mulf %y, %w : tensor<5x6xf64>\n"
       "  %loss = kiln.sum %p : tensor<5x6xf64> -> tensor<f64>\n"},
      {"conv2d_strided_dilated",
       {{"x", {2, 3, 7, 6}}, {"w", {4, 3, 3, 2}}, {"t", {2, 4, 4, 6}}},
       {0, 1, 2},
       "  %c = kiln.conv2d %x, %w {stride = array<i64: 2, 1>, padding = array<i64: 1, 1>, "
       "dilation = array<i64: 1, 2>} : tensor<2x3x7x6xf64>, tensor<4x3x3x2xf64> -> tensor<2x4x4x6xf64>\n"
       "  %p = arith.mulf %c, %t : tensor<2x4x4x6xf64>\n"
       "  %loss = kiln.sum %p : tensor<2x4x4x6xf64> -> tensor<f64>\n"},
      {"conv2d_groups_bias_gap",
       {{"x", {2, 4, 5, 5}}, {"w", {6, 2, 3, 3}}, {"b", {6}}, {"y", {2}, true, 6}},
       {0, 1, 2},
       "  %c = kiln.conv2d %x, %w {padding = array<i64: 1, 1>, groups = 2} "
       ": tensor<2x4x5x5xf64>, tensor<6x2x3x3xf64> -> tensor<2x6x5x5xf64>\n"
       "  %cb = kiln.channel_bias %c, %b : tensor<2x6x5x5xf64>, tensor<6xf64>\n"
       "  %a = kiln.relu %cb : tensor<2x6x5x5xf64>\n"
       "  %g = kiln.global_avg_pool %a : tensor<2x6x5x5xf64> -> tensor<2x6xf64>\n"
       "  %loss = kiln.softmax_cross_entropy %g, %y : tensor<2x6xf64>, tensor<2xi64> -> tensor<f64>\n"},
      {"depthwise_separable",
       {{"x", {1, 3, 6, 6}}, {"dw", {3, 1, 3, 3}}, {"pw", {5, 3, 1, 1}}, {"t", {1, 5, 4, 4}}},
       {0, 1, 2, 3},
       "  %d = kiln.conv2d %x, %dw {groups = 3} : tensor<1x3x6x6xf64>, tensor<3x1x3x3xf64> -> tensor<1x3x4x4xf64>\n"
       "  %p = kiln.conv2d %d, %pw : tensor<1x3x4x4xf64>, tensor<5x3x1x1xf64> -> tensor<1x5x4x4xf64>\n"
       "  %q = arith.mulf %p, %t : tensor<1x5x4x4xf64>\n"
       "  %loss = kiln.sum %q : tensor<1x5x4x4xf64> -> tensor<f64>\n"},
      {"pooling",
       {{"x", {2, 2, 7, 7}}, {"t", {2, 2, 4, 4}}},
       {0, 1},
       "  %m = kiln.max_pool2d %x {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, "
       "padding = array<i64: 1, 1>} : tensor<2x2x7x7xf64> -> tensor<2x2x4x4xf64>\n"
       "  %a = kiln.avg_pool2d %m {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, "
       "padding = array<i64: 1, 1>} : tensor<2x2x4x4xf64> -> tensor<2x2x4x4xf64>\n"
       "  %m2 = kiln.max_pool2d %a {kernel = array<i64: 2, 2>, dilation = array<i64: 2, 2>, "
       "stride = array<i64: 1, 1>} : tensor<2x2x4x4xf64> -> tensor<2x2x2x2xf64>\n"
       "  %a2 = kiln.avg_pool2d %x {kernel = array<i64: 2, 2>} : tensor<2x2x7x7xf64> -> tensor<2x2x3x3xf64>\n"
       "  %q = arith.mulf %a, %t : tensor<2x2x4x4xf64>\n"
       "  %s1 = kiln.sum %q : tensor<2x2x4x4xf64> -> tensor<f64>\n"
       "  %s2 = kiln.sum %m2 : tensor<2x2x2x2xf64> -> tensor<f64>\n"
       "  %s3 = kiln.sum %a2 : tensor<2x2x3x3xf64> -> tensor<f64>\n"
       "  %s12 = arith.addf %s1, %s2 : tensor<f64>\n"
       "  %loss = arith.addf %s12, %s3 : tensor<f64>\n"},
      {"small_cnn",
       {{"w1", {4, 1, 3, 3}}, {"b1", {4}}, {"w2", {36, 3}}, {"x", {3, 1, 6, 6}}, {"y", {3}, true, 3}},
       {0, 1, 2, 3},
       "  %c = kiln.conv2d %x, %w1 {padding = array<i64: 1, 1>} : tensor<3x1x6x6xf64>, tensor<4x1x3x3xf64> -> tensor<3x4x6x6xf64>\n"
       "  %cb = kiln.channel_bias %c, %b1 : tensor<3x4x6x6xf64>, tensor<4xf64>\n"
       "  %a = kiln.relu %cb : tensor<3x4x6x6xf64>\n"
       "  %p = kiln.max_pool2d %a {kernel = array<i64: 2, 2>} : tensor<3x4x6x6xf64> -> tensor<3x4x3x3xf64>\n"
       "  %f = tensor.collapse_shape %p [[0], [1, 2, 3]] : tensor<3x4x3x3xf64> into tensor<3x36xf64>\n"
       "  %l = kiln.matmul %f, %w2 : tensor<3x36xf64>, tensor<36x3xf64> -> tensor<3x3xf64>\n"
       "  %loss = kiln.softmax_cross_entropy %l, %y : tensor<3x3xf64>, tensor<3xi64> -> tensor<f64>\n"},
      {"concat",
       {{"a", {2, 3}}, {"b", {2, 4}}, {"w", {2, 10}}},
       {0, 1, 2},
       "  %c = tensor.concat dim(1) %a, %b, %a : (tensor<2x3xf64>, tensor<2x4xf64>, tensor<2x3xf64>) -> tensor<2x10xf64>\n"
       "  %p = arith.mulf %c, %w : tensor<2x10xf64>\n"
       "  %q = arith.mulf %p, %c : tensor<2x10xf64>\n"
       "  %loss = kiln.sum %q : tensor<2x10xf64> -> tensor<f64>\n"},
      {"conv_bias_avg_pools",
       {{"x", {2, 2, 6, 6}}, {"w", {3, 2, 3, 3}}, {"b", {3}}, {"t", {2, 3}}},
       {0, 1, 2, 3},
       "  %c = kiln.conv2d %x, %w {padding = array<i64: 1, 1>} : tensor<2x2x6x6xf64>, "
       "tensor<3x2x3x3xf64> -> tensor<2x3x6x6xf64>\n"
       "  %cb = kiln.channel_bias %c, %b : tensor<2x3x6x6xf64>, tensor<3xf64>\n"
       "  %s = kiln.sigmoid %cb : tensor<2x3x6x6xf64>\n"
       "  %p = kiln.avg_pool2d %s {kernel = array<i64: 2, 2>} : tensor<2x3x6x6xf64> -> "
       "tensor<2x3x3x3xf64>\n"
       "  %g = kiln.global_avg_pool %p : tensor<2x3x3x3xf64> -> tensor<2x3xf64>\n"
       "  %q = arith.mulf %g, %t : tensor<2x3xf64>\n"
       "  %r = arith.mulf %q, %g : tensor<2x3xf64>\n"
       "  %loss = kiln.sum %r : tensor<2x3xf64> -> tensor<f64>\n"},
      {"supernet_edge",
       {{"h", {2, 2, 5, 5}}, {"w", {2, 2, 3, 3}}, {"alpha", {4}}, {"t", {2, 2, 5, 5}}},
       {0, 1, 2, 3},
       // A DARTS edge over (none, conv 3x3, avg pool 3x3, skip): weights and alpha together.
       "  %c = kiln.conv2d %h, %w {padding = array<i64: 1, 1>} : tensor<2x2x5x5xf64>, tensor<2x2x3x3xf64> -> tensor<2x2x5x5xf64>\n"
       "  %p = kiln.avg_pool2d %h {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : tensor<2x2x5x5xf64> -> tensor<2x2x5x5xf64>\n"
       "  %m = kiln.mixed %alpha [%c, %p, %h] {ops = [\"none\", \"conv_3x3\", \"avg_pool_3x3\", \"skip_connect\"]} "
       ": tensor<4xf64>, [tensor<2x2x5x5xf64>, tensor<2x2x5x5xf64>, tensor<2x2x5x5xf64>] -> tensor<2x2x5x5xf64>\n"
       "  %q = arith.mulf %m, %t : tensor<2x2x5x5xf64>\n"
       "  %r = arith.mulf %q, %m : tensor<2x2x5x5xf64>\n"
       "  %loss = kiln.sum %r : tensor<2x2x5x5xf64> -> tensor<f64>\n"},
      {"transpose_matmul",
       {{"a", {3, 4}}, {"b", {3, 2}}},
       {0, 1},
       "  %at = kiln.transpose %a : tensor<3x4xf64> -> tensor<4x3xf64>\n"
       "  %c = kiln.matmul %at, %b : tensor<4x3xf64>, tensor<3x2xf64> -> tensor<4x2xf64>\n"
       "  %c2 = arith.mulf %c, %c : tensor<4x2xf64>\n"
       "  %loss = kiln.sum %c2 : tensor<4x2xf64> -> tensor<f64>\n"},
      {"softmax_weighted",
       {{"l", {4, 5}}, {"w", {4, 5}}},
       {0, 1},
       "  %p = kiln.softmax %l : tensor<4x5xf64>\n"
       "  %q = arith.mulf %p, %w : tensor<4x5xf64>\n"
       "  %loss = kiln.sum %q : tensor<4x5xf64> -> tensor<f64>\n"},
      {"broadcast_add_mul",
       {{"a", {4, 1, 3}}, {"b", {5, 1}}, {"c", {3}}, {"s", {1}}, {"w", {4, 5, 3}}},
       {0, 1, 2, 3, 4},
       // Both operands of the add broadcast (a along dim 1, b along dims 0 and 2); c lacks
       // two dimensions, s is one element; z feeds two ops.
       "  %z = kiln.add %a, %b : tensor<4x1x3xf64>, tensor<5x1xf64> -> tensor<4x5x3xf64>\n"
       "  %m = kiln.mul %z, %c : tensor<4x5x3xf64>, tensor<3xf64> -> tensor<4x5x3xf64>\n"
       "  %m2 = kiln.mul %m, %z : tensor<4x5x3xf64>, tensor<4x5x3xf64> -> tensor<4x5x3xf64>\n"
       "  %m3 = kiln.mul %s, %m2 : tensor<1xf64>, tensor<4x5x3xf64> -> tensor<4x5x3xf64>\n"
       "  %p = kiln.mul %m3, %w : tensor<4x5x3xf64>, tensor<4x5x3xf64> -> tensor<4x5x3xf64>\n"
       "  %loss = kiln.sum %p : tensor<4x5x3xf64> -> tensor<f64>\n"},
      {"batch_norm_train",
       {{"x", {2, 3, 2, 2}}, {"gamma", {3}}, {"beta", {3}}, {"rm", {3}}, {"rv", {3}},
        {"w", {2, 3, 2, 2}}},
       {0, 1, 2, 5},
       // Batch statistics; the updated running statistics are not part of the loss.
       "  %ev = math.exp %rv : tensor<3xf64>\n"
       "  %y, %rm1, %rv1 = kiln.batch_norm %x, %gamma, %beta, %rm, %ev {momentum = 0.1 : f64, "
       "eps = 1.0e-5 : f64, training = true} : tensor<2x3x2x2xf64>, tensor<3xf64>\n"
       "  %p = arith.mulf %y, %w : tensor<2x3x2x2xf64>\n"
       "  %loss = kiln.sum %p : tensor<2x3x2x2xf64> -> tensor<f64>\n"},
      {"batch_norm_train_2d",
       {{"x", {6, 4}}, {"gamma", {4}}, {"beta", {4}}, {"rm", {4}}, {"rv", {4}}, {"y", {6}, true, 4}},
       {0, 1, 2},
       "  %ev = math.exp %rv : tensor<4xf64>\n"
       "  %h, %rm1, %rv1 = kiln.batch_norm %x, %gamma, %beta, %rm, %ev {training = true} "
       ": tensor<6x4xf64>, tensor<4xf64>\n"
       "  %loss = kiln.softmax_cross_entropy %h, %y : tensor<6x4xf64>, tensor<6xi64> -> tensor<f64>\n"},
      {"batch_norm_eval",
       {{"x", {2, 3, 2, 2}}, {"gamma", {3}}, {"beta", {3}}, {"rm", {3}}, {"rv", {3}},
        {"w", {2, 3, 2, 2}}},
       {0, 1, 2, 5},
       // Running statistics (a positive variance); they are state, with no gradient.
       "  %ev = math.exp %rv : tensor<3xf64>\n"
       "  %y, %rm1, %rv1 = kiln.batch_norm %x, %gamma, %beta, %rm, %ev {eps = 1.0e-3 : f64, "
       "training = false} : tensor<2x3x2x2xf64>, tensor<3xf64>\n"
       "  %p = arith.mulf %y, %w : tensor<2x3x2x2xf64>\n"
       "  %q = arith.mulf %p, %y : tensor<2x3x2x2xf64>\n"
       "  %loss = kiln.sum %q : tensor<2x3x2x2xf64> -> tensor<f64>\n"},
      {"batch_matmul",
       {{"a", {2, 3, 4}}, {"b", {2, 4, 5}}, {"w", {2, 3, 5}}},
       {0, 1, 2},
       "  %c = kiln.batch_matmul %a, %b : tensor<2x3x4xf64>, tensor<2x4x5xf64> -> tensor<2x3x5xf64>\n"
       "  %p = arith.mulf %c, %w : tensor<2x3x5xf64>\n"
       "  %q = arith.mulf %p, %c : tensor<2x3x5xf64>\n"
       "  %loss = kiln.sum %q : tensor<2x3x5xf64> -> tensor<f64>\n"},
      // The regularizers' envelope-theorem gradients, solved far past the finite
      // differences' resolution, through a map's parameters and into both clouds.
      {"monge_gap_affine_map",
       {{"x", {6, 2}}, {"w", {2, 2}}, {"b", {2}}},
       {0, 1, 2},
       "  %xw = kiln.matmul %x, %w : tensor<6x2xf64>, tensor<2x2xf64> -> tensor<6x2xf64>\n"
       "  %y = kiln.bias_add %xw, %b : tensor<6x2xf64>, tensor<2xf64>\n"
       "  %loss = kiln.monge_gap %x, %y {epsilon = 0.5 : f64, epsilon_mode = \"absolute\", "
       "threshold = 1.0e-11 : f64, max_iterations = 20000 : i64} : tensor<6x2xf64>, "
       "tensor<6x2xf64> -> tensor<f64>\n"},
      {"sinkhorn_divergence_euclidean",
       {{"x", {5, 3}}, {"w", {3, 3}}, {"z", {4, 3}}},
       {0, 1, 2},
       "  %y = kiln.matmul %x, %w : tensor<5x3xf64>, tensor<3x3xf64> -> tensor<5x3xf64>\n"
       "  %loss = kiln.sinkhorn_divergence %y, %z {cost = \"euclidean\", epsilon = 0.5 : f64, "
       "epsilon_mode = \"absolute\", threshold = 1.0e-11 : f64, max_iterations = 20000 : i64} "
       ": tensor<5x3xf64>, tensor<4x3xf64> -> tensor<f64>\n"},
      // kiln.ntk inside a loss (its VJP, kiln.ntk_grad: reverse over forward mode) in its
      // three logit contractions, through tanh, gelu (erf), relu (relu_grad), leaky_relu
      // (select) and sigmoid; with respect to the parameters and the batch.
      {"ntk_sum_tanh",
       {{"w1", {3, 4}}, {"b1", {4}}, {"w2", {4, 2}}, {"u", {5, 3}}, {"q", {3, 3}}, {"c", {5, 5}}},
       {0, 1, 2, 4},
       // The batch is computed from a parameter q: its gradient goes through the kernel's.
       "  %x = kiln.matmul %u, %q : tensor<5x3xf64>, tensor<3x3xf64> -> tensor<5x3xf64>\n"
       "  %k = kiln.ntk @MODEL(%w1, %b1, %w2, %x) wrt [0, 1, 2] {logits = \"sum\"} : "
       "(tensor<3x4xf64>, tensor<4xf64>, tensor<4x2xf64>, tensor<5x3xf64>) -> tensor<5x5xf64>\n"
       "  %p = arith.mulf %k, %c : tensor<5x5xf64>\n"
       "  %loss = kiln.sum %p : tensor<5x5xf64> -> tensor<f64>\n",
       "func.func private @MODEL(%w1: tensor<3x4xf64>, %b1: tensor<4xf64>, %w2: tensor<4x2xf64>, "
       "%x: tensor<5x3xf64>) -> tensor<5x2xf64> {\n"
       "  %h = kiln.matmul %x, %w1 : tensor<5x3xf64>, tensor<3x4xf64> -> tensor<5x4xf64>\n"
       "  %z = kiln.bias_add %h, %b1 : tensor<5x4xf64>, tensor<4xf64>\n"
       "  %a = math.tanh %z : tensor<5x4xf64>\n"
       "  %f = kiln.matmul %a, %w2 : tensor<5x4xf64>, tensor<4x2xf64> -> tensor<5x2xf64>\n"
       "  return %f : tensor<5x2xf64>\n}\n"},
      {"ntk_trace_gelu",
       {{"w1", {3, 4}}, {"w2", {4, 3}}, {"b2", {3}}, {"x", {4, 3}}, {"c", {4, 4}}},
       {0, 1, 2, 3}, // the batch too
       "  %k = kiln.ntk @MODEL(%w1, %w2, %b2, %x) wrt [0, 1, 2] : (tensor<3x4xf64>, "
       "tensor<4x3xf64>, tensor<3xf64>, tensor<4x3xf64>) -> tensor<4x4xf64>\n"
       "  %p = arith.mulf %k, %c : tensor<4x4xf64>\n"
       "  %loss = kiln.sum %p : tensor<4x4xf64> -> tensor<f64>\n",
       "func.func private @MODEL(%w1: tensor<3x4xf64>, %w2: tensor<4x3xf64>, %b2: tensor<3xf64>, "
       "%x: tensor<4x3xf64>) -> tensor<4x3xf64> {\n"
       "  %h = kiln.matmul %x, %w1 : tensor<4x3xf64>, tensor<3x4xf64> -> tensor<4x4xf64>\n"
       "  %a = kiln.gelu %h : tensor<4x4xf64>\n"
       "  %o = kiln.matmul %a, %w2 : tensor<4x4xf64>, tensor<4x3xf64> -> tensor<4x3xf64>\n"
       "  %f = kiln.bias_add %o, %b2 : tensor<4x3xf64>, tensor<3xf64>\n"
       "  return %f : tensor<4x3xf64>\n}\n"},
      {"ntk_full_relu_sigmoid",
       {{"w1", {3, 4}}, {"b1", {4}}, {"w2", {4, 3}}, {"w3", {3, 2}}, {"x", {3, 3}},
        {"c", {3, 2, 3, 2}}},
       {0, 1, 2, 3},
       "  %k = kiln.ntk @MODEL(%w1, %b1, %w2, %w3, %x) wrt [0, 1, 2, 3] {logits = \"full\"} : "
       "(tensor<3x4xf64>, tensor<4xf64>, tensor<4x3xf64>, tensor<3x2xf64>, tensor<3x3xf64>) -> "
       "tensor<3x2x3x2xf64>\n"
       "  %p = arith.mulf %k, %c : tensor<3x2x3x2xf64>\n"
       "  %loss = kiln.sum %p : tensor<3x2x3x2xf64> -> tensor<f64>\n",
       "func.func private @MODEL(%w1: tensor<3x4xf64>, %b1: tensor<4xf64>, %w2: tensor<4x3xf64>, "
       "%w3: tensor<3x2xf64>, %x: tensor<3x3xf64>) -> tensor<3x2xf64> {\n"
       "  %h = kiln.matmul %x, %w1 : tensor<3x3xf64>, tensor<3x4xf64> -> tensor<3x4xf64>\n"
       "  %z = kiln.bias_add %h, %b1 : tensor<3x4xf64>, tensor<4xf64>\n"
       "  %a = kiln.relu %z : tensor<3x4xf64>\n"
       "  %o = kiln.matmul %a, %w2 : tensor<3x4xf64>, tensor<4x3xf64> -> tensor<3x3xf64>\n"
       "  %l = kiln.leaky_relu %o {alpha = 0.1 : f64} : tensor<3x3xf64>\n"
       "  %s = kiln.sigmoid %l : tensor<3x3xf64>\n"
       "  %f = kiln.matmul %s, %w3 : tensor<3x3xf64>, tensor<3x2xf64> -> tensor<3x2xf64>\n"
       "  return %f : tensor<3x2xf64>\n}\n"},
  };
  return table;
}

/// The cases whose every op has a forward-mode rule: kiln.jvp of their loss is checked
/// against central differences along random tangents (and against the gradient).
bool isForwardCase(const Case &c) {
  static const std::vector<std::string> names = {
      "elementwise_fanout", "activations", "flatten_reshape", "dropout",
      "conv2d_strided_dilated", "depthwise_separable", "conv_bias_avg_pools", "concat",
      "transpose_matmul", "softmax_weighted", "broadcast_add_mul", "batch_matmul"};
  return std::find(names.begin(), names.end(), c.name) != names.end();
}

/// `text` with every f64 tensor type turned into f32 (attributes stay f64): the same case in
/// single precision, whose matmuls run on oneDNN while the f64 ones run as generated loops.
std::string toF32(std::string text) {
  for (size_t at = text.find("f64>"); at != std::string::npos; at = text.find("f64>", at))
    text.replace(at, 4, "f32>");
  return text;
}

void emitCase(const Case &c, bool f32);

void emitProgram() {
  std::printf("// Generated by kiln-grad-check --emit-program.\n");
  std::printf("func.func @dropout_mask(%%x: tensor<64x257xf32>, %%k: tensor<i64>)\n"
              "    -> (tensor<64x257xf32>, tensor<i64>) {\n"
              "  %%y, %%k1 = kiln.dropout %%x key(%%k) {rate = 0.25 : f64} : tensor<64x257xf32>\n"
              "  return %%y, %%k1 : tensor<64x257xf32>, tensor<i64>\n}\n");
  for (const Case &c : cases()) {
    emitCase(c, false);
    emitCase(c, true);
  }
}

void emitCase(const Case &c, bool f32) {
  std::string suffix = f32 ? "_f32" : "";
  auto retype = [&](const std::string &t) { return f32 ? toF32(t) : t; };
  {
    std::string params, operands, types, grads;
    for (size_t i = 0; i < c.args.size(); ++i) {
      const Arg &a = c.args[i];
      params += (i ? ", %" : "%") + a.name + ": " + typeOf(a);
      operands += (i ? ", %" : "%") + a.name;
      types += (i ? ", " : "") + typeOf(a);
    }
    std::string wrt, gradTypes;
    for (size_t k = 0; k < c.wrt.size(); ++k) {
      wrt += (k ? ", " : "") + std::to_string(c.wrt[k]);
      gradTypes += ", " + typeOf(c.args[c.wrt[k]]);
    }
    params = retype(params), types = retype(types), gradTypes = retype(gradTypes);
    std::string scalar = retype("tensor<f64>"), name = c.name + suffix;
    auto named = [&](std::string text) {
      for (size_t at = text.find("@MODEL"); at != std::string::npos; at = text.find("@MODEL", at))
        text.replace(at, 6, "@" + name + "_model");
      return text;
    };
    if (!c.model.empty())
      std::printf("%s", named(retype(c.model)).c_str());
    // The loss is public too: the checker differentiates it numerically.
    std::printf("func.func @%s_loss(%s) -> %s {\n%s  return %%loss : %s\n}\n", name.c_str(),
                params.c_str(), scalar.c_str(), named(retype(c.body)).c_str(), scalar.c_str());
    std::string results = "%r:" + std::to_string(c.wrt.size() + 1);
    std::printf("func.func @%s_grad(%s) -> (%s%s) {\n"
                "  %s = kiln.value_and_grad @%s_loss(%s) wrt [%s] : (%s) -> (%s%s)\n"
                "  return ",
                name.c_str(), params.c_str(), scalar.c_str(), gradTypes.c_str(), results.c_str(),
                name.c_str(), operands.c_str(), wrt.c_str(), types.c_str(), scalar.c_str(),
                gradTypes.c_str());
    for (size_t k = 0; k <= c.wrt.size(); ++k)
      std::printf("%s%%r#%zu", k ? ", " : "", k);
    std::printf(" : %s%s\n}\n", scalar.c_str(), gradTypes.c_str());
    if (f32 || !isForwardCase(c))
      return;
    // (arguments, one tangent per wrt argument) -> (loss, directional derivative).
    std::string tangents, tangentTypes;
    for (size_t k = 0; k < c.wrt.size(); ++k) {
      tangents += (k ? ", %jvp_t" : "%jvp_t") + std::to_string(k);
      tangentTypes += (k ? ", " : "") + typeOf(c.args[c.wrt[k]]);
      params += ", %jvp_t" + std::to_string(k) + ": " + typeOf(c.args[c.wrt[k]]);
    }
    std::printf("func.func @%s_jvp(%s) -> (%s, %s) {\n"
                "  %%jvp_v, %%jvp_d = kiln.jvp @%s_loss(%s) wrt [%s] tangents(%s : %s) : (%s) -> (%s, %s)\n"
                "  return %%jvp_v, %%jvp_d : %s, %s\n}\n",
                name.c_str(), params.c_str(), scalar.c_str(), scalar.c_str(), name.c_str(),
                operands.c_str(), wrt.c_str(), tangents.c_str(), tangentTypes.c_str(),
                types.c_str(), scalar.c_str(), scalar.c_str(), scalar.c_str(), scalar.c_str());
  }
}

int64_t numel(const std::vector<int64_t> &s) {
  int64_t n = 1;
  for (int64_t d : s)
    n *= d;
  return n;
}

int failures = 0, passes = 0;

/// A case's arguments, drawn from `rng`: O(1) normals (y, divided by and logged, positive),
/// labels in [0, classes).
void drawArguments(const Case &c, std::mt19937_64 &rng, std::vector<std::vector<double>> &values,
                   std::vector<std::vector<int64_t>> &labels) {
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const Arg &a : c.args) {
    values.emplace_back(numel(a.shape));
    labels.emplace_back(numel(a.shape));
    for (size_t i = 0; i < values.back().size(); ++i) {
      values.back()[i] = a.name == "y" && !a.label ? 0.5 + std::abs(normal(rng)) : normal(rng);
      labels.back()[i] = a.label ? int64_t(rng() % a.classes) : 0;
    }
  }
}

void checkCase(Session &session, const Module &module, const Case &c) {
  auto lossFn = module.lookup(c.name + "_loss");
  auto gradFn = module.lookup(c.name + "_grad");
  if (!lossFn.ok() || !gradFn.ok()) {
    std::printf("FAIL %s: entry points missing\n", c.name.c_str());
    failures++;
    return;
  }
  std::mt19937_64 rng(99);
  std::vector<std::vector<double>> values;
  std::vector<std::vector<int64_t>> labels;
  drawArguments(c, rng, values, labels);
  std::vector<TensorView> inputs;
  for (size_t i = 0; i < c.args.size(); ++i)
    inputs.push_back(c.args[i].label ? TensorView{labels[i].data(), DType::I64, c.args[i].shape}
                                     : TensorView{values[i].data(), DType::F64, c.args[i].shape});

  double loss = 0;
  std::vector<std::vector<double>> grads;
  std::vector<TensorView> outputs = {{&loss, DType::F64, {}}};
  grads.reserve(c.wrt.size());
  for (int w : c.wrt) {
    grads.emplace_back(numel(c.args[w].shape));
    outputs.push_back({grads.back().data(), DType::F64, c.args[w].shape});
  }
  Status status = session.call(**gradFn, inputs, outputs);
  auto evaluate = [&]() {
    double value = 0;
    Status s = session.call(**lossFn, inputs, {{&value, DType::F64, {}}});
    if (!s.ok())
      status = s;
    return value;
  };
  double base = evaluate();
  bool ok = status.ok() && std::abs(base - loss) <= 1e-12 * std::max(1.0, std::abs(loss));
  double worst = 0;
  for (size_t k = 0; ok && k < c.wrt.size(); ++k) {
    std::vector<double> &x = values[c.wrt[k]];
    for (size_t i = 0; i < x.size(); ++i) {
      double saved = x[i], h = 1e-6 * std::max(1.0, std::abs(saved));
      x[i] = saved + h;
      double up = evaluate();
      x[i] = saved - h;
      double down = evaluate();
      x[i] = saved;
      double fd = (up - down) / (2 * h), analytic = grads[k][i];
      // Central differences are accurate to O(h^2) and lose ~eps*|f|/h to rounding: 1e-6
      // relative to the larger of the two, or absolute below 1, is far above both.
      double err = std::abs(fd - analytic) / std::max({1.0, std::abs(fd), std::abs(analytic)});
      worst = std::max(worst, err);
      ok &= err <= 1e-6;
    }
  }
  ok &= status.ok();
  (ok ? passes : failures)++;
  std::printf("%s %s (loss %.6g, max gradient error %.3g)%s\n", ok ? "PASS" : "FAIL",
              c.name.c_str(), loss, worst, status.ok() ? "" : status.toString().c_str());
}

/// Forward mode: kiln.jvp of the loss along random tangents against central differences of
/// the loss along them, and against the gradient (validated above) dotted with them.
void checkForward(Session &session, const Module &module, const Case &c) {
  auto jvpFn = module.lookup(c.name + "_jvp");
  auto lossFn = module.lookup(c.name + "_loss");
  auto gradFn = module.lookup(c.name + "_grad");
  if (!jvpFn.ok() || !lossFn.ok() || !gradFn.ok()) {
    std::printf("FAIL %s_jvp: entry points missing\n", c.name.c_str());
    failures++;
    return;
  }
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<std::vector<double>> values, tangents;
  std::vector<std::vector<int64_t>> labels;
  drawArguments(c, rng, values, labels);
  for (int w : c.wrt) {
    tangents.emplace_back(numel(c.args[w].shape));
    for (double &t : tangents.back())
      t = normal(rng);
  }
  // The inputs moved by h along the tangents (in `shifted`, which they point into).
  auto inputsAt = [&](double h, std::vector<std::vector<double>> &shifted) {
    shifted = values;
    for (size_t k = 0; k < c.wrt.size(); ++k)
      for (size_t i = 0; i < shifted[c.wrt[k]].size(); ++i)
        shifted[c.wrt[k]][i] += h * tangents[k][i];
    std::vector<TensorView> inputs;
    for (size_t i = 0; i < c.args.size(); ++i)
      inputs.push_back(c.args[i].label
                           ? TensorView{labels[i].data(), DType::I64, c.args[i].shape}
                           : TensorView{shifted[i].data(), DType::F64, c.args[i].shape});
    return inputs;
  };
  std::vector<std::vector<double>> at, up, down;
  std::vector<TensorView> inputs = inputsAt(0.0, at);
  std::vector<TensorView> jvpInputs = inputs;
  for (size_t k = 0; k < c.wrt.size(); ++k)
    jvpInputs.push_back({tangents[k].data(), DType::F64, c.args[c.wrt[k]].shape});
  double value = 0, directional = 0, loss = 0;
  Status status = session.call(**jvpFn, jvpInputs,
                               {{&value, DType::F64, {}}, {&directional, DType::F64, {}}});
  std::vector<std::vector<double>> grads;
  std::vector<TensorView> gradOutputs = {{&loss, DType::F64, {}}};
  grads.reserve(c.wrt.size());
  for (int w : c.wrt) {
    grads.emplace_back(numel(c.args[w].shape));
    gradOutputs.push_back({grads.back().data(), DType::F64, c.args[w].shape});
  }
  if (status.ok())
    status = session.call(**gradFn, inputs, gradOutputs);
  double h = 1e-6, plus = 0, minus = 0;
  if (status.ok())
    status = session.call(**lossFn, inputsAt(h, up), {{&plus, DType::F64, {}}});
  if (status.ok())
    status = session.call(**lossFn, inputsAt(-h, down), {{&minus, DType::F64, {}}});
  double fd = (plus - minus) / (2 * h), dot = 0;
  for (size_t k = 0; k < c.wrt.size(); ++k)
    for (size_t i = 0; i < grads[k].size(); ++i)
      dot += grads[k][i] * tangents[k][i];
  auto relative = [](double a, double b) {
    return std::abs(a - b) / std::max({1.0, std::abs(a), std::abs(b)});
  };
  // As for the gradients: 1e-6 is far above the differences' O(h^2) and rounding; the two
  // analytic forms differ by summation order alone.
  bool ok = status.ok() && value == loss && relative(directional, fd) <= 1e-6 &&
            relative(directional, dot) <= 1e-10;
  (ok ? passes : failures)++;
  std::printf("%s %s_jvp (directional derivative %.9g, finite differences %.9g, gradient . "
              "tangent %.9g)%s\n",
              ok ? "PASS" : "FAIL", c.name.c_str(), directional, fd, dot,
              status.ok() ? "" : status.toString().c_str());
}

/// The f32 build of a case (oneDNN matmuls, f32 arithmetic) against its f64 build, which
/// the finite differences above validated, on the same inputs rounded to f32.
void checkSinglePrecision(Session &session, const Module &module, const Case &c) {
  auto f32Fn = module.lookup(c.name + "_f32_grad");
  auto f64Fn = module.lookup(c.name + "_grad");
  if (!f32Fn.ok() || !f64Fn.ok()) {
    std::printf("FAIL %s_f32: entry points missing\n", c.name.c_str());
    failures++;
    return;
  }
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<std::vector<double>> wide;
  std::vector<std::vector<float>> narrow;
  std::vector<std::vector<int64_t>> labels;
  std::vector<TensorView> in64, in32;
  for (const Arg &a : c.args) {
    int64_t n = numel(a.shape);
    wide.emplace_back(n), narrow.emplace_back(n), labels.emplace_back(n);
    for (int64_t i = 0; i < n; ++i) {
      float v = static_cast<float>(a.name == "y" && !a.label ? 0.5 + std::abs(normal(rng))
                                                              : normal(rng));
      narrow.back()[i] = v, wide.back()[i] = v;
      labels.back()[i] = a.label ? int64_t(rng() % a.classes) : 0;
    }
  }
  for (size_t i = 0; i < c.args.size(); ++i) {
    const Arg &a = c.args[i];
    in64.push_back(a.label ? TensorView{labels[i].data(), DType::I64, a.shape}
                           : TensorView{wide[i].data(), DType::F64, a.shape});
    in32.push_back(a.label ? TensorView{labels[i].data(), DType::I64, a.shape}
                           : TensorView{narrow[i].data(), DType::F32, a.shape});
  }
  double loss64 = 0;
  float loss32 = 0;
  std::vector<std::vector<double>> g64;
  std::vector<std::vector<float>> g32;
  std::vector<TensorView> out64 = {{&loss64, DType::F64, {}}}, out32 = {{&loss32, DType::F32, {}}};
  g64.reserve(c.wrt.size()), g32.reserve(c.wrt.size());
  for (int w : c.wrt) {
    g64.emplace_back(numel(c.args[w].shape)), g32.emplace_back(numel(c.args[w].shape));
    out64.push_back({g64.back().data(), DType::F64, c.args[w].shape});
    out32.push_back({g32.back().data(), DType::F32, c.args[w].shape});
  }
  Status s64 = session.call(**f64Fn, in64, out64), s32 = session.call(**f32Fn, in32, out32);
  bool ok = s64.ok() && s32.ok();
  // f32 sums of a few dozen O(1) products: 1e-5 relative, or absolute below 1.
  double worst = std::abs(loss32 - loss64) / std::max(1.0, std::abs(loss64));
  for (size_t k = 0; ok && k < c.wrt.size(); ++k)
    for (size_t i = 0; i < g64[k].size(); ++i)
      worst = std::max(worst, std::abs(g32[k][i] - g64[k][i]) / std::max(1.0, std::abs(g64[k][i])));
  ok &= worst <= 1e-5;
  (ok ? passes : failures)++;
  std::printf("%s %s_f32 (against f64, max error %.3g)\n", ok ? "PASS" : "FAIL", c.name.c_str(),
              worst);
}

/// kiln.dropout's mask, element by element, against the runtime's Philox4x32-10: the
/// compiled code and kiln::rt::philox4x32 must draw the same bits from the same key.
void checkDropoutMask(Session &session, const Module &module) {
  auto fn = module.lookup("dropout_mask");
  bool ok = fn.ok();
  int64_t kept = 0, n = 64 * 257;
  std::vector<float> x(n, 1.0f), y(n);
  int64_t key = 0x1234567890ll;
  if (ok) {
    int64_t keyInOut = key;
    Status s = session.call(**fn, {{x.data(), DType::F32, {64, 257}}, {&keyInOut, DType::I64, {}}},
                            {{y.data(), DType::F32, {64, 257}}});
    ok = s.ok() && keyInOut == key + 1; // the key advances in place
    for (int64_t i = 0; ok && i < n; ++i) {
      uint32_t word = philox4x32({uint32_t(i), uint32_t(uint64_t(i) >> 32), 0x44524F50u, 0},
                                 {uint32_t(key), uint32_t(uint64_t(key) >> 32)})[0];
      bool keep = uint64_t(word) >= uint64_t(std::ldexp(0.25, 32));
      kept += keep;
      ok &= y[i] == (keep ? 1.0f / 0.75f : 0.0f);
    }
  }
  double fraction = double(kept) / double(n);
  ok &= std::abs(fraction - 0.75) < 0.02; // 16448 draws: the sd of the fraction is 0.0034
  (ok ? passes : failures)++;
  std::printf("%s dropout_mask (kept %.4f of %lld, expected 0.75, same bits as the runtime's "
              "Philox)\n", ok ? "PASS" : "FAIL", fraction, (long long)n);
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 2 && std::string(argv[1]) == "--emit-program") {
    emitProgram();
    return EXIT_SUCCESS;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: kiln-grad-check --emit-program | LIBRARY.so\n");
    return EXIT_FAILURE;
  }
  auto runtime = Runtime::create();
  auto module = (*runtime)->loadModule(argv[1]);
  if (!module.ok()) {
    std::fprintf(stderr, "kiln-grad-check: %s\n", module.status().toString().c_str());
    return EXIT_FAILURE;
  }
  auto session = Session::create(**runtime, *module);
  for (const Case &c : cases())
    checkCase(*session, *module, c);
  for (const Case &c : cases())
    if (isForwardCase(c))
      checkForward(*session, *module, c);
  for (const Case &c : cases())
    checkSinglePrecision(*session, *module, c);
  checkDropoutMask(*session, *module);
  std::printf("%d passed, %d failed\n", passes, failures);
  return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
