// SPDX-License-Identifier: Apache-2.0
// kiln-bench-transport: one Monge gap solve of Kiln's runtime OT library on the clouds that
// bench/transport_peers.py gives OTT-JAX and POT, for a fixed number of iterations, printing
// one JSON line {"seconds", "value", "peak_rss_mb", "tiled", ...} for that script to compare.
// Run through the script (which sets the threads and measures the peers in the same run):
//   python3 bench/transport_peers.py --iterations 50 --threads 1 --kiln build/bin/kiln-bench-transport
#include "kiln/runtime/regularizers/OptimalTransport.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace kiln::rt;

namespace {

[[noreturn]] void usage(const char *message) {
  std::fprintf(stderr,
               "kiln-bench-transport: %s\nusage: kiln-bench-transport --n N --d D --iterations K "
               "--epsilon E [--seed S] [--materialize-limit L] [--gradients]\n",
               message);
  std::exit(2);
}

int64_t integer(const char *text) {
  char *end = nullptr;
  long long v = std::strtoll(text, &end, 10);
  if (!*text || *end || v < 0)
    usage((std::string("not a non-negative integer: ") + text).c_str());
  return v;
}

} // namespace

int main(int argc, char **argv) {
  int64_t n = -1, d = -1, iterations = -1, seed = 0, limit = -1;
  double epsilon = -1;
  bool gradients = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--gradients") {
      gradients = true;
      continue;
    }
    if (i + 1 >= argc)
      usage(("missing the value of " + a).c_str());
    const char *v = argv[++i];
    if (a == "--n") n = integer(v);
    else if (a == "--d") d = integer(v);
    else if (a == "--iterations") iterations = integer(v);
    else if (a == "--seed") seed = integer(v);
    else if (a == "--materialize-limit") limit = integer(v);
    else if (a == "--epsilon") {
      char *end = nullptr;
      epsilon = std::strtod(v, &end);
      if (!*v || *end)
        usage((std::string("not a number: ") + v).c_str());
    } else
      usage(("unknown option " + a).c_str());
  }
  if (n < 1 || d < 1 || iterations < 1 || !(epsilon > 0))
    usage("--n, --d, --iterations and a positive --epsilon are required");

  // The points of transport_peers.py, computed the same way (this file is compiled with
  // -ffp-contract=off, so each operation rounds as Python's does).
  std::vector<float> x(size_t(n * d)), y(size_t(n * d));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < d; ++k) {
      x[size_t(i * d + k)] = float(std::sin(0.37 * double(i) + 1.3 * double(k) + double(seed)));
      y[size_t(i * d + k)] =
          float(0.5 + std::cos(0.11 * double(i) - 0.7 * double(k) + double(seed)));
    }
  SinkhornOptions o;
  o.epsilon = epsilon;
  o.epsilonMode = EpsilonMode::Absolute;
  // A fixed number of iterations, as the peers run: no marginal error is this small.
  o.threshold = 1e-300;
  o.maxIterations = iterations;
  if (limit >= 0)
    o.materializeLimit = limit;
  std::vector<float> gx, gy;
  TensorView xv{x.data(), DType::F32, {n, d}}, yv{y.data(), DType::F32, {n, d}};
  TensorView gxv{nullptr, DType::F32, {n, d}}, gyv{nullptr, DType::F32, {n, d}};
  if (gradients) {
    gx.resize(x.size());
    gy.resize(y.size());
    gxv.data = gx.data();
    gyv.data = gy.data();
  }
  auto start = std::chrono::steady_clock::now();
  auto r = mongeGap(xv, yv, o, gradients ? &gxv : nullptr, gradients ? &gyv : nullptr);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!r.ok()) {
    std::fprintf(stderr, "kiln-bench-transport: %s\n", r.status().toString().c_str());
    return 1;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("{\"seconds\": %.6f, \"value\": %.9g, \"peak_rss_mb\": %.1f, \"iterations\": %lld, "
              "\"tiled\": %s, \"gradients\": %s}\n",
              seconds, r->value, double(usage.ru_maxrss) / 1024.0,
              (long long)r->solves[0].iterations, r->solves[0].tiled ? "true" : "false",
              gradients ? "true" : "false");
  return 0;
}
