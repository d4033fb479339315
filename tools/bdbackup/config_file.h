// Config file for bdbackup (--config FILE, TOML): keys named like the flags
// ("home", "repo", "mode", "recover-as-you-go", ...), at the top level for
// every command or in a [command] table for one. Values become flags that
// were not given on the command line, so flags always override the file.
// The vocabulary (commands, flags, repeatable flags) is the command table's.
// Thread-safety: no shared state.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "tools/cli/command_table.h"

namespace bdb {

// The table of a config file that bdbackup skips: `[systemd]` `user` and
// `group`, the account the instance's systemd units run as, read by
// bdbackup-systemd-generator (tools/systemd_generator_main.cc).
inline constexpr const char* kSystemdTable = "systemd";

// What any command accepts, from the command table that drives CLI11: a
// [table] must name a command, and a top-level key must be a flag of some command.
struct ConfigVocabulary {
  std::vector<std::string> commands;          // "archive", "backup", ...
  std::vector<std::string> flags;             // "--home", "--keep-full", ... of every command
  std::vector<std::string> repeatable_flags;  // "--pin": a TOML list of strings gives it once per element
};

// Returns extra arguments ("--home", "/db", ...) for `command` from the file,
// skipping any flag already present in `given_args`. Unknown keys are an
// error naming the file, line and key.
Status ArgsFromConfigFile(const std::string& path, const std::string& command,
                          const std::vector<std::string>& known_flags, const ConfigVocabulary& vocabulary,
                          const std::vector<std::string>& given_args, std::vector<std::string>* extra);

// The vocabulary of a program's command table.
ConfigVocabulary VocabularyOf(const cli::Program& program);

// Names an unknown command (CLI11 would only say one is required), then
// inserts the flags the --config file supplies right after the command,
// before parsing, so the file can supply required flags too. Nothing to do
// without --config.
Status ApplyConfigFile(const cli::Program& program, std::vector<std::string>* args);

}  // namespace bdb
