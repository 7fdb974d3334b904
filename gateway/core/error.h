// Errors as values.
//
// Every fallible operation on a hot path returns `Status` or `Result<T>` instead of throwing.
// An `Error` carries exactly what the error shape of docs/API.md needs:
//
//   {"error": {"code": "envelope_recipient_mismatch", "message": "...", "field": "payload"}}
//
// `kind` decides the HTTP status (api/http_status.h, the HTTP layer's) and the CLI exit status;
// `code` is a stable machine-readable
// identifier (snake_case); `message` is one human sentence that never contains a secret, a
// payload or a client's name; `field` names the offending input (a JSON field, a file, a
// config key) or is empty.
//
//   // (compiled in examples_test.cpp)
//   Result<int> ParsePort(std::string_view s);
//   auto port = ParsePort("8443");
//   if (!port) return port.error();      // propagate
//   Use(*port);
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace ketenpoort {

enum class ErrorKind {
  kInvalidArgument,   // 400: malformed input
  kUnauthenticated,   // 401: no or bad credentials
  kPermissionDenied,  // 403: authenticated but not allowed
  kNotFound,          // 404
  kConflict,          // 409: state or idempotency conflict
  kGone,              // 410: existed, but withdrawn or expired
  kTooLarge,          // 413
  kRefused,           // 422: well-formed but refused by a rule
  kRateLimited,       // 429
  kUnavailable,       // 503: try again later (peer down, disk full)
  kInternal,          // 500: a bug or an environment failure
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string code;
  std::string message;
  std::string field;

  // "field: message" when a field is named, else the message; used for one-line CLI errors.
  std::string ToString() const { return field.empty() ? message : field + ": " + message; }
};

// Shorthands for the common kinds; `code` is the stable identifier.
Error InvalidArgument(std::string code, std::string message, std::string field = {});
Error Unauthenticated(std::string message);
Error PermissionDenied(std::string code, std::string message);
Error NotFound(std::string code, std::string message, std::string field = {});
Error Conflict(std::string code, std::string message);
Error Gone(std::string code, std::string message);
Error TooLarge(std::string code, std::string message, std::string field = {});
Error Refused(std::string code, std::string message, std::string field = {});
Error Internal(std::string code, std::string message);
Error Unavailable(std::string code, std::string message);

// Result<T> holds a T or an Error. Result<void> (alias Status) holds nothing or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return error_;
  }
  Error&& error() && {
    assert(!ok_);
    return std::move(error_);
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() {
  return Status();
}

}  // namespace ketenpoort

// Propagates the error of a Status or Result expression; evaluates `expr` once.
#define KP_RETURN_IF_ERROR(expr)            \
  do {                                      \
    auto kp_status_ = (expr);               \
    if (!kp_status_)                        \
      return std::move(kp_status_).error(); \
  } while (0)

// Declares `lhs` from the value of a Result expression, or returns its error.
#define KP_ASSIGN_OR_RETURN(lhs, expr) \
  KP_ASSIGN_OR_RETURN_IMPL_(KP_CONCAT_(kp_r_, __LINE__), lhs, expr)
#define KP_CONCAT_INNER_(a, b) a##b
#define KP_CONCAT_(a, b) KP_CONCAT_INNER_(a, b)
#define KP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp)                                       \
    return std::move(tmp).error();                \
  lhs = std::move(tmp).value()
