// bdbsim-workload --config FILE.json: the simulator's workload process. Its
// stdout is the protocol pipe read by the harness (see simulator/ack_ledger.h);
// diagnostics go to stderr. Exit 0 when the target was reached.
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "simulator/workload/workload.h"
#include "simulator/workload/workload_config.h"

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "--config") != 0) {
    fmt::print(stderr, "usage: bdbsim-workload --config FILE.json\n");
    return 2;
  }
  bdb::sim::WorkloadConfig config;
  bdb::Status s = bdb::sim::LoadWorkloadConfig(argv[2], &config);
  if (!s.ok()) {
    fmt::print(stderr, "bdbsim-workload: error: {}\n", s.message());
    return bdb::ExitCodeFor(s);
  }
  bdb::sim::WorkloadStats stats;
  s = bdb::sim::RunWorkload(config, /*out_fd=*/1, &stats);
  fmt::print(stderr, "bdbsim-workload: {} acked, {} aborted on purpose, {} deadlock retries, {} checkpoints\n",
             stats.acked, stats.aborted, stats.deadlock_retries, stats.checkpoints);
  if (!s.ok()) {
    fmt::print(stderr, "bdbsim-workload: error: {}\n", s.message());
    return bdb::ExitCodeFor(s);
  }
  return 0;
}
