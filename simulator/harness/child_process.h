// RunChild: runs a program (no shell) to completion with a time limit,
// capturing stdout and stderr. The simulator runs the backup agent and
// external backup commands this way; a child past its limit is SIGKILLed, so a
// hung tool never hangs a trial. Built on bdb::Subprocess (engine/subprocess.h),
// the project's one way to start a program. Thread-safe: each call owns its child.
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
  std::string Describe() const;  // "exit code 1", "killed by signal 9", "timed out and was killed"
};

// IOError "unable to start '<argv0>': <why>" if it cannot be started.
Status RunChild(const std::vector<std::string>& argv, int timeout_ms, ChildResult* result);

}  // namespace bdb::sim
