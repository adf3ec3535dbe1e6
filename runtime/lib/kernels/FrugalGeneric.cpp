// SPDX-License-Identifier: Apache-2.0
// The FRUGAL loops for the x86-64 baseline (see Frugal.cpp).
#define KILN_FRUGAL_ISA generic
#include "FrugalLoops.inc"
