// Merge: `bdbsim merge` turns the reports of the N shards of one run into the
// report the unsharded run would have written: trials of each scenario
// together, sorted by index, with verdicts recomputed from all of them.
// Refuses reports that cannot be one run (different seeds, overlapping or
// missing trials, missing shards). Stateless functions; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "base/file_io.h"
#include "simulator/report/trial_result.h"

namespace bdb::sim {

// Merges shard reports into *merged. Settings must be equal except for keys
// that differ per process by design: "shard", "command_line", "jobs",
// "report", the bound on kept sandboxes ("keep_sandboxes",
// "keep_sandboxes_mib") and where the sandboxes were ("sandbox_root",
// "sandbox_root_in_memory", "kept_sandboxes_in"). The merged settings are the
// first report's without "shard" and the sandbox places (each trial's own
// "sandbox" says where it is kept), and with "--shard K/N" / "--shard=K/N"
// removed from "command_line" (a string or an array of strings). Versions must be equal. Scenarios keep the order of
// first appearance. When every report has settings.shard, all N shards must be
// present exactly once. Every scenario's trial indices must be 0..count-1.
// wall_ms is the longest shard's, started_at the earliest.
Status MergeReports(const std::vector<RunReport>& shards, RunReport* merged);

// Reads <dir>/report.json of every directory and merges them.
Status MergeReportDirs(const std::vector<std::string>& dirs, RunReport* merged, FileIO* io = DefaultFileIO());

}  // namespace bdb::sim
