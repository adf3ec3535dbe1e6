// SPDX-License-Identifier: Apache-2.0
// Checks every compiled optimizer step against an independent plain C++ implementation of
// the docs/algorithms.md §8 / PyTorch equations, and reproduces the docs/algorithms.md
// 2.7 worked example. One table of configurations is the single source of truth: it both
// emits the kiln program (--emit-program) and checks the library compiled from it.
#include "kiln/runtime/Module.h"
#include "kiln/runtime/Session.h"

#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace kiln::rt;

namespace {

enum class Kind {
  Sgd, Momentum, Adam, AdamW, Amsgrad, Adagrad, Rmsprop, Lion, SignSgd, OptaxAdamWChain
};

/// One compiled entry point. The attribute dictionary is generated from these fields, so
/// the program and the reference cannot disagree about a hyperparameter.
struct Config {
  std::string name;
  Kind kind;
  double lr;
  double weightDecay = 0, momentum = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double alpha = 0.99, lrDecay = 0, maxNorm = 0;
  bool nesterov = false, decoupled = false, scaled = false;
  bool dynamicLr = false; ///< lr passed as a tensor that changes every step
};

const std::vector<Config> &configs() {
  static const std::vector<Config> table = [] {
    std::vector<Config> t;
    auto add = [&](std::string name, Kind kind, double lr, auto &&tweak) {
      Config c{std::move(name), kind, lr};
      tweak(c);
      t.push_back(c);
    };
    auto none = [](Config &) {};
    add("sgd_plain", Kind::Sgd, 0.1, none);
    add("sgd_weight_decay", Kind::Sgd, 0.05, [](Config &c) { c.weightDecay = 0.01; });
    add("sgd_dynamic_lr", Kind::Sgd, 0.2, [](Config &c) { c.weightDecay = 1e-3, c.dynamicLr = true; });
    add("momentum_heavy_ball", Kind::Momentum, 0.025, [](Config &c) { c.momentum = 0.9; });
    add("momentum_nesterov_wd", Kind::Momentum, 0.01,
        [](Config &c) { c.momentum = 0.8, c.nesterov = true, c.weightDecay = 3e-4; });
    add("adam_defaults", Kind::Adam, 1e-3, none);
    add("adam_l2_darts_alpha", Kind::Adam, 3e-4, [](Config &c) { c.beta1 = 0.5, c.weightDecay = 1e-3; });
    add("adam_dynamic_lr_eps", Kind::Adam, 2e-3,
        [](Config &c) { c.eps = 1e-6, c.beta2 = 0.99, c.dynamicLr = true; });
    add("adamw_defaults", Kind::AdamW, 1e-3, [](Config &c) { c.weightDecay = 1e-2; });
    add("adamw_dynamic_lr_wd", Kind::AdamW, 5e-3,
        [](Config &c) { c.weightDecay = 0.1, c.beta1 = 0.8, c.dynamicLr = true; });
    add("amsgrad_l2", Kind::Amsgrad, 1e-3, [](Config &c) { c.weightDecay = 1e-3; });
    add("amsgrad_decoupled", Kind::Amsgrad, 2e-3,
        [](Config &c) { c.weightDecay = 0.05, c.decoupled = true, c.dynamicLr = true; });
    add("adagrad_defaults", Kind::Adagrad, 0.01, [](Config &c) { c.eps = 1e-10; });
    add("adagrad_lr_decay_wd", Kind::Adagrad, 0.05,
        [](Config &c) { c.eps = 1e-10, c.lrDecay = 0.01, c.weightDecay = 1e-3; });
    add("rmsprop_defaults", Kind::Rmsprop, 0.01, none);
    add("rmsprop_wd", Kind::Rmsprop, 1e-3, [](Config &c) { c.alpha = 0.9, c.weightDecay = 0.01; });
    add("lion_defaults", Kind::Lion, 1e-4, [](Config &c) { c.beta2 = 0.99; });
    add("lion_wd", Kind::Lion, 3e-4,
        [](Config &c) { c.beta1 = 0.95, c.beta2 = 0.98, c.weightDecay = 0.1, c.dynamicLr = true; });
    add("sign_sgd", Kind::SignSgd, 1e-3, none);
    add("sign_sgd_scaled_wd", Kind::SignSgd, 0.01, [](Config &c) { c.scaled = true, c.weightDecay = 0.1; });
    add("optax_adamw_chain", Kind::OptaxAdamWChain, 1e-3,
        [](Config &c) { c.weightDecay = 1e-4, c.maxNorm = 1.0, c.dynamicLr = true; });
    return t;
  }();
  return table;
}

int numState(Kind k) {
  switch (k) {
  case Kind::Sgd: case Kind::SignSgd: return 0;
  case Kind::Momentum: case Kind::Adagrad: case Kind::Rmsprop: case Kind::Lion: return 1;
  case Kind::Amsgrad: return 3;
  default: return 2;
  }
}
bool hasStep(const Config &c) {
  return c.kind == Kind::Adam || c.kind == Kind::AdamW || c.kind == Kind::Amsgrad ||
         c.kind == Kind::OptaxAdamWChain || (c.kind == Kind::Adagrad && c.lrDecay != 0);
}
const char *mnemonic(Kind k) {
  switch (k) {
  case Kind::Sgd: return "kiln.sgd";
  case Kind::Momentum: return "kiln.momentum";
  case Kind::Adam: return "kiln.adam";
  case Kind::AdamW: return "kiln.adamw";
  case Kind::Amsgrad: return "kiln.amsgrad";
  case Kind::Adagrad: return "kiln.adagrad";
  case Kind::Rmsprop: return "kiln.rmsprop";
  case Kind::Lion: return "kiln.lion";
  case Kind::SignSgd: return "kiln.sign_sgd";
  case Kind::OptaxAdamWChain: return "";
  }
  return "";
}

std::string f64(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  // MLIR float literals need a fraction: 1e-08 must read 1.0e-08.
  if (s.find('.') == std::string::npos) {
    size_t e = s.find('e');
    s.insert(e == std::string::npos ? s.size() : e, ".0");
  }
  return s + " : f64";
}

/// The attribute dictionary of `c`'s op, in the dialect's names.
std::string attrs(const Config &c) {
  std::vector<std::string> a;
  if (!c.dynamicLr)
    a.push_back("lr = " + f64(c.lr));
  if (c.weightDecay != 0)
    a.push_back("weight_decay = " + f64(c.weightDecay));
  switch (c.kind) {
  case Kind::Momentum:
    a.push_back("momentum = " + f64(c.momentum));
    if (c.nesterov)
      a.push_back("nesterov");
    break;
  case Kind::Adam: case Kind::AdamW: case Kind::Amsgrad:
    a.push_back("beta1 = " + f64(c.beta1));
    a.push_back("beta2 = " + f64(c.beta2));
    a.push_back("eps = " + f64(c.eps));
    if (c.kind == Kind::AdamW && c.weightDecay == 0)
      a.push_back("weight_decay = " + f64(0));
    if (c.decoupled)
      a.push_back("decoupled_weight_decay");
    break;
  case Kind::Adagrad:
    a.push_back("eps = " + f64(c.eps));
    a.push_back("lr_decay = " + f64(c.lrDecay));
    break;
  case Kind::Rmsprop:
    a.push_back("alpha = " + f64(c.alpha));
    a.push_back("eps = " + f64(c.eps));
    break;
  case Kind::Lion:
    a.push_back("beta1 = " + f64(c.beta1));
    a.push_back("beta2 = " + f64(c.beta2));
    break;
  case Kind::SignSgd:
    if (c.scaled)
      a.push_back("scaled");
    break;
  default:
    break;
  }
  std::string text = "{";
  for (size_t i = 0; i < a.size(); ++i)
    text += (i ? ", " : "") + a[i];
  return text + "}";
}

/// A learning-rate schedule entry and its closed form, written independently of the lowering.
struct Schedule {
  std::string name, op, attrs;
  std::function<double(double)> value;
};

const std::vector<Schedule> &schedules() {
  static const std::vector<Schedule> table = [] {
    const double pi = std::acos(-1.0);
    auto halfCos = [pi](double x) { return 0.5 * (1 + std::cos(pi * x)); };
    auto clamp = [](double x, double lo, double hi) { return std::min(std::max(x, lo), hi); };
    auto cosine = [=](double c, double init, double steps, double alpha, double exponent) {
      double k = clamp(c, 0, steps);
      return init * ((1 - alpha) * std::pow(halfCos(k / steps), exponent) + alpha);
    };
    auto uba = [=](double c, double hi, double lo, double total, double phi, double warmup) {
      if (c < warmup)
        return hi * c / warmup;
      double p = clamp((c - warmup) / (total - warmup), 0, 1), s = 1 + std::cos(pi * p);
      return lo + (hi - lo) * 2 * s / (2 * phi + (2 - phi) * s);
    };
    std::vector<Schedule> t;
    t.push_back({"schedule_linear", "linear_schedule",
                 "init_value = 0.0 : f64, end_value = 1.0e-3 : f64, transition_steps = 100 : i64, "
                 "transition_begin = 10 : i64",
                 [=](double c) { return 1e-3 * clamp(c - 10, 0, 100) / 100; }});
    t.push_back({"schedule_cosine", "cosine_decay_schedule",
                 "init_value = 0.025 : f64, decay_steps = 50 : i64, alpha = 0.04 : f64",
                 [=](double c) { return cosine(c, 0.025, 50, 0.04, 1); }});
    t.push_back({"schedule_cosine_exponent", "cosine_decay_schedule",
                 "init_value = 1.0 : f64, decay_steps = 80 : i64, exponent = 2.0 : f64",
                 [=](double c) { return cosine(c, 1.0, 80, 0, 2); }});
    t.push_back({"schedule_warmup_cosine", "warmup_cosine_decay_schedule",
                 "init_value = 0.0 : f64, peak_value = 1.0e-3 : f64, warmup_steps = 10 : i64, "
                 "decay_steps = 100 : i64, end_value = 1.0e-5 : f64",
                 [=](double c) {
                   return c < 10 ? 1e-3 * c / 10 : cosine(c - 10, 1e-3, 90, 1e-5 / 1e-3, 1);
                 }});
    t.push_back({"schedule_step_decay", "step_decay_schedule",
                 "init_value = 0.1 : f64, step_size = 30 : i64, gamma = 0.1 : f64",
                 [](double c) { return 0.1 * std::pow(0.1, std::floor(c / 30)); }});
    t.push_back({"schedule_uba_warmup", "uba_schedule",
                 "max_value = 0.1 : f64, min_value = 1.0e-3 : f64, total_steps = 100 : i64, "
                 "phi = 1.0 : f64, warmup_steps = 10 : i64",
                 [=](double c) { return uba(c, 0.1, 1e-3, 100, 1.0, 10); }});
    return t;
  }();
  return table;
}

/// The mixed-precision entry has static shapes: its bf16 parameters are a fresh output.
constexpr int kMixedSize = 4099;

/// One entry per configuration, on dynamic-length vectors so every size shares a library:
/// (p, g, state..., [t], [lr]) -> (p', state'...).
void emitProgram() {
  std::printf("// Generated by kiln-optimizer-check --emit-program.\n");
  const char *stateNames[] = {"a", "b", "c"};
  for (const Config &c : configs()) {
    int s = numState(c.kind);
    std::string ty = "tensor<?xf32>";
    std::string args = "%p: " + ty + ", %g: " + ty;
    std::string operands = "%p, %g", results = "%p1", resultTypes = ty;
    for (int i = 0; i < s; ++i) {
      args += std::string(", %") + stateNames[i] + ": " + ty;
      operands += std::string(", %") + stateNames[i];
      results += std::string(", %") + stateNames[i] + "1";
      resultTypes += ", " + ty;
    }
    std::string extra;
    if (hasStep(c)) {
      args += ", %t: tensor<i64>";
      extra += " step(%t)";
    }
    if (c.dynamicLr) {
      args += ", %lr: tensor<f32>";
      extra += " lr(%lr)";
    }
    std::printf("func.func @%s(%s) -> (%s) {\n", c.name.c_str(), args.c_str(), resultTypes.c_str());
    if (c.kind == Kind::OptaxAdamWChain) {
      // optax.chain(clip_by_global_norm, scale_by_adam, add_decayed_weights,
      // scale_by_learning_rate) then apply_updates: kiln-fuse makes it one loop after the
      // norm's reduction.
      std::printf("  %%c = kiln.clip_by_global_norm %%g {max_norm = %s} : %s\n"
                  "  %%u, %%a1, %%b1 = kiln.scale_by_adam %%c, %%a, %%b step(%%t) : %s\n"
                  "  %%w = kiln.add_decayed_weights %%u, %%p {weight_decay = %s} : %s\n"
                  "  %%s = kiln.scale %%w by(%%lr) {factor = -1.0 : f64} : %s\n"
                  "  %%p1 = kiln.apply_updates %%p, %%s : %s\n",
                  f64(c.maxNorm).c_str(), ty.c_str(), ty.c_str(), f64(c.weightDecay).c_str(),
                  ty.c_str(), ty.c_str(), ty.c_str());
    } else {
      std::printf("  %s = %s %s%s %s : %s\n", results.c_str(), mnemonic(c.kind),
                  operands.c_str(), extra.c_str(), attrs(c).c_str(), ty.c_str());
    }
    std::printf("  return %s : %s\n}\n", results.c_str(), resultTypes.c_str());
  }
  const char *phis[] = {"0.5", "1.0", "2.0", "4.0"};
  for (int k = 0; k < 4; ++k)
    std::printf("func.func @uba_table_%d(%%t: tensor<i64>) -> tensor<f32> {\n"
                "  %%v = kiln.uba_schedule %%t {max_value = 1.0 : f64, min_value = 0.0 : f64,\n"
                "      total_steps = 4 : i64, phi = %s : f64}\n  return %%v : tensor<f32>\n}\n",
                k, phis[k]);
  for (const Schedule &sched : schedules())
    std::printf("func.func @%s(%%t: tensor<i64>) -> tensor<f32> {\n"
                "  %%v = kiln.%s %%t {%s}\n  return %%v : tensor<f32>\n}\n",
                sched.name.c_str(), sched.op.c_str(), sched.attrs.c_str());
  // Mixed precision as PyTorch's AMP keeps it: bf16 gradients, an f32 master copy and f32
  // state updated by AdamW, and the bf16 parameters recomputed from the master each step.
  std::printf(
      "func.func @adamw_bf16_master(%%g16: tensor<%dxbf16>, %%w: tensor<%dxf32>,\n"
      "    %%m: tensor<%dxf32>, %%v: tensor<%dxf32>, %%t: tensor<i64>)\n"
      "    -> (tensor<%dxbf16>, tensor<%dxf32>, tensor<%dxf32>, tensor<%dxf32>) {\n"
      "  %%g = arith.extf %%g16 : tensor<%dxbf16> to tensor<%dxf32>\n"
      "  %%w1, %%m1, %%v1 = kiln.adamw %%w, %%g, %%m, %%v step(%%t) {lr = 1.0e-3 : f64} : tensor<%dxf32>\n"
      "  %%p16 = arith.truncf %%w1 : tensor<%dxf32> to tensor<%dxbf16>\n"
      "  return %%p16, %%w1, %%m1, %%v1 : tensor<%dxbf16>, tensor<%dxf32>, tensor<%dxf32>, tensor<%dxf32>\n}\n",
      kMixedSize, kMixedSize, kMixedSize, kMixedSize, kMixedSize, kMixedSize, kMixedSize,
      kMixedSize, kMixedSize, kMixedSize, kMixedSize, kMixedSize, kMixedSize, kMixedSize,
      kMixedSize, kMixedSize, kMixedSize);
  // docs/algorithms.md §2.7: the state-full columns {1, 3} of the FRUGAL worked example are plain
  // AdamW (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.1).
  std::printf(
      "func.func @adamw_algorithms_2_7(%%p: tensor<2x2xf32>, %%g: tensor<2x2xf32>,\n"
      "    %%m: tensor<2x2xf32>, %%v: tensor<2x2xf32>, %%t: tensor<i64>)\n"
      "    -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {\n"
      "  %%p1, %%m1, %%v1 = kiln.adamw %%p, %%g, %%m, %%v step(%%t)\n"
      "      {lr = 1.0e-3 : f64, weight_decay = 0.1 : f64} : tensor<2x2xf32>\n"
      "  return %%p1, %%m1, %%v1 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>\n}\n");
}

/// The reference: torch.optim's single-tensor update (foreach=False) written out in plain
/// f32 C++, in PyTorch's op order: `add(x, y, alpha=a)` is x + a*y, `lerp_(g, w)` has two
/// forms around w = 0.5, `addcmul_` is x + (a*t1)*t2, `addcdiv_` is x + (a*t1)/t2, and the
/// per-step scalars are Python doubles rounded to f32 where they meet a tensor. Lion follows
/// lucidrains/lion-pytorch, the Optax chain optax's transforms. `tensorScalar` carries the
/// per-tensor reductions (mean |g| for scaled signSGD, the clip coefficient for the chain).
float signOf(float x) { return x > 0 ? 1.f : x < 0 ? -1.f : x; }

void referenceStep(const Config &c, double lr, int64_t t, float &p, float g, float *state,
                   double tensorScalar) {
  auto f = [](double x) { return static_cast<float>(x); };
  float gd = g;
  bool decoupled = c.kind == Kind::AdamW || c.kind == Kind::Lion || c.kind == Kind::SignSgd ||
                   (c.kind == Kind::Amsgrad && c.decoupled);
  if (c.kind != Kind::OptaxAdamWChain && c.weightDecay != 0) {
    if (decoupled)
      p = p * f(1 - lr * c.weightDecay);
    else
      gd = g + f(c.weightDecay) * p;
  }
  switch (c.kind) {
  case Kind::Sgd:
    p = p + f(-lr) * gd;
    return;
  case Kind::Momentum: {
    float &buf = state[0];
    buf = buf * f(c.momentum) + gd;
    float d = c.nesterov ? gd + f(c.momentum) * buf : buf;
    p = p + f(-lr) * d;
    return;
  }
  case Kind::Adam:
  case Kind::AdamW:
  case Kind::Amsgrad: {
    float &m = state[0], &v = state[1];
    double w = 1 - c.beta1;
    m = w < 0.5 ? m + f(w) * (gd - m) : gd - (gd - m) * f(1 - w);
    v = v * f(c.beta2) + (f(1 - c.beta2) * gd) * gd;
    float second = v;
    if (c.kind == Kind::Amsgrad)
      second = state[2] = std::max(state[2], v);
    double stepSize = lr / (1 - std::pow(c.beta1, double(t)));
    float bc2Sqrt = f(std::sqrt(1 - std::pow(c.beta2, double(t))));
    float denom = std::sqrt(second) / bc2Sqrt + f(c.eps);
    p = p + (f(-stepSize) * m) / denom;
    return;
  }
  case Kind::Adagrad: {
    double clr = lr / (1 + (t - 1) * c.lrDecay);
    float &sum = state[0];
    sum = sum + gd * gd;
    float std = std::sqrt(sum) + f(c.eps);
    p = p + (f(-clr) * gd) / std;
    return;
  }
  case Kind::Rmsprop: {
    float &sq = state[0];
    sq = sq * f(c.alpha) + (f(1 - c.alpha) * gd) * gd;
    float avg = std::sqrt(sq) + f(c.eps);
    p = p + (f(-lr) * gd) / avg;
    return;
  }
  case Kind::Lion: {
    float &m = state[0];
    float u = signOf(m * f(c.beta1) + f(1 - c.beta1) * g);
    p = p + f(-lr) * u;
    m = m * f(c.beta2) + f(1 - c.beta2) * g;
    return;
  }
  case Kind::SignSgd:
    p = p + f(c.scaled ? -lr * tensorScalar : -lr) * signOf(g);
    return;
  case Kind::OptaxAdamWChain: {
    float &m = state[0], &v = state[1];
    float gc = g * f(tensorScalar);
    m = f(1 - c.beta1) * gc + f(c.beta1) * m;
    v = f(1 - c.beta2) * (gc * gc) + f(c.beta2) * v;
    float mHat = m / f(1 - std::pow(c.beta1, double(t)));
    float vHat = v / f(1 - std::pow(c.beta2, double(t)));
    float u = mHat / (std::sqrt(vHat) + f(c.eps));
    u = u + f(c.weightDecay) * p;
    u = u * (f(lr) * -1.f);
    p = p + u;
    return;
  }
  }
}

/// The per-tensor scalar a configuration needs before its element-wise pass.
double tensorScalar(const Config &c, const std::vector<float> &g) {
  double acc = 0;
  if (c.kind == Kind::SignSgd && c.scaled) {
    for (float x : g)
      acc += std::abs(double(x));
    return acc / double(g.size());
  }
  if (c.kind == Kind::OptaxAdamWChain) {
    for (float x : g)
      acc += double(x) * double(x);
    return std::min(1.0, c.maxNorm / (std::sqrt(acc) + 1e-6));
  }
  return 0;
}

/// With --bitwise (a library built with --exact-math) the optimizers must match the f32
/// reference exactly: the same operations in the same order, IEEE sqrt and division.
bool bitwise = false;

/// Each step is checked from the same f32 inputs the compiled step saw, so the comparison
/// measures one step's rounding, not the drift of two trajectories. The bound is 1e-6
/// relative to the largest magnitude entering the result (its old value or the new one):
/// where an update cancels a parameter to near zero, f32 cannot do better than that.
bool close(double got, double want, double before, double &worst) {
  double scale = std::max(std::abs(want), std::abs(before));
  if (scale > 0)
    worst = std::max(worst, std::abs(got - want) / scale);
  if (bitwise)
    return got == want;
  return std::isfinite(got) && std::abs(got - want) <= 1e-6 * scale;
}

int failures = 0, passes = 0;

void report(bool ok, const std::string &what, double worst) {
  (ok ? passes : failures)++;
  std::printf("%s %s (max relative error %.3g)\n", ok ? "PASS" : "FAIL", what.c_str(), worst);
}

void checkConfig(Session &session, const Module &module, const Config &c, int64_t n) {
  auto fn = module.lookup(c.name);
  if (!fn.ok()) {
    report(false, c.name + ": " + std::string(fn.status().message()), 0);
    return;
  }
  std::mt19937_64 rng(1234 + n);
  std::normal_distribution<double> normal(0.0, 1.0);
  int s = numState(c.kind);
  std::vector<float> p(n), g(n);
  std::vector<float> state[3] = {std::vector<float>(n, 0.f), std::vector<float>(n, 0.f),
                                 std::vector<float>(n, 0.f)};
  for (int64_t i = 0; i < n; ++i)
    p[i] = static_cast<float>(normal(rng));

  double worst = 0;
  bool ok = true;
  const int steps = 6;
  for (int64_t t = 1; t <= steps; ++t) {
    for (int64_t i = 0; i < n; ++i) {
      // A zero gradient on part of the tensor every other step: no division by zero, and
      // momentum/Adam still move it from their state.
      bool zero = (t % 2 == 0) && i < n / 4;
      g[i] = zero ? 0.f : static_cast<float>(normal(rng));
    }
    double lr = c.dynamicLr ? c.lr * (1.0 + 0.5 * t) : c.lr;
    float lr32 = static_cast<float>(lr);
    int64_t step = t;
    std::vector<float> pBefore = p, stateBefore[3] = {state[0], state[1], state[2]};
    std::vector<TensorView> inputs = {{p.data(), DType::F32, {n}}, {g.data(), DType::F32, {n}}};
    for (int k = 0; k < s; ++k)
      inputs.push_back({state[k].data(), DType::F32, {n}});
    if (hasStep(c))
      inputs.push_back({&step, DType::I64, {}});
    if (c.dynamicLr)
      inputs.push_back({&lr32, DType::F32, {}});
    Status status = session.call(**fn, inputs, {});
    if (!status.ok()) {
      report(false, c.name + ": " + status.toString(), 0);
      return;
    }
    double scalar = tensorScalar(c, g);
    for (int64_t i = 0; i < n; ++i) {
      float refP = pBefore[i];
      float st[3] = {stateBefore[0][i], stateBefore[1][i], stateBefore[2][i]};
      referenceStep(c, c.dynamicLr ? double(lr32) : lr, t, refP, g[i], st, scalar);
      ok &= close(p[i], refP, pBefore[i], worst);
      for (int k = 0; k < s; ++k)
        ok &= close(state[k][i], st[k], stateBefore[k][i], worst);
    }
  }
  report(ok, c.name + " n=" + std::to_string(n), worst);
}

/// docs/algorithms.md §2.7, columns {1, 3}: after two AdamW steps, to the printed digits.
void checkWorkedExample(Session &session, const Module &module) {
  auto fn = module.lookup("adamw_algorithms_2_7");
  if (!fn.ok()) {
    report(false, "adamw_algorithms_2_7: " + std::string(fn.status().message()), 0);
    return;
  }
  float p[4] = {-0.2f, 0.0f, 0.4f, 0.2f}, m[4] = {}, v[4] = {};
  const float grads[2][4] = {{-0.1f, 0.0f, 0.4f, -0.02f}, {0.3f, 0.1f, -0.2f, 0.0f}};
  const double after[2][4] = {{-0.198980000, 0.000000000, 0.398960000, 0.200980000},
                              {-0.199454292, -0.000744137, 0.398653767, 0.201629959}};
  const double mWant[4] = {0.021, 0.010, 0.016, -0.0018};
  const double vWant[4] = {9.999e-05, 1.0e-05, 1.9984e-04, 3.996e-07};
  bool ok = true;
  double worst = 0;
  // The example prints 9 decimals; f32 holds about 7 significant digits of these values.
  auto close = [&](double got, double want, double atol) {
    worst = std::max(worst, want != 0 ? std::abs(got - want) / std::abs(want) : 0.0);
    return std::abs(got - want) <= atol + 2e-7 * std::abs(want);
  };
  for (int64_t t = 1; t <= 2; ++t) {
    float g[4];
    std::copy(grads[t - 1], grads[t - 1] + 4, g);
    std::vector<TensorView> inputs = {{p, DType::F32, {2, 2}}, {g, DType::F32, {2, 2}},
                                      {m, DType::F32, {2, 2}}, {v, DType::F32, {2, 2}},
                                      {&t, DType::I64, {}}};
    Status status = session.call(**fn, inputs, {});
    if (!status.ok()) {
      report(false, "adamw_algorithms_2_7: " + status.toString(), 0);
      return;
    }
    for (int i = 0; i < 4; ++i)
      ok &= close(p[i], after[t - 1][i], 5e-10);
  }
  for (int i = 0; i < 4; ++i)
    ok &= close(m[i], mWant[i], 5e-4 * std::abs(mWant[i])) &&
          close(v[i], vWant[i], 5e-4 * std::abs(vWant[i]));
  report(ok, "adamw_algorithms_2_7 (docs/algorithms.md §2.7 worked example, columns 1 and 3)", worst);
}

uint16_t toBf16(float x) { // round to nearest even, as LLVM's fptrunc
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return static_cast<uint16_t>((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}
float fromBf16(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

/// bf16 gradients and parameters around an f32 master copy: the master and state follow
/// the f32 AdamW reference, and the bf16 parameters are the master rounded to nearest even.
void checkMixedPrecision(Session &session, const Module &module) {
  auto fn = module.lookup("adamw_bf16_master");
  if (!fn.ok()) {
    report(false, "adamw_bf16_master: " + std::string(fn.status().message()), 0);
    return;
  }
  Config c{"adamw_bf16_master", Kind::AdamW, 1e-3};
  c.weightDecay = 1e-2;
  const int64_t n = kMixedSize;
  std::mt19937_64 rng(77);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<uint16_t> g16(n), p16(n);
  std::vector<float> w(n), m(n, 0.f), v(n, 0.f);
  for (float &x : w)
    x = normal(rng);
  bool ok = true;
  double worst = 0;
  for (int64_t t = 1; t <= 4; ++t) {
    for (uint16_t &g : g16)
      g = toBf16(normal(rng));
    std::vector<float> wBefore = w, mBefore = m, vBefore = v;
    int64_t step = t;
    Status status = session.call(**fn,
                                 {{g16.data(), DType::BF16, {n}}, {w.data(), DType::F32, {n}},
                                  {m.data(), DType::F32, {n}}, {v.data(), DType::F32, {n}},
                                  {&step, DType::I64, {}}},
                                 {{p16.data(), DType::BF16, {n}}});
    if (!status.ok()) {
      report(false, "adamw_bf16_master: " + status.toString(), 0);
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      float refW = wBefore[i], st[3] = {mBefore[i], vBefore[i], 0};
      referenceStep(c, c.lr, t, refW, fromBf16(g16[i]), st, 0);
      ok &= close(w[i], refW, wBefore[i], worst) && close(m[i], st[0], mBefore[i], worst) &&
            close(v[i], st[1], vBefore[i], worst) && p16[i] == toBf16(w[i]);
    }
  }
  report(ok, "adamw_bf16_master n=" + std::to_string(n) + " (bf16 params and grads, f32 master)",
         worst);
}

double callSchedule(Session &session, const Function &fn, int64_t count, bool &ok) {
  float value = 0;
  std::vector<TensorView> outputs = {{&value, DType::F32, {}}};
  Status status = session.call(fn, {{&count, DType::I64, {}}}, outputs);
  ok &= status.ok();
  return value;
}

/// Each schedule against its closed form over counts before, inside and after its ramps.
void checkSchedules(Session &session, const Module &module) {
  for (const Schedule &sched : schedules()) {
    auto fn = module.lookup(sched.name);
    bool ok = fn.ok();
    double worst = 0;
    for (int64_t c : {0, 1, 5, 9, 10, 11, 29, 30, 31, 50, 59, 60, 99, 100, 110, 111, 500})
      if (ok) {
        double got = callSchedule(session, **fn, c, ok), want = sched.value(double(c));
        // One rounding to f32 of a value computed in f64.
        ok &= std::abs(got - want) <= 1e-7 * std::abs(want) + 1e-12;
        if (want != 0)
          worst = std::max(worst, std::abs(got - want) / std::abs(want));
      }
    report(ok, sched.name, worst);
  }
}

/// docs/algorithms.md §7.4's UBA factor table (max 1, min 0, T = 4, so p = t / 4), as printed.
void checkUbaTable(Session &session, const Module &module) {
  const double phis[] = {0.5, 1, 2, 4};
  const double table[4][5] = {{1, 0.958871, 0.8, 0.406983, 0},
                              {1, 0.920991, 0.666667, 0.255479, 0},
                              {1, 0.853553, 0.5, 0.146447, 0},
                              {1, 0.744521, 0.333333, 0.079009, 0}};
  for (int k = 0; k < 4; ++k) {
    std::string name = "uba_table_" + std::to_string(k);
    auto fn = module.lookup(name);
    bool ok = fn.ok();
    double worst = 0;
    for (int64_t t = 0; ok && t <= 4; ++t) {
      double got = callSchedule(session, **fn, t, ok);
      ok &= std::abs(got - table[k][t]) <= 6e-7;
      worst = std::max(worst, std::abs(got - table[k][t]));
    }
    report(ok, name + " (docs/algorithms.md §7.4 table, phi = " + std::to_string(phis[k]) + ")", worst);
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 2 && std::string(argv[1]) == "--emit-program") {
    emitProgram();
    return EXIT_SUCCESS;
  }
  if (argc == 3 && std::string(argv[2]) == "--bitwise")
    bitwise = true;
  else if (argc != 2) {
    std::fprintf(stderr, "usage: kiln-optimizer-check --emit-program | LIBRARY.so [--bitwise]\n");
    return EXIT_FAILURE;
  }
  auto runtime = Runtime::create();
  auto module = (*runtime)->loadModule(argv[1]);
  if (!module.ok()) {
    std::fprintf(stderr, "kiln-optimizer-check: %s\n", module.status().toString().c_str());
    return EXIT_FAILURE;
  }
  auto session = Session::create(**runtime, *module);
  // Sizes: a single element, sizes that are not multiples of any vector width, and one
  // large enough to exercise the vector loop and its remainder.
  for (const Config &c : configs())
    for (int64_t n : {1, 3, 8, 17, 1000, 4099, 65537})
      checkConfig(*session, *module, c, n);
  checkWorkedExample(*session, *module);
  checkSchedules(*session, *module);
  checkMixedPrecision(*session, *module);
  checkUbaTable(*session, *module);
  std::printf("%d passed, %d failed\n", passes, failures);
  return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
