// Status: the result of an operation that can fail, carried across module
// boundaries as a value (no exceptions). A Status is OK or holds a code and a
// one-line message "<what>: <why>". Codes map to exit codes only in tools/.
// Thread-safety: a Status is a plain value; copies are independent.
#pragma once

#include <string>
#include <utility>

namespace bdb {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // bad usage or input that is not what it claims (exit 2)
    kNotFound,         // a named input does not exist (exit 2)
    kCorruption,       // stored data fails a check (exit 1)
    kCheckFailed,      // a verification or oracle rule did not hold (exit 1)
    kBusy,             // environment in use or repository locked (exit 3)
    kIOError,          // the OS or BDB failed an operation (exit 4)
    kNoSpace,          // ENOSPC (exit 4)
    kTimedOut,         // a wait or a child process outlived its time limit (exit 4)
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status CheckFailed(std::string msg) { return Status(Code::kCheckFailed, std::move(msg)); }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status NoSpace(std::string msg) { return Status(Code::kNoSpace, std::move(msg)); }
  static Status TimedOut(std::string msg) { return Status(Code::kTimedOut, std::move(msg)); }
  // An IOError or NoSpace from an errno value, with strerror as the "why".
  static Status FromErrno(int err, const std::string& what);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError || code_ == Code::kNoSpace; }
  bool IsTimedOut() const { return code_ == Code::kTimedOut; }
  // Name of the code, e.g. "IOError"; used in JSON output.
  const char* CodeName() const;
  // "OK", "InvalidArgument", "NotFound", "Corruption", "CheckFailed", "Busy",
  // "IOError", "NoSpace", "TimedOut": the one spelling of each code.
  static const char* NameOf(Code code);
  // Exact inverse of NameOf; false for anything else.
  static bool ParseCode(const std::string& name, Code* code);
  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(const std::string& context) const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Process exit code for a status, as fixed in docs/contracts.md:
// 0 ok, 1 check failed, 2 bad usage/input, 3 busy, 4 I/O or environment.
int ExitCodeFor(const Status& s);

}  // namespace bdb

// Returns from the enclosing function if `expr` is not OK.
#define BDB_RETURN_IF_ERROR(expr)          \
  do {                                     \
    ::bdb::Status bdb_status_ = (expr);    \
    if (!bdb_status_.ok()) return bdb_status_; \
  } while (0)
