// SPDX-License-Identifier: Apache-2.0
// The entropic OT solver and its regularizers (kiln/runtime/regularizers/OptimalTransport.h)
// against OTT-JAX, the library whose Sinkhorn they mirror: every case of
// test/e2e/golden/transport.json (written by scripts/golden/make_transport_goldens.py, which
// also cross-checks OTT with POT) goes through solveSinkhorn, mongeGap or sinkhornDivergence
// with the case's options, and the values, the epsilon used and the gradients must agree to
// 1e-6 relative. OptimalTransportTest.cpp checks the same code against closed forms and finite
// differences; this test pins down that "OTT's ent_reg_cost", "OTT's default epsilon" and
// "OTT's stopping rule" mean what OTT means by them. The case with OTT's defaults (threshold
// 1e-3, at most 2000 iterations) must also stop at OTT's iteration, with OTT's error.
// The JSON path comes from the compile definition KILN_TRANSPORT_GOLDENS; the file is read at
// run time, so regenerating it needs no rebuild.
#include "kiln/runtime/regularizers/OptimalTransport.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#ifndef KILN_TRANSPORT_GOLDENS
#error "define KILN_TRANSPORT_GOLDENS as the path of test/e2e/golden/transport.json"
#endif

namespace kiln::rt {
namespace {

using json = nlohmann::json;

/// |kiln - ott| <= kTol * max(1, |ott|), as the goldens' "tolerance" says.
constexpr double kTol = 1e-6;

/// A [rows, cols] float64 matrix read from a JSON list of rows.
struct Matrix {
  std::vector<double> data;
  int64_t rows = 0, cols = 0;

  TensorView view() { return TensorView{data.data(), DType::F64, {rows, cols}}; }
};

Matrix readMatrix(const json &rows) {
  Matrix m;
  m.rows = int64_t(rows.size());
  m.cols = m.rows ? int64_t(rows.at(0).size()) : 0;
  for (const json &row : rows) {
    EXPECT_EQ(int64_t(row.size()), m.cols) << "ragged matrix in the goldens";
    for (const json &v : row)
      m.data.push_back(v.get<double>());
  }
  return m;
}

/// The goldens, parsed once; null when the file is missing, discarded when it is not JSON.
const json &goldens() {
  static const json doc = [] {
    std::ifstream in(KILN_TRANSPORT_GOLDENS);
    if (!in)
      return json();
    return json::parse(in, nullptr, /*allow_exceptions=*/false);
  }();
  return doc;
}

void expectClose(double kiln, double ott, const std::string &what) {
  EXPECT_LE(std::fabs(kiln - ott), kTol * std::max(1.0, std::fabs(ott)))
      << what << ": kiln " << kiln << ", ott " << ott;
}

void expectCloseAll(const std::vector<double> &kiln, const json &ott, const std::string &what) {
  Matrix want = readMatrix(ott);
  ASSERT_EQ(kiln.size(), want.data.size()) << what;
  for (size_t i = 0; i < kiln.size(); ++i)
    expectClose(kiln[i], want.data[i],
                what + "[" + std::to_string(i / size_t(want.cols)) + "][" +
                    std::to_string(i % size_t(want.cols)) + "]");
}

SinkhornOptions optionsOf(const json &c) {
  SinkhornOptions o;
  const std::string cost = c.at("cost").get<std::string>();
  if (cost == "euclidean")
    o.cost = TransportCost::Euclidean;
  else if (cost != "sqeuclidean")
    ADD_FAILURE() << "unknown cost " << cost;
  // A null epsilon keeps the defaults, OTT's: 0.05 * std(C).
  if (!c.at("epsilon").is_null()) {
    o.epsilon = c.at("epsilon").get<double>();
    o.epsilonMode = EpsilonMode::Absolute;
  }
  o.threshold = c.at("threshold").get<double>();
  o.maxIterations = c.at("max_iterations").get<int64_t>();
  return o;
}

/// solveSinkhorn returns potentials, not gradients, so the gradients of ent_reg_cost are
/// formed here by the envelope theorem, as OTT's use_danskin does: dW/dx_i =
/// sum_j P_ij dc(x_i, y_j)/dx_i and dW/dy_j = sum_i P_ij dc(x_i, y_j)/dy_j with
/// P_ij = exp((f_i + g_j - C_ij) / eps). Against OTT's gradients this checks the potentials.
void envelopeGradients(const Matrix &x, const Matrix &y, const SinkhornResult &r,
                       TransportCost cost, std::vector<double> &gx, std::vector<double> &gy) {
  const int64_t d = x.cols;
  const double eps = r.stats.epsilon;
  std::vector<double> diff(size_t(d), 0.0);
  for (int64_t i = 0; i < x.rows; ++i)
    for (int64_t j = 0; j < y.rows; ++j) {
      double sq = 0;
      for (int64_t k = 0; k < d; ++k) {
        diff[size_t(k)] = x.data[size_t(i * d + k)] - y.data[size_t(j * d + k)];
        sq += diff[size_t(k)] * diff[size_t(k)];
      }
      const double c = cost == TransportCost::SqEuclidean ? sq : std::sqrt(sq);
      const double p = std::exp((r.f[size_t(i)] + r.g[size_t(j)] - c) / eps);
      // dc/dx: 2 (x - y), or (x - y) / ||x - y|| with 0 at x = y (OTT's and Kiln's choice).
      double scale = 2;
      if (cost == TransportCost::Euclidean)
        scale = sq > 0 ? 1 / std::sqrt(sq) : 0;
      for (int64_t k = 0; k < d; ++k) {
        gx[size_t(i * d + k)] += p * scale * diff[size_t(k)];
        gy[size_t(j * d + k)] -= p * scale * diff[size_t(k)];
      }
    }
}

void checkCase(const json &c) {
  const std::string kind = c.at("kind").get<std::string>();
  const json &want = c.at("expected");
  Matrix x = readMatrix(c.at("x")), y = readMatrix(c.at("y"));
  const SinkhornOptions options = optionsOf(c);
  std::vector<double> gx(x.data.size()), gy(y.data.size());
  double value = 0;
  std::vector<SinkhornStats> solves;
  if (kind == "sinkhorn") {
    auto r = solveSinkhorn(x.view(), y.view(), options);
    ASSERT_TRUE(r.ok()) << r.status().toString();
    expectClose(r->entRegCost, want.at("ent_reg_cost").get<double>(), "ent_reg_cost");
    expectClose(r->regOtCost, want.at("reg_ot_cost").get<double>(), "reg_ot_cost");
    value = r->entRegCost; // the goldens' value and gradients are those of ent_reg_cost
    envelopeGradients(x, y, *r, options.cost, gx, gy);
    solves = {r->stats};
  } else if (kind == "monge_gap" || kind == "sinkhorn_divergence") {
    TensorView gxView{gx.data(), DType::F64, {x.rows, x.cols}};
    TensorView gyView{gy.data(), DType::F64, {y.rows, y.cols}};
    auto r = kind == "monge_gap"
                 ? mongeGap(x.view(), y.view(), options, &gxView, &gyView)
                 : sinkhornDivergence(x.view(), y.view(), options, &gxView, &gyView);
    ASSERT_TRUE(r.ok()) << r.status().toString();
    value = r->value;
    solves = r->solves;
  } else {
    ADD_FAILURE() << "unknown kind " << kind;
    return;
  }
  ASSERT_FALSE(solves.empty());
  expectClose(value, want.at("value").get<double>(), "value");
  expectClose(solves[0].epsilon, want.at("epsilon_used").get<double>(), "epsilon_used");
  expectCloseAll(gx, want.at("grad_x"), "grad_x");
  expectCloseAll(gy, want.at("grad_y"), "grad_y");

  if (want.contains("errors")) {
    // OTT's defaults: the same update order and error checks must stop at the same
    // iteration (the generator keeps the last two checks 5% away from the threshold), with
    // the same marginal error, strictly relative since it is small.
    EXPECT_EQ(solves[0].iterations, want.at("iterations").get<int64_t>());
    EXPECT_EQ(solves[0].converged, want.at("converged").get<bool>());
    const double error = want.at("errors").back().get<double>();
    EXPECT_LE(std::fabs(solves[0].error - error), kTol * error)
        << "last marginal error: kiln " << solves[0].error << ", ott " << error;
  } else {
    // Tight cases: OTT converged (the generator asserts it), and so must every Kiln solve,
    // at OTT's iteration: the same updates (the divergence's symmetric problems with OTT's
    // parallel updates and momentum 0.5) checked the same way.
    const json &iterations = want.at("iterations");
    for (size_t i = 0; i < solves.size(); ++i) {
      EXPECT_TRUE(solves[i].converged)
          << "solve " << i << ": " << solves[i].iterations << " iterations, error "
          << solves[i].error;
      int64_t ott = iterations.is_array() ? iterations.at(i).get<int64_t>()
                                          : iterations.get<int64_t>();
      EXPECT_EQ(solves[i].iterations, ott) << "solve " << i;
    }
  }
}

TEST(OptimalTransportGoldenTest, MatchesOtt) {
  const json &doc = goldens();
  ASSERT_TRUE(doc.is_object()) << "cannot read " << KILN_TRANSPORT_GOLDENS
                               << " (scripts/golden/make_transport_goldens.py writes it)";
  for (const json &c : doc.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    checkCase(c);
  }
}

/// Guards against a truncated or hand-pruned file passing vacuously: every kind with both
/// costs and both epsilon modes, and exactly one case with OTT's defaults.
TEST(OptimalTransportGoldenTest, CoversEveryKindCostAndEpsilonMode) {
  const json &doc = goldens();
  ASSERT_TRUE(doc.is_object()) << "cannot read " << KILN_TRANSPORT_GOLDENS;
  std::set<std::string> seen;
  int defaults = 0;
  for (const json &c : doc.at("cases")) {
    seen.insert(c.at("kind").get<std::string>() + "/" + c.at("cost").get<std::string>() + "/" +
                (c.at("epsilon").is_null() ? "relative" : "absolute"));
    defaults += c.at("expected").contains("errors") ? 1 : 0;
  }
  for (const char *kind : {"sinkhorn", "monge_gap", "sinkhorn_divergence"})
    for (const char *cost : {"sqeuclidean", "euclidean"})
      for (const char *mode : {"relative", "absolute"})
        EXPECT_TRUE(seen.count(std::string(kind) + "/" + cost + "/" + mode))
            << kind << " " << cost << " " << mode;
  EXPECT_EQ(defaults, 1);
}

} // namespace
} // namespace kiln::rt
