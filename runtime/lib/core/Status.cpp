// SPDX-License-Identifier: Apache-2.0
// Status storage, printing, and the abort path for misused StatusOr values.
#include "kiln/runtime/Status.h"

#include <cstdio>
#include <cstdlib>

namespace kiln::rt {

struct Status::Rep {
  StatusCode code;
  std::string message;
};

std::string_view statusCodeName(StatusCode code) {
  switch (code) {
  case StatusCode::kOk: return "OK";
  case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
  case StatusCode::kNotFound: return "NOT_FOUND";
  case StatusCode::kFailedPrecondition: return "FAILED_PRECONDITION";
  case StatusCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
  case StatusCode::kUnimplemented: return "UNIMPLEMENTED";
  case StatusCode::kUnavailable: return "UNAVAILABLE";
  case StatusCode::kInternal: return "INTERNAL";
  case StatusCode::kDataLoss: return "DATA_LOSS";
  }
  return "UNKNOWN";
}

Status::Status(const Status &other)
    : rep_(other.rep_ ? new Rep(*other.rep_) : nullptr) {}

Status &Status::operator=(const Status &other) {
  if (this != &other)
    rep_.reset(other.rep_ ? new Rep(*other.rep_) : nullptr);
  return *this;
}

void Status::RepDeleter::operator()(Rep *rep) const { delete rep; }

Status Status::error(StatusCode code, std::string message) {
  Status status;
  if (code != StatusCode::kOk)
    status.rep_.reset(new Rep{code, std::move(message)});
  return status;
}

StatusCode Status::code() const { return rep_ ? rep_->code : StatusCode::kOk; }

std::string_view Status::message() const {
  return rep_ ? std::string_view(rep_->message) : std::string_view();
}

std::string Status::toString() const {
  if (ok())
    return "OK";
  std::string text(statusCodeName(rep_->code));
  text += ": ";
  text += rep_->message;
  return text;
}

namespace {
void appendEscaped(std::string &out, std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    switch (c) {
    case '\\': out += "\\\\"; continue;
    case '\'': out += "\\'"; continue;
    case '\n': out += "\\n"; continue;
    case '\t': out += "\\t"; continue;
    case '\r': out += "\\r"; continue;
    default: break;
    }
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
}

std::string cutNote(std::string_view text, size_t limit) {
  return text.size() > limit ? "... (" + std::to_string(text.size()) + " bytes)" : "";
}
} // namespace

std::string escapeForMessage(std::string_view text, size_t limit) {
  std::string out;
  appendEscaped(out, text.substr(0, limit));
  return out + cutNote(text, limit);
}

std::string quoteForMessage(std::string_view text, size_t limit) {
  std::string out = "'";
  appendEscaped(out, text.substr(0, limit));
  return out + "'" + cutNote(text, limit);
}

namespace detail {
void statusOrBadAccess(const Status &status) {
  // Reading the value of an error is a programming bug, not bad input; continuing would hand
  // back an unconstructed T, so stop loudly with the error that was ignored.
  std::fprintf(stderr, "kiln::rt::StatusOr::value() called on an error: %s\n",
               status.toString().c_str());
  std::abort();
}
} // namespace detail

} // namespace kiln::rt
