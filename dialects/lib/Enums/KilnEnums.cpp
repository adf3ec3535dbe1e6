// SPDX-License-Identifier: Apache-2.0
// The generated stringify/symbolize functions of the shared enumerations.
#include "kiln/Enums/KilnEnums.h"

#include "kiln/Enums/KilnEnums.cpp.inc"
