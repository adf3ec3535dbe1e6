// SPDX-License-Identifier: Apache-2.0
// kiln-bench-optimizers: times Kiln's optimizer steps against the machine's limit and its peers.
//
// Each case (optimizer x size) compiles a Kiln program and then times, on the same buffers,
// Kiln through the runtime Session, a streaming kernel moving the same bytes (the limit) and a
// hand-written OpenMP loop, interleaved so that drift on a shared machine hits all of them,
// and torch.optim in a child process (torch_optimizers.py --serve). Absolute rates vary from
// run to run there; the same-run ratios are the result.
#include "ReferenceKernels.h"

#include "kiln/Tools/Driver.h"
#include "kiln/runtime/Module.h"
#include "kiln/runtime/Session.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace kiln::bench;
namespace rt = kiln::rt;

namespace {

/// One optimizer of the benchmark. Adding one is a row here; its hand-written loop goes in
/// ReferenceKernels.cpp, and torch_optimizers.py maps the same name to a torch.optim class
/// (or reports that torch has none).
struct Optimizer {
  const char *name;  ///< table, --optimizers and torch_optimizers.py name
  const char *op;    ///< the kiln op updating one tensor
  const char *attrs; ///< its attribute dictionary; must say what `hyper` says
  Hyper hyper;       ///< the hand-written loop's hyperparameters
  int numState;      ///< state tensors after p and g, read and written in place
  bool takesStep;    ///< the op has a step(%t) operand (a shared tensor<i64> counter)
  HandStep hand;
  int gradPasses = 0; ///< read-only passes over g before the update (global-norm clipping)
};

// PyTorch's default hyperparameters, so torch_optimizers.py can use torch's defaults too.
const Optimizer kOptimizers[] = {
    {"sgd", "kiln.sgd", "{lr = 1.0e-2 : f64}", Hyper().withLr(1e-2), 0, false, sgdStep},
    {"momentum", "kiln.momentum", "{lr = 1.0e-2 : f64, momentum = 0.9 : f64}",
     Hyper().withLr(1e-2).withMomentum(0.9), 1, false, momentumStep},
    {"adam", "kiln.adam", "{lr = 1.0e-3 : f64}", Hyper().withLr(1e-3), 2, true, adamStep},
    {"adamw", "kiln.adamw", "{lr = 1.0e-3 : f64, weight_decay = 1.0e-2 : f64}",
     Hyper().withLr(1e-3).withWeightDecay(1e-2), 2, true, adamwStep},
    // kiln.clip_by_global_norm over every gradient first: one more read pass over g.
    {"adamw_clip", "kiln.adamw", "{lr = 1.0e-3 : f64, weight_decay = 1.0e-2 : f64}",
     Hyper().withLr(1e-3).withWeightDecay(1e-2).withMaxNorm(1.0), 2, true, adamwClipStep, 1},
};

/// Bytes a step must move per parameter: read p, g and the state, write p and the state.
int bytesPerParam(const Optimizer &o) {
  return 4 * ((2 + o.numState) + (1 + o.numState) + o.gradPasses);
}

using Shape = std::vector<int64_t>;

int64_t numel(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s)
    n *= d;
  return n;
}

/// A transformer-like parameter set of exactly 100 tensors and ~16M parameters: token and
/// position embeddings, 8 blocks of (2 layer norms, qkv, projection, 2 MLP matrices, their
/// biases) and a final layer norm. Mixes big matrices with 384-element vectors the way real
/// models do, which is what multi-tensor (horizontal) fusion has to cope with.
std::vector<Shape> modelShapes() {
  const int64_t d = 384, vocab = 6208, positions = 512, layers = 8;
  std::vector<Shape> shapes = {{vocab, d}, {positions, d}};
  for (int64_t l = 0; l < layers; ++l) {
    const std::vector<Shape> block = {{d},        {d},     {d, 3 * d}, {3 * d}, {d, d},
                                      {d},        {d},     {d},        {d, 4 * d},
                                      {4 * d},    {4 * d, d}, {d}};
    shapes.insert(shapes.end(), block.begin(), block.end());
  }
  shapes.push_back({d});
  shapes.push_back({d});
  return shapes;
}

struct Case {
  std::string token; ///< as given in --sizes; also the key torch_optimizers.py echoes back
  std::string label; ///< for the table
  std::vector<Shape> shapes;
  int64_t params = 0;
};

bool parseCase(const std::string &token, Case &c) {
  c.token = token;
  if (token == "model") {
    c.shapes = modelShapes();
  } else {
    char *end = nullptr;
    long long n = std::strtoll(token.c_str(), &end, 10);
    int shift = 0;
    if (*end == 'K' || *end == 'k')
      shift = 10, ++end;
    else if (*end == 'M' || *end == 'm')
      shift = 20, ++end;
    else if (*end == 'G' || *end == 'g')
      shift = 30, ++end;
    if (end == token.c_str() || *end != '\0' || n <= 0)
      return false;
    c.shapes = {{static_cast<int64_t>(n) << shift}};
  }
  for (const Shape &s : c.shapes)
    c.params += numel(s);
  char buf[64];
  if (token == "model")
    std::snprintf(buf, sizeof buf, "100x(%.1fM)", c.params / double(1 << 20));
  else
    std::snprintf(buf, sizeof buf, "%s", token.c_str());
  c.label = buf;
  return true;
}

std::string tensorType(const Shape &s) {
  std::string t = "tensor<";
  for (int64_t d : s)
    t += std::to_string(d) + "x";
  return t + "f32>";
}

/// One entry point updating every tensor in place with one op each, all sharing one
/// step counter: (p0, g0, state0..., p1, g1, ..., [t]) -> (p0', state0'..., p1', ...).
std::string emitProgram(const Optimizer &o, const std::vector<Shape> &shapes) {
  std::string args, body, results, resultTypes;
  auto append = [](std::string &list, const std::string &item) {
    list += (list.empty() ? "" : ", ") + item;
  };
  // Global-norm clipping: one op over every gradient; the updates read its results.
  std::string clipped, clippedTypes;
  if (o.hyper.maxNorm > 0) {
    for (size_t k = 0; k < shapes.size(); ++k) {
      append(clipped, "%g" + std::to_string(k));
      append(clippedTypes, tensorType(shapes[k]));
    }
    char norm[64];
    std::snprintf(norm, sizeof norm, "%.17g", o.hyper.maxNorm);
    body += "  %c:" + std::to_string(shapes.size()) + " = kiln.clip_by_global_norm " + clipped +
            " {max_norm = " + norm + (std::strchr(norm, '.') ? "" : ".0") + " : f64} : " +
            clippedTypes + "\n";
  }
  for (size_t k = 0; k < shapes.size(); ++k) {
    std::string ty = tensorType(shapes[k]), id = std::to_string(k);
    std::string grad = o.hyper.maxNorm > 0 ? "%c#" + id : "%g" + id;
    std::string operands = "%p" + id + ", " + grad, outs = "%np" + id;
    append(args, "%p" + id + ": " + ty);
    append(args, "%g" + id + ": " + ty);
    append(results, "%np" + id);
    append(resultTypes, ty);
    for (int j = 0; j < o.numState; ++j) {
      std::string s = "%s" + id + "_" + std::to_string(j);
      append(args, s + ": " + ty);
      operands += ", " + s;
      outs += ", %n" + s.substr(1);
      append(results, "%n" + s.substr(1));
      append(resultTypes, ty);
    }
    body += "  " + outs + " = " + o.op + " " + operands + (o.takesStep ? " step(%t) " : " ") +
            o.attrs + " : " + ty + "\n";
  }
  if (o.takesStep)
    append(args, "%t: tensor<i64>");
  return "// Generated by kiln-bench-optimizers.\nfunc.func @kiln_bench_update(" + args + ") -> (" +
         resultTypes + ") {\n" + body + "  return " + results + " : " + resultTypes + "\n}\n";
}

/// An f32 array that is page-faulted (by the benchmark's threads) before anything is timed.
class Array {
public:
  /// `index` staggers the arrays of a case by 17 cache lines each modulo 4 KiB. Arrays that
  /// all start at one page offset make loads and earlier stores of the same element look alike
  /// to the core's 4K-alias check: the streaming kernel then ran at a third of its speed in
  /// cache while Kiln, scheduling loads and stores differently, did not. Staggering lets the
  /// limit measure the memory system rather than that artefact; every variant gets these same
  /// arrays, so none is favoured.
  bool allocate(int64_t n, int index) {
    size_t offset = size_t(index) * 17 * 64 % 4096;
    size_t bytes = std::max<size_t>(64, size_t(n) * sizeof(float)) + offset;
    // Large arrays start on a huge-page boundary and ask for huge pages, so TLB misses do not
    // add run-to-run noise.
    size_t align = bytes >= (size_t(2) << 20) ? size_t(2) << 20 : 64;
    void *p = nullptr;
    if (posix_memalign(&p, align, bytes) != 0)
      return false;
    if (align > 64)
      madvise(p, bytes, MADV_HUGEPAGE);
    storage_.reset(p);
    data_ = reinterpret_cast<float *>(static_cast<char *>(p) + offset);
    return true;
  }
  float *data() const { return data_; }

private:
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> storage_;
  float *data_ = nullptr;
};

using Clock = std::chrono::steady_clock;

struct Timing {
  double seconds = 0; ///< the target time per variant and case
  int minReps = 5;
};

/// One timed variant of a case: `timed` runs one step and returns its duration in seconds.
/// `remote` marks a step that runs in the torch process.
struct Variant {
  std::function<double()> timed;
  bool remote = false;
  std::vector<std::vector<double>> rounds; ///< durations, by round
  std::vector<double> all() const {
    std::vector<double> out;
    for (const std::vector<double> &r : rounds)
      out.insert(out.end(), r.begin(), r.end());
    return out;
  }
};

double secondsOf(const std::function<void()> &fn) {
  Clock::time_point t0 = Clock::now();
  fn();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// GNU libgomp's idle threads spin for a while before they sleep (7-15 ms, measured here for
/// ours and torch's), plus margin. The benchmark waits this long whenever it crosses between
/// its own process and torch's, so neither side's spinning threads steal the cores from the
/// other's step.
constexpr std::chrono::milliseconds kSwitchPause(25);
/// Even so, the first steps after a switch ran up to 40x slower (a thread waiting a
/// scheduler tick or two for a core), so each side first runs untimed for this long.
constexpr std::chrono::milliseconds kRewarm(20);
/// Rounds of (our variants, then torch's) when torch takes part.
constexpr int kRounds = 5;

/// Runs `group` (variants of one process) back to back, one call each per iteration, for
/// `seconds` and at least one iteration, appending to each variant's current round.
void runGroup(const std::vector<Variant *> &group, double seconds, bool rewarm) {
  Clock::time_point start = Clock::now();
  if (rewarm)
    do
      for (Variant *v : group)
        v->timed();
    while (Clock::now() - start < kRewarm);
  start = Clock::now();
  do
    for (Variant *v : group)
      v->rounds.back().push_back(v->timed());
  while (std::chrono::duration<double>(Clock::now() - start).count() < seconds);
}

/// Times the variants for about timing.seconds each. On a shared machine the bandwidth left
/// to us drifts over seconds, so our variants run interleaved call by call: every one sees
/// the same conditions, and the ratios are taken between samples of one iteration. They share
/// one OpenMP pool, so none leaves threads spinning against another. torch's variants run in
/// another process, whose spinning threads would compete with ours, so the two processes
/// alternate in rounds instead, with a pause between them, and Kiln/torch is taken per round.
void timeCase(std::vector<Variant> &variants, const Timing &timing) {
  std::vector<Variant *> local, remote;
  for (Variant &v : variants) {
    (v.remote ? remote : local).push_back(&v);
    v.rounds.emplace_back();
  }
  // Warm-up: code, page tables, caches, the thread pools and the optimizers' lazy state.
  runGroup(local, 0, false);
  if (!remote.empty()) {
    std::this_thread::sleep_for(kSwitchPause);
    runGroup(remote, 0, false);
    std::this_thread::sleep_for(kSwitchPause);
  }
  for (Variant &v : variants)
    v.rounds.clear();

  int rounds = remote.empty() ? 1 : kRounds;
  for (int r = 0; r < rounds || static_cast<int>(variants[0].all().size()) < timing.minReps;
       ++r) {
    for (Variant &v : variants)
      v.rounds.emplace_back();
    runGroup(local, timing.seconds * local.size() / rounds, !remote.empty());
    if (!remote.empty()) {
      std::this_thread::sleep_for(kSwitchPause);
      // One block per torch implementation: each keeps its own optimizer state, and
      // alternating them would evict each other's from cache where Kiln's variants share one.
      for (Variant *v : remote)
        runGroup({v}, timing.seconds / rounds, true);
      std::this_thread::sleep_for(kSwitchPause);
    }
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// The median over iterations of num[i] / den[i].
double medianRatio(const std::vector<double> &num, const std::vector<double> &den) {
  std::vector<double> r(num.size());
  for (size_t i = 0; i < num.size(); ++i)
    r[i] = num[i] / den[i];
  return median(r);
}

struct Row {
  std::string optimizer, token, label;
  int64_t params = 0;
  size_t tensors = 0;
  int bytesPerParam = 0;
  double compileSeconds = 0;
  size_t iterations = 0;
  double kiln = 0, limit = 0, hand = 0; ///< parameters per second, from median step times
  double kilnOverLimit = 0, kilnOverHand = 0; ///< medians of the per-iteration ratios
  struct Peer {
    double rate = -1;     ///< parameters per second; -1: not measured
    double kilnOver = -1; ///< median over rounds of torch time / Kiln time (round medians)
  } torchForeach, torchFused;
};

/// Runs Kiln's first step (t = 1) on the real buffers and the hand-written loop on copies of
/// three windows of each tensor (its start, middle and end), and compares them. Rates of a
/// step that computes something else, or only part of the tensor, or nothing (as when an
/// entry point named `step` once bound to libc's step()) would be meaningless; this is a
/// sanity check, not the test suite (test/e2e is).
bool kilnMatchesHand(const Optimizer &o, const std::vector<Slot> &slots,
                     const std::function<void()> &kilnStep, std::string &why) {
  const int64_t window = 1024;
  struct Window {
    size_t tensor;
    int64_t start;
    std::vector<std::vector<float>> before, after; ///< [0] param, [1 + j] state j
  };
  std::vector<Window> windows;
  for (size_t k = 0; k < slots.size(); ++k) {
    int64_t n = slots[k].n, len = std::min(window, n);
    for (int64_t start : {int64_t(0), (n - len) / 2, n - len})
      if (windows.empty() || windows.back().tensor != k || windows.back().start < start)
        windows.push_back({k, start, {}, {}});
  }
  std::vector<Slot> scratch(windows.size());
  for (size_t w = 0; w < windows.size(); ++w) {
    const Slot &sl = slots[windows[w].tensor];
    int64_t start = windows[w].start, len = std::min(window, sl.n);
    for (int j = 0; j <= o.numState; ++j) {
      const float *a = (j == 0 ? sl.param : sl.state[j - 1]) + start;
      windows[w].before.emplace_back(a, a + len);
    }
    windows[w].after = windows[w].before;
    scratch[w].n = len;
    scratch[w].grad = sl.grad + start; // read only
    scratch[w].param = windows[w].after[0].data();
    for (int j = 0; j < o.numState; ++j)
      scratch[w].state[j] = windows[w].after[j + 1].data();
  }
  Hyper hyper = o.hyper;
  if (hyper.maxNorm > 0)
    hyper.clipCoefficient = clipCoefficient(hyper, slots.data(), slots.size());
  o.hand(hyper, 1, scratch.data(), scratch.size());
  kilnStep();
  for (size_t w = 0; w < windows.size(); ++w) {
    const Slot &sl = slots[windows[w].tensor];
    for (int j = 0; j <= o.numState; ++j) {
      const float *got = (j == 0 ? sl.param : sl.state[j - 1]) + windows[w].start;
      for (int64_t i = 0; i < scratch[w].n; ++i) {
        float want = windows[w].after[j][i], old = windows[w].before[j][i];
        // Relative to the largest magnitude entering the result, as test/e2e does: where an
        // update cancels a value to near zero, f32 cannot do better. 1e-5, not 1e-6, because
        // the hand-written loop is IEEE but not in PyTorch's exact operation order.
        float scale = std::max({std::abs(got[i]), std::abs(want), std::abs(old)});
        if (!(std::abs(got[i] - want) <= 1e-5f * scale)) {
          char b[200];
          std::snprintf(b, sizeof b, "tensor %zu, %s, element %lld: Kiln %.9g, hand-written %.9g",
                        windows[w].tensor, j == 0 ? "param" : "state",
                        static_cast<long long>(windows[w].start + i), got[i], want);
          why = b;
          return false;
        }
      }
    }
  }
  return true;
}

/// torch_optimizers.py --serve as a child process: it builds torch's optimizers for a case
/// and times one opt.step() per request, so torch is timed within each case, in rounds
/// alternating with Kiln. Timing torch in a separate phase after all cases proved useless
/// here: the same fused kernel measured 1.0x and 1.22x Kiln's rate a minute apart.
class TorchPeer {
public:
  /// Starts the script. False when python3 or torch is missing, with the reason in `why`.
  bool start(const std::string &script, int threads, const std::string &modelShapes,
             std::string &why) {
    int toChild[2], fromChild[2];
    if (pipe(toChild) != 0 || pipe(fromChild) != 0) {
      why = "cannot create pipes";
      return false;
    }
    // A script that dies mid-run must show up as a failed request, not kill the benchmark.
    std::signal(SIGPIPE, SIG_IGN);
    std::string threadArg = std::to_string(threads);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(toChild[0], 0);
      dup2(fromChild[1], 1);
      close(toChild[0]), close(toChild[1]), close(fromChild[0]), close(fromChild[1]);
      execlp("python3", "python3", script.c_str(), "--serve", "--threads", threadArg.c_str(),
             "--model-shapes", modelShapes.c_str(), static_cast<char *>(nullptr));
      _exit(127);
    }
    close(toChild[0]);
    close(fromChild[1]);
    to_ = fdopen(toChild[1], "w");
    from_ = fdopen(fromChild[0], "r");
    std::string hello = readLine();
    if (hello.rfind("ready", 0) == 0) {
      version_ = hello.substr(6);
      return true;
    }
    why = hello.empty() ? "python3 or " + script + " could not be run" : hello;
    stop();
    return false;
  }
  ~TorchPeer() { stop(); }

  /// "torch <version> threads <n>", as the script reported it.
  const std::string &version() const { return version_; }

  /// Builds torch's optimizers for `name` over the case's shapes (the script knows the model's)
  /// and returns the implementations it could create, of "foreach" and "fused".
  std::vector<std::string> begin(const std::string &name, const std::string &token) {
    std::vector<std::string> impls;
    std::string reply = request("case " + name + " " + token);
    if (reply.rfind("ok", 0) != 0) {
      if (!reply.empty() && reply != "none")
        std::fprintf(stderr, "kiln-bench-optimizers: torch: %s\n", reply.c_str());
      return impls;
    }
    size_t at = 2;
    while (at < reply.size()) {
      size_t next = reply.find(' ', at + 1);
      std::string word = reply.substr(at + 1, next == std::string::npos ? next : next - at - 1);
      if (!word.empty())
        impls.push_back(word);
      at = next == std::string::npos ? reply.size() : next;
    }
    return impls;
  }
  /// One torch step of `impl`, timed by the script around opt.step(); a negative value when
  /// the script failed.
  double step(const std::string &impl) {
    std::string reply = request("step " + impl);
    return reply.empty() ? -1 : std::atof(reply.c_str());
  }
  /// Frees the case's tensors.
  void end() { request("end"); }

private:
  std::string readLine() {
    char buf[512];
    if (!from_ || !std::fgets(buf, sizeof buf, from_))
      return "";
    std::string line = buf;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
      line.pop_back();
    return line;
  }
  std::string request(const std::string &line) {
    if (!to_)
      return "";
    std::fprintf(to_, "%s\n", line.c_str());
    std::fflush(to_);
    return readLine();
  }
  void stop() {
    if (to_)
      std::fclose(to_); // EOF on its stdin ends the script
    if (from_)
      std::fclose(from_);
    to_ = from_ = nullptr;
    if (pid_ > 0)
      waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  pid_t pid_ = -1;
  FILE *to_ = nullptr, *from_ = nullptr;
  std::string version_;
};

/// Compiles and times one optimizer at one size. Returns false (with a message) when the case
/// could not run at all; the benchmark then stops, as later rows would compare nothing.
bool runCase(rt::Runtime &runtime, const std::string &tmpDir, const Optimizer &o, const Case &c,
             const Timing &timing, TorchPeer *torch, Row &row) {
  row.optimizer = o.name;
  row.token = c.token;
  row.label = c.label;
  row.params = c.params;
  row.tensors = c.shapes.size();
  row.bytesPerParam = bytesPerParam(o);

  std::string base = tmpDir + "/" + o.name + "_" + c.token;
  std::string mlirPath = base + ".mlir", soPath = base + ".so";
  // Removes the program and library on every return but a failed compile, whose input the
  // diagnostics point into.
  struct Cleanup {
    const std::string &mlir, &so;
    bool keep = false;
    ~Cleanup() {
      if (!keep)
        std::remove(mlir.c_str());
      std::remove(so.c_str());
    }
  } cleanup{mlirPath, soPath};
  if (FILE *f = std::fopen(mlirPath.c_str(), "w")) {
    std::string text = emitProgram(o, c.shapes);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  } else {
    std::fprintf(stderr, "kiln-bench-optimizers: cannot write %s\n", mlirPath.c_str());
    return false;
  }
  Clock::time_point c0 = Clock::now();
  if (!kiln::compileProgramFile(mlirPath, soPath, kiln::CompileOptions{})) {
    std::fprintf(stderr, "kiln-bench-optimizers: compiling %s failed (kept)\n",
                 mlirPath.c_str());
    cleanup.keep = true;
    return false;
  }
  row.compileSeconds = std::chrono::duration<double>(Clock::now() - c0).count();

  // Buffers: one set per tensor, shared by all three variants.
  std::vector<Slot> slots(c.shapes.size());
  std::vector<Array> arrays;
  arrays.reserve(c.shapes.size() * (2 + o.numState));
  for (size_t k = 0; k < c.shapes.size(); ++k) {
    int64_t n = numel(c.shapes[k]);
    auto make = [&](float lo, float hi, uint64_t seed) -> float * {
      arrays.emplace_back();
      if (!arrays.back().allocate(n, static_cast<int>(arrays.size())))
        return nullptr;
      fillPattern(arrays.back().data(), n, seed, lo, hi);
      return arrays.back().data();
    };
    Slot &s = slots[k];
    s.n = n;
    s.param = make(-1.0f, 1.0f, 2 * k + 1);
    // Gradients of realistic magnitude whose squares (Adam's v) stay far from denormals,
    // which would slow some variants down for reasons unrelated to the update.
    s.grad = make(-1e-2f, 1e-2f, 2 * k + 2);
    bool ok = s.param && s.grad;
    for (int j = 0; j < o.numState; ++j)
      ok &= (s.state[j] = make(0.0f, 0.0f, 0)) != nullptr;
    if (!ok) {
      std::fprintf(stderr, "kiln-bench-optimizers: out of memory for %s at %s\n", o.name,
                   c.label.c_str());
      return false;
    }
  }

  rt::StatusOr<rt::Module> module = runtime.loadModule(soPath);
  if (!module.ok()) {
    std::fprintf(stderr, "kiln-bench-optimizers: %s\n", module.status().toString().c_str());
    return false;
  }
  rt::StatusOr<const rt::Function *> fn = module->lookup("kiln_bench_update");
  rt::StatusOr<rt::Session> session = rt::Session::create(runtime, *module);
  if (!fn.ok() || !session.ok()) {
    std::fprintf(stderr, "kiln-bench-optimizers: %s\n",
                 (!fn.ok() ? fn.status() : session.status()).toString().c_str());
    return false;
  }
  if ((*fn)->numOutputBuffers() != 0) {
    std::fprintf(stderr,
                 "kiln-bench-optimizers: %s: some results of kiln_bench_update are not "
                 "updated in place\n",
                 o.name);
    return false;
  }
  int64_t kilnStep = 0;
  std::vector<rt::TensorView> inputs;
  for (size_t k = 0; k < slots.size(); ++k) {
    inputs.push_back({slots[k].param, rt::DType::F32, c.shapes[k]});
    inputs.push_back({const_cast<float *>(slots[k].grad), rt::DType::F32, c.shapes[k]});
    for (int j = 0; j < o.numState; ++j)
      inputs.push_back({slots[k].state[j], rt::DType::F32, c.shapes[k]});
  }
  if (o.takesStep)
    inputs.push_back({&kilnStep, rt::DType::I64, {}});

  bool failed = false;
  auto kilnCall = [&] {
    ++kilnStep;
    rt::Status status = session->call(**fn, inputs, {});
    if (!status.ok() && !failed) {
      std::fprintf(stderr, "kiln-bench-optimizers: %s\n", status.toString().c_str());
      failed = true;
    }
  };
  auto limitCall = [&] { streamLimit(slots.data(), slots.size(), o.numState, o.gradPasses); };
  int64_t handT = 0;
  auto handCall = [&] { o.hand(o.hyper, ++handT, slots.data(), slots.size()); };

  std::string why;
  if (!kilnMatchesHand(o, slots, kilnCall, why)) {
    if (!failed)
      std::fprintf(stderr,
                   "kiln-bench-optimizers: %s at %s: Kiln's step disagrees with the hand-written "
                   "loop (%s)\n",
                   o.name, c.label.c_str(), why.c_str());
    return false;
  }

  std::vector<Variant> variants = {{[&] { return secondsOf(kilnCall); }},
                                   {[&] { return secondsOf(limitCall); }},
                                   {[&] { return secondsOf(handCall); }}};
  std::vector<std::string> torchImpls;
  if (torch)
    torchImpls = torch->begin(o.name, c.token);
  for (const std::string &impl : torchImpls)
    variants.push_back({[torch, impl] { return torch->step(impl); }, true});
  timeCase(variants, timing);
  if (torch)
    torch->end();
  if (failed)
    return false;
  const std::vector<double> kiln = variants[0].all();
  const std::vector<double> limit = variants[1].all(), hand = variants[2].all();
  row.iterations = kiln.size();
  row.kiln = c.params / median(kiln);
  row.limit = c.params / median(limit);
  row.hand = c.params / median(hand);
  // Rates are the inverse of times, so Kiln/limit in rate is limit/Kiln in time.
  row.kilnOverLimit = medianRatio(limit, kiln);
  row.kilnOverHand = medianRatio(hand, kiln);
  for (size_t i = 0; i < torchImpls.size(); ++i) {
    const Variant &v = variants[3 + i];
    std::vector<double> t = v.all(), perRound;
    if (*std::min_element(t.begin(), t.end()) <= 0)
      continue; // the script failed mid-case and said why on stderr
    for (size_t r = 0; r < v.rounds.size(); ++r)
      perRound.push_back(median(v.rounds[r]) / median(variants[0].rounds[r]));
    Row::Peer &peer = torchImpls[i] == "fused" ? row.torchFused : row.torchForeach;
    peer.rate = c.params / median(t);
    peer.kilnOver = median(perRound);
  }
  return true;
}

void printHeader() {
  std::printf("%-9s %-12s %11s %10s %10s %10s %10s %11s %11s %10s\n", "optimizer", "size",
              "params", "Kiln Gp/s", "Kiln GB/s", "Kiln/limit", "Kiln/hand", "limit Gp/s",
              "limit GB/s", "hand Gp/s");
}

void printRow(const Row &r) {
  std::printf("%-9s %-12s %11lld %10.3f %10.1f %10.2f %10.2f %11.3f %11.1f %10.3f\n",
              r.optimizer.c_str(), r.label.c_str(), static_cast<long long>(r.params),
              r.kiln / 1e9, r.kiln * r.bytesPerParam / 1e9, r.kilnOverLimit, r.kilnOverHand,
              r.limit / 1e9, r.limit * r.bytesPerParam / 1e9, r.hand / 1e9);
  std::fflush(stdout);
}

std::string join(const std::vector<std::string> &items) {
  std::string s;
  for (const std::string &item : items)
    s += (s.empty() ? "" : ",") + item;
  return s;
}

/// Kiln against torch.optim, from the samples interleaved with Kiln's in each case.
void printTorchTable(const std::vector<Row> &rows) {
  std::printf("\nKiln against torch.optim(foreach=True) and (fused=True), same cases:\n"
              "%-9s %-12s %10s %12s %12s %12s %12s\n", "optimizer", "size", "Kiln Gp/s",
              "foreach Gp/s", "Kiln/foreach", "fused Gp/s", "Kiln/fused");
  auto cell = [](double v, double scale, const char *fmt) {
    char b[32];
    if (v > 0)
      std::snprintf(b, sizeof b, fmt, v / scale);
    else
      std::snprintf(b, sizeof b, "-");
    return std::string(b);
  };
  for (const Row &r : rows)
    std::printf("%-9s %-12s %10.3f %12s %12s %12s %12s\n", r.optimizer.c_str(),
                r.label.c_str(), r.kiln / 1e9, cell(r.torchForeach.rate, 1e9, "%.3f").c_str(),
                cell(r.torchForeach.kilnOver, 1, "%.2f").c_str(),
                cell(r.torchFused.rate, 1e9, "%.3f").c_str(),
                cell(r.torchFused.kilnOver, 1, "%.2f").c_str());
}

bool writeJson(const std::string &path, int threads, const std::vector<Row> &rows) {
  FILE *f = std::fopen(path.c_str(), "w");
  if (!f)
    return false;
  auto num = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, v > 0 ? "%.6g" : "null", v);
    return std::string(b);
  };
  std::fprintf(f, "{\n  \"threads\": %d,\n  \"rows\": [", threads);
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row &r = rows[i];
    std::fprintf(
        f,
        "%s\n    {\"optimizer\": \"%s\", \"size\": \"%s\", \"params\": %lld, \"tensors\": %zu, "
        "\"bytes_per_param\": %d, \"compile_s\": %.3f, \"iterations\": %zu, "
        "\"kiln_params_per_s\": %s, "
        "\"kiln_gb_per_s\": %s, \"limit_params_per_s\": %s, \"limit_gb_per_s\": %s, "
        "\"hand_params_per_s\": %s, \"kiln_over_limit\": %s, \"kiln_over_hand\": %s, "
        "\"torch_foreach_params_per_s\": %s, \"kiln_over_torch_foreach\": %s, "
        "\"torch_fused_params_per_s\": %s, \"kiln_over_torch_fused\": %s}",
        i ? "," : "", r.optimizer.c_str(), r.token.c_str(), static_cast<long long>(r.params),
        r.tensors, r.bytesPerParam, r.compileSeconds, r.iterations, num(r.kiln).c_str(),
        num(r.kiln * r.bytesPerParam / 1e9).c_str(), num(r.limit).c_str(),
        num(r.limit * r.bytesPerParam / 1e9).c_str(), num(r.hand).c_str(),
        num(r.kilnOverLimit).c_str(), num(r.kilnOverHand).c_str(),
        num(r.torchForeach.rate).c_str(), num(r.torchForeach.kilnOver).c_str(),
        num(r.torchFused.rate).c_str(), num(r.torchFused.kilnOver).c_str());
  }
  std::fprintf(f, "\n  ]\n}\n");
  return std::fclose(f) == 0;
}

void usage() {
  std::printf(
      "usage: kiln-bench-optimizers [options]\n"
      "  --quick               sizes 1M,16M,model (default: 1M,16M,256M,model)\n"
      "  --sizes LIST          comma-separated parameter counts (1M = 2^20; K, M, G suffixes)\n"
      "                        and 'model' (100 tensors, ~16M parameters)\n"
      "  --optimizers LIST     subset of:");
  for (const Optimizer &o : kOptimizers)
    std::printf(" %s", o.name);
  std::printf("\n"
              "  --threads N           threads for Kiln, the reference kernels and torch (2)\n"
              "  --seconds S           time per variant and case (0.5)\n"
              "  --json FILE           also write the rows as JSON\n"
              "  --no-torch            skip the PyTorch comparison\n"
              "  --torch-script PATH   torch_optimizers.py to run (default: the source tree's)\n");
}

/// The 1-minute load average, to tell in the output whether someone else was using the cores.
std::string loadAverage() {
  char b[64] = "?";
  if (FILE *f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%63s", b) != 1)
      std::snprintf(b, sizeof b, "?");
    std::fclose(f);
  }
  return b;
}

std::vector<std::string> splitList(const std::string &s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos)
      comma = s.size();
    if (comma > start)
      out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

} // namespace

int main(int argc, char **argv) {
  std::string sizes = "1M,16M,256M,model", optimizers, jsonPath;
  std::string torchScript = std::string(KILN_BENCH_SOURCE_DIR) + "/torch_optimizers.py";
  int threads = 2;
  Timing timing;
  timing.seconds = 0.5;
  bool torch = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "kiln-bench-optimizers: %s needs a value\n", a.c_str());
        std::exit(EXIT_FAILURE);
      }
      return argv[++i];
    };
    if (a == "--quick")
      sizes = "1M,16M,model";
    else if (a == "--sizes")
      sizes = value();
    else if (a == "--optimizers")
      optimizers = value();
    else if (a == "--threads")
      threads = std::atoi(value().c_str());
    else if (a == "--seconds")
      timing.seconds = std::atof(value().c_str());
    else if (a == "--json")
      jsonPath = value();
    else if (a == "--no-torch")
      torch = false;
    else if (a == "--torch-script")
      torchScript = value();
    else if (a == "--help" || a == "-h") {
      usage();
      return EXIT_SUCCESS;
    } else {
      std::fprintf(stderr, "kiln-bench-optimizers: unknown option %s (see --help)\n", a.c_str());
      return EXIT_FAILURE;
    }
  }
  if (threads < 1 || timing.seconds <= 0) {
    std::fprintf(stderr, "kiln-bench-optimizers: --threads and --seconds must be positive\n");
    return EXIT_FAILURE;
  }

  std::vector<Case> cases;
  for (const std::string &token : splitList(sizes)) {
    Case c;
    if (!parseCase(token, c)) {
      std::fprintf(stderr, "kiln-bench-optimizers: bad size '%s'\n", token.c_str());
      return EXIT_FAILURE;
    }
    cases.push_back(c);
  }
  std::vector<const Optimizer *> selected;
  for (const Optimizer &o : kOptimizers)
    if (o.numState > kMaxState) {
      std::fprintf(stderr, "kiln-bench-optimizers: %s has more state than kMaxState\n", o.name);
      return EXIT_FAILURE;
    } else if (optimizers.empty() ||
        ("," + optimizers + ",").find(std::string(",") + o.name + ",") != std::string::npos)
      selected.push_back(&o);
  for (const std::string &name : splitList(optimizers))
    if (std::none_of(selected.begin(), selected.end(),
                     [&](const Optimizer *o) { return name == o->name; })) {
      std::fprintf(stderr, "kiln-bench-optimizers: unknown optimizer '%s'\n", name.c_str());
      return EXIT_FAILURE;
    }

  // Everything uses one thread count: the reference kernels through OpenMP, Kiln's runtime
  // pool through RuntimeOptions and OMP_NUM_THREADS, torch (a child process) through the
  // environment and --threads.
  setThreads(threads);
  setenv("OMP_NUM_THREADS", std::to_string(threads).c_str(), 1);
  rt::RuntimeOptions options;
  options.threads = threads;
  rt::StatusOr<std::unique_ptr<rt::Runtime>> runtime = rt::Runtime::create(options);
  if (!runtime.ok()) {
    std::fprintf(stderr, "kiln-bench-optimizers: %s\n", runtime.status().toString().c_str());
    return EXIT_FAILURE;
  }
  char tmpTemplate[] = "/tmp/kiln-bench-XXXXXX";
  if (!mkdtemp(tmpTemplate)) {
    std::perror("kiln-bench-optimizers: mkdtemp");
    return EXIT_FAILURE;
  }
  std::string tmpDir = tmpTemplate;

  std::printf("kiln-bench-optimizers: %d thread(s), ~%.2f s per variant and case; Gp/s = 1e9 "
              "parameters/s from the median step time\n"
              "limit = same-pattern streaming kernel, hand = hand-written IEEE loop (both OpenMP, "
              "-O3 -march=native); they run interleaved with Kiln call by call, and Kiln/limit, "
              "Kiln/hand are medians of per-iteration ratios\n",
              threads, timing.seconds);
  // torch starts before any case, so a missing torch is reported once, up front.
  std::unique_ptr<TorchPeer> peer;
  std::string torchNote = "torch comparison skipped: --no-torch";
  if (torch) {
    std::vector<std::string> dims;
    for (const Shape &s : modelShapes()) {
      std::string d;
      for (int64_t e : s)
        d += (d.empty() ? "" : "x") + std::to_string(e);
      dims.push_back(d);
    }
    peer = std::make_unique<TorchPeer>();
    std::string why;
    if (peer->start(torchScript, threads, join(dims), why)) {
      torchNote = "torch.optim (" + peer->version() + ", " + torchScript +
                  "): timed in the same cases, its process and ours alternating in " +
                  std::to_string(kRounds) + " rounds; Kiln/torch = median of per-round ratios";
    } else {
      torchNote = "torch comparison skipped: " + why;
      peer.reset();
    }
  }
  std::printf("%s\n\n", torchNote.c_str());

  std::string loadBefore = loadAverage();
  printHeader();
  std::vector<Row> rows;
  int status = EXIT_SUCCESS;
  for (const Optimizer *o : selected) {
    for (const Case &c : cases) {
      Row row;
      if (!runCase(**runtime, tmpDir, *o, c, timing, peer.get(), row)) {
        status = EXIT_FAILURE;
        break;
      }
      printRow(row);
      rows.push_back(row);
    }
    if (status != EXIT_SUCCESS)
      break;
  }

  std::printf("\n1-minute load average %s before, %s after (%d of it is this benchmark)\n",
              loadBefore.c_str(), loadAverage().c_str(), threads);
  if (peer)
    printTorchTable(rows);
  else
    std::printf("%s\n", torchNote.c_str());
  rmdir(tmpDir.c_str());

  if (!jsonPath.empty() && !writeJson(jsonPath, threads, rows)) {
    std::fprintf(stderr, "kiln-bench-optimizers: cannot write %s\n", jsonPath.c_str());
    status = EXIT_FAILURE;
  }
  return status;
}
