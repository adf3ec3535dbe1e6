// SPDX-License-Identifier: Apache-2.0
// KILN_TARGET_CLONES: compile a hot function for AVX-512, AVX2 and baseline x86-64 and pick
// one when the library loads (GCC's target_clones, an ifunc), so that one portable build
// runs vector code of the machine's width. Elsewhere (another compiler or architecture) it
// is empty and the function is compiled once for the build's target.
#ifndef KILN_RUNTIME_CORE_TARGETCLONES_H
#define KILN_RUNTIME_CORE_TARGETCLONES_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define KILN_TARGET_CLONES                                                                   \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KILN_TARGET_CLONES
#endif

#endif // KILN_RUNTIME_CORE_TARGETCLONES_H
