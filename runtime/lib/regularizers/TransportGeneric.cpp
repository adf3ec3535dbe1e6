// SPDX-License-Identifier: Apache-2.0
// The entropic OT loops for any x86-64 (or other) CPU.
#define KILN_TRANSPORT_ISA generic
#include "TransportLoops.inc"
