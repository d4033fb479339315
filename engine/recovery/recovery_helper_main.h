// The body of the recovery helper process (recovery_helper.h has the
// protocol): one request from argv, one JSON-lines answer on stdout. Shared by
// bdbackup-recover (tools/recover_main.cc) and the simulator's bdbsim-recover
// (tools/bdbsim_recover_main.cc), which installs its power-loss hooks first,
// so both run the same code. Single-threaded; one request per process.
#pragma once

#include <functional>
#include <string>

#include "engine/recovery/recovery_work.h"

namespace bdb {

// The hook to run inside BDB during a stage ("recover" or "verify"); may
// return an empty hook. A test build's crash hook.
using StageHook = std::function<InsideBdbHook(const std::string& stage)>;

// Runs the request of argv (argv[0] the program) and prints the answer.
// Returns the process's exit status: 0 whenever it answered, 2 for bad usage.
// REQUIRES: PrepareRecoveryHelperProcess() ran.
int RecoveryHelperMain(int argc, char** argv, const StageHook& stage_hook);

// First thing in the helper's main: dies with its caller (PR_SET_PDEATHSIG),
// ignores SIGINT and SIGTERM, closes inherited descriptors above 2. A variant
// that opens files of its own (a journal) does so after this call.
void PrepareRecoveryHelperProcess();

}  // namespace bdb
