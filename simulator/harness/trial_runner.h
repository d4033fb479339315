// RunTrial: one trial of a scenario, fully determined by (scenario, seed).
// Starts the workload process, walks the scenario's steps (waits, backups and
// archives in the backup agent process, crashes, power cuts, quiesce), then
// restores or recovers and hands the result to the oracle, which reads every
// value back. Classifies the trial as PASS, DETECTED, CLEAN_FAILURE or LOSS
// and records the fault timeline. Thread-safe: trials share nothing but the
// read-only scenario and options, so several run in parallel.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "simulator/plan/scenario.h"
#include "simulator/report/trial_result.h"

namespace bdb::sim {

struct RunnerOptions {
  std::string workload_binary;  // bdbsim-workload
  // The directory of agent_binary also replaces "{bin}" in an application's
  // commands (where this build puts the example applications).
  std::string agent_binary;     // bdbsim (runs `bdbsim __agent REQUEST`)
  std::string sandbox_root;     // trials get <root>/<scenario>-<index>-<seed>/
  // libbdbsim-listing-shim.so, preloaded into external backup programs ("" = none:
  // their listings are the file system's and their copy window is their whole run).
  std::string listing_shim;
  // libbdbsim-bdb-hooks.so, preloaded into an application run as the
  // workload (workload.command) when the trial journals, crashes or fails
  // its writes ("" = none: such a trial is a harness error).
  std::string bdb_hooks_shim;
  bool keep_sandboxes = false;  // keep passing trials' sandboxes too
  // Step-by-step narration (replay); null = silent.
  std::function<void(const std::string&)> narrate;
};

// Where sandboxes go by default: /dev/shm (tmpfs) when usable, else the temp dir.
std::string DefaultSandboxRoot();

TrialResult RunTrial(const Scenario& scenario, uint64_t seed, int index, const RunnerOptions& options);

}  // namespace bdb::sim
