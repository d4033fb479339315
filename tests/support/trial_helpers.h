// Helpers for tests that run simulator trials in-process: a scenario from an
// inline TOML text, and runner options pointing at this build's binaries.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "simulator/harness/trial_runner.h"
#include "simulator/plan/scenario.h"

namespace bdb::sim {

// Loads `toml` as "inline.toml"; a load error fails the calling test.
inline Scenario LoadInlineScenario(const std::string& toml) {
  Scenario sc;
  Status s = LoadScenarioString(toml, "inline.toml", &sc);
  EXPECT_TRUE(s.ok()) << s.message();
  return sc;
}

// This build's workload and agent binaries, the default sandbox root.
inline RunnerOptions TestRunnerOptions() {
  RunnerOptions o;
  o.workload_binary = BDBSIM_WORKLOAD_BIN;
  o.agent_binary = BDBSIM_BIN;
  o.listing_shim = BDBSIM_LISTING_SHIM;
  o.bdb_hooks_shim = BDBSIM_BDB_HOOKS;
  o.sandbox_root = DefaultSandboxRoot();
  return o;
}

}  // namespace bdb::sim
