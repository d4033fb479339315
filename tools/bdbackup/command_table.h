// bdbackup's command table: every command, its options (one struct per
// command, commands.h), examples and exit codes, and how it runs. The parser,
// --help, --config's vocabulary, docs/cli.md, the usage blocks of README.md
// and docs/contracts.md, the man pages and the bash completion all come from
// it (tools/cli/).
// Thread-safety: built once on first use; main thread only.
#pragma once

#include "tools/cli/command_table.h"

namespace bdb {

const cli::Program& BdbackupProgram();

}  // namespace bdb
