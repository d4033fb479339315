// Sharding: `bdbsim run --shard K/N` runs the K-th of N disjoint slices of the
// trials (CI matrices, Kubernetes indexed jobs, Slurm arrays). A trial's shard
// is (FNV-1a-64(scenario) + trial_index) mod N, i.e. round-robin over each
// scenario's trials, started at a per-scenario offset so one-trial scenarios
// spread over the shards. It needs no global ordering, so adding a scenario
// never moves another scenario's trials. Pure functions; thread-safe.
#pragma once

#include <string>

#include "base/status.h"

namespace bdb::sim {

// True when trial `trial_index` of `scenario` belongs to shard k of n.
// REQUIRES: 1 <= k <= n, trial_index >= 0. For fixed n every trial is in
// exactly one shard.
bool InShard(int k, int n, const std::string& scenario, int trial_index);

// Parses "K/N" (decimal digits only). Error: "--shard must be K/N with
// 1 <= K <= N, got '5/4'".
Status ParseShard(const std::string& text, int* k, int* n);

// "K/N", as stored in the report's settings.shard.
std::string ShardName(int k, int n);

}  // namespace bdb::sim
