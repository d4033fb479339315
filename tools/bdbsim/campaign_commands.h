// `bdbsim run`, `replay` and `merge`: scenario campaigns, one trial replayed
// from its token, and shard reports merged into the unsharded run's report.
// Each takes its options struct (filled by the command table's parser,
// command_table.cc) and returns the process exit code (docs/cli.md).
// Thread-safety: main thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bdb::sim {

struct RunCommandOptions {
  std::vector<std::string> scenarios;  // files or directories; none: scenarios/
  int64_t trials = 0;                  // 0: each scenario's own
  std::string seed;                    // "": each scenario's seed, else 1
  int jobs = 0;                        // 0: the core count
  std::string shard;                   // "K/N"
  std::string report;                  // "": reports/<timestamp>
  int keep_sandboxes = 8;              // failing trials' sandboxes kept at most
  int64_t keep_sandboxes_mib = 2048;   // and at most this many MiB of them
};

struct ReplayCommandOptions {
  std::string token;
  std::vector<std::string> scenarios;
};

struct MergeCommandOptions {
  std::vector<std::string> reports;
  std::string report;
};

// args: the command line after the program name, recorded in the report.
int RunScenariosCommand(const RunCommandOptions& o, const std::vector<std::string>& args);
int ReplayCommand(const ReplayCommandOptions& o);
int MergeCommand(const MergeCommandOptions& o);

// The directory of the running bdbsim binary (its helpers live beside it).
std::string SelfDir();

}  // namespace bdb::sim
