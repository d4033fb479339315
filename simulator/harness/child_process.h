// RunChild: runs a program (no shell) to completion with a time limit,
// capturing stdout and stderr. The simulator runs the backup agent and
// external backup commands this way; a child past its limit is SIGKILLed, so a
// hung tool never hangs a trial. Built on bdb::Subprocess (base/subprocess.h),
// the project's one way to start a program. Thread-safe: each call owns its child.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "base/subprocess.h"

namespace bdb::sim {

// How the child ended (Describe(): "exit code 1", "killed by signal 9",
// "timed out and was killed") and what it printed.
struct ChildResult : ProcessExit {
  std::string out, err;
};

// IOError "unable to start '<argv0>': <why>" if it cannot be started.
// env_set: "NAME=value" entries the child gets on top of this process's.
Status RunChild(const std::vector<std::string>& argv, int timeout_ms, ChildResult* result,
                const std::vector<std::string>& env_set = {});

}  // namespace bdb::sim
