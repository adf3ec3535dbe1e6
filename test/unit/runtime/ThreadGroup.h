// SPDX-License-Identifier: Apache-2.0
// A communicator whose ranks are threads of the test process: collectives meet at a barrier
// and read each other's contributions, so a test runs R ranks' code without a launcher.
#ifndef KILN_TEST_THREADGROUP_H
#define KILN_TEST_THREADGROUP_H

#include "kiln/runtime/distributed/Communicator.h"

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln::rt::test {

class ThreadGroup {
public:
  explicit ThreadGroup(int size) : size_(size), slots_(size_t(size)) {}

  /// Runs body(rank, communicator) on `size` threads and waits for them.
  void run(const std::function<void(int, Communicator &)> &body);

private:
  class Rank;
  void barrier() {
    std::unique_lock<std::mutex> lock(mutex_);
    int generation = generation_;
    if (++arrived_ == size_) {
      arrived_ = 0;
      ++generation_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return generation_ != generation; });
    }
  }

  int size_;
  std::vector<std::vector<uint8_t>> slots_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int arrived_ = 0, generation_ = 0;
};

class ThreadGroup::Rank final : public Communicator {
public:
  Rank(ThreadGroup &group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size_; }
  std::string backend() const override { return "threads"; }
  [[noreturn]] void abort(int code) override { std::_Exit(code); }

protected:
  Status allGatherImpl(const void *in, int64_t bytes, void *out) override {
    group_.slots_[size_t(rank_)].assign(static_cast<const uint8_t *>(in),
                                        static_cast<const uint8_t *>(in) + bytes);
    group_.barrier();
    for (int r = 0; r < size(); ++r)
      std::memcpy(static_cast<uint8_t *>(out) + r * bytes, group_.slots_[size_t(r)].data(),
                  size_t(bytes));
    group_.barrier();
    return Status();
  }
  // The sum in rank order: every rank gets the same bits, as from MPI.
  Status allReduceImpl(void *data, int64_t count, DType dtype) override {
    int64_t bytes = count * int64_t(dtypeSize(dtype));
    std::vector<uint8_t> all(size_t(bytes * size()));
    if (Status st = allGatherImpl(data, bytes, all.data()); !st.ok())
      return st;
    for (int64_t i = 0; i < count; ++i) {
      if (dtype == DType::F32) {
        float s = 0;
        for (int r = 0; r < size(); ++r)
          s += reinterpret_cast<const float *>(all.data() + r * bytes)[i];
        static_cast<float *>(data)[i] = s;
      } else {
        double s = 0;
        for (int r = 0; r < size(); ++r)
          s += reinterpret_cast<const double *>(all.data() + r * bytes)[i];
        static_cast<double *>(data)[i] = s;
      }
    }
    return Status();
  }
  Status broadcastImpl(void *data, int64_t bytes, int root) override {
    std::vector<uint8_t> all(size_t(bytes * size()));
    if (Status st = allGatherImpl(data, bytes, all.data()); !st.ok())
      return st;
    std::memcpy(data, all.data() + root * bytes, size_t(bytes));
    return Status();
  }

private:
  ThreadGroup &group_;
  int rank_;
};

inline void ThreadGroup::run(const std::function<void(int, Communicator &)> &body) {
  std::vector<std::thread> threads;
  for (int r = 0; r < size_; ++r)
    threads.emplace_back([this, r, &body] {
      Rank rank(*this, r);
      body(r, rank);
    });
  for (std::thread &t : threads)
    t.join();
}

} // namespace kiln::rt::test

#endif // KILN_TEST_THREADGROUP_H
