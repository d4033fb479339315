// RunChild: runs a program (no shell) to completion with a time limit,
// capturing stdout and stderr. The simulator runs the backup agent and
// external backup commands this way; a child past its limit is SIGKILLed, so a
// hung tool never hangs a trial. Thread-safe: each call owns its child.
// Why fork/exec by hand and not Boost.Process (1.74, Debian 12's): its pipes
// are made with pipe(2), not close-on-exec, and it cannot limit the handles a
// child inherits; with trials on several threads, a child started by one
// trial then holds another trial's pipe open and that trial's reader waits
// for the end of an unrelated process (tried: see the commit that reverted it).
#pragma once

#include <string>
#include <vector>

#include "engine/status.h"

namespace bdb::sim {

struct ChildResult {
  bool exited = false;  // exited normally (else killed by a signal)
  int exit_code = -1;
  int signal = 0;
  bool timed_out = false;
  std::string out, err;
  std::string Describe() const;  // "exit code 1", "killed by signal 9", "timed out after 60000 ms"
};

// IOError "unable to start '<argv0>': <why>" if it cannot be started.
Status RunChild(const std::vector<std::string>& argv, int timeout_ms, ChildResult* result);

}  // namespace bdb::sim
