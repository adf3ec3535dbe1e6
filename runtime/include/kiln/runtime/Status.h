// SPDX-License-Identifier: Apache-2.0
// Errors as values: Status, StatusOr<T> and the two propagation macros of the runtime API.
#ifndef KILN_RUNTIME_STATUS_H
#define KILN_RUNTIME_STATUS_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace kiln::rt {

/// What went wrong, coarsely enough for a caller to decide what to do next.
enum class StatusCode : uint8_t {
  kOk,
  kInvalidArgument,    ///< The caller passed something malformed or inconsistent.
  kNotFound,           ///< A named file, entry point or key does not exist.
  kFailedPrecondition, ///< The request is well formed but the system is not in a state to do it.
  kResourceExhausted,  ///< Out of memory, disk space or a similar quota.
  kUnimplemented,      ///< Valid, but this runtime does not support it (yet).
  kUnavailable,        ///< A transient failure; retrying may succeed.
  kInternal,           ///< A broken invariant inside the runtime.
  kDataLoss,           ///< Stored data is truncated or corrupt.
};

/// The upper-case name of `code`, e.g. "INVALID_ARGUMENT".
std::string_view statusCodeName(StatusCode code);

/// `text` as it may appear inside an error message, whatever bytes a file held: a backslash,
/// a quote and every byte outside printable ASCII escaped (\\, \', \n, \t, \r, \xNN), and
/// only the first `limit` bytes kept, followed by "... (N bytes)" when more were cut. A
/// message then stays one readable line however long or binary the data it echoes.
std::string escapeForMessage(std::string_view text, size_t limit = 200);

/// escapeForMessage(text, limit) in single quotes: 'abc', or 'abc'... (5000 bytes).
std::string quoteForMessage(std::string_view text, size_t limit = 200);

/// The result of an operation that returns no value. OK costs one null pointer, so the
/// success path never allocates; an error carries a code and a message.
class [[nodiscard]] Status {
public:
  /// An OK status.
  Status() = default;
  /// Copies the code and message (errors are rare; OK copies a null pointer).
  Status(const Status &other);
  Status &operator=(const Status &other);
  Status(Status &&) noexcept = default;
  Status &operator=(Status &&) noexcept = default;

  /// An error with `code` and a human-readable `message`. Passing kOk yields an OK status and
  /// drops the message, so `error` can never produce an "OK with a message" value.
  static Status error(StatusCode code, std::string message);

  /// True when no error is recorded.
  bool ok() const { return rep_ == nullptr; }
  /// kOk for an OK status.
  StatusCode code() const;
  /// The error message; empty for an OK status.
  std::string_view message() const;
  /// "OK", or "CODE_NAME: message" for an error.
  std::string toString() const;

private:
  struct Rep;
  // Deleting out of line lets every constructor, move and destructor stay inline (and the
  // OK path a pointer test) while Rep remains incomplete here.
  struct RepDeleter {
    void operator()(Rep *rep) const;
  };
  std::unique_ptr<Rep, RepDeleter> rep_;
};

namespace detail {
/// Not part of the API: prints `status` and aborts; the out-of-line half of StatusOr's check.
[[noreturn]] void statusOrBadAccess(const Status &status);
} // namespace detail

/// Either a value of type T or a non-OK Status.
template <class T> class [[nodiscard]] StatusOr {
  static_assert(!std::is_reference_v<T>, "StatusOr<T&> is not supported; use StatusOr<T*>");
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "StatusOr<Status> is meaningless");

public:
  /// Holds `value`.
  StatusOr(const T &value) : value_(value) {}
  /// Holds `value`.
  StatusOr(T &&value) : value_(std::move(value)) {}
  /// Holds the error `status`. An OK `status` carries no value, so it becomes kInternal.
  StatusOr(Status status) : status_(std::move(status)) {
    if (status_.ok())
      status_ = Status::error(StatusCode::kInternal, "StatusOr constructed from an OK Status");
  }
  /// Holds a value converted from `U` (e.g. std::unique_ptr<Derived> into
  /// StatusOr<std::unique_ptr<Base>>).
  template <class U, std::enable_if_t<std::is_constructible_v<T, U &&> &&
                                          !std::is_same_v<std::decay_t<U>, T> &&
                                          !std::is_same_v<std::decay_t<U>, Status> &&
                                          !std::is_same_v<std::decay_t<U>, StatusOr>,
                                      int> = 0>
  StatusOr(U &&value) : value_(std::in_place, std::forward<U>(value)) {}

  /// True when a value is held.
  bool ok() const { return value_.has_value(); }
  /// OK when a value is held, the error otherwise.
  const Status &status() const & { return status_; }
  /// Moves the status out (OK when a value is held).
  Status status() && { return std::move(status_); }

  /// The held value. Calling this on an error is a bug in the caller: it prints the status and
  /// aborts rather than returning garbage.
  T &value() & { checkValue(); return *value_; }
  const T &value() const & { checkValue(); return *value_; }
  T &&value() && { checkValue(); return std::move(*value_); }

  /// Same as value().
  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }
  T &&operator*() && { return std::move(*this).value(); }
  /// Member access on the held value; same precondition as value().
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }

private:
  void checkValue() const {
    if (!value_)
      detail::statusOrBadAccess(status_);
  }

  Status status_;
  std::optional<T> value_;
};

} // namespace kiln::rt

/// Evaluates `expr` (a Status) and returns it from the enclosing function if it is an error.
#define KILN_RETURN_IF_ERROR(expr)                                                            \
  do {                                                                                         \
    ::kiln::rt::Status kilnStatus_ = (expr);                                                   \
    if (!kilnStatus_.ok())                                                                     \
      return kilnStatus_;                                                                      \
  } while (0)

/// Evaluates `expr` (a StatusOr<T>); on error returns its status from the enclosing function,
/// otherwise moves the value into `lhs`, which may declare a variable (`auto t`, `Tensor t`).
/// A GNU statement expression (GCC and Clang; `__extension__` keeps -Wpedantic quiet) scopes
/// the temporary, so the macro needs no helper macros to invent unique names.
#define KILN_ASSIGN_OR_RETURN(lhs, expr)                                                      \
  lhs = __extension__({                                                                        \
    auto kilnStatusOr_ = (expr);                                                               \
    if (!kilnStatusOr_.ok())                                                                   \
      return std::move(kilnStatusOr_).status();                                                \
    std::move(kilnStatusOr_).value();                                                          \
  })

#endif // KILN_RUNTIME_STATUS_H
