// SPDX-License-Identifier: Apache-2.0
// Privacy accounting for DP-SGD-style training: the Renyi differential privacy (RDP) of the
// Poisson-subsampled Gaussian mechanism (Mironov, Talwar and Zhang, "Renyi Differential
// Privacy of the Sampled Gaussian Mechanism", 2019), composed over steps and over changing
// (sampling rate, noise multiplier), and converted to (epsilon, delta) with the improved
// bound of Balle et al. 2020 (Canonne, Kamath and Steinke 2020). The numbers are those of
// Google's dp_accounting RdpAccountant (its series, stopping rule and default orders), which
// Opacus' RDP accountant also computes up to its earlier stop of the fractional-order series.
// docs/algorithms.md "Privacy accounting" derives what is computed here.
//
// Everything is double precision and deterministic: an accountant rebuilt from its history
// (a checkpoint) reports the same epsilon bit for bit.
#ifndef KILN_RUNTIME_PRIVACY_ACCOUNTANT_H
#define KILN_RUNTIME_PRIVACY_ACCOUNTANT_H

#include "kiln/runtime/Status.h"

#include <cstdint>
#include <vector>

namespace kiln::rt::privacy {

/// dp_accounting's DEFAULT_RDP_ORDERS: 1.1, 1.2, ..., 10.9, 11, 12, ..., 63, 128, 256, 512,
/// 1024 (156 orders).
const std::vector<double> &defaultRdpOrders();
/// Opacus' RDPAccountant.DEFAULT_ALPHAS: 1.1, ..., 10.9, 12, 13, ..., 63 (151 orders).
const std::vector<double> &opacusRdpOrders();

/// The RDP at `order` of one step of the Gaussian mechanism with noise multiplier `sigma`
/// (noise std / L2 sensitivity) applied to a Poisson sample that holds each example with
/// probability `samplingRate`. +infinity when sigma is 0, the order is infinite, or the
/// fractional-order series does not converge in 1000 terms (dp_accounting then drops the
/// order; an infinite RDP does the same in rdpToEpsilon). kInvalidArgument for a rate
/// outside (0, 1], a negative or non-finite sigma, or an order that is not > 1.
StatusOr<double> rdpSubsampledGaussian(double samplingRate, double sigma, double order);

/// An (epsilon, delta) guarantee and the RDP order that gave it.
struct PrivacyLoss {
  double epsilon = 0;
  double order = 0;
};

/// The smallest epsilon over `orders` of the improved RDP -> (epsilon, delta) conversion
///     epsilon(a) = rdp(a) + log1p(-1/a) - log(delta a) / (a - 1),
/// with dp_accounting's special cases (epsilon 0 where rdp < 0 or delta^2 + expm1(-rdp) > 0;
/// orders <= 1.01 give +infinity; delta = 0 gives 0 or +infinity). kInvalidArgument when the
/// lists differ in length or are empty, an order is not > 1, or delta is outside [0, 1).
StatusOr<PrivacyLoss> rdpToEpsilon(const std::vector<double> &orders,
                                   const std::vector<double> &rdp, double delta);

/// `steps` consecutive steps with the same mechanism.
struct MechanismPhase {
  double samplingRate = 0;
  double noiseMultiplier = 0;
  int64_t steps = 0;

  bool operator==(const MechanismPhase &o) const {
    return samplingRate == o.samplingRate && noiseMultiplier == o.noiseMultiplier &&
           steps == o.steps;
  }
};

/// The privacy spent by a training run so far: the RDP curve over a fixed list of orders,
/// and the history of mechanisms that produced it (what a checkpoint stores).
class RdpAccountant {
public:
  /// An accountant over dp_accounting's default orders.
  RdpAccountant();
  /// An accountant over `orders`; kInvalidArgument when the list is empty or an order is not
  /// > 1 (NaN included).
  static StatusOr<RdpAccountant> create(std::vector<double> orders);
  /// An accountant that has seen `history`: the state a checkpoint restores. The RDP curve
  /// is recomputed phase by phase as record() built it, so it is bit-identical.
  static StatusOr<RdpAccountant> fromHistory(const std::vector<MechanismPhase> &history,
                                             std::vector<double> orders = defaultRdpOrders());

  /// Composes `steps` steps of the mechanism. Consecutive records of the same mechanism
  /// extend one phase of the history. kInvalidArgument for a rate outside (0, 1], a negative
  /// or non-finite sigma, or a negative step count; the accountant is then unchanged.
  Status record(double samplingRate, double noiseMultiplier, int64_t steps = 1);
  /// The (epsilon, delta) guarantee of everything recorded; epsilon 0 before any step.
  StatusOr<PrivacyLoss> epsilon(double delta) const;

  const std::vector<MechanismPhase> &history() const { return history_; }
  const std::vector<double> &orders() const { return orders_; }
  /// The composed RDP at each order.
  const std::vector<double> &rdp() const { return rdp_; }
  /// The number of steps recorded.
  int64_t steps() const;

private:
  explicit RdpAccountant(std::vector<double> orders);

  std::vector<double> orders_;
  std::vector<double> rdp_;
  std::vector<MechanismPhase> history_;
  // The per-step curve of the last mechanism, so a step-by-step training loop costs a
  // multiply-add per order instead of the series.
  double cachedRate_ = -1, cachedSigma_ = -1;
  std::vector<double> cachedStepRdp_;
};

/// How finely calibrateNoiseMultiplier searches.
struct CalibrationOptions {
  std::vector<double> orders = defaultRdpOrders();
  /// The search stops when the bracket is narrower than this (absolute, in sigma).
  double tolerance = 1e-6;
};

/// The smallest noise multiplier, rounded up to within `options.tolerance`, for which
/// `steps` steps at `samplingRate` spend at most `targetEpsilon` at `delta` (bisection, as
/// Opacus' get_noise_multiplier does, but to a bound on sigma rather than on epsilon).
/// kInvalidArgument for a target that is not positive and finite, delta outside (0, 1), a
/// rate outside (0, 1], steps < 1, or a tolerance that is not positive;
/// kFailedPrecondition when no sigma up to 1e6 reaches the target.
StatusOr<double> calibrateNoiseMultiplier(double targetEpsilon, double delta,
                                          double samplingRate, int64_t steps,
                                          const CalibrationOptions &options = {});

} // namespace kiln::rt::privacy

#endif // KILN_RUNTIME_PRIVACY_ACCOUNTANT_H
