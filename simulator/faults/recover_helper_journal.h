// What makes bdbsim-recover (the simulator's build of the recovery helper,
// tools/bdbsim_recover_main.cc) differ from bdbackup-recover: before the
// shared request code runs, Berkeley DB's I/O hooks (power_loss_hooks.h)
// journal every write, truncate, fsync, create, rename and unlink BDB makes
// to files of the helper's home (a restore target, a standby) into the
// agent's power-loss journal, with absolute paths, so a power cut rolls
// back what BDB's recovery left unsynced. BDB's creates, renames and unlinks
// there are journaled as the engine's (origin FileIO): a name BDB made in the
// target is durable only once the engine fsyncs its directory (the engine,
// not BDB, promises a restored target that survives a cut; BDB never fsyncs
// a directory). With a shared cut counter
// (shared_cut_counter.h) those operations count toward the agent's planned
// cut, and the helper cuts power at its turn.
// Concurrent appenders: the agent, the workload and this helper append to
// one journal opened O_APPEND, each record one write(2) (atomic against the
// others on a local file system); besides, the agent waits for its helper,
// so the two never journal at the same time. Records are ordered by their
// offset, whichever process wrote them.
#pragma once

#include <string>

#include "base/status.h"

namespace bdb::sim {

// The environment the agent gives its helper (kRecoverJournalEnv,
// kRecoverCutCounterEnv; counter_path "" = no cut to share). Call it while
// the process is single-threaded (setenv).
void ExportRecoverHelperEnvironment(const std::string& journal_path, const std::string& counter_path);

// In the helper, for the request on `home`: installs the hooks if
// $BDBSIM_RECOVER_JOURNAL is set and home is a directory (otherwise the
// request's own error is the answer). IOError if the journal or the
// counter cannot be opened.
Status InstallRecoverHelperJournal(const std::string& home);

// The path of bdbsim-recover: beside the running executable.
std::string SimulatorRecoveryHelperPath();

}  // namespace bdb::sim
