// SPDX-License-Identifier: Apache-2.0
// How kiln-run's OpenMP threads wait between parallel regions.
#ifndef KILN_TOOLS_KILN_RUN_WAITPOLICY_H
#define KILN_TOOLS_KILN_RUN_WAITPOLICY_H

namespace kiln::run {

/// libgomp spins before it sleeps, which is the fastest on idle cores (MLP epoch at 2 threads
/// on this 2-core machine: ~860 step/s spinning, ~340 passive) and a collapse when other
/// processes want the cores (the same epoch beside two busy processes: 50-150 step/s
/// spinning, ~440 passive; bench/omp_wait_policy.sh). libgomp reads its policy once, when it
/// loads, so the choice is made before that: when neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT
/// is set and other processes are runnable right now, kiln-run sets OMP_WAIT_POLICY=passive
/// and executes itself again. Returns only when it did not re-execute.
void chooseWaitPolicy(char **argv);

} // namespace kiln::run

#endif // KILN_TOOLS_KILN_RUN_WAITPOLICY_H
