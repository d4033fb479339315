// A campaign: every trial of a set of scenarios (or one shard of them), run
// in parallel on a pool of `jobs` threads, each trial in its own sandbox and
// processes. The sandboxes of failing trials are kept within a bound, on disk
// (sandbox_keeper.h). Produces the RunReport the writers turn into
// report.json, junit.xml and report.html. Thread-safe internally; call from
// one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "simulator/plan/scenario.h"
#include "simulator/report/trial_result.h"
#include "simulator/harness/sandbox_keeper.h"
#include "simulator/harness/trial_runner.h"

namespace bdb::sim {

struct CampaignOptions {
  int64_t trials = 0;              // 0: each scenario's own trial count
  std::optional<uint64_t> seed;    // run seed; default each scenario's seed, else 1
  int jobs = 1;
  int shard_k = 1, shard_n = 1;    // run the K-th of N slices
  bool progress = true;            // progress bar on stderr
  std::vector<std::string> command_line;
  RunnerOptions runner;
  KeepBound keep;                // how many failing trials' sandboxes, how many bytes
  std::string kept_sandbox_dir;  // where kept sandboxes on a memory file system go ("" = left in place)
};

// The run seed a scenario's trials derive from.
uint64_t RunSeedFor(const Scenario& scenario, const CampaignOptions& options);

void RunCampaign(const std::vector<Scenario>& scenarios, const CampaignOptions& options, RunReport* report);

// Writes report.json, junit.xml and report.html into dir (created 0755).
Status WriteReports(const RunReport& report, const std::string& dir);

}  // namespace bdb::sim
