// SPDX-License-Identifier: Apache-2.0
// The kiln-to-llvm pipeline's options as a plain struct. No MLIR types, so drivers built
// with exceptions (CLI11) can include it.
#ifndef KILN_PIPELINES_PIPELINEOPTIONS_H
#define KILN_PIPELINES_PIPELINEOPTIONS_H

#include <cstdint>
#include <string>

namespace kiln {

/// What the kiln-to-llvm pipeline can be asked to do differently (PipelineOptions.def).
struct PipelineOptions {
#define KILN_PIPELINE_OPTION(TYPE, FIELD, FLAG, DEFAULT, HELP) TYPE FIELD = DEFAULT;
#include "kiln/Pipelines/PipelineOptions.def"
};

} // namespace kiln

#endif // KILN_PIPELINES_PIPELINEOPTIONS_H
