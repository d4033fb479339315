// Runs one recovery or verification request in the bdbackup-recover helper
// process and reads its answer, so that a crash inside Berkeley DB (SIGSEGV,
// abort on heap corruption) kills the helper, not the caller. Started with
// Subprocess (posix_spawn, safe from a multi-threaded process such as bdbsim); the answer
// is JSON lines on the helper's stdout (protocol below).
// Thread-safety: RunRecoveryHelper may be called from many threads at once.
//
// Protocol: `bdbackup-recover catastrophic HOME [UNTIL_UNIX_SECONDS]`,
// `bdbackup-recover normal HOME`, `bdbackup-recover verify HOME DB...`. The
// helper prints {"database": REL} before verifying each database, then one
// final {"code": CODE, "message": TEXT} (CODE as Status::CodeName), exit 0.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace bdb {

// Where the helper is by default: $BDBACKUP_RECOVER_HELPER if set and not
// empty, else "bdbackup-recover" in the directory of the running executable
// (/proc/self/exe), e.g. build/bin/ or /usr/bin/.
std::string DefaultRecoveryHelperPath();

struct HelperAnswer {
  // The helper's own result; or IOError "unable to run the recovery helper
  // '<path>': <why>" / "the recovery helper '<path>' exited with status N
  // without an answer[: <last stderr line>]". Not meaningful when signal != 0.
  Status status;
  int signal = 0;             // the helper was killed by this signal
  std::string database;       // the database being verified when it was killed ("" if none)
  std::string stderr_tail;    // its last non-empty stderr line (glibc's abort message, say)
};

// Runs `helper args...` to completion (stdin /dev/null, the caller's
// environment) and decodes its answer.
HelperAnswer RunRecoveryHelper(const std::string& helper, const std::vector<std::string>& args);

// "SIGSEGV" for SIGSEGV, "signal 99" for a number without a name.
std::string SignalName(int signal);

}  // namespace bdb
