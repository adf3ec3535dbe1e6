// SPDX-License-Identifier: Apache-2.0
// The FRUGAL loops for AVX-512 (compiled with -mavx512f -mavx512vl -mavx512bw -mavx512dq
// -mfma; called only on CPUs that have them, see Frugal.cpp).
#define KILN_FRUGAL_ISA avx512
#include "FrugalLoops.inc"
