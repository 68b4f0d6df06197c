// Errors as values. A Status is ok or carries a code and a message; Result<T> is a T or a Status.
// Codes map onto HTTP statuses at the server edge (InvalidArgument → 400, NotFound → 404, ...).
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace corral {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is malformed (bad request, bad option)
  kNotFound,         // a named thing does not exist
  kCorrupt,          // a file's bytes break its format (bad magic, offsets past the end, ...)
  kUnsupported,      // well-formed but not something we implement (unknown tensor type, ...)
  kIoError,          // the OS said no (open, read, mmap, write, disk full)
  kOutOfRange,       // a size or count beyond what we accept
  kInternal,         // a bug: an invariant did not hold
  kUnavailable,      // busy or shutting down (a full queue); the same request may succeed later
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Corrupt(std::string m) { return {StatusCode::kCorrupt, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corrupt: tensor 'x' ends past the end of the file" — one line, for logs and stderr.
  std::string ToString() const;

  // Prefixes context, e.g. WithContext("reading model.gguf").
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Holds a T or a non-ok Status. Check ok() before value(), as with absl::StatusOr.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(data_).ok() && "Result built from an ok Status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace corral

// Returns early with the error of a Status-valued expression.
#define CORRAL_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::corral::Status corral_status_ = (expr); \
    if (!corral_status_.ok()) return corral_status_; \
  } while (0)

#define CORRAL_CONCAT_INNER_(a, b) a##b
#define CORRAL_CONCAT_(a, b) CORRAL_CONCAT_INNER_(a, b)

// CORRAL_ASSIGN_OR_RETURN(auto x, MakeX()); declares x from a Result or returns its error.
#define CORRAL_ASSIGN_OR_RETURN(lhs, expr) \
  CORRAL_ASSIGN_OR_RETURN_IMPL_(CORRAL_CONCAT_(corral_result_, __LINE__), lhs, expr)
#define CORRAL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
