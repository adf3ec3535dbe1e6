// SPDX-License-Identifier: Apache-2.0
// The whole public API of libkiln_runtime_io in one include: .npy files, checkpoints
// (safetensors), IDX and CSV datasets, their seeded splits and batches of them for a step. An application that only
// runs compiled steps needs none of it, and links the core (kiln/runtime/Runtime.h) alone.
#ifndef KILN_RUNTIME_IO_H
#define KILN_RUNTIME_IO_H

#include "kiln/runtime/Runtime.h"       // IWYU pragma: export
#include "kiln/runtime/io/Checkpoint.h" // IWYU pragma: export
#include "kiln/runtime/io/DataLoader.h" // IWYU pragma: export
#include "kiln/runtime/io/Dataset.h"    // IWYU pragma: export
#include "kiln/runtime/io/Idx.h"        // IWYU pragma: export
#include "kiln/runtime/io/Npy.h"        // IWYU pragma: export
#include "kiln/runtime/io/TextFile.h"   // IWYU pragma: export

#endif // KILN_RUNTIME_IO_H
