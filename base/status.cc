#include "base/status.h"

#include <cerrno>
#include <cstring>

namespace bdb {

Status Status::FromErrno(int err, const std::string& what) {
  std::string msg = what + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return NoSpace(std::move(msg));
  if (err == ENOENT) return NotFound(std::move(msg));
  return IOError(std::move(msg));
}

const char* Status::CodeName() const { return NameOf(code_); }

bool Status::ParseCode(const std::string& name, Code* code) {
  for (Code c : {Code::kOk, Code::kInvalidArgument, Code::kNotFound, Code::kCorruption, Code::kCheckFailed, Code::kBusy,
                 Code::kIOError, Code::kNoSpace, Code::kTimedOut}) {
    if (name == NameOf(c)) {
      *code = c;
      return true;
    }
  }
  return false;
}

const char* Status::NameOf(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: return "InvalidArgument";
    case Code::kNotFound: return "NotFound";
    case Code::kCorruption: return "Corruption";
    case Code::kCheckFailed: return "CheckFailed";
    case Code::kBusy: return "Busy";
    case Code::kIOError: return "IOError";
    case Code::kNoSpace: return "NoSpace";
    case Code::kTimedOut: return "TimedOut";
  }
  return "Unknown";
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return 0;
    case Status::Code::kCorruption:
    case Status::Code::kCheckFailed: return 1;
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotFound: return 2;
    case Status::Code::kBusy: return 3;
    case Status::Code::kIOError:
    case Status::Code::kNoSpace:
    case Status::Code::kTimedOut: return 4;
  }
  return 4;
}

}  // namespace bdb
