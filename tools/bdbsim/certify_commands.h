// `bdbsim certify listen|run|check|simulate`: the command lines of storage
// certification (simulator/certify/). Each takes its options struct (filled
// by the command table's parser, command_table.cc) and returns the process
// exit code (0 PASS or success, 1 FAIL, 2 bad usage or input, 3 environment
// still open, 4 I/O, device or listener failure).
// Thread-safety: main thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/certify/device_measure.h"
#include "simulator/workload/workload_config.h"

namespace bdb::sim::certify {

struct ListenCommandOptions {
  int port = 0;
  std::string ack_file;
};

// The workload options run and simulate share; their defaults differ (see
// the constructors): a real run lasts minutes to hours (big logs and cache),
// a simulation's trials a few hundred commits (small ones, so checkpoints and
// page writes happen before each cut).
struct CertifyWorkloadOptions {
  explicit CertifyWorkloadOptions(bool simulation);
  WorkloadConfig workload;
  std::vector<uint32_t> value_bytes = {64, 2048};  // MIN MAX
  std::vector<uint32_t> keys_per_txn = {1, 4};     // MIN MAX
  MeasureOptions measure;
};

struct RunCommandOptions : CertifyWorkloadOptions {
  RunCommandOptions() : CertifyWorkloadOptions(false) {}
  std::string dir, ack_to, run_id;
  double duration = 0;
};

struct CheckCommandOptions {
  std::string dir, ack_file, report, append;
};

struct SimulateCommandOptions : CertifyWorkloadOptions {
  SimulateCommandOptions() : CertifyWorkloadOptions(true) {}
  std::string dir, report;
  int trials = 3;
  uint64_t seed = 1;
  bool lying_fsync = false, reorder_writes = false;
  uint64_t cache_kib = 256;
  uint64_t txns = 300;
};

int ListenCommand(const ListenCommandOptions& o);
int RunCommand(const RunCommandOptions& o);
int CheckCommand(const CheckCommandOptions& o);
int SimulateCommand(const SimulateCommandOptions& o);

}  // namespace bdb::sim::certify
