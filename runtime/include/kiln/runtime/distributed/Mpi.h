// SPDX-License-Identifier: Apache-2.0
// The OpenMPI backend of kiln::rt::Communicator, in its own library (libkiln_runtime_mpi), so
// that an application that trains in one process links no MPI.
#ifndef KILN_RUNTIME_DISTRIBUTED_MPI_H
#define KILN_RUNTIME_DISTRIBUTED_MPI_H

#include "kiln/runtime/distributed/Communicator.h"

namespace kiln::rt {

/// Whether this process was started by an MPI launcher (mpirun sets the world size in its
/// environment). A process started alone does not initialise MPI at all.
bool launchedByMpi();

/// Initialises MPI (once per process) and returns the communicator of MPI_COMM_WORLD, whose
/// errors come back as Status instead of ending the process. The caller installs it with
/// setWorldCommunicator and ends with finalizeMpi() (or Communicator::abort on an error).
StatusOr<std::shared_ptr<Communicator>> initMpi();
/// MPI_Finalize, when initMpi succeeded. Every rank must call it.
void finalizeMpi();

} // namespace kiln::rt

#endif // KILN_RUNTIME_DISTRIBUTED_MPI_H
