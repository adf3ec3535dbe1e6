// SPDX-License-Identifier: Apache-2.0
// kiln-privacy: the runtime's RDP accountant (kiln/runtime/privacy/Accountant.h) from the
// command line, as Opacus' and TF-Privacy's compute_dp_sgd_privacy scripts: the epsilon a
// DP-SGD run spends, or the noise multiplier a target epsilon needs. Links only the runtime.
#include "kiln/runtime/privacy/Accountant.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

using namespace kiln::rt;
using namespace kiln::rt::privacy;

namespace {

[[noreturn]] void fail(const std::string &message) {
  fmt::print(stderr, "kiln-privacy: error: {}\n", message);
  std::exit(EXIT_FAILURE);
}

template <class T> T orFail(StatusOr<T> value) {
  if (!value.ok())
    fail(std::string(value.status().message()));
  return std::move(*value);
}

/// The step count of `epochs` epochs of Poisson sampling at rate q: an epoch is 1/q
/// expected lots, rounded up (fastDP's ceil; Opacus truncates).
int64_t stepsOf(double epochs, double q) {
  double steps = std::ceil(epochs / q - 1e-9);
  if (!(steps >= 1) || steps > 1e15)
    fail(fmt::format("{} epochs at sampling rate {} is not a usable step count", epochs, q));
  return int64_t(steps);
}

/// One phase from "Q,SIGMA,STEPS".
MechanismPhase parsePhase(const std::string &text) {
  MechanismPhase p;
  char tail = 0;
  long long steps = 0;
  if (std::sscanf(text.c_str(), "%lf,%lf,%lld%c", &p.samplingRate, &p.noiseMultiplier, &steps,
                  &tail) != 3)
    fail("--phase '" + text + "' is not Q,SIGMA,STEPS (e.g. 0.01,1.1,5000)");
  p.steps = steps;
  return p;
}

std::vector<double> ordersNamed(const std::string &name) {
  return name == "opacus" ? opacusRdpOrders() : defaultRdpOrders();
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"kiln-privacy: the privacy a DP-SGD run spends (RDP accountant of the "
               "Poisson-subsampled Gaussian, as dp_accounting and Opacus)"};
  app.require_subcommand(1);
  double q = 0, sigma = 0, epochs = 0, delta = 0, target = 0;
  int64_t steps = 0;
  std::vector<std::string> phases;
  std::string orders = "dp_accounting";
  bool json = false;

  auto addRun = [&](CLI::App *cmd, bool withSigma) {
    CLI::Option *rate = cmd->add_option("-q,--sampling-rate", q,
                                        "Probability that an example joins a lot (batch / N)");
    if (withSigma)
      cmd->add_option("-s,--noise-multiplier", sigma, "Noise std / clipping norm");
    CLI::Option *s = cmd->add_option("--steps", steps, "Number of noisy steps");
    CLI::Option *e = cmd->add_option("--epochs", epochs, "Epochs (steps = ceil(epochs / q))");
    s->excludes(e);
    (void)rate;
    cmd->add_option("-d,--delta", delta, "Target delta (e.g. 1e-5, below 1/N)")->required();
    cmd->add_option("--orders", orders, "RDP orders: dp_accounting (default) or opacus")
        ->check(CLI::IsMember({"dp_accounting", "opacus"}));
    cmd->add_flag("--json", json, "Print one JSON object");
  };
  CLI::App *eps = app.add_subcommand("epsilon", "Epsilon spent by a run");
  addRun(eps, true);
  eps->add_option("--phase", phases,
                  "A phase Q,SIGMA,STEPS (repeat for a schedule; replaces -q/-s/--steps)");
  CLI::App *noise =
      app.add_subcommand("noise", "Smallest noise multiplier that keeps a run within a target");
  addRun(noise, false);
  noise->add_option("-e,--target-epsilon", target, "Epsilon budget")->required();
  CLI11_PARSE(app, argc, argv);

  auto runSteps = [&]() -> int64_t {
    if (epochs > 0)
      return stepsOf(epochs, q);
    if (steps < 1)
      fail("give --steps N (>= 1) or --epochs E (> 0)");
    return steps;
  };

  if (*eps) {
    RdpAccountant accountant = orFail(RdpAccountant::create(ordersNamed(orders)));
    if (!phases.empty()) {
      if (q != 0 || sigma != 0 || steps != 0 || epochs != 0)
        fail("--phase replaces --sampling-rate, --noise-multiplier, --steps and --epochs");
      for (const std::string &text : phases) {
        MechanismPhase p = parsePhase(text);
        if (Status s = accountant.record(p.samplingRate, p.noiseMultiplier, p.steps); !s.ok())
          fail("--phase " + text + ": " + std::string(s.message()));
      }
    } else if (Status s = accountant.record(q, sigma, runSteps()); !s.ok()) {
      fail(std::string(s.message()));
    }
    PrivacyLoss loss = orFail(accountant.epsilon(delta));
    if (json) {
      fmt::print("{{\"epsilon\": {}, \"delta\": {}, \"order\": {}, \"steps\": {}}}\n",
                 std::isinf(loss.epsilon) ? "\"inf\"" : fmt::format("{}", loss.epsilon), delta,
                 loss.order, accountant.steps());
    } else {
      fmt::print("epsilon = {:.6g} at delta = {:g} after {} steps (RDP order {:g})\n",
                 loss.epsilon, delta, accountant.steps(), loss.order);
    }
    return 0;
  }
  int64_t n = runSteps();
  CalibrationOptions options;
  options.orders = ordersNamed(orders);
  double calibrated = orFail(calibrateNoiseMultiplier(target, delta, q, n, options));
  if (json)
    fmt::print("{{\"noise_multiplier\": {}, \"target_epsilon\": {}, \"delta\": {}, "
               "\"steps\": {}}}\n",
               calibrated, target, delta, n);
  else
    fmt::print("noise multiplier = {:.6f} for epsilon <= {:g} at delta = {:g} over {} steps "
               "at sampling rate {:g}\n",
               calibrated, target, delta, n, q);
  return 0;
}
