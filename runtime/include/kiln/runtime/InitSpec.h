// SPDX-License-Identifier: Apache-2.0
// The grammar of input initialisers ("init" in the signature JSON, `kiln.init` on arguments):
// part of the ABI, header-only so the compiler's verifier and the runtime parse it alike.
#ifndef KILN_RUNTIME_INITSPEC_H
#define KILN_RUNTIME_INITSPEC_H

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace kiln::rt {

/// How to fill an input that the caller does not provide:
///   zeros | ones | fill:V | normal[:STDDEV] | uniform[:BOUND] | key
/// normal is N(0, STDDEV^2) (default 1); uniform is U(-BOUND, BOUND) (default 1); key fills an
/// i64 tensor with Philox keys drawn from the driver's seed (a noise generator's state, which
/// must differ from run to run: a fixed key would make the noise of a private step public).
struct InitSpec {
  enum class Kind { Zeros, Ones, Fill, Normal, Uniform, Key } kind = Kind::Zeros;
  double value = 0; ///< fill value, standard deviation or bound
};

/// Parses an initialiser; std::nullopt when `text` is not in the grammar above.
inline std::optional<InitSpec> parseInitSpec(std::string_view text) {
  auto number = [](std::string_view s) -> std::optional<double> {
    std::string copy(s);
    char *end = nullptr;
    errno = 0;
    double v = std::strtod(copy.c_str(), &end);
    if (copy.empty() || *end != '\0' || errno != 0 || !std::isfinite(v))
      return std::nullopt;
    return v;
  };
  std::string_view head = text.substr(0, text.find(':'));
  std::optional<std::string_view> arg;
  if (head.size() < text.size())
    arg = text.substr(head.size() + 1);
  InitSpec spec;
  if (head == "zeros" || head == "ones") {
    if (arg)
      return std::nullopt;
    spec.kind = head == "zeros" ? InitSpec::Kind::Zeros : InitSpec::Kind::Ones;
    spec.value = head == "ones";
    return spec;
  }
  if (head == "key") {
    if (arg)
      return std::nullopt;
    spec.kind = InitSpec::Kind::Key;
    return spec;
  }
  if (head == "fill") {
    std::optional<double> v = arg ? number(*arg) : std::nullopt;
    if (!v)
      return std::nullopt;
    spec.kind = InitSpec::Kind::Fill, spec.value = *v;
    return spec;
  }
  if (head == "normal" || head == "uniform") {
    spec.kind = head == "normal" ? InitSpec::Kind::Normal : InitSpec::Kind::Uniform;
    spec.value = 1.0;
    if (arg) {
      std::optional<double> v = number(*arg);
      if (!v || *v < 0)
        return std::nullopt;
      spec.value = *v;
    }
    return spec;
  }
  return std::nullopt;
}

} // namespace kiln::rt

#endif // KILN_RUNTIME_INITSPEC_H
