// SPDX-License-Identifier: Apache-2.0
// The processes of a data-parallel run and the collectives between them. Compiled code's
// kiln.all_reduce, kiln.broadcast_from and kiln.all_gather call the process-wide communicator
// (worldCommunicator()); a driver installs one for its launcher (OpenMPI:
// kiln/runtime/distributed/Mpi.h) before the first step, and a process that installs none is
// a communicator of size 1, so every program runs without a launcher.
#ifndef KILN_RUNTIME_DISTRIBUTED_COMMUNICATOR_H
#define KILN_RUNTIME_DISTRIBUTED_COMMUNICATOR_H

#include "kiln/runtime/DType.h"
#include "kiln/runtime/Status.h"

#include <cstdint>
#include <memory>
#include <string>

namespace kiln::rt {

enum class Reduction : uint8_t { Sum, Mean };

/// What this process put on the wire: one count per collective call, and the payload bytes
/// it contributed (an all-reduce's or broadcast root's tensor, an all-gather's own part),
/// the message size a compressor's nominal size is compared with. The transport's own
/// traffic (a ring all-reduce sends about 2 (n - 1) / n times the payload) is not counted:
/// it depends on the library's algorithm, not on the program.
struct WireStats {
  int64_t collectives = 0;
  int64_t payloadBytes = 0;
};

/// A group of processes that run the same program. Every collective must be called by every
/// rank in the same order with the same sizes (compiled programs do: all ranks compile one
/// program). Calls come from one thread at a time; the all-reduces started with
/// startAllReduce run, in the order they started, on a communication thread of the
/// communicator's own, and every other collective first waits for them.
class Communicator {
public:
  Communicator();
  virtual ~Communicator();
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// "self" or "mpi".
  virtual std::string backend() const = 0;

  /// In place over `count` elements of f32 or f64: the element-wise sum over the ranks, or
  /// that sum divided by size() (every rank gets the same bits).
  Status allReduce(void *data, int64_t count, DType dtype, Reduction reduction);
  /// Rank `root`'s `bytes` bytes into every rank's `data`.
  Status broadcast(void *data, int64_t bytes, int root);
  /// Each rank's `bytes` bytes at `in`, in rank order, into `out` (size() * bytes).
  Status allGather(const void *in, int64_t bytes, void *out);
  /// Whether every rank passed the same `value` (a program fingerprint, a rank count); the
  /// ranks that differ from rank 0 are named in the error.
  Status checkAgreement(uint64_t value, const std::string &what);

  /// allReduce in two halves, so that the message travels while the caller computes (a
  /// data-parallel step's buckets during its backward pass, as DDP's): the start checks and
  /// accounts the call and hands it to the communication thread; waitAllReduce with the same
  /// `data` blocks until it is done and returns its status. Nothing may touch `data` in
  /// between. Without a communication thread (a transport that cannot be called from one,
  /// or a group of one) the start reduces at once.
  Status startAllReduce(void *data, int64_t count, DType dtype, Reduction reduction);
  Status waitAllReduce(const void *data);
  /// Waits for every started all-reduce and ends the communication thread (before the
  /// transport shuts down; the next start begins another). Results not yet waited for are
  /// kept for their waits.
  void quiesce();

  /// Ends every process of the group with `code` (MPI_Abort): after an error on one rank, the
  /// others may wait in a collective forever otherwise.
  [[noreturn]] virtual void abort(int code) = 0;

  WireStats stats() const { return stats_; }
  void resetStats() { stats_ = {}; }
  /// Counts a collective that went through another transport between the same processes
  /// (NCCL on device buffers), so that the accounting stays the whole step's.
  void countCollective(int64_t payloadBytes) {
    ++stats_.collectives;
    stats_.payloadBytes += payloadBytes;
  }

protected:
  /// Whether the transport may be called from the communication thread while the calling
  /// thread does not call it (MPI: MPI_THREAD_SERIALIZED or more).
  virtual bool supportsCommunicationThread() const { return false; }

  virtual Status allReduceImpl(void *data, int64_t count, DType dtype) = 0;
  virtual Status broadcastImpl(void *data, int64_t bytes, int root) = 0;
  virtual Status allGatherImpl(const void *in, int64_t bytes, void *out) = 0;

private:
  /// The reduction itself, on whichever thread runs it.
  Status reduce(void *data, int64_t count, DType dtype, Reduction reduction);
  /// Waits until the communication thread has nothing queued or running.
  void drain();

  WireStats stats_;
  struct Background;
  std::unique_ptr<Background> background_;
};

/// The communicator of a process started alone: rank 0 of 1. Collectives copy or do nothing.
std::shared_ptr<Communicator> makeSelfCommunicator();

/// The communicator compiled code's collectives use: the one installed last, else a
/// communicator of size 1.
Communicator &worldCommunicator();
/// Installs `communicator` for the whole process (nullptr: back to size 1).
void setWorldCommunicator(std::shared_ptr<Communicator> communicator);

} // namespace kiln::rt

#endif // KILN_RUNTIME_DISTRIBUTED_COMMUNICATOR_H
