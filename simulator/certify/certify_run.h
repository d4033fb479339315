// `bdbsim certify run`: the device side of a certification. Measures the
// device under PATH (device_measure.h), starts the durability workload
// (bdbsim-workload, sync commits: every acknowledged commit was fsynced) in a
// fresh environment PATH/env, and forwards each acknowledgement, as soon as
// the workload reports its commit returned, to the listener on another
// machine (ack_sender.h). It prints what the operator must do (cut the power,
// then run check) and a status line every few seconds, and runs until the
// power goes, the workload stops, or --duration passes (then the writers are
// paused, the environment closed and the workload ended: no cut, nothing may
// be lost). Simulations (certify_simulate.h) use the same function with a
// power-loss journal and a planned crash. Not thread-safe: one run per process.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "simulator/certify/device_measure.h"
#include "simulator/workload/workload_config.h"

namespace bdb::sim::certify {

struct RunOptions {
  std::string dir;              // PATH: the environment is PATH/env (must not exist yet)
  std::string ack_host;
  int ack_port = 0;
  std::string run_id;           // "" = <hostname>-<UTC time>
  double duration_s = 0;        // 0: until the power is cut (or the workload stops)
  WorkloadConfig workload;      // home, txns, pause and crash files are set by the run
  MeasureOptions measure;
  std::string workload_binary;  // bdbsim-workload
  std::function<void(const std::string&)> say;  // operator messages; default: stdout
  double status_every_s = 5;
  // Simulation only: journal the workload's writes here and, once crash_after_acks
  // commits were acknowledged, SIGKILL it at its crash_after_writes-th write from then.
  std::string journal_path;
  uint64_t crash_after_acks = 0;  // 0: no planned crash
  uint64_t crash_after_writes = 1;
};

struct RunSummary {
  std::string run_id;
  std::string ack_file;          // on the listener's machine
  DeviceMeasurement device;
  uint64_t acked = 0;            // commits the workload acknowledged
  uint64_t forwarded = 0;        // acknowledgements sent to the listener
  uint64_t recorded = 0;         // lines the listener confirmed durable
  double commits_per_s = 0;      // synchronous commit rate
  std::string ended;             // how the workload ended
};

// The default run id: "<hostname>-<YYYYmmddTHHMMSSZ>" (characters outside the
// run id alphabet replaced by '-').
std::string DefaultRunId();

// InvalidArgument for a bad PATH (PATH/env exists already); IOError when the
// device, the listener or the workload fails (the message names which).
Status RunCertification(const RunOptions& options, RunSummary* summary);

}  // namespace bdb::sim::certify
