// SPDX-License-Identifier: Apache-2.0
// kiln-run's training loop. The compiled step updates parameters and optimizer state in
// place, so the loop only fills the batch inputs and calls it.
#include "Train.h"

#include "kiln/runtime/cuda/CudaApi.h"
#include "kiln/runtime/cuda/DeviceTensor.h"
#include "kiln/runtime/io/Checkpoint.h"
#include "kiln/runtime/io/DataLoader.h"
#include "kiln/runtime/io/Dataset.h"
#include "kiln/runtime/io/TextFile.h"
#include "kiln/runtime/distributed/Communicator.h"
#include "kiln/runtime/privacy/Accountant.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <climits>
#include <cctype>
#include <cmath>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <unistd.h>

namespace kiln::run {
namespace {

using namespace kiln::rt;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void report(const std::string &message) {
  fmt::print(stderr, "kiln-run: error: {}{}\n", rankPrefix(), message);
}

/// Labels index a logits row in compiled code, which does not check them: one outside
/// [0, classes) would read another row's memory, so the whole dataset is checked up front.
bool checkLabels(const Dataset &data, const Function &fn, int labelsInput) {
  int64_t classes = labelsInput >= 0 ? fn.inputs()[labelsInput].classes : 0;
  for (int64_t i = 0; i < data.count; ++i) {
    int64_t label = data.label(i);
    if (label < 0 || (classes > 0 && label >= classes))
      return report(fmt::format("{}: label {} of item {} is outside [0, {}), the classes of "
                                "@{}'s logits",
                                data.source, label, i,
                                classes > 0 ? std::to_string(classes) : "C", fn.name())),
             false;
  }
  return true;
}

int labelsInputOf(const Function &fn) {
  for (size_t i = 0; i < fn.inputs().size(); ++i)
    if (fn.inputs()[i].data == "labels")
      return int(i);
  return -1;
}

/// The data inputs of an entry point, checked against the dataset: one batch ("images",
/// "labels"), or the `prefix`ed one of a bilevel search step ("val_images", "val_labels").
using Batch = BatchInputs;

/// Whether `fn` takes a second, "val_"-prefixed batch.
bool takesValBatch(const Function &fn) {
  for (const InputSpec &in : fn.inputs())
    if (in.data == "val_images" || in.data == "val_labels")
      return true;
  return false;
}

bool findBatch(const Function &fn, const Dataset &data, Batch &batch,
               const std::string &prefix = "") {
  StatusOr<BatchInputs> found = findBatchInputs(fn, data, prefix);
  if (!found.ok())
    return report(std::string(found.status().message())), false;
  batch = *found;
  return true;
}

void fillBatch(const Dataset &data, const std::vector<int64_t> &order, int64_t first,
               const Batch &batch, const TensorView &images, const TensorView &labels) {
  kiln::rt::fillBatch(data, order.data() + first, batch, images, labels);
}

/// A training set kept in device memory for a CUDA module: uploaded once, every batch
/// gathered on the device from its row indices (DeviceTensor::gatherRows), so that a step
/// copies 8 bytes an example to the device instead of the example.
struct ResidentData {
  DeviceTensor images, labels;           ///< the whole set, rows shaped as the step's
  DeviceTensor batchImages, batchLabels; ///< the step's batch inputs
  bool ready = false;

  /// The batch of rows order[first, first + size) into batchImages and batchLabels.
  Status gather(const std::vector<int64_t> &order, int64_t first) {
    KILN_RETURN_IF_ERROR(batchImages.gatherRows(images, order.data() + first));
    return batchLabels.gatherRows(labels, order.data() + first);
  }
};

/// Uploads `data` for `fn`'s batch inputs `batch` when it takes at most a quarter of the
/// device's memory (the step's own tensors need the rest); leaves `out` not ready, and the
/// batches copied from the host, otherwise.
Status makeResident(const Module &module, const Function &fn, const Dataset &data,
                    const BatchInputs &batch, ResidentData &out) {
  const kiln_cuda_api *cuda = module.cudaBackend();
  const InputSpec &images = fn.inputs()[batch.images], &labels = fn.inputs()[batch.labels];
  size_t bytes = data.features.nbytes() + size_t(data.count) * dtypeSize(labels.dtype);
  size_t freeBytes = 0, totalBytes = 0;
  if (!cuda || images.dtype != DType::F32 || cuda->device_memory(&freeBytes, &totalBytes) != 0 ||
      bytes > totalBytes / 4) {
    if (cuda)
      cuda->clear_error();
    return Status();
  }
  std::vector<int64_t> table = images.shape;
  table[0] = data.count;
  KILN_ASSIGN_OR_RETURN(out.images, DeviceTensor::allocate(module, DType::F32, table));
  KILN_RETURN_IF_ERROR(
      out.images.upload(TensorView{data.features.data(), DType::F32, table, Device::kCpu}));
  KILN_ASSIGN_OR_RETURN(Tensor hostLabels, Tensor::allocate(labels.dtype, {data.count}));
  for (int64_t i = 0; i < data.count; ++i) {
    if (labels.dtype == DType::I64)
      static_cast<int64_t *>(hostLabels.data())[i] = data.label(i);
    else
      static_cast<int32_t *>(hostLabels.data())[i] = int32_t(data.label(i));
  }
  KILN_ASSIGN_OR_RETURN(out.labels, DeviceTensor::allocate(module, labels.dtype, {data.count}));
  KILN_RETURN_IF_ERROR(out.labels.upload(hostLabels.view()));
  KILN_ASSIGN_OR_RETURN(out.batchImages, DeviceTensor::allocate(module, DType::F32, images.shape));
  KILN_ASSIGN_OR_RETURN(out.batchLabels,
                        DeviceTensor::allocate(module, labels.dtype, labels.shape));
  out.ready = true;
  return Status();
}

/// Buffers for the results an entry point does not compute in place.
struct Outputs {
  std::vector<Tensor> tensors;
  std::vector<TensorView> views;
  int loss = -1, correct = -1; ///< indices into tensors
};

bool makeOutputs(const Function &fn, Outputs &out) {
  for (const ResultSpec &r : fn.results()) {
    if (r.alias >= 0)
      continue;
    auto t = Tensor::allocate(r.dtype, r.shape);
    if (!t.ok())
      return report(std::string(t.status().message())), false;
    if (r.shape.empty() && (r.dtype == DType::F32 || r.dtype == DType::F64) && out.loss < 0)
      out.loss = int(out.tensors.size());
    if (r.shape.empty() && (r.dtype == DType::I64 || r.dtype == DType::I32))
      out.correct = int(out.tensors.size());
    out.views.push_back(t->view());
    out.tensors.push_back(std::move(*t));
  }
  if (out.loss < 0)
    return report(fmt::format("@{} must return its loss as a rank-0 float tensor", fn.name())),
           false;
  return true;
}

/// An @eval_step ready to call: its session, batch, data buffers and results.
struct EvalRunner {
  Session *session;
  const Function *eval;
  Batch batch;
  std::vector<Tensor> data;
  std::vector<TensorView> views;
  Outputs out;
};

double scalar(const Tensor &t) {
  switch (t.dtype()) {
  case DType::F32: return t.data<float>()[0];
  case DType::F64: return t.data<double>()[0];
  case DType::I32: return t.data<int32_t>()[0];
  default: return double(t.data<int64_t>()[0]);
  }
}

std::string clock(double seconds) {
  int s = int(seconds + 0.5);
  return fmt::format("{}:{:02d}", s / 60, s % 60);
}

/// The progress of an epoch: redrawn in place (`live`, on a terminal), or one whole line,
/// since a log file or a pipe would keep every carriage-return-separated redraw.
void progressLine(int epoch, int epochs, int64_t done, int64_t total, double elapsed,
                  double loss, bool live) {
  const int width = 24;
  int filled = int(width * done / std::max<int64_t>(total, 1));
  double rate = elapsed > 0 ? done / elapsed : 0;
  fmt::print(stderr, "{}epoch {}/{} [{}{}] {}/{} {:.1f} step/s ETA {} loss {:.4f}{}",
             live ? "\r" : "", epoch, epochs, std::string(filled, '#'),
             std::string(width - filled, '.'), done, total, rate,
             clock(rate > 0 ? (total - done) / rate : 0), loss, live ? "   " : "\n");
}

/// A dataset @eval_step is scored on after every epoch: the held-out validation part of the
/// training data, or the test data.
struct EvalSet {
  std::string name;   ///< "validation" or "test", as printed
  std::string column; ///< "val" or "test": the CSV columns' prefix
  std::string noun;   ///< "images" (IDX) or "examples" (CSV), as printed
  const char *lossColor, *accuracyColor;
  Dataset data;
  bool evaluated = false; ///< false for the test set of an IDX program without @eval_step
};

/// One epoch's numbers, for the CSV and the chart; loss and accuracy hold one value per
/// evaluation set (NaN when it is not evaluated, or the accuracy is not computed).
struct EpochMetrics {
  int epoch;
  double trainLoss;
  std::vector<double> loss, accuracy;
};

/// A self-contained SVG line chart: losses against the left axis, accuracy (percent) against
/// the right one, one point per epoch. Rewritten atomically after every epoch by the caller.
std::string svgChart(const std::vector<EpochMetrics> &rows, const std::vector<EvalSet> &sets) {
  // Three legend entries fit in a row above the plot; five take two rows.
  const double width = 640, height = 360, left = 60, right = 60, bottom = 50;
  const double top = sets.size() > 1 ? 44 : 30;
  const double plotW = width - left - right, plotH = height - top - bottom;
  double maxLoss = 0;
  for (const EpochMetrics &r : rows) {
    maxLoss = std::max(maxLoss, r.trainLoss);
    for (double loss : r.loss)
      maxLoss = std::max(maxLoss, std::isfinite(loss) ? loss : 0);
  }
  maxLoss = maxLoss > 0 ? maxLoss * 1.1 : 1;
  int firstEpoch = rows.empty() ? 1 : rows.front().epoch;
  int lastEpoch = rows.empty() ? 1 : rows.back().epoch;
  auto x = [&](int epoch) {
    return left + (lastEpoch > firstEpoch ? plotW * (epoch - firstEpoch) / (lastEpoch - firstEpoch)
                                          : plotW / 2);
  };
  auto yLoss = [&](double v) { return top + plotH * (1 - v / maxLoss); };
  auto yAcc = [&](double a) { return top + plotH * (1 - a); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" "
      "stroke=\"#888\"/>\n",
      width, height, left, top, plotW, plotH);
  for (int i = 0; i <= 4; ++i) {
    double f = i / 4.0;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.2f}</text>\n",
                       left - 6, top + plotH * (1 - f) + 4, maxLoss * f);
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{:.0f}%</text>\n", left + plotW + 6,
                       top + plotH * (1 - f) + 4, 100 * f);
  }
  for (const EpochMetrics &r : rows)
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x(r.epoch),
                       top + plotH + 18, r.epoch);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">epoch</text>\n",
                     left + plotW / 2, height - 10);
  svg += fmt::format("<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\" "
                     "transform=\"rotate(-90 {0} {1})\">loss</text>\n",
                     14, top + plotH / 2);
  svg += fmt::format("<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\" "
                     "transform=\"rotate(90 {0} {1})\">accuracy (%)</text>\n",
                     width - 12, top + plotH / 2);
  int slot = 0;
  auto line = [&](const char *color, const std::string &label, auto value) {
    std::string points;
    for (const EpochMetrics &r : rows)
      if (std::isfinite(value(r)))
        points += fmt::format("{:.1f},{:.1f} ", x(r.epoch), value(r));
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n",
                       color, points);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n", left + 150 * (slot % 3),
                       18 + 14 * (slot / 3), color, label);
    // A marker on every point: a line through a single epoch has no length to show.
    for (const EpochMetrics &r : rows)
      if (std::isfinite(value(r)))
        svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n",
                           x(r.epoch), value(r), color);
    ++slot;
  };
  line("#1f77b4", "train loss", [&](const EpochMetrics &r) { return yLoss(r.trainLoss); });
  for (size_t k = 0; k < sets.size(); ++k) {
    line(sets[k].lossColor, sets[k].name + " loss",
         [&](const EpochMetrics &r) { return yLoss(r.loss[k]); });
    line(sets[k].accuracyColor, sets[k].name + " accuracy (right)",
         [&](const EpochMetrics &r) { return yAcc(r.accuracy[k]); });
  }
  return svg + "</svg>\n";
}

/// A state tensor's name in checkpoints: its argument's ("w1", "adam.m.w1"), or "input<i>"
/// for an unnamed one, the only name checkpoints of earlier Kiln versions used.
/// A byte count for people: "812 B", "1.25 KiB", "4.21 MiB".
std::string formatBytes(double bytes) {
  if (bytes < 1024)
    return fmt::format("{:.0f} B", bytes);
  if (bytes < 1024 * 1024)
    return fmt::format("{:.2f} KiB", bytes / 1024);
  return fmt::format("{:.2f} MiB", bytes / (1024 * 1024));
}

std::string indexName(size_t i) { return "input" + std::to_string(i); }
std::string stateName(const Function &fn, size_t i) {
  const std::string &name = fn.inputs()[i].name;
  return name.empty() ? indexName(i) : name;
}

/// The training state a checkpoint holds: every input of @train_step but the batch.
std::vector<std::pair<std::string, TensorView>> stateViews(const Function &fn,
                                                           const std::vector<TensorView> &views) {
  std::vector<std::pair<std::string, TensorView>> named;
  for (size_t i = 0; i < fn.inputs().size(); ++i)
    if (fn.inputs()[i].data.empty())
      named.push_back({stateName(fn, i), views[i]});
  return named;
}

/// A rank's copy of rank-local state in a checkpoint of several ranks: rank 0's keeps the
/// input's name, rank r's is "<name>@rank<r>".
std::string rankCopyName(const std::string &name, int rank) {
  return rank == 0 ? name : fmt::format("{}@rank{}", name, rank);
}

bool isRankState(const Function &fn, size_t i) { return fn.inputs()[i].role == "rank_state"; }

/// Restores the state and the shuffling generator; returns the last completed epoch.
/// `split` is this run's validation split ("" for none), which must be the checkpoint's:
/// continuing on another split would train on examples the earlier epochs validated on.
bool resume(const std::string &path, const Function &fn, const std::string &split,
            std::vector<Tensor> &state, std::mt19937_64 &rng, int &epoch,
            std::string &privacyHistory) {
  auto checkpoint = loadCheckpoint(path);
  if (!checkpoint.ok())
    return report(std::string(checkpoint.status().message())), false;
  // The other ranks' copies of rank-local state: this rank takes its own after the rest.
  Communicator &group = worldCommunicator();
  std::map<std::string, Tensor> rankCopies;
  for (auto it = checkpoint->tensors.begin(); it != checkpoint->tensors.end();)
    if (it->first.find("@rank") != std::string::npos) {
      rankCopies.emplace(it->first, std::move(it->second));
      it = checkpoint->tensors.erase(it);
    } else {
      ++it;
    }
  std::vector<size_t> rankState;
  for (size_t i = 0; i < fn.inputs().size(); ++i)
    if (isRankState(fn, i))
      rankState.push_back(i);
  if (!rankState.empty()) {
    auto written = checkpoint->metadata.find("kiln_ranks");
    std::string count = written == checkpoint->metadata.end() ? "1" : written->second;
    if (count != std::to_string(group.size()))
      return report(fmt::format("{} holds the error-control state of each of {} rank(s) ({}, "
                                "...): resume it on {} rank(s), not {}",
                                path, escapeForMessage(count), stateName(fn, rankState[0]),
                                escapeForMessage(count), group.size())),
             false;
  }
  std::map<std::string, Tensor *> byName, byIndex;
  for (size_t i = 0; i < fn.inputs().size(); ++i)
    if (fn.inputs()[i].data.empty()) {
      byName[stateName(fn, i)] = &state[i];
      byIndex[indexName(i)] = &state[i];
    }
  // A checkpoint names its tensors one way: after the arguments, or (written before Kiln
  // named them) after their indices.
  bool legacy = !checkpoint->tensors.empty() &&
                std::all_of(checkpoint->tensors.begin(), checkpoint->tensors.end(),
                            [&](const auto &entry) {
                              return !byName.count(entry.first) && byIndex.count(entry.first);
                            });
  if (legacy)
    byName.swap(byIndex);
  // Everything a resumed run reads from the metadata is checked before any state changes.
  auto entry = checkpointMetadata(*checkpoint, "kiln_entry");
  auto completed = checkpointInteger(*checkpoint, "kiln_epoch", 0, INT32_MAX);
  auto generator = checkpointMetadata(*checkpoint, "kiln_rng");
  for (const Status *status : {&entry.status(), &completed.status(), &generator.status()})
    if (!status->ok())
      return report(std::string(status->message())), false;
  std::istringstream generatorText(*generator);
  std::mt19937_64 restored;
  generatorText >> restored;
  if (generatorText.fail() || !(generatorText >> std::ws).eof())
    return report(fmt::format("checkpoint {}: metadata 'kiln_rng' is {}, not the state of the "
                              "shuffling generator (std::mt19937_64)",
                              quoteForMessage(path, 4096), quoteForMessage(*generator))),
           false;
  if (*entry != fn.name() || checkpoint->tensors.size() != byName.size())
    return report(fmt::format("{} holds {} state tensors of @{}; this program's @{} has {}",
                              path, checkpoint->tensors.size(), escapeForMessage(*entry),
                              fn.name(), byName.size())),
           false;
  if (checkpoint->metadata["kiln_val_split"] != split) {
    auto describe = [](const std::string &s) {
      return s.empty() ? std::string("no --val-split") : "--val-split " + s;
    };
    return report(fmt::format("{} was trained with {}; this run has {}", path,
                              escapeForMessage(describe(checkpoint->metadata["kiln_val_split"])),
                              describe(split))),
           false;
  }
  for (auto &[name, tensor] : checkpoint->tensors) {
    auto it = byName.find(name);
    if (it == byName.end() || it->second->dtype() != tensor.dtype() ||
        it->second->shape() != tensor.shape())
      return report(fmt::format("{}: tensor {} ({} {}) does not match the program", path,
                                quoteForMessage(name), dtypeName(tensor.dtype()),
                                shapeToString(tensor.shape()))),
             false;
    std::memcpy(it->second->data(), tensor.data(), tensor.nbytes());
  }
  if (group.rank() > 0)
    for (size_t i : rankState) {
      std::string name = rankCopyName(stateName(fn, i), group.rank());
      auto copy = rankCopies.find(name);
      if (copy == rankCopies.end() || copy->second.dtype() != state[i].dtype() ||
          copy->second.shape() != state[i].shape())
        return report(fmt::format("{} lacks {} (rank {}'s copy of {}, {} {})", path,
                                  quoteForMessage(name), group.rank(), stateName(fn, i),
                                  dtypeName(state[i].dtype()), shapeToString(state[i].shape()))),
               false;
      std::memcpy(state[i].data(), copy->second.data(), state[i].nbytes());
    }
  rng = restored;
  epoch = int(*completed);
  privacyHistory = checkpoint->metadata["kiln_privacy"];
  // Every rank of a dense data-parallel run holds the same state, so any rank count may
  // continue it; the global batch, and with it the steps per epoch, follow the new count.
  int ranks = group.size();
  if (auto written = checkpoint->metadata.find("kiln_ranks");
      written != checkpoint->metadata.end() && written->second != std::to_string(ranks))
    fmt::print("note: {} was written by a run of {} rank(s); this one has {}: each step now "
               "takes {} batches\n",
               path, escapeForMessage(written->second), ranks, ranks);
  return true;
}

/// A privacy accountant's history as checkpoint metadata: "q,sigma,steps;..." with every
/// number in its shortest exact form, and back.
std::string formatHistory(const std::vector<privacy::MechanismPhase> &history) {
  std::string text;
  for (const privacy::MechanismPhase &p : history)
    text += fmt::format("{}{},{},{}", text.empty() ? "" : ";", p.samplingRate,
                        p.noiseMultiplier, p.steps);
  return text;
}

std::optional<std::vector<privacy::MechanismPhase>> parseHistory(const std::string &text) {
  std::vector<privacy::MechanismPhase> history;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ';')) {
    privacy::MechanismPhase p;
    long long steps = 0;
    char tail = 0;
    if (std::sscanf(item.c_str(), "%lf,%lf,%lld%c", &p.samplingRate, &p.noiseMultiplier, &steps,
                    &tail) != 3)
      return std::nullopt;
    p.steps = steps;
    history.push_back(p);
  }
  return history;
}

/// The inputs and entry point a private step (kiln.train_step with privacy) adds.
struct PrivateStep {
  int weights = -1, noiseMultiplier = -1, lot = -1;
  const Function *accumulate = nullptr;
};

/// Finds them; `weights` stays -1 for a step that is not private. Errors are reported.
bool findPrivateStep(Session &session, const Function &fn, PrivateStep &step) {
  for (size_t i = 0; i < fn.inputs().size(); ++i) {
    const InputSpec &in = fn.inputs()[i];
    if (in.data == "weights")
      step.weights = int(i);
    if (in.name == "dp.noise_multiplier")
      step.noiseMultiplier = int(i);
    if (in.name == "dp.lot")
      step.lot = int(i);
  }
  if (step.weights < 0)
    return true;
  for (int i : {step.noiseMultiplier, step.lot})
    if (i < 0 || fn.inputs()[i].dtype != DType::F32 || !fn.inputs()[i].shape.empty())
      return report(fmt::format("@{} takes per-example weights but not the rank-0 f32 inputs "
                                "dp.noise_multiplier and dp.lot of a private step "
                                "(kiln.train_step with privacy)",
                                fn.name())),
             false;
  auto accumulate = session.module().lookup(fn.name() + "_accumulate");
  if (!accumulate.ok())
    return report(fmt::format("@{} is a private step without @{}_accumulate, which adds the "
                              "physical batches of a large lot",
                              fn.name(), fn.name())),
           false;
  if ((*accumulate)->inputs().size() != fn.inputs().size())
    return report(fmt::format("@{}_accumulate must take @{}'s inputs", fn.name(), fn.name())),
           false;
  step.accumulate = *accumulate;
  return true;
}

/// Reads back the metrics CSV of the run a checkpoint continues: its lines up to epoch
/// `upTo` (later ones belong to epochs that are trained again) go into `kept`, their
/// numbers into `history` for the chart. A file that does not exist is an empty history; one
/// with other columns than `header` (another program, another split) or with rows that are
/// not this format's is refused, so that appending cannot mix two runs' metrics.
bool readHistory(const std::string &path, const std::string &header, size_t sets, int upTo,
                 std::string &kept, std::vector<EpochMetrics> &history) {
  auto text = readTextFile(path);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound)
    return true;
  if (!text.ok())
    return report(std::string(text.status().message())), false;
  const std::string where = escapeForMessage(path, 4096);
  const size_t fields = size_t(std::count(header.begin(), header.end(), ',')) + 1;
  std::istringstream in(*text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (number == 1) {
      if (line + "\n" != header)
        return report(fmt::format("{}:1: the columns are {}; this run writes {}, so its epochs "
                                  "cannot continue that history",
                                  where, quoteForMessage(line),
                                  quoteForMessage(header.substr(0, header.size() - 1)))),
               false;
      continue;
    }
    if (line.empty())
      continue;
    std::vector<double> values;
    for (size_t start = 0, column = 1; start <= line.size(); ++column) {
      size_t comma = std::min(line.find(',', start), line.size());
      std::string field = line.substr(start, comma - start);
      char *end = nullptr;
      double value = field.empty() ? 0 : std::strtod(field.c_str(), &end);
      if (field.empty() || *end != '\0')
        return report(fmt::format("{}:{}:{}: field {} is {}, not a number", where, number,
                                  start + 1, column, quoteForMessage(field))),
               false;
      values.push_back(value);
      start = comma + 1;
    }
    if (values.size() != fields)
      return report(fmt::format("{}:{}: {} fields where the header has {}", where, number,
                                values.size(), fields)),
             false;
    int epoch = int(values[0]);
    if (values[0] != double(history.size() + 1))
      return report(fmt::format("{}:{}:1: epoch {} where {} was expected", where, number,
                                escapeForMessage(line.substr(0, line.find(','))),
                                history.size() + 1)),
             false;
    if (epoch > upTo)
      break;
    EpochMetrics row{epoch, values[1], {}, {}};
    for (size_t k = 0; k < sets; ++k) {
      row.loss.push_back(values[2 + 2 * k]);
      row.accuracy.push_back(values[3 + 2 * k]);
    }
    history.push_back(std::move(row));
    kept += line + "\n";
  }
  return true;
}

/// A --train path ending in .csv (any case) is a CSV file; anything else an IDX directory.
bool isCsvPath(const std::string &path) {
  std::string ext = fs::path(path).extension().string();
  for (char &c : ext)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".csv";
}

} // namespace

/// The state of an architecture search after an epoch: for every "architecture" input (the
/// alpha of a kiln.mixed edge), the entropy of softmax(alpha), and whether the strongest
/// candidate other than "none" is skip_connect (DARTS' collapse shows as all-skip edges).
struct SearchState {
  int edges = 0, skipEdges = 0;
  double meanEntropy = 0, uniformEntropy = 0;
};

SearchState searchState(const Function &fn, const std::vector<Tensor> &state) {
  SearchState s;
  double uniform = 0;
  for (size_t i = 0; i < fn.inputs().size(); ++i) {
    const InputSpec &in = fn.inputs()[i];
    const std::vector<std::string> &names = in.candidates;
    if (in.role != "architecture" || names.empty() || state[i].numel() != int64_t(names.size()))
      continue;
    std::vector<double> p(names.size());
    for (size_t k = 0; k < p.size(); ++k)
      p[k] = state[i].dtype() == DType::F64 ? state[i].data<double>()[k]
                                            : double(state[i].data<float>()[k]);
    double max = *std::max_element(p.begin(), p.end()), sum = 0, entropy = 0;
    for (double &x : p)
      sum += (x = std::exp(x - max));
    int best = -1;
    for (size_t k = 0; k < p.size(); ++k) {
      p[k] /= sum;
      if (p[k] > 0)
        entropy -= p[k] * std::log(p[k]);
      if (names[k] != "none" && (best < 0 || p[k] > p[best]))
        best = int(k);
    }
    s.edges++;
    s.meanEntropy += entropy;
    uniform += std::log(double(p.size()));
    s.skipEdges += best >= 0 && names[best] == "skip_connect";
  }
  if (s.edges) {
    s.meanEntropy /= s.edges;
    s.uniformEntropy = uniform / s.edges;
  }
  return s;
}

bool countExamples(const TrainOptions &options, ExampleCounts &counts) {
  // What train() will load and split, counted: an IDX directory from its labels files alone;
  // a CSV file (small, and nothing else tells its rows) loaded, with labels read wide and
  // unchecked (train() reports what is wrong with them).
  const bool csv = isCsvPath(options.trainData);
  auto count = [&](const std::string &where, const std::string &idxPrefix) -> StatusOr<int64_t> {
    if (!csv)
      return idxDatasetSize(where, idxPrefix);
    KILN_ASSIGN_OR_RETURN(Dataset data, loadCsvDataset(where, DType::I64));
    return data.count;
  };
  StatusOr<int64_t> train = count(options.trainData, "train");
  if (!train.ok())
    return report(std::string(train.status().message())), false;
  counts.train = *train;
  if (options.valSplit) {
    // splitDataset's sizes: round(fraction * count) held out. A fraction it refuses is
    // train()'s to report.
    int64_t held = std::llround(*options.valSplit * double(*train));
    counts.train = *train - held;
    counts.eval.push_back(held);
  }
  if (!csv || !options.testData.empty()) {
    StatusOr<int64_t> test = count(csv ? options.testData : options.trainData, "t10k");
    if (!test.ok())
      return report(std::string(test.status().message())), false;
    counts.eval.push_back(*test);
  }
  return true;
}

namespace {

/// The parameters' bytes, fingerprinted: what the ranks of a data-parallel run compare.
uint64_t parameterFingerprint(const Function &fn, const std::vector<TensorView> &views) {
  uint64_t h = fnv1a(nullptr, 0);
  for (size_t i = 0; i < fn.inputs().size() && i < views.size(); ++i)
    if (fn.inputs()[i].role == "parameter")
      h = fnv1a(views[i].data, views[i].numel() * dtypeSize(views[i].dtype), h);
  return h;
}

} // namespace

std::string rankPrefix() {
  Communicator &group = worldCommunicator();
  return group.size() > 1 ? fmt::format("rank {} of {}: ", group.rank(), group.size()) : "";
}

uint64_t fnv1a(const void *data, size_t bytes, uint64_t hash) {
  const auto *p = static_cast<const unsigned char *>(data);
  for (size_t b = 0; b < bytes; ++b)
    hash = (hash ^ p[b]) * 1099511628211ull;
  return hash;
}

bool train(Session &session, const Function &trainFn, const Function *evalFn,
           std::vector<Tensor> &state, const TrainOptions &options) {
  // A data-parallel run (kiln-run under mpirun): every rank runs this loop on its own shard
  // of each global batch; rank 0 alone evaluates and writes files.
  Communicator &group = worldCommunicator();
  const int ranks = group.size(), rank = group.rank();
  const bool writer = rank == 0;
  const bool csv = isCsvPath(options.trainData);
  if (!csv && !options.testData.empty())
    return report(fmt::format("--test names the test CSV of a CSV --train; the IDX directory "
                              "{} has its own t10k files",
                              options.trainData)),
           false;
  if (!evalFn && (options.valSplit || !options.testData.empty()))
    return report(fmt::format("{} needs an @eval_step to evaluate",
                              options.valSplit ? "--val-split" : "--test")),
           false;
  // The label type the program wants decides how labels are read.
  int labelsInput = labelsInputOf(trainFn);
  DType labelType = labelsInput >= 0 ? trainFn.inputs()[labelsInput].dtype : DType::I64;
  if (labelType != DType::I64 && labelType != DType::I32)
    return report("labels must be i32 or i64 tensors"), false;
  // A CSV label outside the logits' classes is reported where it is, file:line:column.
  CsvOptions csvOptions;
  csvOptions.classes = labelsInput >= 0 ? trainFn.inputs()[labelsInput].classes : 0;
  auto load = [&](const std::string &where, const std::string &idxPrefix, Dataset &data) {
    StatusOr<Dataset> loaded = csv ? loadCsvDataset(where, labelType, csvOptions)
                                   : loadIdxDataset(where, idxPrefix, labelType);
    if (!loaded.ok())
      return report(std::string(loaded.status().message())), false;
    data = std::move(*loaded);
    return true;
  };
  Dataset trainData;
  Batch batch, valBatch;
  if (!load(options.trainData, "train", trainData) || !findBatch(trainFn, trainData, batch) ||
      !checkLabels(trainData, trainFn, labelsInput))
    return false;
  const bool bilevel = takesValBatch(trainFn);
  if (bilevel) {
    if (!findBatch(trainFn, trainData, valBatch, "val_"))
      return false;
    if (valBatch.size != batch.size)
      return report(fmt::format("@{}: the val_images batch ({}) must be as large as the images "
                                "batch ({})",
                                trainFn.name(), valBatch.size, batch.size)),
             false;
    int valLabels = valBatch.labels;
    if (trainFn.inputs()[valLabels].dtype != labelType)
      return report(fmt::format("@{}: val_labels and labels must have one type",
                                trainFn.name())),
             false;
    if (!checkLabels(trainData, trainFn, valLabels))
      return false;
  }

  // Evaluation sets: the held-out part of the training data (--val-split), then the test
  // data. An IDX directory always shows its test columns (NaN without @eval_step), as it
  // always has; a CSV run shows the sets it has.
  std::vector<EvalSet> evalSets;
  const std::string noun = csv ? "examples" : "images";
  std::string splitTag; // recorded in checkpoints
  if (options.valSplit) {
    auto parts = splitDataset(trainData, *options.valSplit, options.seed);
    if (!parts.ok())
      return report("--val-split: " + std::string(parts.status().message())), false;
    trainData = std::move(parts->first);
    evalSets.push_back({"validation", "val", noun, "#d62728", "#9467bd",
                        std::move(parts->second), true});
    splitTag = fmt::format("{} seed {}", *options.valSplit, options.seed);
  }
  if (!csv || !options.testData.empty()) {
    EvalSet test{"test", "test", noun, "#ff7f0e", "#2ca02c", Dataset(), evalFn != nullptr};
    if (test.evaluated && !load(csv ? options.testData : options.trainData, "t10k", test.data))
      return false;
    evalSets.push_back(std::move(test));
  }
  // A bilevel search step learns the weights on one half of the training data (A) and the
  // architecture on the other (B: DARTS' search split, RARTS' split B), each batch drawn
  // from its own shuffled half.
  Dataset valData;
  if (bilevel) {
    auto halves = twoWaySplit(trainData, options.seed);
    if (!halves.ok())
      return report(std::string(halves.status().message())), false;
    trainData = std::move(halves->first);
    valData = std::move(halves->second);
    splitTag += fmt::format("{}two-way seed {}", splitTag.empty() ? "" : ", ", options.seed);
    fmt::print("@{}: bilevel search, {} {} for the weights, {} for the architecture "
               "(kiln.data val_*)\n",
               trainFn.name(), trainData.count, noun, valData.count);
  }
  int64_t usable = bilevel ? std::min(trainData.count, valData.count) : trainData.count;
  if (usable < batch.size * ranks)
    return report(fmt::format("{}: {} training examples{}, fewer than one @{} batch of {}{}",
                              trainData.source, usable, bilevel ? " per half" : "",
                              trainFn.name(), batch.size,
                              ranks > 1 ? fmt::format(" on each of {} ranks", ranks) : "")),
           false;
  if (ranks > 1 && bilevel)
    return report("an architecture search runs in one process, not under mpirun"), false;

  std::vector<TensorView> views;
  for (Tensor &t : state)
    views.push_back(t.view());
  Outputs trainOut;
  if (!makeOutputs(trainFn, trainOut))
    return false;
  // A private step (kiln.train_step with privacy): Poisson-sampled lots, padded to the
  // physical batch with weight-0 rows, a lot larger than the batch added up by
  // @<step>_accumulate first; the accountant composes every noisy step.
  PrivateStep dp;
  Outputs accumulateOut;
  if (!findPrivateStep(session, trainFn, dp) ||
      (dp.accumulate && !makeOutputs(*dp.accumulate, accumulateOut)))
    return false;
  const bool isPrivate = dp.weights >= 0;
  if (!isPrivate && (options.targetEpsilon || options.calibrateNoise))
    return report(fmt::format("--target-epsilon is for a private step; @{} is not one "
                              "(kiln.train_step with privacy = \"dp_sgd\" or \"dice_sgd\")",
                              trainFn.name())),
           false;
  if (isPrivate && bilevel)
    return report("a private step takes one batch, not a bilevel search's two"), false;
  if (isPrivate && ranks > 1)
    return report("private training runs in one process, not under mpirun (its noise and "
                  "accountant are one process's)"),
           false;

  // On a GPU the state (parameters, optimizer state, counters) lives in device memory for
  // the whole run: a step copies only its batch in and its loss out. The host tensors in
  // `state` (hostViews) are brought up to date at the end of every epoch, before the
  // search summary, the checkpoint or the caller read them.
  const bool onGpu = session.module().device() == Device::kCuda;
  const std::vector<TensorView> hostViews = views;
  std::vector<std::pair<size_t, DeviceTensor>> deviceState;
  // Uploaded just before the first step (uploadState), once a checkpoint has been restored
  // and the noise calibrated into the host tensors.
  for (size_t i = 0; onGpu && i < views.size(); ++i) {
    if (!trainFn.inputs()[i].data.empty())
      continue; // a batch: copied in by the Session at every step
    auto t = DeviceTensor::allocate(session.module(), views[i].dtype, views[i].shape);
    if (!t.ok())
      return report(std::string(t.status().message())), false;
    views[i] = t->view();
    deviceState.emplace_back(i, std::move(*t));
  }
  auto uploadState = [&]() {
    for (auto &[i, t] : deviceState)
      if (Status st = t.upload(hostViews[i]); !st.ok())
        return report(std::string(st.message())), false;
    return true;
  };
  // The training data (and a search's architecture half) stays on the device too, when it
  // fits: a step gathers its batch there. A private step's lots are made on the host.
  ResidentData residentTrain, residentVal;
  if (onGpu && !isPrivate) {
    Status st = makeResident(session.module(), trainFn, trainData, batch, residentTrain);
    if (st.ok() && bilevel)
      st = makeResident(session.module(), trainFn, valData, valBatch, residentVal);
    if (!st.ok())
      return report(std::string(st.message())), false;
    if (residentTrain.ready) {
      views[batch.images] = residentTrain.batchImages.view();
      views[batch.labels] = residentTrain.batchLabels.view();
    }
    if (residentVal.ready) {
      views[valBatch.images] = residentVal.batchImages.view();
      views[valBatch.labels] = residentVal.batchLabels.view();
    }
  }
  auto syncToHost = [&]() {
    for (auto &[i, t] : deviceState)
      if (Status st = t.download(hostViews[i]); !st.ok())
        return report(std::string(st.message())), false;
    return true;
  };
  // What the ranks of a data-parallel run compare: the parameters, read back from the
  // device on a GPU.
  auto parametersFingerprint = [&]() -> StatusOr<uint64_t> {
    if (!onGpu)
      return parameterFingerprint(trainFn, views);
    for (auto &[i, t] : deviceState)
      if (trainFn.inputs()[i].role == "parameter")
        KILN_RETURN_IF_ERROR(t.download(hostViews[i]));
    return parameterFingerprint(trainFn, hostViews);
  };
  // Training carries the state through the donated inputs the step updates in place; a
  // result computed elsewhere (bufferization could not reuse its input's buffer, e.g. a
  // counter still read after its increment) would be dropped silently after every step.
  for (size_t i = 0, k = 0; i < trainFn.results().size(); ++i) {
    const ResultSpec &r = trainFn.results()[i];
    if (r.alias >= 0)
      continue;
    if (int(k++) != trainOut.loss)
      fmt::print(stderr,
                 "kiln-run: warning: @{} computes result {} ({}) out of place: training keeps "
                 "only the loss and the results updated in place, so this one is dropped after "
                 "every step\n",
                 trainFn.name(), i, fmt::format("{}[{}]", dtypeName(r.dtype), fmt::join(r.shape, "x")));
  }

  // @eval_step shares @train_step's leading (parameter) inputs and has its own batch; the
  // last partial batch of a set runs in an @eval_step compiled for its size (options.tails).
  std::vector<EvalRunner> runners; // [0]: @eval_step itself
  auto addRunner = [&](Session &where, const Function &fn) {
    EvalRunner runner{&where, &fn};
    Batch &evalBatch = runner.batch;
    if (!findBatch(fn, evalSets.front().data, evalBatch) || !makeOutputs(fn, runner.out))
      return false;
    size_t shared = 0;
    for (size_t i = 0; i < fn.inputs().size(); ++i) {
      const InputSpec &spec = fn.inputs()[i];
      if (!spec.data.empty()) {
        auto t = Tensor::allocate(spec.dtype, spec.shape);
        if (!t.ok())
          return report(std::string(t.status().message())), false;
        runner.views.push_back(t->view());
        runner.data.push_back(std::move(*t));
        continue;
      }
      if (shared >= views.size() || trainFn.inputs()[shared].data.size() ||
          trainFn.inputs()[shared].dtype != spec.dtype ||
          trainFn.inputs()[shared].shape != spec.shape)
        return report(fmt::format("@{} input {} must be @{} input {} (its leading inputs are "
                                  "the parameters)",
                                  fn.name(), i, trainFn.name(), shared)),
               false;
      runner.views.push_back(views[shared++]);
    }
    runners.push_back(std::move(runner));
    return true;
  };
  if (evalFn && std::any_of(evalSets.begin(), evalSets.end(),
                            [](const EvalSet &set) { return set.evaluated; })) {
    if (!addRunner(session, *evalFn))
      return false;
    for (const EvalSet &set : evalSets) {
      if (!set.evaluated)
        continue;
      if (!checkLabels(set.data, *evalFn, labelsInputOf(*evalFn)))
        return false;
      if (set.data.count < runners.front().batch.size)
        return report(fmt::format("{}: {} {} examples, fewer than one @{} batch of {}",
                                  set.data.source, set.data.count, set.name, evalFn->name(),
                                  runners.front().batch.size)),
               false;
    }
    for (const TailEval &tail : options.tails)
      if (!addRunner(*tail.session, *tail.eval))
        return false;
    for (const EvalSet &set : evalSets) {
      int64_t rest = set.data.count % runners.front().batch.size;
      if (set.evaluated && rest &&
          std::none_of(runners.begin(), runners.end(),
                       [&](const EvalRunner &r) { return r.batch.size == rest; }))
        fmt::print(stderr,
                   "kiln-run: note: the last {} of the {} {} {} are not evaluated: @{} takes "
                   "batches of {} (a program that writes its batch as ? runs them in a step "
                   "compiled for {}: kiln-run compiles it, a library takes it as "
                   "--tail-library)\n",
                   rest, set.data.count, set.name, set.noun, evalFn->name(),
                   runners.front().batch.size, rest);
    }
  }
  // Loss and accuracy of @eval_step over `data`, in order: whole batches, then the rest in
  // the @eval_step compiled for its size, if there is one. The loss is the mean over the
  // examples (each call's mean weighted by its batch).
  auto evaluate = [&](const Dataset &data, double &loss, double &accuracy, int64_t &evaluated) {
    std::vector<int64_t> order(data.count);
    std::iota(order.begin(), order.end(), 0);
    double lossTotal = 0, correct = 0;
    bool counted = true;
    auto call = [&](EvalRunner &r, int64_t first) {
      fillBatch(data, order, first, r.batch, r.views[r.batch.images], r.views[r.batch.labels]);
      if (Status st = r.session->call(*r.eval, r.views, r.out.views); !st.ok())
        return report(std::string(st.message())), false;
      lossTotal += scalar(r.out.tensors[r.out.loss]) * double(r.batch.size);
      if (r.out.correct >= 0)
        correct += scalar(r.out.tensors[r.out.correct]);
      else
        counted = false;
      evaluated += r.batch.size;
      return true;
    };
    EvalRunner &whole = runners.front();
    int64_t first = 0;
    for (; first + whole.batch.size <= data.count; first += whole.batch.size)
      if (!call(whole, first))
        return false;
    // The first step compiled for the rest (a library given twice runs once).
    for (EvalRunner &tail : runners)
      if (first < data.count && tail.batch.size == data.count - first) {
        if (!call(tail, first))
          return false;
        break;
      }
    loss = lossTotal / double(evaluated);
    accuracy = counted ? correct / double(evaluated) : NAN;
    return true;
  };

  std::vector<int64_t> order(trainData.count), valOrder(valData.count);
  std::mt19937_64 rng(options.seed);
  // A global batch is every rank's batch: step s of rank r reads the shuffled examples
  // [(s R + r) B, (s R + r + 1) B), so the global batches are those of one process with a
  // batch of R B, whatever R is.
  int64_t steps = usable / (batch.size * ranks);
  int done = 0;
  double samplingRate = 0;
  privacy::RdpAccountant accountant;
  // A private step's hyperparameters, read from the host tensors (on a GPU, `views` holds
  // device memory).
  auto scalarAt = [&](int input) {
    return double(*static_cast<const float *>(hostViews[input].data));
  };
  if (isPrivate) {
    double lot = scalarAt(dp.lot);
    samplingRate = lot / double(trainData.count);
    if (!(lot >= 1) || !(samplingRate <= 1))
      return report(fmt::format("dp.lot is {}: the expected lot must be between 1 and the {} "
                                "training examples",
                                lot, trainData.count)),
             false;
    if (!(options.delta > 0 && options.delta < 1))
      return report(fmt::format("--delta {} must be in (0, 1)", options.delta)), false;
    // An epoch is as many lots as the data holds expected lots (Opacus: 1 / q batches).
    steps = int64_t(std::ceil(double(trainData.count) / lot - 1e-9));
  }
  if (ranks > 1)
    fmt::print("@{}: data-parallel on {} ranks ({}), {} examples per rank and step, a global "
               "batch of {}\n",
               trainFn.name(), ranks, group.backend(), batch.size, batch.size * ranks);
  if (StateAccount account = trainFn.stateAccount(); account.parameters > 0)
    fmt::print("@{}: {} parameters, optimizer state {} bytes ({:.3f} per parameter){}\n",
               trainFn.name(), account.parameters, account.optimizerStateBytes,
               account.stateBytesPerParameter(),
               account.rankStateBytes
                   ? fmt::format(", error-control state {} bytes per rank ({:.3f} per parameter)",
                                 account.rankStateBytes,
                                 double(account.rankStateBytes) / double(account.parameters))
                   : std::string());
  if (!options.resumePath.empty()) {
    std::string privacyHistory;
    if (!resume(options.resumePath, trainFn, splitTag, state, rng, done, privacyHistory))
      return false;
    if (isPrivate) {
      auto history = parseHistory(privacyHistory);
      auto restored = history ? privacy::RdpAccountant::fromHistory(*history)
                              : StatusOr<privacy::RdpAccountant>(Status::error(
                                    StatusCode::kDataLoss, "not 'q,sigma,steps;...'"));
      if (!restored.ok() || (done > 0 && history->empty()))
        return report(fmt::format(
                   "checkpoint {}: metadata 'kiln_privacy' is {}, not the privacy accountant's "
                   "history{}: without it the privacy already spent is unknown",
                   options.resumePath, quoteForMessage(privacyHistory),
                   restored.ok() ? "" : " (" + std::string(restored.status().message()) + ")")),
               false;
      accountant = std::move(*restored);
    }
    fmt::print("resumed from {} after epoch {}\n", options.resumePath, done);
  }
  const int last = options.untilEpoch ? *options.untilEpoch : done + options.epochs;
  if (last <= done) {
    fmt::print("--until-epoch {}: training is already at epoch {}; nothing to train\n", last,
               done);
    return true;
  }

  if (isPrivate) {
    float &sigma = *static_cast<float *>(hostViews[dp.noiseMultiplier].data);
    if (options.calibrateNoise) {
      if (!options.targetEpsilon)
        return report("--calibrate-noise needs --target-epsilon, the budget to spend"), false;
      if (done > 0)
        return report("--calibrate-noise chooses sigma for a whole run; a resumed run keeps "
                      "its checkpoint's"),
               false;
      StatusOr<double> calibrated = privacy::calibrateNoiseMultiplier(
          *options.targetEpsilon, options.delta, samplingRate, steps * int64_t(last));
      if (!calibrated.ok())
        return report("--calibrate-noise: " + std::string(calibrated.status().message())), false;
      // Rounded up to f32, so that the step's noise is never below the calibrated sigma.
      sigma = std::nextafter(float(*calibrated), INFINITY);
    }
    if (!(sigma >= 0) || std::isinf(sigma))
      return report(fmt::format("dp.noise_multiplier is {}: it must be finite and >= 0", sigma)),
             false;
    fmt::print("@{}: private training, {} lots of expected size {} per epoch (sampling rate "
               "{:.6g}), noise multiplier {:.6g}, delta {:g}{}\n",
               trainFn.name(), steps, scalarAt(dp.lot), samplingRate, sigma, options.delta,
               options.targetEpsilon ? fmt::format(", budget epsilon {:g}", *options.targetEpsilon)
                                     : std::string());
  }
  // The metrics and the chart continue the history of the run a checkpoint comes from.
  std::string metricsHeader = "epoch,train_loss";
  for (const EvalSet &set : evalSets)
    metricsHeader += fmt::format(",{0}_loss,{0}_accuracy", set.column);
  if (searchState(trainFn, state).edges)
    metricsHeader += ",arch_entropy,arch_skip_fraction";
  if (isPrivate)
    metricsHeader += ",epsilon";
  metricsHeader += ",seconds\n";
  std::string metricsText;
  std::vector<EpochMetrics> history;
  if (writer && !options.metricsPath.empty()) {
    if (!options.resumePath.empty() &&
        !readHistory(options.metricsPath, metricsHeader, evalSets.size(), done, metricsText,
                     history))
      return false;
    metricsText.insert(0, metricsHeader);
    if (Status st = writeTextFileAtomically(options.metricsPath, metricsText); !st.ok())
      return report(std::string(st.message())), false;
  }
  const bool progress = options.progress && writer;
  const bool live = progress && ::isatty(STDERR_FILENO);
  bool budgetSpent = false;
  // One private step: a Poisson lot (each example joins independently with probability q,
  // gaps drawn by inversion from the shuffling generator, so a resumed run draws the same
  // lots), in physical batches of the step's size padded with weight-0 rows; all but the
  // last go to @<step>_accumulate. An empty lot is one all-padding call: its noise is still
  // added and still accounted.
  std::vector<int64_t> lotIndices, physical(batch.size);
  auto privateStep = [&](std::mt19937_64 &gen, const PrivateStep &p, Outputs &accOut,
                         Outputs &stepOut, double &loss) {
    lotIndices.clear();
    const int64_t n = trainData.count;
    if (samplingRate >= 1) {
      lotIndices.resize(n);
      std::iota(lotIndices.begin(), lotIndices.end(), 0);
    } else {
      const double logMiss = std::log1p(-samplingRate);
      auto gap = [&] { // failures before the next success, Geometric(q)
        double u = double((gen() >> 11) + 1) * 0x1p-53; // (0, 1]
        return std::floor(std::log(u) / logMiss);
      };
      for (double i = gap(); i < double(n); i += 1 + gap())
        lotIndices.push_back(int64_t(i));
    }
    const int64_t b = batch.size;
    int64_t calls = std::max<int64_t>(1, (int64_t(lotIndices.size()) + b - 1) / b);
    float *w = static_cast<float *>(views[p.weights].data);
    loss = 0;
    for (int64_t c = 0; c < calls; ++c) {
      for (int64_t r = 0; r < b; ++r) {
        int64_t at = c * b + r;
        bool real = at < int64_t(lotIndices.size());
        physical[r] = real ? lotIndices[at] : (lotIndices.empty() ? 0 : lotIndices[0]);
        w[r] = real ? 1.0f : 0.0f;
      }
      kiln::rt::fillBatch(trainData, physical.data(), batch, views[batch.images],
                          views[batch.labels]);
      bool lastCall = c + 1 == calls;
      Outputs &out = lastCall ? stepOut : accOut;
      if (Status st = session.call(lastCall ? trainFn : *p.accumulate, views, out.views); !st.ok())
        return report(std::string(st.message())), false;
      loss += scalar(out.tensors[out.loss]) / double(calls);
    }
    return true;
  };
  if (!uploadState())
    return false;
  for (int epoch = done + 1; epoch <= last; ++epoch) {
    // Fisher-Yates with a fixed generator: the same order on every platform.
    auto shuffle = [&](std::vector<int64_t> &o) {
      std::iota(o.begin(), o.end(), 0);
      for (int64_t i = int64_t(o.size()) - 1; i > 0; --i)
        std::swap(o[i], o[int64_t(rng() % uint64_t(i + 1))]);
    };
    if (!isPrivate)
      shuffle(order);
    if (bilevel)
      shuffle(valOrder);
    auto start = Clock::now(), lastPrint = start;
    double lossSum = 0;
    int64_t stepsDone = 0;
    // What the step's collectives send (the runtime's accounting), not kiln-run's own checks.
    int64_t stepBytes = 0;
    for (int64_t s = 0; s < steps; ++s) {
      double loss = 0;
      if (isPrivate) {
        double sigma = scalarAt(dp.noiseMultiplier);
        if (options.targetEpsilon) {
          // Stop before the step that would overspend the budget.
          privacy::RdpAccountant next = accountant;
          if (!next.record(samplingRate, sigma).ok() ||
              next.epsilon(options.delta)->epsilon > *options.targetEpsilon) {
            budgetSpent = true;
            break;
          }
        }
        if (!privateStep(rng, dp, accumulateOut, trainOut, loss))
          return false;
        if (Status st = accountant.record(samplingRate, sigma); !st.ok())
          return report("dp.noise_multiplier: " + std::string(st.message())), false;
      } else {
      Status gathered;
      if (residentTrain.ready)
        gathered = residentTrain.gather(order, s * batch.size);
      else
        fillBatch(trainData, order, (s * ranks + rank) * batch.size, batch, views[batch.images],
                  views[batch.labels]);
      if (bilevel && residentVal.ready && gathered.ok())
        gathered = residentVal.gather(valOrder, s * batch.size);
      else if (bilevel)
        fillBatch(valData, valOrder, s * batch.size, valBatch, views[valBatch.images],
                  views[valBatch.labels]);
      if (!gathered.ok())
        return report(std::string(gathered.message())), false;
      const int64_t sentBefore = group.stats().payloadBytes;
      if (Status st = session.call(trainFn, views, trainOut.views); !st.ok())
        return report(std::string(st.message())), false;
      stepBytes += group.stats().payloadBytes - sentBefore;
      loss = scalar(trainOut.tensors[trainOut.loss]);
      }
      ++stepsDone;
      // After the first step of a data-parallel run, the ranks must hold one model: a step
      // that exchanges no gradients would let them drift apart silently.
      if (ranks > 1 && epoch == done + 1 && s == 0) {
        StatusOr<uint64_t> fingerprint = parametersFingerprint();
        if (!fingerprint.ok())
          return report(std::string(fingerprint.status().message())), false;
        if (Status st = group.checkAgreement(*fingerprint, "the parameters after the first step");
            !st.ok())
          return report(fmt::format("{}: does @{} exchange its gradients (kiln.train_step "
                                    "with exchange = \"mean\")?",
                                    st.message(), trainFn.name())),
                 false;
      }
      if (!std::isfinite(loss))
        return report(fmt::format("epoch {} step {}: the loss is {}; stopping", epoch, s + 1,
                                  loss)),
               false;
      lossSum += loss;
      auto now = Clock::now();
      if (live &&
          (std::chrono::duration<double>(now - lastPrint).count() > 0.2 || s + 1 == steps)) {
        progressLine(epoch, last, s + 1, steps,
                     std::chrono::duration<double>(now - start).count(), lossSum / (s + 1), true);
        lastPrint = now;
      }
    }
    const double sentPerStep = double(stepBytes) / double(std::max<int64_t>(stepsDone, 1));
    if (ranks > 1) {
      // The epoch's loss over every rank's examples; the model must still be one.
      double sum[1] = {lossSum};
      if (Status st = group.allReduce(sum, 1, DType::F64, Reduction::Mean); !st.ok())
        return report(std::string(st.message())), false;
      lossSum = sum[0];
      StatusOr<uint64_t> fingerprint = parametersFingerprint();
      if (!fingerprint.ok())
        return report(std::string(fingerprint.status().message())), false;
      if (Status st = group.checkAgreement(*fingerprint,
                                           fmt::format("the parameters after epoch {}", epoch));
          !st.ok())
        return report(std::string(st.message())), false;
    }
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (live)
      fmt::print(stderr, "\n");
    else if (progress)
      progressLine(epoch, last, stepsDone, steps, seconds, lossSum / std::max<int64_t>(stepsDone, 1),
                   false);
    EpochMetrics row{epoch, lossSum / std::max<int64_t>(stepsDone, 1), {}, {}};
    std::string line = fmt::format("epoch {}: train loss {:.4f}", epoch, row.trainLoss);
    double epsilon = NAN;
    if (isPrivate) {
      epsilon = accountant.epsilon(options.delta)->epsilon;
      line += fmt::format(", epsilon {:.4f} (delta {:g}, {} noisy steps)", epsilon, options.delta,
                          accountant.steps());
    }
    for (const EvalSet &set : evalSets) {
      double loss = NAN, accuracy = NAN;
      int64_t evaluated = 0;
      if (writer && set.evaluated && !evaluate(set.data, loss, accuracy, evaluated))
        return false;
      line += fmt::format(", {0} loss {1:.4f}, {0} accuracy {2:.2f}% ({3} {0} {4})", set.name,
                          loss, 100 * accuracy, evaluated, set.noun);
      row.loss.push_back(loss);
      row.accuracy.push_back(accuracy);
    }
    if (sentPerStep > 0)
      line += fmt::format(", {} sent per step and rank", formatBytes(sentPerStep));
    fmt::print("{}, {:.1f} s, {:.1f} step/s\n", line, seconds, stepsDone / seconds);
    if (!syncToHost())
      return false;
    SearchState search = searchState(trainFn, state);
    if (search.edges)
      fmt::print("architecture: {} edges, mean entropy {:.4f} (uniform {:.4f}), skip_connect "
                 "strongest on {} of {}\n",
                 search.edges, search.meanEntropy, search.uniformEntropy, search.skipEdges,
                 search.edges);
    if (writer && !options.metricsPath.empty()) {
      metricsText += fmt::format("{},{:.6f}", epoch, row.trainLoss);
      for (size_t k = 0; k < evalSets.size(); ++k)
        metricsText += fmt::format(",{:.6f},{:.6f}", row.loss[k], row.accuracy[k]);
      if (search.edges)
        metricsText += fmt::format(",{:.6f},{:.6f}", search.meanEntropy,
                                   double(search.skipEdges) / search.edges);
      if (isPrivate)
        metricsText += fmt::format(",{:.6f}", epsilon);
      metricsText += fmt::format(",{:.3f}\n", seconds);
      if (Status st = writeTextFileAtomically(options.metricsPath, metricsText); !st.ok())
        return report(std::string(st.message())), false;
    }
    history.push_back(std::move(row));
    if (writer && !options.plotPath.empty())
      if (Status st = writeTextFileAtomically(options.plotPath, svgChart(history, evalSets));
          !st.ok())
        return report(std::string(st.message())), false;
    // Each rank's own state joins the checkpoint: every rank sends it, rank 0 writes.
    std::vector<Tensor> rankCopies;
    std::vector<std::pair<std::string, TensorView>> saved;
    if (!options.checkpointPath.empty()) {
      saved = stateViews(trainFn, hostViews);
      for (size_t i = 0; ranks > 1 && i < trainFn.inputs().size(); ++i) {
        if (!isRankState(trainFn, i))
          continue;
        size_t bytes = hostViews[i].numel() * dtypeSize(hostViews[i].dtype);
        std::vector<uint8_t> all(bytes * size_t(ranks));
        if (Status st = group.allGather(hostViews[i].data, int64_t(bytes), all.data()); !st.ok())
          return report(std::string(st.message())), false;
        for (int r = 1; r < ranks; ++r) {
          auto copy = Tensor::allocate(hostViews[i].dtype, hostViews[i].shape);
          if (!copy.ok())
            return report(std::string(copy.status().message())), false;
          std::memcpy(copy->data(), all.data() + size_t(r) * bytes, bytes);
          saved.push_back({rankCopyName(stateName(trainFn, i), r), copy->view()});
          rankCopies.push_back(std::move(*copy));
        }
      }
    }
    if (writer && !options.checkpointPath.empty()) {
      // Everything a resumed run needs to continue bit for bit: the state tensors (the
      // step counter among them) and the shuffling generator; the validation split (a
      // function of its fraction and the seed) to refuse resuming on another one.
      std::ostringstream generator;
      generator << rng;
      std::map<std::string, std::string> metadata = {{"kiln_entry", trainFn.name()},
                                                     {"kiln_epoch", std::to_string(epoch)},
                                                     {"kiln_rng", generator.str()}};
      if (!splitTag.empty())
        metadata["kiln_val_split"] = splitTag;
      metadata["kiln_ranks"] = std::to_string(ranks);
      if (isPrivate)
        metadata["kiln_privacy"] = formatHistory(accountant.history());
      if (Status st = saveCheckpoint(options.checkpointPath, saved, metadata); !st.ok())
        return report(std::string(st.message())), false;
    }
    if (budgetSpent) {
      fmt::print("privacy budget: another step would spend more than epsilon {:g} at delta "
                 "{:g}; training stops after {} noisy steps\n",
                 *options.targetEpsilon, options.delta, accountant.steps());
      break;
    }
  }
  return true;
}

} // namespace kiln::run
