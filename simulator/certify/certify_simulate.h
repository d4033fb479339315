// `bdbsim certify simulate`: the certification flow with the simulator's
// power-loss model instead of a real cut, so a user sees the check work
// before pulling a plug. Each trial starts a real listener (localhost, an
// ephemeral port) and a real run whose workload journals its writes
// (power_loss_journal.h); after a seeded number of acknowledged commits the
// workload is SIGKILLed at a seeded write (writes in flight), the journal is
// applied as a cut on the chosen storage device (storage_device.h: honest,
// lying fsync, reordered writes, each with a volatile cache lost at the cut),
// and `check` judges the environment against the listener's ack file. The
// device under PATH is measured once (device_measure.h). Trials run one after
// another. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "simulator/certify/certification_record.h"
#include "simulator/certify/certify_check.h"
#include "simulator/certify/device_measure.h"
#include "simulator/faults/storage_device.h"
#include "simulator/workload/workload_config.h"

namespace bdb::sim::certify {

struct SimulateOptions {
  std::string dir;            // scratch directory on the device (trials in dir/trial-<n>)
  int trials = 3;
  uint64_t seed = 1;
  StorageDevice device;
  WorkloadConfig workload;    // threads, sizes, cache...; home and seed are set per trial
  uint64_t txns = 300;        // each cut comes after a seeded count in [txns/2, txns] of acknowledged commits
  MeasureOptions measure;     // measured once, before the trials (0 and 0: skip)
  std::string workload_binary;
  std::string bdbsim_binary;  // runs the oracle (`bdbsim __oracle`)
  std::string report_dir;     // "" = no report
  std::function<void(const std::string&)> say;  // progress lines; default stdout
  bool keep_trials = false;   // keep every trial directory (else only an honest device's failing ones)
};

struct SimulatedCut {
  int trial = 0;
  uint64_t seed = 0;
  uint64_t cut_after_acks = 0;
  uint64_t cut_at_write = 0;  // the workload's n-th write after that
  std::string cut;            // DeviceCutResult::Describe()
  CheckResult check;
};

struct SimulateSummary {
  bool all_passed = true;
  DeviceMeasurement device;
  std::vector<SimulatedCut> cuts;
  CertificationRecord record;
};

// Non-OK when a trial could not be carried out (the listener, the run or the
// journal failed); a device that loses commits is a FAIL cut, not an error.
Status SimulateCertification(const SimulateOptions& options, SimulateSummary* summary);

}  // namespace bdb::sim::certify
