// result.h: errors as values that collect context on their way up.
//
// A Result<T> holds a T or an Error{code, sys_errno, message}. Each layer that passes an
// error on prepends where it was, so the message that reaches the user reads
// "collect: memory.stat of /kubepods/pod1: Permission denied".
//
// Example:
//   Result<int> r = Error{ErrorCode::kIo, ENOENT, "no such file"};
//   if (!r) std::cerr << r.error().with_context("meminfo").message;  // "meminfo: no such file"
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace oomscope {

enum class ErrorCode {
  kIo,          // a read or write failed; sys_errno says why
  kParse,       // the input is not in the expected format
  kInvalidArg,  // the user asked for something impossible
  kFormat,      // a file is of the wrong kind (not a pack, newer schema…)
  kInterrupted, // SIGINT/SIGTERM or a time limit
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  int sys_errno = 0;
  std::string message;

  // with_context(): "where: message".
  Error with_context(std::string_view where) const& {
    Error e = *this;
    e.message = std::string(where) + ": " + message;
    return e;
  }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}       // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}   // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;

}  // namespace oomscope
