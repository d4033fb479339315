// Measures the storage device under a directory, as a certification record
// reports it: fsync latency (p50, p99, max over `fsync_samples` appends of 4 KiB,
// each followed by fdatasync) and sequential write bandwidth (`write_mib` MiB
// in 1 MiB writes, then fsync, timed together). Scratch files are removed.
// The synchronous commit rate comes from the workload itself (certify_run.h).
// Plain functions; one measurement at a time per directory.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace bdb::sim::certify {

struct MeasureOptions {
  uint32_t fsync_samples = 1000;
  uint32_t write_mib = 256;
};

struct DeviceMeasurement {
  uint32_t fsync_samples = 0;
  double fsync_p50_ms = 0, fsync_p99_ms = 0, fsync_max_ms = 0;
  uint64_t sequential_bytes = 0;
  double sequential_mib_per_s = 0;
  std::string filesystem;  // statfs type of the directory, e.g. "ext4"
  nlohmann::json ToJson() const;
  static DeviceMeasurement FromJson(const nlohmann::json& j);  // missing keys stay 0
};

// IOError naming the scratch file when a write or fsync fails.
Status MeasureDevice(const std::string& dir, const MeasureOptions& options, DeviceMeasurement* out);

// The value at quantile q (0..1) of sorted values (nearest rank); 0 when empty.
double Quantile(const std::vector<double>& sorted, double q);

}  // namespace bdb::sim::certify
