// SPDX-License-Identifier: Apache-2.0
#include "WaitPolicy.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

/// Threads in the running state now, on the whole machine (/proc/stat's procs_running), or -1.
int runnableProcesses() {
  std::ifstream stat("/proc/stat");
  std::string key;
  long value = 0;
  while (stat >> key) {
    if (key == "procs_running" && stat >> value)
      return int(value);
    stat.ignore(1 << 20, '\n');
  }
  return -1;
}

/// This process's threads in the running state now (libraries start worker threads of their
/// own before main), or 0.
int ownRunnableThreads() {
  int running = 0;
  std::error_code error;
  for (const auto &task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // pid (comm) state ...: the state follows the last ')', since comm may hold one.
    size_t close = line.rfind(')');
    running += close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'R';
  }
  return running;
}

} // namespace

void kiln::run::chooseWaitPolicy(char **argv) {
  // The user's choice stands, and a re-executed kiln-run has made its own.
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT"))
    return;
  // Ranks of one mpirun that share this machine: spinning threads would take the cores the
  // other ranks compute on. OpenMPI names the count before any rank starts.
  if (const char *local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE"); local && std::atoi(local) > 1) {
    setenv("OMP_WAIT_POLICY", "passive", /*overwrite=*/1);
    execv("/proc/self/exe", argv);
    return;
  }
  // The least of samples over 50 ms: a process that only starts or flickers (the shell
  // piping kiln-run into another program) does not count as load; a busy one does.
  int others = 1 << 30;
  for (int sample = 0; sample < 10; ++sample) {
    int running = runnableProcesses();
    if (running < 0)
      return;
    others = std::min(others, running - std::max(1, ownRunnableThreads()));
    if (others <= 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  setenv("OMP_WAIT_POLICY", "passive", /*overwrite=*/1);
  execv("/proc/self/exe", argv);
  // Could not re-execute: carry on spinning, as before.
}
