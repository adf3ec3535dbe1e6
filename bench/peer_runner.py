# SPDX-License-Identifier: Apache-2.0
"""What the peer benchmarks (transport_peers.py, ntk_peers.py) share: each library runs in a
child process pinned to the same CPUs with every thread pool sized to match, and reports one
JSON line; the parent reads it and the child's own peak RSS."""

import json
import os
import subprocess
import sys


def limit_threads_env(threads):
    """Environment for a child: every library's thread pool at `threads`."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMEXPR_NUM_THREADS"):
        env[var] = str(threads)
    # XLA's CPU backend has no single knob; one thread means no Eigen thread pool.
    eigen = "false" if threads == 1 else "true"
    env["XLA_FLAGS"] = (f"--xla_cpu_multi_thread_eigen={eigen} "
                        f"intra_op_parallelism_threads={threads}")
    env["JAX_PLATFORMS"] = "cpu"
    return env


def pin(threads):
    """Pins the calling process to the first `threads` CPUs it may use, so no library can
    use more cores than the others whatever its thread pools do."""
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, cpus[:threads])


def run_child(cmd, threads):
    """Runs cmd pinned to `threads` CPUs; returns (its last JSON line, its peak RSS in MB)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=limit_threads_env(threads),
                            preexec_fn=lambda: pin(threads), text=True)
    out = proc.stdout.read()
    proc.stdout.close()
    # wait4 reports this child's own rusage (RUSAGE_CHILDREN would be the max over all).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{out}")
    lines = [line for line in out.splitlines() if line.strip().startswith("{")]
    if not lines:
        sys.exit(f"{cmd[0]} printed no JSON line:\n{out}")
    return json.loads(lines[-1]), usage.ru_maxrss / 1024.0  # ru_maxrss is in KiB on Linux
