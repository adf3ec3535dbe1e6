// SPDX-License-Identifier: Apache-2.0
// The RDP accountant (kiln/runtime/privacy/Accountant.h) against the libraries users compare
// it with: every case of test/e2e/golden/privacy.json (scripts/golden/make_privacy_goldens.py:
// dp_accounting's per-order RDP, epsilons, compositions and noise calibrations, and Opacus'
// epsilons) and the published vectors of dp_accounting's and Opacus' own tests. The JSON path
// comes from the compile definition KILN_PRIVACY_GOLDENS and is read at run time.
#include "kiln/runtime/privacy/Accountant.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#ifndef KILN_PRIVACY_GOLDENS
#error "define KILN_PRIVACY_GOLDENS as the path of test/e2e/golden/privacy.json"
#endif

namespace kiln::rt::privacy {
namespace {

using json = nlohmann::json;
constexpr double kInf = std::numeric_limits<double>::infinity();

const json &goldens() {
  static const json doc = [] {
    std::ifstream in(KILN_PRIVACY_GOLDENS);
    return in ? json::parse(in, nullptr, /*allow_exceptions=*/false) : json();
  }();
  return doc;
}

/// JSON has no infinity; the goldens write it as "inf".
double number(const json &v) { return v.is_string() ? kInf : v.get<double>(); }

/// |a - b| <= tol * max(1, |b|), infinities equal only to themselves.
::testing::AssertionResult near(double a, double b, double tol) {
  if (std::isinf(b) || std::isinf(a))
    return a == b ? ::testing::AssertionSuccess()
                  : ::testing::AssertionFailure() << a << " vs " << b;
  if (std::abs(a - b) <= tol * std::max(1.0, std::abs(b)))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << a << " vs " << b << " (relative " << std::abs(a - b) / std::abs(b) << ")";
}

std::vector<double> orders(const json &list) {
  std::vector<double> out;
  for (const json &v : list)
    out.push_back(v.get<double>());
  return out;
}

class PrivacyGoldens : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(goldens().is_object()) << "cannot read " << KILN_PRIVACY_GOLDENS;
  }
};

TEST_F(PrivacyGoldens, PerOrderRdpMatchesDpAccounting) {
  const json &doc = goldens();
  std::vector<double> ords = orders(doc["orders"]);
  int checked = 0;
  for (const json &c : doc["curves"]) {
    double q = c["q"], sigma = c["sigma"];
    for (size_t k = 0; k < ords.size(); ++k) {
      StatusOr<double> rdp = rdpSubsampledGaussian(q, sigma, ords[k]);
      ASSERT_TRUE(rdp.ok()) << rdp.status().toString();
      EXPECT_TRUE(near(*rdp, number(c["rdp"][k]), 1e-9))
          << "q=" << q << " sigma=" << sigma << " order=" << ords[k];
      ++checked;
    }
  }
  EXPECT_EQ(ords.size(), 156u);
  EXPECT_EQ(checked, 36 * 156);
}

TEST_F(PrivacyGoldens, EpsilonMatchesDpAccounting) {
  const json &doc = goldens();
  double tol = doc["tolerance"]["dp_accounting"];
  for (const json &e : doc["epsilons"]) {
    RdpAccountant accountant;
    ASSERT_TRUE(accountant.record(e["q"], e["sigma"], e["steps"]).ok());
    StatusOr<PrivacyLoss> loss = accountant.epsilon(e["delta"]);
    ASSERT_TRUE(loss.ok()) << loss.status().toString();
    std::string where = e.dump();
    EXPECT_TRUE(near(loss->epsilon, number(e["dp_accounting"]["epsilon"]), tol)) << where;
    if (loss->epsilon > 0 && std::isfinite(loss->epsilon)) {
      EXPECT_EQ(loss->order, e["dp_accounting"]["order"].get<double>()) << where;
    }
  }
}

TEST_F(PrivacyGoldens, EpsilonMatchesOpacusWhereItsSeriesIsComplete) {
  const json &doc = goldens();
  const json &rule = doc["opacus_rule"];
  double tol = doc["tolerance"]["opacus"];
  int compared = 0;
  for (const json &e : doc["epsilons"]) {
    double opacus = number(e["opacus"]["epsilon"]);
    if (!(opacus >= rule["min_epsilon"].get<double>() &&
          opacus <= rule["max_epsilon"].get<double>() &&
          e["q"].get<double>() <= rule["max_q"].get<double>() &&
          number(e["dp_accounting"]["epsilon"]) > 0))
      continue;
    StatusOr<RdpAccountant> accountant = RdpAccountant::create(orders(doc["opacus_orders"]));
    ASSERT_TRUE(accountant.ok());
    ASSERT_TRUE(accountant->record(e["q"], e["sigma"], e["steps"]).ok());
    double kiln = accountant->epsilon(e["delta"])->epsilon;
    EXPECT_TRUE(near(kiln, opacus, tol)) << e.dump();
    EXPECT_GE(kiln, opacus * (1 - 1e-9)) << "more optimistic than Opacus: " << e.dump();
    ++compared;
  }
  EXPECT_GT(compared, 100);
}

TEST_F(PrivacyGoldens, ComposedPhasesMatchBothLibraries) {
  for (const json &c : goldens()["phases"]) {
    StatusOr<RdpAccountant> accountant = RdpAccountant::create(orders(c["orders"]));
    ASSERT_TRUE(accountant.ok());
    for (const json &p : c["phases"])
      ASSERT_TRUE(accountant->record(p[0], p[1], p[2]).ok());
    PrivacyLoss loss = *accountant->epsilon(c["delta"]);
    EXPECT_TRUE(near(loss.epsilon, c["dp_accounting"]["epsilon"], 1e-9)) << c.dump();
    EXPECT_EQ(loss.order, c["dp_accounting"]["order"].get<double>()) << c.dump();
    EXPECT_TRUE(near(loss.epsilon, c["opacus"]["epsilon"], 1e-6)) << c.dump();
  }
}

TEST_F(PrivacyGoldens, CalibrationMatchesDpAccounting) {
  for (const json &c : goldens()["calibrations"]) {
    double target = c["target_epsilon"], delta = c["delta"], q = c["q"];
    int64_t steps = c["steps"];
    StatusOr<double> sigma = calibrateNoiseMultiplier(target, delta, q, steps);
    ASSERT_TRUE(sigma.ok()) << sigma.status().toString();
    EXPECT_NEAR(*sigma, c["sigma"].get<double>(), 2e-6) << c.dump();
    // The defining property: sigma spends at most the target, sigma - tolerance more.
    auto spent = [&](double s) {
      RdpAccountant a;
      EXPECT_TRUE(a.record(q, s, steps).ok());
      return a.epsilon(delta)->epsilon;
    };
    EXPECT_LE(spent(*sigma), target) << c.dump();
    EXPECT_GT(spent(*sigma - 1e-6), target) << c.dump();
  }
}

// dp_accounting's rdp_privacy_accountant_test.py::test_compute_rdp_poisson_sampled_gaussian.
TEST(PrivacyAccountant, DpAccountingUnitTestVector) {
  const double expected[] = {6.70579741e-04, 1.08548710e-03, 2.18075656e-03,
                             2.38460375e-02, 1.67416308e+02, kInf};
  const double ords[] = {1.5, 2.5, 5, 50, 100, kInf};
  for (int k = 0; k < 6; ++k) {
    StatusOr<double> rdp = rdpSubsampledGaussian(0.01, 2.5, ords[k]);
    ASSERT_TRUE(rdp.ok());
    EXPECT_TRUE(near(50 * *rdp, expected[k], 1e-8)) << "order " << ords[k];
  }
}

// Published epsilons at delta = 1e-5 over dp_accounting's default orders: Opacus'
// accountants_test (q = 0.04, sigma = 1.5, 2250 steps; Opacus' own orders give 7.32911117143),
// TF-Privacy's MNIST tutorial setting, and a long run.
TEST(PrivacyAccountant, PublishedEpsilons) {
  struct Case {
    double q, sigma;
    int64_t steps;
    double epsilon;
  } cases[] = {{0.04, 1.5, 2250, 7.329334702},
               {256.0 / 60000, 1.1, 14062, 2.596555870},
               {0.01, 1.0, 10000, 6.712756664}};
  for (const Case &c : cases) {
    RdpAccountant accountant;
    ASSERT_TRUE(accountant.record(c.q, c.sigma, c.steps).ok());
    EXPECT_TRUE(near(accountant.epsilon(1e-5)->epsilon, c.epsilon, 1e-6)) << c.q;
  }
  StatusOr<RdpAccountant> opacus = RdpAccountant::create(opacusRdpOrders());
  ASSERT_TRUE(opacus.ok());
  ASSERT_TRUE(opacus->record(0.04, 1.5, 2250).ok());
  PrivacyLoss loss = *opacus->epsilon(1e-5);
  // Kiln keeps dp_accounting's longer series at fractional orders: 3e-5 above Opacus here.
  EXPECT_TRUE(near(loss.epsilon, 7.32911117143, 1e-4));
  EXPECT_EQ(loss.order, 3.9);
}

TEST(PrivacyAccountant, ClosedForms) {
  // No subsampling: the Gaussian mechanism's RDP alpha / (2 sigma^2).
  EXPECT_DOUBLE_EQ(*rdpSubsampledGaussian(1.0, 1.0, 2.0), 1.0);
  EXPECT_DOUBLE_EQ(*rdpSubsampledGaussian(1.0, 2.0, 7.5), 7.5 / 8);
  // Order 2, q = 1/2: log((1-q)^2 + 2q(1-q) + q^2 e^{1/sigma^2}).
  EXPECT_NEAR(*rdpSubsampledGaussian(0.5, 1.0, 2.0), std::log(0.25 + 0.5 + 0.25 * M_E), 1e-15);
  EXPECT_EQ(*rdpSubsampledGaussian(0.5, 0.0, 2.0), kInf);
  // The improved conversion at one order, by hand.
  PrivacyLoss loss = *rdpToEpsilon({4.0}, {0.5}, 1e-5);
  EXPECT_NEAR(loss.epsilon, 0.5 + std::log1p(-0.25) - std::log(4e-5) / 3, 1e-14);
  EXPECT_EQ(loss.order, 4.0);
  // delta = 0: nothing or everything.
  EXPECT_EQ(rdpToEpsilon({2.0}, {0.0}, 0.0)->epsilon, 0.0);
  EXPECT_EQ(rdpToEpsilon({2.0}, {0.1}, 0.0)->epsilon, kInf);
}

TEST(PrivacyAccountant, CompositionAndHistory) {
  RdpAccountant stepwise, once;
  EXPECT_EQ(stepwise.epsilon(1e-5)->epsilon, 0.0) << "no step spends nothing";
  for (int i = 0; i < 300; ++i)
    ASSERT_TRUE(stepwise.record(0.01, 1.1).ok());
  ASSERT_TRUE(once.record(0.01, 1.1, 300).ok());
  for (size_t k = 0; k < once.rdp().size(); ++k)
    EXPECT_TRUE(near(stepwise.rdp()[k], once.rdp()[k], 1e-12));
  ASSERT_EQ(stepwise.history().size(), 1u) << "one mechanism is one phase";
  EXPECT_EQ(stepwise.history()[0], (MechanismPhase{0.01, 1.1, 300}));

  // A schedule that changes sigma, then the restore a checkpoint performs.
  ASSERT_TRUE(stepwise.record(0.01, 0.9, 50).ok());
  ASSERT_TRUE(stepwise.record(0.02, 0.9, 0).ok()) << "zero steps record nothing";
  ASSERT_TRUE(stepwise.record(0.01, 1.1, 10).ok());
  EXPECT_EQ(stepwise.history().size(), 3u);
  EXPECT_EQ(stepwise.steps(), 360);
  StatusOr<RdpAccountant> restored = RdpAccountant::fromHistory(stepwise.history());
  ASSERT_TRUE(restored.ok());
  RdpAccountant replay;
  for (const MechanismPhase &p : stepwise.history())
    ASSERT_TRUE(replay.record(p.samplingRate, p.noiseMultiplier, p.steps).ok());
  EXPECT_EQ(restored->rdp(), replay.rdp()) << "restoring is replaying the phases";
  EXPECT_EQ(restored->epsilon(1e-5)->epsilon, replay.epsilon(1e-5)->epsilon);
}

TEST(PrivacyAccountant, RejectsBadInput) {
  const double nan = std::nan("");
  for (double q : {0.0, -0.1, 1.5, nan})
    EXPECT_EQ(rdpSubsampledGaussian(q, 1.0, 2.0).status().code(),
              StatusCode::kInvalidArgument) << q;
  for (double sigma : {-1.0, nan, kInf})
    EXPECT_EQ(rdpSubsampledGaussian(0.1, sigma, 2.0).status().code(),
              StatusCode::kInvalidArgument) << sigma;
  for (double order : {1.0, 0.5, nan})
    EXPECT_EQ(rdpSubsampledGaussian(0.1, 1.0, order).status().code(),
              StatusCode::kInvalidArgument) << order;
  EXPECT_EQ(RdpAccountant::create({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RdpAccountant::create({2.0, 1.0}).status().code(), StatusCode::kInvalidArgument);

  RdpAccountant accountant;
  ASSERT_TRUE(accountant.record(0.01, 1.0, 10).ok());
  std::vector<double> before = accountant.rdp();
  Status bad = accountant.record(0.01, 1.0, -1);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("step count"), std::string_view::npos) << bad.message();
  EXPECT_EQ(accountant.record(2.0, 1.0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(accountant.rdp(), before) << "a refused record changes nothing";
  for (double delta : {1.0, 1.5, -1e-9, nan})
    EXPECT_EQ(accountant.epsilon(delta).status().code(), StatusCode::kInvalidArgument) << delta;
  EXPECT_EQ(rdpToEpsilon({2.0, 3.0}, {0.1}, 1e-5).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RdpAccountant::fromHistory({{0.01, -1.0, 5}}).status().code(),
            StatusCode::kInvalidArgument);

  EXPECT_EQ(calibrateNoiseMultiplier(0.0, 1e-5, 0.01, 100).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(calibrateNoiseMultiplier(1.0, 1.0, 0.01, 100).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(calibrateNoiseMultiplier(1.0, 1e-5, 0.01, 0).status().code(),
            StatusCode::kInvalidArgument);
  // A million unsubsampled steps need sigma > 1e6 for epsilon 1e-4.
  EXPECT_EQ(calibrateNoiseMultiplier(1e-4, 1e-5, 1.0, 1000000).status().code(),
            StatusCode::kFailedPrecondition);
}

} // namespace
} // namespace kiln::rt::privacy
