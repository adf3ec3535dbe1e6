// SPDX-License-Identifier: Apache-2.0
// kiln-run: compile (or load) a kiln program and call one of its entry points on tensors
// read from .npy files or generated from a seed, for one or many steps.
#include "Train.h"
#include "WaitPolicy.h"
#include "kiln/Tools/Driver.h"
#include "kiln/runtime/Heap.h"
#include "kiln/runtime/InitSpec.h"
#include "kiln/runtime/State.h"
#include "kiln/runtime/Module.h"
#include "kiln/runtime/io/Checkpoint.h"
#include "kiln/runtime/io/Npy.h"
#include "kiln/runtime/Random.h"
#include "kiln/runtime/Session.h"
#include "kiln/runtime/distributed/Mpi.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace kiln::rt;

namespace {

/// Under mpirun: this process's rank and the size of the group, for messages and exits.
bool underMpi = false;

/// How a run ends. Under mpirun a failing rank ends the whole group (MPI_Abort): the others
/// would otherwise wait in a collective for it forever; a successful one finalizes MPI.
int finish(int code) {
  if (underMpi) {
    Communicator &group = worldCommunicator();
    if (code != EXIT_SUCCESS && group.size() > 1)
      group.abort(code);
    finalizeMpi();
  }
  return code;
}

[[noreturn]] void fail(const std::string &message) {
  fmt::print(stderr, "kiln-run: error: {}{}\n", kiln::run::rankPrefix(), message);
  std::exit(finish(EXIT_FAILURE));
}

template <class T> T orFail(StatusOr<T> value, const std::string &context) {
  if (!value.ok())
    fail(context + value.status().message().data());
  return std::move(*value);
}

void orFail(const Status &status, const std::string &context) {
  if (!status.ok())
    fail(context + std::string(status.message()));
}

CLI::Option *addPipelineOption(CLI::App &app, const std::string &flag, bool &value,
                               const std::string &help) {
  // CLI11 takes --flag=false too, so that a default of true can be turned off.
  return app.add_flag(flag, value, help);
}

CLI::Option *addPipelineOption(CLI::App &app, const std::string &flag, std::string &value,
                               const std::string &help) {
  return app.add_option(flag, value, help);
}

CLI::Option *addPipelineOption(CLI::App &app, const std::string &flag, int64_t &value,
                               const std::string &help) {
  return app.add_option(flag, value, help)->check(CLI::PositiveNumber);
}

CLI::Option *addPipelineOption(CLI::App &app, const std::string &flag, double &value,
                               const std::string &help) {
  return app.add_option(flag, value, help)->check(CLI::PositiveNumber);
}

std::string describe(const TensorSpec &spec) {
  std::vector<std::string> dims;
  for (int64_t d : spec.shape)
    dims.push_back(d == -1 ? "?" : std::to_string(d));
  return fmt::format("{}[{}]", dtypeName(spec.dtype), fmt::join(dims, "x"));
}

/// An entry point's inputs and results (types, shapes, names, data fields), fingerprinted:
/// what the ranks of a run compare before the first step.
uint64_t signatureFingerprint(const Function &fn) {
  std::string text = fn.name();
  for (const InputSpec &in : fn.inputs())
    text += fmt::format("|{} {} {}", describe(in), in.name, in.data);
  for (const ResultSpec &r : fn.results())
    text += fmt::format("|{} {}", describe(TensorSpec{r.dtype, r.shape}), r.alias);
  return kiln::run::fnv1a(text.data(), text.size());
}

void printSignature(const Function &fn) {
  fmt::print("@{}\n", fn.name());
  for (size_t i = 0; i < fn.inputs().size(); ++i)
    fmt::print("  input  {}{}: {}{}{}{}{}{}\n", i,
               fn.inputs()[i].name.empty() ? "" : " (" + fn.inputs()[i].name + ")",
               describe(fn.inputs()[i]),
               fn.inputs()[i].donated ? " (donated)" : "",
               fn.inputs()[i].role.empty() ? "" : " " + fn.inputs()[i].role,
               fn.inputs()[i].init.empty() ? "" : " init " + fn.inputs()[i].init,
               fn.inputs()[i].data.empty() ? "" : " data " + fn.inputs()[i].data,
               fn.inputs()[i].classes > 0 ? fmt::format(" in [0, {})", fn.inputs()[i].classes)
                                          : "");
  for (size_t i = 0; i < fn.results().size(); ++i) {
    int alias = fn.results()[i].alias;
    fmt::print("  result {}: {}{}\n", i, describe(fn.results()[i]),
               alias >= 0 ? fmt::format(" (in place in input {})", alias) : "");
  }
  StateAccount account = fn.stateAccount();
  if (account.parameters > 0)
    fmt::print("  {} parameters ({} bytes), optimizer state {} bytes: {:.3f} bytes per "
               "parameter\n",
               account.parameters, account.parameterBytes, account.optimizerStateBytes,
               account.stateBytesPerParameter());
}

/// Where an input comes from: a .npy file, or an initialiser (InitSpec.h grammar) with an
/// optional "@AxB" shape for inputs with dynamic dimensions.
struct InputRecipe {
  std::optional<InitSpec> init;
  std::optional<std::vector<int64_t>> shape;
  std::string path;
};

std::vector<int64_t> parseShape(const std::string &text) {
  std::vector<int64_t> shape;
  if (text.empty() || text == "scalar")
    return shape;
  size_t start = 0;
  while (true) {
    size_t end = text.find('x', start);
    std::string piece = text.substr(start, end == std::string::npos ? end : end - start);
    char *stop = nullptr;
    long long d = std::strtoll(piece.c_str(), &stop, 10);
    if (piece.empty() || *stop != '\0' || d < 0)
      fail(fmt::format("bad shape '{}': expected dimensions like 128x64", text));
    shape.push_back(d);
    if (end == std::string::npos)
      return shape;
    start = end + 1;
  }
}

InputRecipe parseRecipe(const std::string &text) {
  InputRecipe r;
  size_t at = text.find('@');
  if (std::optional<InitSpec> init = parseInitSpec(std::string_view(text).substr(0, at))) {
    r.init = init;
    if (at != std::string::npos)
      r.shape = parseShape(text.substr(at + 1));
    return r;
  }
  r.path = text;
  return r;
}

Tensor makeInput(const InputSpec &spec, const InputRecipe &recipe, uint64_t seed,
                 size_t index) {
  std::string where = fmt::format("input {} ({}): ", index, describe(spec));
  if (!recipe.init) {
    if (!fs::exists(recipe.path))
      fail(where + fmt::format("{} is neither a .npy file nor an initialiser (zeros, ones, "
                               "fill:V, normal[:STDDEV], uniform[:BOUND])",
                               quoteForMessage(recipe.path, 4096)));
    return orFail(loadNpy(recipe.path), where);
  }

  std::vector<int64_t> shape = spec.shape;
  if (recipe.shape) {
    if (recipe.shape->size() != shape.size())
      fail(where + fmt::format("shape @{} has rank {}, the entry point expects rank {}",
                               fmt::join(*recipe.shape, "x"), recipe.shape->size(),
                               shape.size()));
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] >= 0 && shape[d] != (*recipe.shape)[d])
        fail(where + fmt::format("dimension {} is {} in the signature, not {}", d, shape[d],
                                 (*recipe.shape)[d]));
      shape[d] = (*recipe.shape)[d];
    }
  } else if (std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d < 0; })) {
    fail(where + "has dynamic dimensions; give a shape, e.g. --input " +
         std::to_string(index) + "=normal@1000, or a .npy file");
  }
  Tensor t = orFail(Tensor::allocate(spec.dtype, shape), where);
  // Each input gets its own stream, so adding an input does not change the others.
  orFail(fillInit(t.view(), *recipe.init, inputSeed(seed, index)), where);
  return t;
}

double elementAsDouble(const TensorView &v, int64_t i) {
  switch (v.dtype) {
  case DType::F32: return static_cast<const float *>(v.data)[i];
  case DType::F64: return static_cast<const double *>(v.data)[i];
  case DType::I1:
  case DType::I8: return static_cast<const int8_t *>(v.data)[i];
  case DType::I32: return static_cast<const int32_t *>(v.data)[i];
  case DType::I64: return static_cast<const int64_t *>(v.data)[i];
  default: return std::nan("");
  }
}

/// One value as results print it; every NaN is "nan" (printf would show the sign bit, "-nan").
std::string formatNumber(double x) { return std::isnan(x) ? "nan" : fmt::format("{:.7g}", x); }

/// How many of a tensor's values are NaN and how many infinite (0 and 0 for non-floats).
struct NonFinite {
  int64_t nan = 0, inf = 0;
  int64_t total() const { return nan + inf; }
};

NonFinite countNonFinite(const TensorView &v) {
  NonFinite count;
  if (v.dtype != DType::F32 && v.dtype != DType::F64)
    return count;
  for (int64_t i = 0, n = v.numel(); i < n; ++i) {
    double x = elementAsDouble(v, i);
    count.nan += std::isnan(x);
    count.inf += std::isinf(x);
  }
  return count;
}

std::string formatValues(const TensorView &v, int64_t limit) {
  if (v.dtype == DType::F16 || v.dtype == DType::BF16)
    return "(16-bit values; use --save-dir)";
  int64_t n = v.numel();
  std::vector<std::string> parts;
  for (int64_t i = 0; i < std::min(n, limit); ++i)
    parts.push_back(formatNumber(elementAsDouble(v, i)));
  std::string text = fmt::format("[{}{}]", fmt::join(parts, ", "), n > limit ? ", ..." : "");
  NonFinite bad = countNonFinite(v);
  if (n > limit) {
    // Over the finite values: one NaN would make the mean "nan" and hide everything else.
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      double x = elementAsDouble(v, i);
      if (std::isfinite(x))
        lo = std::min(lo, x), hi = std::max(hi, x), sum += x;
    }
    int64_t finite = n - bad.total();
    text += finite > 0 ? fmt::format("  min {:.7g} max {:.7g} mean {:.7g}", lo, hi, sum / finite)
                       : std::string("  no finite values");
  }
  if (bad.total() > 0)
    text += fmt::format("  ({} NaN, {} Inf of {})", bad.nan, bad.inf, n);
  return text;
}

/// An input given with -i that holds NaN or infinite values: a step would spread them into
/// every result, and the printed "nan" would not say where they came from.
void checkFinite(const Tensor &t, const std::string &where, const std::string &source) {
  NonFinite bad = countNonFinite(t.view());
  if (bad.total() > 0)
    fail(where + fmt::format("{} holds {} NaN and {} infinite values of {} (--check-finite=false "
                             "runs on them anyway)",
                             source, bad.nan, bad.inf, t.numel()));
}

/// Removes the temporary library of an on-the-fly compile, however kiln-run exits.
struct TempDir {
  fs::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty())
      fs::remove_all(path, ec);
  }
};

} // namespace

/// Training convention: an `@init(%key: tensor<i64>)` entry point, when the program has one,
/// computes the initial training state (kiln.random_uniform, kiln.variance_scaling, ...) from
/// the key --seed gives; its results are @train_step's inputs without kiln.data, in order.
void initializeState(Session &session, const Function &init, const Function &step,
                     uint64_t seed, std::vector<Tensor> &inputs) {
  if (init.inputs().size() != 1 || init.inputs()[0].dtype != DType::I64 ||
      !init.inputs()[0].shape.empty())
    fail("@init must take one rank-0 i64 tensor (the random key)");
  std::vector<size_t> state;
  for (size_t i = 0; i < step.inputs().size(); ++i)
    if (step.inputs()[i].data.empty())
      state.push_back(i);
  if (init.results().size() != state.size())
    fail(fmt::format("@init returns {} tensors but @{} has {} state inputs (those without "
                     "kiln.data)",
                     init.results().size(), step.name(), state.size()));
  for (size_t r = 0; r < state.size(); ++r) {
    const ResultSpec &result = init.results()[r];
    const InputSpec &input = step.inputs()[state[r]];
    if (result.dtype != input.dtype || result.shape != input.shape)
      fail(fmt::format("@init result #{} is {} {} but @{} input #{} is {} {}", r,
                       dtypeName(result.dtype), shapeToString(result.shape), step.name(),
                       state[r], dtypeName(input.dtype), shapeToString(input.shape)));
  }
  Tensor key = orFail(Tensor::allocate(DType::I64, {}), "");
  key.data<int64_t>()[0] = int64_t(seed);
  auto results = orFail(session.call(init, {key.view()}), "@init: ");
  // Results computed in place of the key (a returned key) are found in it; the others come
  // back in result order.
  size_t next = 0;
  for (size_t r = 0; r < state.size(); ++r) {
    Tensor &target = inputs[state[r]];
    const Tensor &source = init.results()[r].alias >= 0 ? key : results[next++];
    std::memcpy(target.view().data, source.view().data, target.nbytes());
  }
}

int run(int argc, char **argv);

int main(int argc, char **argv) { return finish(run(argc, argv)); }

int run(int argc, char **argv) {
  // Before anything else: OpenMP's wait policy can only be chosen before its threads start.
  kiln::run::chooseWaitPolicy(argv);
  CLI::App app{"kiln-run: compile or load a kiln program and run one of its entry points"};
  std::string program, entry;
  std::vector<std::string> inputArgs;
  uint64_t seed = 0;
  int64_t steps = 1;
  int64_t printEvery = 0;
  int64_t printLimit = 8;
  std::string saveDir;
  bool list = false;
  app.add_option("program", program, "A .mlir kiln program, or a library from kiln-compile")
      ->required();
  CLI::Option *entryOption =
      app.add_option("-e,--entry", entry, "Entry point to call (default: the only one)");
  CLI::Option *inputOption = app.add_option("-i,--input", inputArgs,
                 "INDEX=SOURCE for an input: a .npy file, or zeros, ones, fill:V, "
                 "normal[:STDDEV], uniform[:BOUND], each optionally @SHAPE (e.g. "
                 "normal@1000x3) for dynamic dimensions. Inputs not given use the program's "
                 "kiln.init, else normal (floats) or zeros");
  std::string weightsPath;
  CLI::Option *weightsOption = app.add_option(
      "--weights", weightsPath,
      "A checkpoint of named tensors (kiln-import-onnx's weights) that start the inputs of the "
      "same names, after -i and @init; each must have its input's dtype and shape, and a "
      "tensor that matches no input is an error");
  CLI::Option *seedOption = app.add_option("--seed", seed, "Seed of the generated inputs");
  bool checkFiniteInputs = true;
  CLI::Option *checkFiniteOption =
      app.add_flag("--check-finite", checkFiniteInputs,
                   "Refuse an input given with -i that holds NaN or infinite values, with their "
                   "counts (default; --check-finite=false runs on them)");
  bool deterministic = true;
  app.add_flag("--deterministic", deterministic,
               "Library kernels give the same bits for any --threads (default; "
               "--deterministic=false lets oneDNN split the convolution filter gradient's batch "
               "sum over its threads)");
  int threads = 0;
  app.add_option("--threads", threads,
                 "Threads of the runtime's pool (compiled loops and oneDNN); 0 keeps "
                 "OMP_NUM_THREADS, or else all cores")
      ->check(CLI::NonNegativeNumber);
  // Options of plain runs (calls of an entry point); --train would ignore them.
  std::vector<CLI::Option *> runOnly;
  runOnly.push_back(
      app.add_option("-n,--steps", steps, "Number of calls; donated inputs carry the state")
          ->check(CLI::PositiveNumber));
  runOnly.push_back(
      app.add_option("--print-every", printEvery,
                     "Print scalar outputs every N steps (default: about 10 lines per run)")
          ->check(CLI::NonNegativeNumber));
  runOnly.push_back(app.add_option("--print-limit", printLimit, "Elements of each result to print")
                        ->check(CLI::NonNegativeNumber));
  runOnly.push_back(
      app.add_option("--save-dir", saveDir, "Write every result as result<i>.npy here"));
  app.add_flag("--list", list, "List the entry points and their signatures, then exit");
  bool stats = false;
  runOnly.push_back(app.add_flag("--stats", stats,
               "After the calls, print the median time per call (the first, which warms the "
               "heap, excluded when there are more) and the peak bytes of temporaries the "
               "compiled code held"));
  std::string trainData, metricsPath;
  int epochs = 1;
  bool quiet = false;
  CLI::Option *trainOption = app.add_option("--train", trainData,
                 "Train with @train_step (and @eval_step after each epoch) on an IDX dataset: "
                 "fashion-mnist, or a directory holding train-/t10k-images-idx3-ubyte[.gz] "
                 "and -labels-idx1-ubyte[.gz]; or on a .csv file (label in the first column, "
                 "a header row is detected)");
  // Options of training; without --train they would be ignored.
  std::vector<CLI::Option *> trainOnly;
  std::string testData;
  trainOnly.push_back(app.add_option("--test", testData,
                 "With a .csv --train: the CSV file @eval_step is scored on after each epoch "
                 "(without it, no test set)"));
  double valSplit = 0;
  CLI::Option *valSplitOption =
      app.add_option("--val-split", valSplit,
                     "Hold out this fraction (in (0, 1)) of the training data, chosen by "
                     "--seed, and score @eval_step on it after each epoch as validation");
  trainOnly.push_back(valSplitOption);
  // The two ways to say when training stops, both in whole epochs.
  auto addEpochCount = [&](const std::string &flag, int &value, const std::string &help) {
    CLI::Option *option = app.add_option(flag, value, help)->check(CLI::PositiveNumber);
    trainOnly.push_back(option);
    return option;
  };
  CLI::Option *epochsOption = addEpochCount(
      "--epochs", epochs, "Epochs to train (default 1); with --resume, epochs more than the "
                          "checkpoint's");
  int untilEpoch = 0;
  CLI::Option *untilEpochOption = addEpochCount(
      "--until-epoch", untilEpoch,
      "Train until this epoch in total: with --resume, counting the checkpoint's epochs (a "
      "checkpoint already there trains nothing)");
  trainOnly.push_back(
      app.add_option("--metrics", metricsPath,
                     "Write per-epoch metrics to this CSV file (with --resume, after the "
                     "file's rows up to the checkpoint's epoch)"));
  std::string plotPath;
  trainOnly.push_back(app.add_option("--plot", plotPath,
                                     "Draw the losses and accuracy per epoch in this SVG file "
                                     "(with --resume and --metrics, the whole history)"));
  trainOnly.push_back(app.add_flag("--quiet", quiet,
                                   "No progress on stderr (a live line on a terminal, else "
                                   "one line per epoch)"));
  std::string checkpointPath, resumePath;
  trainOnly.push_back(app.add_option(
      "--checkpoint", checkpointPath,
      "Save the training state here after every epoch (atomically, safetensors)"));
  trainOnly.push_back(
      app.add_option("--resume", resumePath, "Continue training from this checkpoint"));
  std::vector<std::string> tailLibraries;
  trainOnly.push_back(app.add_option(
      "--tail-library", tailLibraries,
      "With a precompiled library: the same program compiled with --batch R, which scores the "
      "last R examples of an evaluation set (repeatable; a .mlir program compiles its own)"));
  // Private steps (kiln.train_step with privacy).
  double delta = 1e-5, targetEpsilon = 0;
  bool calibrateNoise = false;
  trainOnly.push_back(app.add_option("--delta", delta,
                                     "A private step's delta, at which its epsilon is reported "
                                     "after every epoch (default 1e-5; keep it below 1 / N)"));
  CLI::Option *targetEpsilonOption = app.add_option(
      "--target-epsilon", targetEpsilon,
      "A private step's budget: training stops before the step that would spend more")
      ->check(CLI::PositiveNumber);
  trainOnly.push_back(targetEpsilonOption);
  trainOnly.push_back(app.add_flag(
      "--calibrate-noise", calibrateNoise,
      "Set the noise multiplier so that the planned epochs spend exactly --target-epsilon "
      "(the RDP accountant's bisection, as Opacus' make_private_with_epsilon)"));
  std::string archPath;
  app.add_option("--arch", archPath,
                 "A search's checkpoint: compile the .mlir program's architecture derived from "
                 "its alphas (kiln.architecture, kiln-derive-arch)");
  // The pipeline's own options (PipelineOptions.def), as kiln-compile has them.
  kiln::CompileOptions compileOptions;
  std::vector<CLI::Option *> pipelineFlags;
#define KILN_PIPELINE_OPTION(TYPE, FIELD, FLAG, DEFAULT, HELP)                                \
  pipelineFlags.push_back(addPipelineOption(app, "--" FLAG, compileOptions.pipeline.FIELD, HELP));
#include "kiln/Pipelines/PipelineOptions.def"
  CLI11_PARSE(app, argc, argv);
  // Started by mpirun: one rank of a data-parallel run. Compiled collectives use the group;
  // only rank 0 reports progress and writes files (the others' stdout is dropped).
  if (launchedByMpi()) {
    std::shared_ptr<Communicator> group = orFail(initMpi(), "");
    setWorldCommunicator(group);
    underMpi = true;
    if (group->rank() > 0 && !std::freopen("/dev/null", "w", stdout))
      fail("cannot silence the standard output of a rank other than 0");
  }

  // An option the chosen mode would ignore is refused: a run that silently did something
  // other than what was asked is worse than one that did not start.
  auto refuse = [](const std::vector<CLI::Option *> &options, const std::string &why) {
    for (CLI::Option *option : options)
      if (option->count())
        fail(option->get_name() + " " + why);
  };
  if (list) {
    std::vector<CLI::Option *> calls = {entryOption, inputOption, seedOption, checkFiniteOption,
                                        trainOption, weightsOption};
    calls.insert(calls.end(), runOnly.begin(), runOnly.end());
    calls.insert(calls.end(), trainOnly.begin(), trainOnly.end());
    refuse(calls, "would be ignored: --list only lists the entry points");
  } else if (trainData.empty()) {
    refuse(trainOnly, "applies to training only (--train DATA); without it, it would be ignored");
  } else {
    refuse(runOnly, "applies to plain runs only; --train would ignore it");
    if (epochsOption->count() && untilEpochOption->count())
      fail("--epochs and --until-epoch both say when training stops; give one");
    if (weightsOption->count() && !resumePath.empty())
      fail("--weights and --resume both set the training state; give one");
  }

  bool isProgram = fs::path(program).extension() == ".mlir" || program == "-";
  for (CLI::Option *flag : pipelineFlags)
    if (flag->count() && !isProgram)
      fail(flag->get_name() + " chooses how a .mlir program is compiled, not " + program);
  if (!archPath.empty() && !isProgram)
    fail("--arch derives an architecture while compiling: it needs a .mlir program, not " +
         program);
  if (!tailLibraries.empty() && isProgram)
    fail("--tail-library is for a precompiled library: a .mlir program compiled with --batch "
         "compiles its own");
  kiln::run::TrainOptions options;
  options.trainData =
      trainData == "fashion-mnist" ? "/usr/share/datasets/fashion-mnist" : trainData;
  options.testData = testData;
  if (*valSplitOption)
    options.valSplit = valSplit;
  options.epochs = epochs;
  if (untilEpochOption->count())
    options.untilEpoch = untilEpoch;
  options.seed = seed;
  options.delta = delta;
  if (targetEpsilonOption->count())
    options.targetEpsilon = targetEpsilon;
  options.calibrateNoise = calibrateNoise;
  options.metricsPath = metricsPath;
  options.plotPath = plotPath;
  options.progress = !quiet;
  options.checkpointPath = checkpointPath;
  options.resumePath = resumePath;

  // A .mlir program is compiled to a private temporary library first.
  TempDir tmp;
  std::string library = program;
  if (isProgram) {
    std::string pattern = (fs::temp_directory_path() / "kiln-run-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      fail("cannot create a temporary directory");
    tmp.path = pattern;
    library = (tmp.path / "program.so").string();
    // Retraining what a search found: its alphas bound, the edges discretized.
    if (!archPath.empty())
      compileOptions.pipeline.deriveArch = true;
    // Compiled for the data: schedule lengths in epochs need the examples per epoch, and
    // the last partial batch of each evaluation set a step compiled for its size.
    kiln::run::ExampleCounts counts;
    if (!trainData.empty()) {
      if (!kiln::run::countExamples(options, counts))
        return EXIT_FAILURE;
      // Each of R ranks takes a batch of every step: an epoch is train / (batch R) steps.
      if (!app.get_option("--train-examples")->count())
        compileOptions.pipeline.trainExamples = counts.train / worldCommunicator().size();
    }
    int64_t batch = 0;
    if (!kiln::compileProgramFile(program, library, compileOptions, archPath, &batch))
      return EXIT_FAILURE;
    std::vector<int64_t> rests;
    for (int64_t count : counts.eval)
      if (batch > 0 && count % batch && count > batch &&
          std::find(rests.begin(), rests.end(), count % batch) == rests.end())
        rests.push_back(count % batch);
    for (int64_t rest : rests) {
      kiln::CompileOptions tailOptions = compileOptions;
      tailOptions.pipeline.batch = rest;
      std::string tail = (tmp.path / fmt::format("program.b{}.so", rest)).string();
      if (!kiln::compileProgramFile(program, tail, tailOptions, archPath))
        return EXIT_FAILURE;
      tailLibraries.push_back(tail);
    }
  }

  RuntimeOptions runtimeOptions;
  // Ranks that share this machine share its cores: each takes its part unless told.
  if (const char *local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
      underMpi && threads == 0 && local && std::atoi(local) > 1)
    threads = std::max(1, int(std::thread::hardware_concurrency()) / std::atoi(local));
  runtimeOptions.threads = threads;
  runtimeOptions.deterministic = deterministic;
  auto runtime = orFail(Runtime::create(runtimeOptions), "");
  Module module = orFail(runtime->loadModule(library), "");
  if (list) {
    for (const std::string &name : module.entryPoints())
      printSignature(**module.lookup(name));
    return EXIT_SUCCESS;
  }
  std::vector<std::string> names = module.entryPoints();
  if (!trainData.empty() && entry.empty())
    entry = "train_step";
  if (entry.empty()) {
    if (names.size() != 1)
      fail(fmt::format("{} has {} entry points ({}); choose one with --entry", program,
                       names.size(), fmt::join(names, ", ")));
    entry = names.front();
  }
  const Function &fn = *orFail(module.lookup(entry), "");
  // Every rank must run the same step: a collective of different sizes would mix tensors.
  orFail(worldCommunicator().checkAgreement(signatureFingerprint(fn),
                                            fmt::format("the inputs and results of @{}", entry)),
         "");

  std::map<size_t, InputRecipe> recipes;
  for (const std::string &arg : inputArgs) {
    size_t eq = arg.find('=');
    char *stop = nullptr;
    unsigned long index = std::strtoul(arg.substr(0, eq).c_str(), &stop, 10);
    if (eq == std::string::npos || eq == 0 || *stop != '\0')
      fail(fmt::format("bad --input '{}': expected INDEX=SOURCE", arg));
    if (index >= fn.inputs().size())
      fail(fmt::format("--input {}: @{} has only {} inputs", index, fn.name(),
                       fn.inputs().size()));
    recipes[index] = parseRecipe(arg.substr(eq + 1));
  }
  std::vector<Tensor> inputs;
  std::vector<TensorView> inputViews;
  for (size_t i = 0; i < fn.inputs().size(); ++i) {
    const InputSpec &spec = fn.inputs()[i];
    InputRecipe recipe;
    bool isFloat = spec.dtype == DType::F32 || spec.dtype == DType::F64;
    recipe.init = parseInitSpec(!spec.init.empty() ? spec.init : isFloat ? "normal" : "zeros");
    if (auto it = recipes.find(i); it != recipes.end())
      recipe = it->second;
    inputs.push_back(makeInput(spec, recipe, seed, i));
    if (checkFiniteInputs && recipes.count(i))
      checkFinite(inputs.back(), fmt::format("input {} ({}): ", i, describe(spec)),
                  recipes[i].init ? "the initialiser" : quoteForMessage(recipes[i].path, 4096));
    inputViews.push_back(inputs.back().view());
  }
  // Named starting values (kiln-import-onnx's initializers) replace what -i or the program's
  // initialisers gave; an input given both ways is ambiguous.
  std::vector<std::pair<std::string, Tensor>> weights;
  if (!weightsPath.empty())
    weights = std::move(orFail(loadCheckpoint(weightsPath), "--weights: ").tensors);
  auto applyWeights = [&] {
    if (weightsPath.empty())
      return;
    for (size_t i : orFail(assignNamedInputs(fn, weights, inputs, weightsPath), "--weights "))
      if (recipes.count(i))
        fail(fmt::format("input {} ({}) is given by both --input and --weights", i,
                         fn.inputs()[i].name));
    inputViews = viewsOf(inputs);
  };
  applyWeights();

  Session session = orFail(Session::create(*runtime, module), "");
  if (!trainData.empty()) {
    if (auto initFn = module.lookup("init"); initFn.ok())
      initializeState(session, **initFn, fn, seed, inputs);
    applyWeights();
    // Sessions of their own (a Session runs one module's entry points); a deque keeps
    // each where TailEval points.
    std::deque<Session> tailSessions;
    for (const std::string &path : tailLibraries) {
      Module tailModule = orFail(runtime->loadModule(path), "--tail-library: ");
      tailSessions.push_back(orFail(Session::create(*runtime, tailModule), ""));
      const Function *tailEval =
          orFail(tailSessions.back().module().lookup("eval_step"), "--tail-library " + path + ": ");
      options.tails.push_back({&tailSessions.back(), tailEval});
    }
    auto evalFn = module.lookup("eval_step");
    return kiln::run::train(session, fn, evalFn.ok() ? *evalFn : nullptr, inputs, options)
               ? EXIT_SUCCESS
               : EXIT_FAILURE;
  }
  std::vector<Tensor> outputs;
  std::vector<TensorView> outputViews;
  for (const ResultSpec &r : fn.results()) {
    if (r.alias >= 0)
      continue;
    outputs.push_back(orFail(Tensor::allocate(r.dtype, r.shape), "output: "));
    outputViews.push_back(outputs.back().view());
  }
  auto resultView = [&](size_t i) {
    int alias = fn.results()[i].alias;
    if (alias >= 0)
      return inputViews[alias];
    size_t k = 0;
    for (size_t j = 0; j < i; ++j)
      k += fn.results()[j].alias < 0;
    return outputViews[k];
  };

  if (printEvery == 0)
    printEvery = std::max<int64_t>(1, steps / 10);
  std::vector<double> callSeconds;
  kiln::rt::resetHeapPeak();
  for (int64_t step = 1; step <= steps; ++step) {
    auto start = std::chrono::steady_clock::now();
    orFail(session.call(fn, inputViews, outputViews), "");
    callSeconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (steps > 1 && (step % printEvery == 0 || step == 1 || step == steps)) {
      std::vector<std::string> scalars;
      for (size_t i = 0; i < fn.results().size(); ++i)
        if (fn.results()[i].alias < 0 && resultView(i).numel() == 1)
          scalars.push_back(
              fmt::format("result {} = {}", i, formatNumber(elementAsDouble(resultView(i), 0))));
      fmt::print("step {}/{}{}{}\n", step, steps, scalars.empty() ? "" : ": ",
                 fmt::join(scalars, ", "));
    }
  }

  for (size_t i = 0; i < fn.results().size(); ++i) {
    TensorView v = resultView(i);
    fmt::print("result {}: {} {}\n", i, describe(TensorSpec{v.dtype, v.shape}),
               formatValues(v, printLimit));
  }
  if (stats && !callSeconds.empty()) {
    std::vector<double> timed(callSeconds.begin() + (callSeconds.size() > 1),
                              callSeconds.end());
    std::nth_element(timed.begin(), timed.begin() + timed.size() / 2, timed.end());
    fmt::print("stats: {} calls, median {:.3f} ms per call, peak temporaries {} bytes\n",
               callSeconds.size(), 1e3 * timed[timed.size() / 2],
               kiln::rt::heapStatistics().peakBytes);
  }
  if (!saveDir.empty()) {
    std::error_code ec;
    fs::create_directories(saveDir, ec);
    if (ec)
      fail(fmt::format("cannot create {}: {}", saveDir, ec.message()));
    for (size_t i = 0; i < fn.results().size(); ++i)
      orFail(saveNpy((fs::path(saveDir) / fmt::format("result{}.npy", i)).string(),
                     resultView(i)),
             "");
  }
  return EXIT_SUCCESS;
}
