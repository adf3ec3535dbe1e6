// SPDX-License-Identifier: Apache-2.0
// The FRUGAL kernel is compiled twice (AVX-512 and the x86-64 baseline, Frugal.cpp picks by
// CPU); only one runs in the e2e tests of a given machine. Both must give the same bits for
// every projection and rule, across a re-selection.
#include "kiln/runtime/Abi.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace kiln::rt::kernels {
namespace avx512 {
void frugalF32(const int64_t *, void *const *);
} // namespace avx512
namespace generic {
void frugalF32(const int64_t *, void *const *);
} // namespace generic
} // namespace kiln::rt::kernels

namespace {

struct State {
  std::vector<float> g, p, m, v;
  std::vector<int64_t> sub;
  int64_t step = 0, key = 9;
  void *buffers[7];
  void bind() {
    void *b[7] = {g.data(), p.data(), m.data(), v.data(), sub.data(), &step, &key};
    std::memcpy(buffers, b, sizeof b);
  }
};

void compareIsas(int64_t projection, int64_t stateFull, int64_t stateFree) {
  kiln_frugal_config c{};
  c.rows = 37, c.cols = 53, c.projection = projection, c.update_gap = 3;
  c.state_full = stateFull, c.state_free = stateFree;
  c.lr = 1e-2, c.beta1 = 0.9, c.beta2 = 0.999, c.eps = 1e-8, c.weight_decay = 0.01;
  c.free_lr_scale = 0.5;
  int64_t span = projection == 0 ? c.cols : projection == 1 ? c.rows : c.rows * c.cols;
  c.k = span / 4;
  int64_t n = c.rows * c.cols;
  int64_t state = projection == 0 ? c.rows * c.k : projection == 1 ? c.k * c.cols : c.k;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  State a;
  a.g.resize(n), a.p.resize(n), a.m.assign(state, 0), a.v.assign(stateFull == 0 ? state : 0, 0);
  a.sub.assign(c.k, -1);
  for (float &x : a.p)
    x = normal(rng);
  State b = a;
  int64_t params[KILN_ABI_FRUGAL_CONFIG_FIELDS];
  std::memcpy(params, &c, sizeof c);
  for (int s = 0; s < 7; ++s) { // re-selects at steps 1, 4 and 7
    for (int64_t i = 0; i < n; ++i)
      a.g[i] = b.g[i] = (i + s) % 11 == 0 ? 0.0f : normal(rng);
    a.bind(), b.bind();
    kiln::rt::kernels::avx512::frugalF32(params, a.buffers);
    kiln::rt::kernels::generic::frugalF32(params, b.buffers);
    ASSERT_EQ(0, std::memcmp(a.p.data(), b.p.data(), n * sizeof(float))) << "step " << s;
    ASSERT_EQ(a.m, b.m);
    ASSERT_EQ(a.v, b.v);
    ASSERT_EQ(a.sub, b.sub);
    ASSERT_EQ(a.step, b.step);
    ASSERT_EQ(a.key, b.key);
  }
  EXPECT_EQ(a.key, 9 + 3);
}

bool cpuHasAvx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
}

TEST(FrugalKernel, InstructionSetsAgreeBitForBit) {
  if (!cpuHasAvx512())
    GTEST_SKIP() << "no AVX-512 here: only the baseline build can run";
  for (int64_t projection : {0, 1, 2})
    for (int64_t full : {0, 1})
      for (int64_t free : {0, 1}) {
        SCOPED_TRACE(testing::Message() << "projection " << projection << " state_full " << full
                                        << " state_free " << free);
        compareIsas(projection, full, free);
      }
}

} // namespace
