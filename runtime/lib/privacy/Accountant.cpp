// SPDX-License-Identifier: Apache-2.0
// The RDP accountant of kiln/runtime/privacy/Accountant.h. The series follow dp_accounting's
// rdp_privacy_accountant.py term for term (the same log-space additions in the same order),
// so the two agree to rounding; docs/algorithms.md "Privacy accounting" has the derivation.
#include "kiln/runtime/privacy/Accountant.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

namespace kiln::rt::privacy {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Status invalid(std::string message) {
  return Status::error(StatusCode::kInvalidArgument, std::move(message));
}

/// The shortest decimal that reads back as `v` (1e-05, not 1.0000000000000001e-05).
std::string num(double v) {
  char buf[32];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v || std::isnan(v))
      break;
  }
  return buf;
}

/// log(exp(a) + exp(b)) without overflow.
double logAdd(double a, double b) {
  double lo = std::min(a, b), hi = std::max(a, b);
  if (lo == -kInf)
    return hi;
  return std::log1p(std::exp(lo - hi)) + hi;
}

/// log |binom(n, k)| for real n (gamma functions, as scipy's gammaln).
double logComb(double n, double k) {
  return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1);
}

/// log(erfc(x)), accurate where erfc underflows: the Laurent series of log erfc at infinity
/// (dp_accounting's fallback) once erfc(x) nears the smallest normal double (x > 26).
double logErfc(double x) {
  if (x < 26.0)
    return std::log(std::erfc(x));
  double x2 = x * x;
  return -std::log(M_PI) / 2 - std::log(x) - x2 - 0.5 / x2 + 0.625 / (x2 * x2) -
         37.0 / 24.0 / (x2 * x2 * x2) + 353.0 / 64.0 / (x2 * x2 * x2 * x2);
}

/// log A_alpha for an integer order: the binomial expansion of the moment, term by term.
double logAInt(double q, double sigma, int64_t alpha) {
  double logA = -kInf, log1mq = std::log1p(-q), logQ = std::log(q);
  for (int64_t i = 0; i <= alpha; ++i) {
    double di = double(i);
    double logCoef = logComb(double(alpha), di) + di * logQ + double(alpha - i) * log1mq;
    logA = logAdd(logA, logCoef + (di * di - di) / (2 * (sigma * sigma)));
  }
  return logA;
}

/// log A_alpha for a fractional order: the two half-line integrals split at z0 as series,
/// stopped once both terms fall and are 30 nats below the total (dp_accounting's rule, which
/// keeps more terms than Opacus' absolute -30 at small orders). +inf if 1000 terms do not do.
double logAFrac(double q, double sigma, double alpha) {
  double logA0 = -kInf, logA1 = -kInf;
  double z0 = sigma * sigma * std::log(1 / q - 1) + 0.5;
  double log1mq = std::log1p(-q), logQ = std::log(q);
  double lastS0 = -kInf, lastS1 = -kInf;
  for (int i = 0; i < 1000; ++i) {
    double di = i, logCoef = logComb(alpha, di), j = alpha - di;
    double logT0 = logCoef + di * logQ + j * log1mq;
    double logT1 = logCoef + j * logQ + di * log1mq;
    double logE0 = std::log(0.5) + logErfc((di - z0) / (std::sqrt(2.0) * sigma));
    double logE1 = std::log(0.5) + logErfc((z0 - j) / (std::sqrt(2.0) * sigma));
    double logS0 = logT0 + (di * di - di) / (2 * (sigma * sigma)) + logE0;
    double logS1 = logT1 + (j * j - j) / (2 * (sigma * sigma)) + logE1;
    logA0 = logAdd(logA0, logS0);
    logA1 = logAdd(logA1, logS1);
    double total = logAdd(logA0, logA1);
    if (logS0 < lastS0 && logS1 < lastS1 && std::max(logS0, logS1) < total - 30)
      return total;
    lastS0 = logS0;
    lastS1 = logS1;
  }
  return kInf;
}

Status checkMechanism(double q, double sigma) {
  if (!(q > 0 && q <= 1))
    return invalid("sampling rate must be in (0, 1], got " + num(q));
  if (!(sigma >= 0) || std::isinf(sigma))
    return invalid("noise multiplier must be finite and >= 0, got " + num(sigma));
  return Status();
}

Status checkOrders(const std::vector<double> &orders) {
  if (orders.empty())
    return invalid("the list of RDP orders is empty");
  for (size_t i = 0; i < orders.size(); ++i)
    if (!(orders[i] > 1))
      return invalid("RDP order " + std::to_string(i) + " is " + num(orders[i]) +
                     "; orders must be > 1");
  return Status();
}

/// The per-step RDP curve of one mechanism (arguments already checked).
std::vector<double> stepCurve(double q, double sigma, const std::vector<double> &orders) {
  std::vector<double> curve(orders.size());
  for (size_t k = 0; k < orders.size(); ++k) {
    double a = orders[k];
    if (sigma == 0 || std::isinf(a))
      curve[k] = kInf;
    else if (q == 1)
      curve[k] = a / (2 * sigma * sigma);
    else if (a == std::floor(a) && a < 9.0e15)
      curve[k] = logAInt(q, sigma, int64_t(a)) / (a - 1);
    else
      curve[k] = logAFrac(q, sigma, a) / (a - 1);
  }
  return curve;
}

std::vector<double> makeOrders(bool opacus) {
  std::vector<double> orders;
  for (int x = 1; x < 100; ++x)
    orders.push_back(1 + x / 10.0);
  for (int a = opacus ? 12 : 11; a < 64; ++a)
    orders.push_back(a);
  if (!opacus)
    for (double a : {128.0, 256.0, 512.0, 1024.0})
      orders.push_back(a);
  return orders;
}

} // namespace

const std::vector<double> &defaultRdpOrders() {
  static const std::vector<double> orders = makeOrders(false);
  return orders;
}

const std::vector<double> &opacusRdpOrders() {
  static const std::vector<double> orders = makeOrders(true);
  return orders;
}

StatusOr<double> rdpSubsampledGaussian(double samplingRate, double sigma, double order) {
  if (Status s = checkMechanism(samplingRate, sigma); !s.ok())
    return s;
  if (Status s = checkOrders({order}); !s.ok())
    return s;
  return stepCurve(samplingRate, sigma, {order})[0];
}

StatusOr<PrivacyLoss> rdpToEpsilon(const std::vector<double> &orders,
                                   const std::vector<double> &rdp, double delta) {
  if (Status s = checkOrders(orders); !s.ok())
    return s;
  if (orders.size() != rdp.size())
    return invalid(std::to_string(orders.size()) + " RDP orders but " +
                   std::to_string(rdp.size()) + " RDP values");
  if (!(delta >= 0 && delta < 1))
    return invalid("delta must be in [0, 1), got " + num(delta));
  for (size_t k = 0; k < rdp.size(); ++k)
    if (std::isnan(rdp[k]))
      return invalid("RDP at order " + num(orders[k]) + " is NaN");
  if (delta == 0) {
    bool allZero = std::all_of(rdp.begin(), rdp.end(), [](double r) { return r == 0; });
    return PrivacyLoss{allZero ? 0.0 : kInf, 0.0};
  }
  PrivacyLoss best{kInf, orders[0]};
  for (size_t k = 0; k < orders.size(); ++k) {
    double a = orders[k], r = rdp[k], eps;
    if (r < 0 || delta * delta + std::expm1(-r) > 0)
      eps = 0; // bounded through the KL divergence: delta <= sqrt(1 - exp(-rdp))
    else if (a > 1.01)
      eps = r + std::log1p(-1 / a) - std::log(delta * a) / (a - 1);
    else
      eps = kInf; // the bound is unstable as the order approaches 1
    if (eps < best.epsilon) // the first minimum, as numpy's argmin
      best = {eps, a};
  }
  best.epsilon = std::max(0.0, best.epsilon);
  return best;
}

RdpAccountant::RdpAccountant() : RdpAccountant(defaultRdpOrders()) {}

RdpAccountant::RdpAccountant(std::vector<double> orders)
    : orders_(std::move(orders)), rdp_(orders_.size(), 0.0) {}

StatusOr<RdpAccountant> RdpAccountant::create(std::vector<double> orders) {
  if (Status s = checkOrders(orders); !s.ok())
    return s;
  return RdpAccountant(std::move(orders));
}

StatusOr<RdpAccountant> RdpAccountant::fromHistory(const std::vector<MechanismPhase> &history,
                                                   std::vector<double> orders) {
  StatusOr<RdpAccountant> accountant = create(std::move(orders));
  if (!accountant.ok())
    return accountant;
  for (size_t i = 0; i < history.size(); ++i) {
    const MechanismPhase &p = history[i];
    if (Status s = accountant->record(p.samplingRate, p.noiseMultiplier, p.steps); !s.ok())
      return invalid("privacy history phase " + std::to_string(i) + ": " +
                     std::string(s.message()));
  }
  return accountant;
}

Status RdpAccountant::record(double samplingRate, double noiseMultiplier, int64_t steps) {
  if (Status s = checkMechanism(samplingRate, noiseMultiplier); !s.ok())
    return s;
  if (steps < 0)
    return invalid("step count must be >= 0, got " + std::to_string(steps));
  if (steps == 0)
    return Status();
  if (samplingRate != cachedRate_ || noiseMultiplier != cachedSigma_) {
    cachedStepRdp_ = stepCurve(samplingRate, noiseMultiplier, orders_);
    cachedRate_ = samplingRate;
    cachedSigma_ = noiseMultiplier;
  }
  for (size_t k = 0; k < orders_.size(); ++k)
    rdp_[k] += double(steps) * cachedStepRdp_[k];
  if (!history_.empty() && history_.back().samplingRate == samplingRate &&
      history_.back().noiseMultiplier == noiseMultiplier)
    history_.back().steps += steps;
  else
    history_.push_back({samplingRate, noiseMultiplier, steps});
  return Status();
}

StatusOr<PrivacyLoss> RdpAccountant::epsilon(double delta) const {
  return rdpToEpsilon(orders_, rdp_, delta);
}

int64_t RdpAccountant::steps() const {
  int64_t total = 0;
  for (const MechanismPhase &p : history_)
    total += p.steps;
  return total;
}

StatusOr<double> calibrateNoiseMultiplier(double targetEpsilon, double delta,
                                          double samplingRate, int64_t steps,
                                          const CalibrationOptions &options) {
  if (!(targetEpsilon > 0) || std::isinf(targetEpsilon))
    return invalid("target epsilon must be positive and finite, got " + num(targetEpsilon));
  if (!(delta > 0 && delta < 1))
    return invalid("delta must be in (0, 1), got " + num(delta));
  if (Status s = checkMechanism(samplingRate, 1.0); !s.ok())
    return s;
  if (steps < 1)
    return invalid("steps must be >= 1, got " + std::to_string(steps));
  if (!(options.tolerance > 0))
    return invalid("calibration tolerance must be > 0, got " + num(options.tolerance));
  if (Status s = checkOrders(options.orders); !s.ok())
    return s;

  auto spent = [&](double sigma) {
    std::vector<double> curve = stepCurve(samplingRate, sigma, options.orders);
    for (double &r : curve)
      r *= double(steps);
    return rdpToEpsilon(options.orders, curve, delta)->epsilon;
  };
  // epsilon falls as sigma grows; bracket the target from above by doubling, then bisect.
  double lo = 0, hi = 1;
  while (spent(hi) > targetEpsilon) {
    lo = hi;
    hi *= 2;
    if (hi > 1e6)
      return Status::error(StatusCode::kFailedPrecondition,
                           "no noise multiplier up to 1e6 reaches epsilon " +
                               num(targetEpsilon) + " at delta " + num(delta));
  }
  while (hi - lo > options.tolerance) {
    double mid = lo + (hi - lo) / 2;
    (spent(mid) > targetEpsilon ? lo : hi) = mid;
  }
  return hi;
}

} // namespace kiln::rt::privacy
