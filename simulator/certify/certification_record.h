// CertificationRecord: every cut of one device, collected across repeated
// run / cut / check rounds (`certify check --append RECORD.json`) or the
// trials of a simulation, and the per-device figure published studies of
// SSDs under power faults report: the share of cuts that lost or corrupted
// acknowledged commits, with a Wilson 95% confidence interval
// (simulator/report: WilsonInterval95). Plain values; the file functions are
// not safe against two writers of one record.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "simulator/certify/certify_check.h"

namespace bdb::sim::certify {

struct CutRecord {
  std::string run_id;
  std::string checked_at;
  std::string cut;                 // "real" or "simulated (<device behaviour>)"
  bool pass = false;
  uint64_t acknowledged = 0, present = 0, lost = 0, corrupted = 0, torn_pages = 0;
  bool recovered = false;
  uint64_t first_lost_txn = 0;     // 0: none
  int64_t first_lost_unix_ms = 0;
  double commits_per_s = 0;
  std::string reason;
};

struct CertificationRecord {
  std::vector<CutRecord> cuts;
  uint64_t failed() const;
  // Wilson 95% interval of the failure rate (failed cuts / cuts).
  std::pair<double, double> FailureInterval() const;
  // "3 cuts, 1 failed (33.3%, 95% CI 6-79%): the device lost acknowledged commits in 1 of 3 cuts"
  std::string Summary() const;
  nlohmann::json ToJson() const;
  // InvalidArgument "<key>: <why>" for a document that is not a record.
  static Status FromJson(const nlohmann::json& j, CertificationRecord* out);
};

CutRecord CutFromResult(const CheckResult& result, const std::string& cut = "real");

// Reads path (a missing file is an empty record), appends the cut, writes it
// back atomically. InvalidArgument "certification record '<p>': <why>" for a
// file that is not one; IOError when it cannot be written.
Status AppendToRecord(const std::string& path, const CheckResult& result, CertificationRecord* record);

// "2026-11-30 17:01:02.345 UTC".
std::string FormatUnixMs(int64_t unix_ms);

}  // namespace bdb::sim::certify
