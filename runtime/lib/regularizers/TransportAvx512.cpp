// SPDX-License-Identifier: Apache-2.0
// The entropic OT loops for AVX-512 (compiled with -mavx512f -mavx512vl -mavx512bw
// -mavx512dq -mfma; called only on CPUs that have them, see OptimalTransport.cpp).
#define KILN_TRANSPORT_ISA avx512
#include "TransportLoops.inc"
