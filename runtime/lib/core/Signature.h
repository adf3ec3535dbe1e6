// SPDX-License-Identifier: Apache-2.0
// Internal: parsing and validating the signature JSON that every Kiln module exports.
#ifndef KILN_RUNTIME_LIB_CORE_SIGNATURE_H
#define KILN_RUNTIME_LIB_CORE_SIGNATURE_H

#include "kiln/runtime/Module.h"
#include "kiln/runtime/Status.h"

#include <string>
#include <string_view>
#include <vector>

namespace kiln::rt::detail {

/// One entry point as the JSON declares it, before its symbol is resolved.
struct EntrySignature {
  std::string name;
  std::string symbol;
  std::vector<InputSpec> inputs;
  std::vector<ResultSpec> results;
  std::vector<int64_t> extents;
};

/// Parses `json` (the kiln_module_signature text) and checks it against the schema in Abi.h.
/// Every error is kInvalidArgument and names the offending field, e.g.
/// "entry_points[0].results[1].alias: 5 is out of range ...".
/// `device`, when given, receives the top-level "device" ("cpu" when absent; "cuda").
StatusOr<std::vector<EntrySignature>> parseSignature(std::string_view json,
                                                     std::string *device = nullptr);

} // namespace kiln::rt::detail

#endif // KILN_RUNTIME_LIB_CORE_SIGNATURE_H
