// What every bdbackup command does around its own work: load the secrets it
// takes, arm the watchdog (--env-timeout), draw progress on a terminal, run,
// then print the result (text, or one JSON document with --json) and map the
// Status to the exit code (docs/cli.md). Also the one-line errors before any
// command ran. Used by the command table's run functions (command_table.cc).
// Thread-safety: main thread only; each function is called once per process.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"
#include "engine/engine_context.h"
#include "tools/bdbackup/commands.h"

namespace bdb {

// Prints `bdbackup: error: <message>` (and with json the error document on
// stdout) for an error before any command ran; returns its exit code.
int FailBeforeCommand(const Status& s, bool json);

// What one command needs besides the options every command takes.
struct CommandSetup {
  std::string command;           // "backup"
  const CommonOptions* common;   // --json, --env-timeout
  const LockOptions* lock;       // nullptr: takes no lock
  const SecretOptions* secrets;  // nullptr: reads no stored content (no key is loaded)
};

// Runs `work` with an EngineContext set up for the command, then prints its
// result and returns the exit code.
int RunEngineCommand(const CommandSetup& setup,
                     const std::function<Status(const EngineContext&, CommandResult*)>& work);

// `backup --every`: one line per turn, then a summary; returns the exit code.
int RunRepeatedBackupCommand(const BackupOptions& o);

}  // namespace bdb
