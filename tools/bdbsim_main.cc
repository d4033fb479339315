// bdbsim: the simulator's command line. The commands, their options and how
// each runs are in the command table (tools/bdbsim/command_table.cc). Also
// the hidden `__agent` and `__oracle` entries the trial runner uses to run a
// backup, and to read a restored environment, each in its own process.
#include <cstdio>
#include <string>
#include <vector>

#include "base/crash_points.h"
#include "simulator/agent/backup_agent.h"
#include "simulator/harness/oracle_process.h"
#include "tools/bdbsim/command_table.h"
#include "tools/cli/cli_parser.h"

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "__agent") return bdb::sim::AgentMain(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "__oracle") return bdb::sim::OracleMain(argv[2]);
  bdb::InitFaultPoints();
  bdb::cli::ParseHooks hooks;
  hooks.usage_error = [](const std::string& message, const std::vector<std::string>&) {
    std::fprintf(stderr, "bdbsim: error: %s\n", message.c_str());
    return 2;
  };
  return bdb::cli::RunProgram(bdb::sim::BdbsimProgram(), argc, argv, hooks);
}
