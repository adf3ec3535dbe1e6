// SPDX-License-Identifier: Apache-2.0
// kiln::rt::Communicator on OpenMPI's MPI_COMM_WORLD. Errors return (MPI_ERRORS_RETURN)
// and become Status; the driver decides to abort the group.
#include "kiln/runtime/distributed/Mpi.h"

#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

namespace kiln::rt {

namespace {

bool initialisedHere = false;
int threadLevel = MPI_THREAD_SINGLE;

Status mpiError(int code, const char *call) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    length = std::snprintf(text, sizeof text, "MPI error %d", code);
  return Status::error(StatusCode::kUnavailable,
                       std::string(call) + " failed: " + std::string(text, size_t(length)));
}

class MpiCommunicator final : public Communicator {
public:
  MpiCommunicator(int rank, int size) : rank_(rank), size_(size) {}
  ~MpiCommunicator() override { quiesce(); }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }
  [[noreturn]] void abort(int code) override {
    std::fflush(nullptr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code); // MPI_Abort does not return; this keeps the promise if it ever did
  }

protected:
  bool supportsCommunicationThread() const override {
    return threadLevel >= MPI_THREAD_SERIALIZED;
  }

  // MPI counts are int: a message larger than INT_MAX elements goes in pieces.
  Status allReduceImpl(void *data, int64_t count, DType dtype) override {
    MPI_Datatype type = dtype == DType::F32 ? MPI_FLOAT : MPI_DOUBLE;
    char *p = static_cast<char *>(data);
    for (int64_t at = 0; at < count; at += INT_MAX) {
      int n = int(std::min<int64_t>(INT_MAX, count - at));
      if (int rc = MPI_Allreduce(MPI_IN_PLACE, p + at * int64_t(dtypeSize(dtype)), n, type,
                                 MPI_SUM, MPI_COMM_WORLD);
          rc != MPI_SUCCESS)
        return mpiError(rc, "MPI_Allreduce");
    }
    return Status();
  }
  Status broadcastImpl(void *data, int64_t bytes, int root) override {
    char *p = static_cast<char *>(data);
    for (int64_t at = 0; at < bytes; at += INT_MAX) {
      int n = int(std::min<int64_t>(INT_MAX, bytes - at));
      if (int rc = MPI_Bcast(p + at, n, MPI_BYTE, root, MPI_COMM_WORLD); rc != MPI_SUCCESS)
        return mpiError(rc, "MPI_Bcast");
    }
    return Status();
  }
  Status allGatherImpl(const void *in, int64_t bytes, void *out) override {
    if (bytes > INT_MAX)
      return Status::error(StatusCode::kUnimplemented,
                           "an all_gather part of more than 2 GiB (" + std::to_string(bytes) +
                               " bytes)");
    if (int rc = MPI_Allgather(in, int(bytes), MPI_BYTE, out, int(bytes), MPI_BYTE,
                               MPI_COMM_WORLD);
        rc != MPI_SUCCESS)
      return mpiError(rc, "MPI_Allgather");
    return Status();
  }

private:
  int rank_, size_;
};

} // namespace

bool launchedByMpi() {
  for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(name))
      return true;
  return false;
}

StatusOr<std::shared_ptr<Communicator>> initMpi() {
  int ready = 0;
  MPI_Initialized(&ready);
  if (!ready) {
    // Collectives are called by the thread that runs the step and by the communicator's
    // communication thread (started all-reduces), never at once except for MPI_Abort, which
    // ends everything; OpenMP threads inside kernels never call MPI. Below
    // MPI_THREAD_SERIALIZED started all-reduces run at their start instead.
    if (int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &threadLevel);
        rc != MPI_SUCCESS)
      return mpiError(rc, "MPI_Init_thread");
    initialisedHere = true;
  } else {
    MPI_Query_thread(&threadLevel);
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::shared_ptr<Communicator>(std::make_shared<MpiCommunicator>(rank, size));
}

void finalizeMpi() {
  worldCommunicator().quiesce();
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (initialisedHere && !finalized)
    MPI_Finalize();
}

} // namespace kiln::rt
