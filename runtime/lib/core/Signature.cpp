// SPDX-License-Identifier: Apache-2.0
// Internal: the signature JSON schema checks; the only translation unit that sees nlohmann.
#include "Signature.h"
#include "kiln/runtime/InitSpec.h"

#include "kiln/runtime/Abi.h"
#include "kiln/runtime/Tensor.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <set>

namespace kiln::rt::detail {
namespace {
using nlohmann::json;

Status invalid(const std::string &where, const std::string &what) {
  return Status::error(StatusCode::kInvalidArgument, where + ": " + what);
}

Status wrongType(const std::string &where, const char *expected, const json &got) {
  return invalid(where, std::string("expected ") + expected + ", got " + got.type_name());
}

// Optional keys come back as null; required ones are reported as missing here.
StatusOr<const json *> member(const json &object, const std::string &where, const char *key,
                              bool required) {
  auto it = object.find(key);
  if (it != object.end())
    return &*it;
  if (required)
    return invalid(where, std::string("missing required key \"") + key + "\"");
  return static_cast<const json *>(nullptr);
}

StatusOr<std::string> getString(const json &value, const std::string &where) {
  if (!value.is_string())
    return wrongType(where, "a string", value);
  return value.get<std::string>();
}

StatusOr<int64_t> getInt(const json &value, const std::string &where) {
  if (!value.is_number_integer())
    return wrongType(where, "an integer", value);
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return invalid(where, value.dump() + " does not fit in int64");
  return value.get<int64_t>();
}

StatusOr<const json *> getArray(const json &object, const std::string &where, const char *key) {
  KILN_ASSIGN_OR_RETURN(const json *value, member(object, where, key, /*required=*/true));
  if (!value->is_array())
    return wrongType(where + "." + key, "an array", *value);
  return value;
}

// The fields inputs and results share: dtype and shape, with dims of at least -1.
Status parseTensorSpec(const json &object, const std::string &where, TensorSpec &spec) {
  if (!object.is_object())
    return wrongType(where, "an object", object);
  KILN_ASSIGN_OR_RETURN(const json *dtype, member(object, where, "dtype", /*required=*/true));
  KILN_ASSIGN_OR_RETURN(std::string dtypeText, getString(*dtype, where + ".dtype"));
  StatusOr<DType> parsed = parseDType(dtypeText);
  if (!parsed.ok())
    return invalid(where + ".dtype", std::string(parsed.status().message()));
  spec.dtype = *parsed;

  KILN_ASSIGN_OR_RETURN(const json *shape, getArray(object, where, "shape"));
  spec.shape.clear();
  for (size_t i = 0; i < shape->size(); ++i) {
    std::string dimWhere = where + ".shape[" + std::to_string(i) + "]";
    KILN_ASSIGN_OR_RETURN(int64_t dim, getInt((*shape)[i], dimWhere));
    if (dim < -1)
      return invalid(dimWhere, std::to_string(dim) + " is not an extent (>= 0) or -1 (dynamic)");
    spec.shape.push_back(dim);
  }
  return Status();
}

// Calls `parse(element, path)` for each element of the array `key`, stopping at the first error.
template <class Parse>
Status forEachElement(const json &object, const std::string &where, const char *key,
                      Parse parse) {
  KILN_ASSIGN_OR_RETURN(const json *array, getArray(object, where, key));
  for (size_t i = 0; i < array->size(); ++i)
    KILN_RETURN_IF_ERROR(parse((*array)[i], where + "." + key + "[" + std::to_string(i) + "]"));
  return Status();
}

Status parseInputs(const json &entry, const std::string &where, EntrySignature &sig) {
  return forEachElement(entry, where, "inputs", [&](const json &item, const std::string &at) {
    InputSpec spec;
    KILN_RETURN_IF_ERROR(parseTensorSpec(item, at, spec));
    KILN_ASSIGN_OR_RETURN(const json *name, member(item, at, "name", /*required=*/false));
    if (name) {
      KILN_ASSIGN_OR_RETURN(spec.name, getString(*name, at + ".name"));
    }
    KILN_ASSIGN_OR_RETURN(const json *donated, member(item, at, "donated", /*required=*/false));
    if (donated) {
      if (!donated->is_boolean())
        return wrongType(at + ".donated", "a boolean", *donated);
      spec.donated = donated->get<bool>();
    }
    KILN_ASSIGN_OR_RETURN(const json *init, member(item, at, "init", /*required=*/false));
    if (init) {
      KILN_ASSIGN_OR_RETURN(spec.init, getString(*init, at + ".init"));
      if (!parseInitSpec(spec.init))
        return Status::error(StatusCode::kInvalidArgument,
                             at + ".init: '" + spec.init + "' is not an initialiser");
    }
    KILN_ASSIGN_OR_RETURN(const json *data, member(item, at, "data", /*required=*/false));
    if (data) {
      KILN_ASSIGN_OR_RETURN(spec.data, getString(*data, at + ".data"));
    }
    KILN_ASSIGN_OR_RETURN(const json *classes, member(item, at, "classes", /*required=*/false));
    if (classes) {
      if (!classes->is_number_integer() || classes->get<int64_t>() <= 0)
        return invalid(at + ".classes", "expected a positive integer, got " + classes->dump());
      spec.classes = classes->get<int64_t>();
    }
    KILN_ASSIGN_OR_RETURN(const json *role, member(item, at, "role", /*required=*/false));
    if (role) {
      KILN_ASSIGN_OR_RETURN(spec.role, getString(*role, at + ".role"));
      if (spec.role != "parameter" && spec.role != "optimizer_state" &&
          spec.role != "architecture" && spec.role != "rank_state")
        return invalid(at + ".role", "expected \"parameter\", \"optimizer_state\", "
                                     "\"architecture\" or \"rank_state\", got \"" +
                                         spec.role + "\"");
    }
    KILN_ASSIGN_OR_RETURN(const json *names, member(item, at, "candidates", /*required=*/false));
    if (names) {
      if (!names->is_array())
        return wrongType(at + ".candidates", "an array", *names);
      for (size_t k = 0; k < names->size(); ++k) {
        KILN_ASSIGN_OR_RETURN(std::string name,
                              getString((*names)[k], at + ".candidates[" + std::to_string(k) + "]"));
        spec.candidates.push_back(std::move(name));
      }
    }
    KILN_ASSIGN_OR_RETURN(const json *dims, member(item, at, "dims", /*required=*/false));
    if (dims) {
      if (!dims->is_array() || dims->size() != spec.shape.size())
        return invalid(at + ".dims", "expected one extent variable (or -1) per dimension, got " +
                                         dims->dump());
      for (size_t d = 0; d < dims->size(); ++d) {
        std::string dimWhere = at + ".dims[" + std::to_string(d) + "]";
        KILN_ASSIGN_OR_RETURN(int64_t var, getInt((*dims)[d], dimWhere));
        if (var < -1 || var > std::numeric_limits<int>::max())
          return invalid(dimWhere, std::to_string(var) + " is not an extent variable or -1");
        if (var >= 0 && spec.shape[d] != -1)
          return invalid(dimWhere, "only a dynamic dimension has an extent variable");
        spec.dims.push_back(static_cast<int>(var));
      }
    }
    sig.inputs.push_back(std::move(spec));
    return Status();
  });
}

// The values of the extent variables the inputs' dims name; every name must be in range.
Status parseExtents(const json &entry, const std::string &where, EntrySignature &sig) {
  KILN_ASSIGN_OR_RETURN(const json *extents, member(entry, where, "extents", /*required=*/false));
  if (extents) {
    if (!extents->is_array())
      return wrongType(where + ".extents", "an array", *extents);
    for (size_t v = 0; v < extents->size(); ++v) {
      std::string at = where + ".extents[" + std::to_string(v) + "]";
      KILN_ASSIGN_OR_RETURN(int64_t extent, getInt((*extents)[v], at));
      if (extent < -1)
        return invalid(at, std::to_string(extent) + " is not an extent (>= 0) or -1 (any)");
      sig.extents.push_back(extent);
    }
  }
  for (size_t i = 0; i < sig.inputs.size(); ++i)
    for (size_t d = 0; d < sig.inputs[i].dims.size(); ++d)
      if (sig.inputs[i].dims[d] >= static_cast<int>(sig.extents.size()))
        return invalid(where + ".inputs[" + std::to_string(i) + "].dims[" + std::to_string(d) +
                           "]",
                       "extent variable " + std::to_string(sig.inputs[i].dims[d]) +
                           " is not one of the entry's " + std::to_string(sig.extents.size()));
  return Status();
}

// `result.alias` is already known to be -1 or a valid input index.
Status checkAlias(const ResultSpec &result, const std::string &where, const EntrySignature &sig,
                  std::set<int> &aliased) {
  if (result.alias == -1) {
    // The runtime allocates these buffers from the signature alone, so they must be static.
    for (int64_t dim : result.shape)
      if (dim < 0)
        return invalid(where + ".shape",
                       "a result with alias -1 must have a static shape, got " +
                           shapeToString(result.shape));
    return Status();
  }
  if (!aliased.insert(result.alias).second)
    return invalid(where + ".alias", "input " + std::to_string(result.alias) +
                                         " is already aliased by another result");
  const InputSpec &input = sig.inputs[result.alias];
  if (input.dtype != result.dtype || input.shape != result.shape)
    return invalid(where, "result " + std::string(dtypeName(result.dtype)) +
                              shapeToString(result.shape) + " cannot alias input " +
                              std::to_string(result.alias) + " of type " +
                              std::string(dtypeName(input.dtype)) + shapeToString(input.shape));
  return Status();
}

Status parseResults(const json &entry, const std::string &where, EntrySignature &sig) {
  std::set<int> aliased;
  return forEachElement(entry, where, "results", [&](const json &item, const std::string &at) {
    ResultSpec spec;
    KILN_RETURN_IF_ERROR(parseTensorSpec(item, at, spec));
    KILN_ASSIGN_OR_RETURN(const json *alias, member(item, at, "alias", /*required=*/false));
    if (alias) {
      KILN_ASSIGN_OR_RETURN(int64_t index, getInt(*alias, at + ".alias"));
      if (index < -1 || index >= static_cast<int64_t>(sig.inputs.size()))
        return invalid(at + ".alias", std::to_string(index) + " is out of range (entry '" +
                                          sig.name + "' has " +
                                          std::to_string(sig.inputs.size()) + " inputs)");
      spec.alias = static_cast<int>(index);
    }
    KILN_RETURN_IF_ERROR(checkAlias(spec, at, sig, aliased));
    sig.results.push_back(std::move(spec));
    return Status();
  });
}

StatusOr<EntrySignature> parseEntry(const json &entry, const std::string &where) {
  if (!entry.is_object())
    return wrongType(where, "an object", entry);
  EntrySignature sig;
  KILN_ASSIGN_OR_RETURN(const json *name, member(entry, where, "name", /*required=*/true));
  KILN_ASSIGN_OR_RETURN(sig.name, getString(*name, where + ".name"));
  if (sig.name.empty())
    return invalid(where + ".name", "must not be empty");
  KILN_ASSIGN_OR_RETURN(const json *symbol, member(entry, where, "symbol", /*required=*/false));
  if (symbol) {
    KILN_ASSIGN_OR_RETURN(sig.symbol, getString(*symbol, where + ".symbol"));
  } else {
    sig.symbol = KILN_ABI_ENTRY_PREFIX + sig.name;
  }
  KILN_RETURN_IF_ERROR(parseInputs(entry, where, sig));
  KILN_RETURN_IF_ERROR(parseExtents(entry, where, sig));
  KILN_RETURN_IF_ERROR(parseResults(entry, where, sig));
  return sig;
}

StatusOr<std::vector<EntrySignature>> parseRoot(const json &root, std::string *device) {
  if (!root.is_object())
    return wrongType("signature", "a JSON object", root);
  KILN_ASSIGN_OR_RETURN(const json *version,
                        member(root, "signature", "abi_version", /*required=*/true));
  KILN_ASSIGN_OR_RETURN(int64_t abi, getInt(*version, "abi_version"));
  if (abi != KILN_ABI_VERSION)
    return invalid("abi_version", "the JSON declares " + std::to_string(abi) +
                                      " but kiln_module_abi_version is " +
                                      std::to_string(KILN_ABI_VERSION));

  KILN_ASSIGN_OR_RETURN(const json *deviceField,
                        member(root, "signature", "device", /*required=*/false));
  std::string deviceName = "cpu";
  if (deviceField) {
    if (!deviceField->is_string())
      return wrongType("device", "a string", *deviceField);
    deviceName = deviceField->get<std::string>();
    if (deviceName != "cpu" && deviceName != "cuda")
      return invalid("device", "'" + deviceName + "' is not a device this runtime knows (cpu, cuda)");
  }
  if (device)
    *device = deviceName;

  std::vector<EntrySignature> sigs;
  std::set<std::string> names;
  KILN_RETURN_IF_ERROR(forEachElement(
      root, "signature", "entry_points", [&](const json &item, const std::string &at) {
        KILN_ASSIGN_OR_RETURN(EntrySignature sig, parseEntry(item, at));
        if (!names.insert(sig.name).second)
          return invalid(at + ".name", "duplicate entry point '" + sig.name + "'");
        sigs.push_back(std::move(sig));
        return Status();
      }));
  return sigs;
}
} // namespace

StatusOr<std::vector<EntrySignature>> parseSignature(std::string_view text, std::string *device) {
  // nlohmann reports errors by throwing; nothing may escape the runtime API, so parse errors
  // become Status here and the schema walk above only uses non-throwing accessors.
  try {
    json root = json::parse(text.begin(), text.end());
    return parseRoot(root, device);
  } catch (const json::parse_error &e) {
    return Status::error(StatusCode::kInvalidArgument,
                         std::string("signature is not valid JSON: ") + e.what());
  } catch (const std::bad_alloc &) {
    return Status::error(StatusCode::kResourceExhausted, "out of memory parsing the signature");
  } catch (const std::exception &e) {
    return Status::error(StatusCode::kInternal,
                         std::string("unexpected error parsing the signature: ") + e.what());
  }
}

} // namespace kiln::rt::detail
