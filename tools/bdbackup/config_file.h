// Config file for bdbackup (--config FILE, TOML): keys named like the flags
// ("home", "repo", "mode", "recover-as-you-go", ...), at the top level for
// every command or in a [command] table for one. Values become flags that
// were not given on the command line, so flags always override the file.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace bdb {

// What any command accepts, from the command table that drives CLI11: a
// [table] must name a command, and a top-level key must be a flag of some command.
struct ConfigVocabulary {
  std::vector<std::string> commands;  // "archive", "backup", ...
  std::vector<std::string> flags;     // "--home", "--keep-full", ... of every command
  std::vector<std::string> repeatable_flags;  // "--pin": a TOML list of strings gives it once per element
};

// Returns extra arguments ("--home", "/db", ...) for `command` from the file,
// skipping any flag already present in `given_args`. Unknown keys are an
// error naming the file, line and key.
Status ArgsFromConfigFile(const std::string& path, const std::string& command,
                          const std::vector<std::string>& known_flags, const ConfigVocabulary& vocabulary,
                          const std::vector<std::string>& given_args,
                          std::vector<std::string>* extra);

}  // namespace bdb
