// bdbackup: the engine's command line. The commands, their options and how
// each runs are in the command table (tools/bdbackup/command_table.cc); this
// only sets up the process, applies --config and reports bad usage.
#include <algorithm>
#include <string>
#include <vector>

#include "base/crash_points.h"
#include "engine/bdb/deferred_stop.h"
#include "tools/bdbackup/command_runner.h"
#include "tools/bdbackup/command_table.h"
#include "tools/bdbackup/config_file.h"
#include "tools/cli/cli_parser.h"

namespace {

bool WantsJson(const std::vector<std::string>& args) {
  return std::find(args.begin(), args.end(), "--json") != args.end();
}

}  // namespace

int main(int argc, char** argv) {
  bdb::InitFaultPoints();
  bdb::InstallDeferredStopSignals();
  const bdb::cli::Program& program = bdb::BdbackupProgram();
  bdb::cli::ParseHooks hooks;
  hooks.before_parse = [&program](std::vector<std::string>* args) {
    const bool json = WantsJson(*args);  // before the file could ask for it
    const bdb::Status s = bdb::ApplyConfigFile(program, args);
    return s.ok() ? -1 : bdb::FailBeforeCommand(s, json);
  };
  hooks.usage_error = [](const std::string& message, const std::vector<std::string>& args) {
    return bdb::FailBeforeCommand(bdb::Status::InvalidArgument(message), WantsJson(args));
  };
  return bdb::cli::RunProgram(program, argc, argv, hooks);
}
