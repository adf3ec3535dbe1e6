// SPDX-License-Identifier: Apache-2.0
// The communicator interface's checks and accounting, the size-1 communicator, the
// process-wide one, and the collective kernels compiled code calls (Abi.h: all_reduce,
// broadcast, all_gather).
#include "kiln/runtime/distributed/Communicator.h"
#include "kiln/runtime/Abi.h"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace kiln::rt {

/// The communication thread and its all-reduces: `started` holds every one not yet waited
/// for, in start order; the thread runs them front to back.
struct Communicator::Background {
  struct Job {
    void *data;
    int64_t count;
    DType dtype;
    Reduction reduction;
    bool done = false;
    Status status;
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::list<Job> started;
  std::list<Job>::iterator next = started.end(); // the first not yet run
  bool running = false, stop = false;
  std::thread thread;
};

Communicator::Communicator() = default;

// A derived communicator quiesces in its own destructor (its transport is gone by the time
// this one runs); this one only joins a thread that nobody stopped.
Communicator::~Communicator() {
  if (background_ && background_->thread.joinable()) {
    {
      std::lock_guard<std::mutex> lock(background_->mutex);
      background_->stop = true;
    }
    background_->changed.notify_all();
    background_->thread.join();
  }
}

namespace {

Status invalid(std::string message) {
  return Status::error(StatusCode::kInvalidArgument, std::move(message));
}

template <typename T> void divide(void *data, int64_t count, int by) {
  T *p = static_cast<T *>(data);
  const T d = T(by);
  for (int64_t i = 0; i < count; ++i)
    p[i] /= d;
}

} // namespace

Status Communicator::allReduce(void *data, int64_t count, DType dtype, Reduction reduction) {
  if (dtype != DType::F32 && dtype != DType::F64)
    return invalid("all_reduce runs on f32 or f64, not " + std::string(dtypeName(dtype)));
  if (count < 0 || (count > 0 && !data))
    return invalid("all_reduce of " + std::to_string(count) + " elements at a null buffer");
  ++stats_.collectives;
  stats_.payloadBytes += count * int64_t(dtypeSize(dtype));
  drain();
  return reduce(data, count, dtype, reduction);
}

Status Communicator::reduce(void *data, int64_t count, DType dtype, Reduction reduction) {
  if (size() > 1 && count > 0) {
    if (Status st = allReduceImpl(data, count, dtype); !st.ok())
      return st;
    if (reduction == Reduction::Mean) {
      if (dtype == DType::F32)
        divide<float>(data, count, size());
      else
        divide<double>(data, count, size());
    }
  }
  return Status();
}

Status Communicator::startAllReduce(void *data, int64_t count, DType dtype,
                                    Reduction reduction) {
  if (dtype != DType::F32 && dtype != DType::F64)
    return invalid("all_reduce runs on f32 or f64, not " + std::string(dtypeName(dtype)));
  if (count < 0 || (count > 0 && !data))
    return invalid("all_reduce of " + std::to_string(count) + " elements at a null buffer");
  ++stats_.collectives;
  stats_.payloadBytes += count * int64_t(dtypeSize(dtype));
  if (!background_)
    background_ = std::make_unique<Background>();
  Background &bg = *background_;
  std::unique_lock<std::mutex> lock(bg.mutex);
  for (const Background::Job &job : bg.started)
    if (job.data == data)
      return invalid("an all_reduce was started on this buffer and not waited for");
  if (size() == 1 || count == 0 || !supportsCommunicationThread()) {
    // At once, on this thread: the transport is its own only when nothing is queued.
    lock.unlock();
    drain();
    Status st = reduce(data, count, dtype, reduction);
    lock.lock();
    bg.started.push_back({data, count, dtype, reduction, true, std::move(st)});
    return Status();
  }
  bg.started.push_back({data, count, dtype, reduction, false, Status()});
  auto job = std::prev(bg.started.end());
  if (bg.next == bg.started.end())
    bg.next = job;
  if (!bg.thread.joinable()) {
    bg.stop = false;
    bg.thread = std::thread([this, &bg] {
      std::unique_lock<std::mutex> lock(bg.mutex);
      for (;;) {
        bg.changed.wait(lock, [&] { return bg.stop || bg.next != bg.started.end(); });
        if (bg.next == bg.started.end())
          return; // stopped with nothing left to run
        Background::Job &job = *bg.next;
        bg.running = true;
        lock.unlock();
        Status st = reduce(job.data, job.count, job.dtype, job.reduction);
        lock.lock();
        job.done = true;
        job.status = std::move(st);
        bg.running = false;
        ++bg.next;
        bg.changed.notify_all();
      }
    });
  }
  lock.unlock();
  bg.changed.notify_all();
  return Status();
}

Status Communicator::waitAllReduce(const void *data) {
  Background *bg = background_.get();
  if (bg) {
    std::unique_lock<std::mutex> lock(bg->mutex);
    for (auto job = bg->started.begin(); job != bg->started.end(); ++job) {
      if (job->data != data)
        continue;
      bg->changed.wait(lock, [&] { return job->done; });
      Status st = std::move(job->status);
      bg->started.erase(job); // done, so behind `next`
      return st;
    }
  }
  return invalid("all_reduce_wait on a buffer with no all_reduce started");
}

void Communicator::drain() {
  Background *bg = background_.get();
  if (!bg)
    return;
  std::unique_lock<std::mutex> lock(bg->mutex);
  bg->changed.wait(lock, [&] { return bg->next == bg->started.end() && !bg->running; });
}

void Communicator::quiesce() {
  Background *bg = background_.get();
  if (!bg || !bg->thread.joinable())
    return;
  drain();
  {
    std::lock_guard<std::mutex> lock(bg->mutex);
    bg->stop = true;
  }
  bg->changed.notify_all();
  bg->thread.join();
}

Status Communicator::broadcast(void *data, int64_t bytes, int root) {
  if (root < 0 || root >= size())
    return invalid("broadcast from rank " + std::to_string(root) + " in a group of " +
                   std::to_string(size()));
  if (bytes < 0 || (bytes > 0 && !data))
    return invalid("broadcast of " + std::to_string(bytes) + " bytes at a null buffer");
  ++stats_.collectives;
  if (rank() == root)
    stats_.payloadBytes += bytes;
  drain();
  return size() > 1 && bytes > 0 ? broadcastImpl(data, bytes, root) : Status();
}

Status Communicator::allGather(const void *in, int64_t bytes, void *out) {
  if (bytes < 0 || (bytes > 0 && (!in || !out)))
    return invalid("all_gather of " + std::to_string(bytes) + " bytes at a null buffer");
  ++stats_.collectives;
  stats_.payloadBytes += bytes;
  drain();
  if (size() == 1) {
    if (bytes > 0 && in != out)
      std::memmove(out, in, size_t(bytes));
    return Status();
  }
  return bytes > 0 ? allGatherImpl(in, bytes, out) : Status();
}

Status Communicator::checkAgreement(uint64_t value, const std::string &what) {
  if (size() == 1)
    return Status();
  std::vector<uint64_t> all(static_cast<size_t>(size()));
  if (Status st = allGather(&value, sizeof value, all.data()); !st.ok())
    return st;
  std::string differing;
  for (int r = 1; r < size(); ++r)
    if (all[size_t(r)] != all[0])
      differing += (differing.empty() ? "" : ", ") + std::to_string(r);
  if (differing.empty())
    return Status();
  return Status::error(StatusCode::kFailedPrecondition,
                       "the ranks disagree on " + what + ": rank" +
                           (differing.find(',') == std::string::npos ? " " : "s ") + differing +
                           " differ" + (differing.find(',') == std::string::npos ? "s" : "") +
                           " from rank 0");
}

namespace {

class SelfCommunicator final : public Communicator {
public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string backend() const override { return "self"; }
  [[noreturn]] void abort(int code) override {
    std::fflush(nullptr);
    std::_Exit(code);
  }

protected:
  // Never reached: the interface handles a group of one itself.
  Status allReduceImpl(void *, int64_t, DType) override { return Status(); }
  Status broadcastImpl(void *, int64_t, int) override { return Status(); }
  Status allGatherImpl(const void *, int64_t, void *) override { return Status(); }
};

std::mutex worldMutex;
std::shared_ptr<Communicator> &worldSlot() {
  static std::shared_ptr<Communicator> world = makeSelfCommunicator();
  return world;
}

} // namespace

std::shared_ptr<Communicator> makeSelfCommunicator() {
  return std::make_shared<SelfCommunicator>();
}

Communicator &worldCommunicator() {
  std::lock_guard<std::mutex> lock(worldMutex);
  return *worldSlot();
}

void setWorldCommunicator(std::shared_ptr<Communicator> communicator) {
  std::lock_guard<std::mutex> lock(worldMutex);
  worldSlot() = communicator ? std::move(communicator) : makeSelfCommunicator();
}

} // namespace kiln::rt

//===-- The kernels compiled code calls ------------------------------------------------------===//

namespace {

using kiln::rt::Communicator;
using kiln::rt::DType;

/// A collective that fails leaves the ranks out of step: this one reports why and ends the
/// whole group, instead of returning into a step whose other ranks wait for it.
[[noreturn]] void fail(Communicator &comm, const char *kernel, const std::string &why) {
  std::fprintf(stderr, "kiln: error: rank %d of %d: %s: %s\n", comm.rank(), comm.size(), kernel,
               why.c_str());
  comm.abort(1);
  std::_Exit(1); // abort() never returns; a call through the interface does not say so
}

/// A collective kernel's parameters: its configuration, then each tensor's element count.
struct Call {
  kiln_collective_config c;
  const int64_t *counts;
  Communicator &comm = kiln::rt::worldCommunicator();
  explicit Call(const int64_t *params) : counts(params + KILN_ABI_COLLECTIVE_CONFIG_FIELDS) {
    std::memcpy(&c, params, sizeof c);
  }
  kiln::rt::Reduction reduction() const {
    return c.reduction == 1 ? kiln::rt::Reduction::Mean : kiln::rt::Reduction::Sum;
  }
  /// A bucket's elements in all.
  int64_t total() const {
    int64_t n = 0;
    for (int64_t i = 0; i < c.tensors; ++i)
      n += counts[i];
    return n;
  }
  /// Copies the bucket's tensors into one message at `message` (elements of `size` bytes),
  /// or back out of it.
  void pack(void *const *buffers, void *message, size_t size) const {
    char *at = static_cast<char *>(message);
    for (int64_t i = 0; i < c.tensors; at += size_t(counts[i++]) * size)
      std::memcpy(at, buffers[i], size_t(counts[i]) * size);
  }
  void unpack(const void *message, void *const *buffers, size_t size) const {
    const char *at = static_cast<const char *>(message);
    for (int64_t i = 0; i < c.tensors; at += size_t(counts[i++]) * size)
      std::memcpy(buffers[i], at, size_t(counts[i]) * size);
  }
};

template <DType D> void allReduce(const int64_t *params, void *const *buffers) {
  using T = std::conditional_t<D == DType::F32, float, double>;
  Call call(params);
  kiln::rt::Status st;
  if (call.c.tensors == 1) {
    st = call.comm.allReduce(buffers[0], call.counts[0], D, call.reduction());
  } else {
    // A bucket: the tensors travel as one message, as DDP's buckets do.
    static thread_local std::vector<T> staging;
    staging.resize(size_t(call.total()));
    call.pack(buffers, staging.data(), sizeof(T));
    st = call.comm.allReduce(staging.data(), call.total(), D, call.reduction());
    if (st.ok())
      call.unpack(staging.data(), buffers, sizeof(T));
  }
  if (!st.ok())
    fail(call.comm, "kiln.all_reduce", std::string(st.message()));
}

/// A started bucket of several tensors travels as one message out of a staging buffer of
/// its own (several may be in flight), found again by the bucket's first buffer; waited
/// for, the buffer goes back to the pool for the next step's buckets (a vector moved keeps
/// its storage, which the communication thread is using).
struct StagingPool {
  std::vector<std::vector<char>> idle;
  std::unordered_map<const void *, std::vector<char>> inFlight;
};
StagingPool &staging() {
  static StagingPool pool;
  return pool;
}

template <DType D> void allReduceStart(const int64_t *params, void *const *buffers) {
  using T = std::conditional_t<D == DType::F32, float, double>;
  Call call(params);
  kiln::rt::Status st;
  if (call.c.tensors == 1) {
    st = call.comm.startAllReduce(buffers[0], call.counts[0], D, call.reduction());
  } else {
    StagingPool &pool = staging();
    std::vector<char> bytes;
    if (!pool.idle.empty()) {
      bytes = std::move(pool.idle.back());
      pool.idle.pop_back();
    }
    bytes.resize(size_t(call.total()) * sizeof(T));
    call.pack(buffers, bytes.data(), sizeof(T));
    auto [it, fresh] = pool.inFlight.emplace(buffers[0], std::move(bytes));
    if (!fresh)
      fail(call.comm, "kiln.all_reduce", "a bucket started twice without a wait");
    st = call.comm.startAllReduce(it->second.data(), call.total(), D, call.reduction());
  }
  if (!st.ok())
    fail(call.comm, "kiln.all_reduce", std::string(st.message()));
}

template <DType D> void allReduceWait(const int64_t *params, void *const *buffers) {
  using T = std::conditional_t<D == DType::F32, float, double>;
  Call call(params);
  kiln::rt::Status st;
  if (call.c.tensors == 1) {
    st = call.comm.waitAllReduce(buffers[0]);
  } else {
    StagingPool &pool = staging();
    auto it = pool.inFlight.find(buffers[0]);
    if (it == pool.inFlight.end()) {
      st = kiln::rt::Status::error(kiln::rt::StatusCode::kInvalidArgument,
                                   "all_reduce_wait on a bucket with no all_reduce started");
    } else {
      st = call.comm.waitAllReduce(it->second.data());
      if (st.ok())
        call.unpack(it->second.data(), buffers, sizeof(T));
      pool.idle.push_back(std::move(it->second));
      pool.inFlight.erase(it);
    }
  }
  if (!st.ok())
    fail(call.comm, "kiln.all_reduce", std::string(st.message()));
}

template <DType D> void broadcast(const int64_t *params, void *const *buffers) {
  using T = std::conditional_t<D == DType::F32, float, double>;
  Call call(params);
  for (int64_t i = 0; i < call.c.tensors; ++i)
    if (kiln::rt::Status st = call.comm.broadcast(
            buffers[i], call.counts[i] * int64_t(sizeof(T)), int(call.c.root));
        !st.ok())
      fail(call.comm, "kiln.broadcast", std::string(st.message()));
}

template <DType D> void allGather(const int64_t *params, void *const *buffers) {
  using T = std::conditional_t<D == DType::F32, float, double>;
  Call call(params);
  if (call.c.ranks != call.comm.size())
    fail(call.comm, "kiln.all_gather",
         "the program gathers from " + std::to_string(call.c.ranks) + " ranks, and " +
             std::to_string(call.comm.size()) + " are running it");
  if (kiln::rt::Status st = call.comm.allGather(
          buffers[0], call.counts[0] * int64_t(sizeof(T)), buffers[1]);
      !st.ok())
    fail(call.comm, "kiln.all_gather", std::string(st.message()));
}

} // namespace

#define KILN_EXPORT extern "C" __attribute__((visibility("default")))
KILN_EXPORT void kiln_all_reduce_f32(const int64_t *p, void *const *b) { allReduce<DType::F32>(p, b); }
KILN_EXPORT void kiln_all_reduce_f64(const int64_t *p, void *const *b) { allReduce<DType::F64>(p, b); }
KILN_EXPORT void kiln_all_reduce_start_f32(const int64_t *p, void *const *b) { allReduceStart<DType::F32>(p, b); }
KILN_EXPORT void kiln_all_reduce_start_f64(const int64_t *p, void *const *b) { allReduceStart<DType::F64>(p, b); }
KILN_EXPORT void kiln_all_reduce_wait_f32(const int64_t *p, void *const *b) { allReduceWait<DType::F32>(p, b); }
KILN_EXPORT void kiln_all_reduce_wait_f64(const int64_t *p, void *const *b) { allReduceWait<DType::F64>(p, b); }
KILN_EXPORT void kiln_broadcast_f32(const int64_t *p, void *const *b) { broadcast<DType::F32>(p, b); }
KILN_EXPORT void kiln_broadcast_f64(const int64_t *p, void *const *b) { broadcast<DType::F64>(p, b); }
KILN_EXPORT void kiln_all_gather_f32(const int64_t *p, void *const *b) { allGather<DType::F32>(p, b); }
KILN_EXPORT void kiln_all_gather_f64(const int64_t *p, void *const *b) { allGather<DType::F64>(p, b); }
