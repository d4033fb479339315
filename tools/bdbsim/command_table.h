// bdbsim's command table: every command, its options (one struct per
// command: campaign_commands.h, certify_commands.h), examples and exit codes,
// and how it runs. The parser, --help, docs/cli.md, the usage blocks of
// docs/simulator.md, docs/certify.md and docs/contracts.md, the man pages
// and the bash completion all
// come from it (tools/cli/). The hidden `__agent` and `__oracle` entries the
// trial runner uses are not commands: bdbsim's main() handles them first.
// Thread-safety: built once on first use; main thread only.
#pragma once

#include "tools/cli/command_table.h"

namespace bdb::sim {

const cli::Program& BdbsimProgram();

}  // namespace bdb::sim
