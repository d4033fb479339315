#include "simulator/certify/certify_check.h"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include <fmt/format.h>

#include "engine/repository/backup_id.h"
#include "base/file_io.h"
#include "engine/recovery/recovery.h"
#include "engine/bdb/region_users.h"
#include "simulator/harness/oracle.h"
#include "simulator/harness/oracle_process.h"
#include "simulator/workload/ack_ledger.h"
#include "simulator/workload/workload_config.h"

namespace bdb::sim::certify {
namespace {

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void RemoveRegionFiles(const std::string& home) {
  std::vector<std::string> names;
  if (!DefaultFileIO()->ListDir(home, &names).ok()) return;
  for (const std::string& n : names)
    if (n.rfind("__db.", 0) == 0 && n.find('.', 5) == std::string::npos) DefaultFileIO()->RemoveFile(JoinPath(home, n));
}

void RateOverTime(const AckFileContents& acks, CheckResult* r) {
  if (acks.acks.empty()) return;
  int64_t first = acks.acks.front().device_unix_ms, last = first;
  for (const AckEntry& a : acks.acks) first = std::min(first, a.device_unix_ms), last = std::max(last, a.device_unix_ms);
  r->run_seconds = (last - first) / 1000.0;
  r->commits_per_s = r->run_seconds > 0 ? acks.acks.size() / r->run_seconds : 0;
  const uint64_t span_ms = static_cast<uint64_t>(last - first) + 1;
  // 100, 200, 500, 1000, 2000 ... ms: the first that needs at most 600 buckets.
  for (uint64_t decade = 100, step = 0; (r->bucket_ms = decade * (step == 0 ? 1 : step == 1 ? 2 : 5)) * 600 < span_ms;)
    if (++step == 3) step = 0, decade *= 10;
  r->acks_per_bucket.assign((span_ms + r->bucket_ms - 1) / r->bucket_ms, 0);
  for (const AckEntry& a : acks.acks) ++r->acks_per_bucket[static_cast<uint64_t>(a.device_unix_ms - first) / r->bucket_ms];
}

}  // namespace

std::string CheckResult::Summary() const {
  return fmt::format("{}: {} acknowledged, {} present, {} lost, {} corrupted, {} torn pages", pass ? "PASS" : "FAIL",
                     acknowledged, present, lost, corrupted, torn_pages());
}

namespace {

// The run as its ack file describes it: identity, workload settings, the
// acknowledgements' rate over time. InvalidArgument for a file without an ack.
Status ReadRun(const CheckOptions& options, AckFileContents* acks, WorkloadConfig* config, CheckResult* r) {
  BDB_RETURN_IF_ERROR(ReadAckFile(options.ack_file, acks));
  if (acks->acks.empty())
    return Status::InvalidArgument(fmt::format(
        "ack file '{}' holds no acknowledged commit: the run ended before its first commit, so there is nothing to "
        "check",
        options.ack_file));
  BDB_RETURN_IF_ERROR(WorkloadConfigFromJson(acks->config_json, config)
                          .WithContext(fmt::format("ack file '{}'", options.ack_file)));
  r->run_id = acks->run_id;
  r->peer = acks->peer;
  r->hello_unix_ms = acks->hello_unix_ms;
  r->workload = nlohmann::json::parse(acks->config_json, nullptr, false);
  r->acknowledged = acks->acks.size();
  for (const nlohmann::json& m : acks->measurements)
    if (m.value("kind", "") == "device") r->device = DeviceMeasurement::FromJson(m);
  RateOverTime(*acks, r);
  return Status::OK();
}

// Every acknowledged commit counted lost, for why.
void FailAll(const AckFileContents& acks, const std::string& why, CheckResult* r) {
  r->pass = false;
  r->lost = r->acknowledged;
  r->reason = why;
  if (!acks.acks.empty())
    r->first_lost = LostCommit{acks.acks[0].txn, 1, acks.acks[0].device_unix_ms, acks.acks[0].listener_unix_ms};
}

// Normal recovery of the environment the cut left, with its pages scanned
// before and after. False (r failed, with the reason) when there is nothing
// to read; Busy when a process still has it open.
Status RecoverTheHome(const std::string& home, const WorkloadConfig& config, const AckFileContents& acks,
                      CheckResult* r, bool* readable) {
  *readable = false;
  if (!IsDir(home)) {
    FailAll(acks,
            fmt::format("the environment '{}' is gone: none of the {} acknowledged commits survived", home,
                        r->acknowledged),
            r);
    return Status::OK();
  }
  // A run still going (no cut yet) must not have its regions pulled away.
  if (std::vector<pid_t> users = ProcessesMappingRegions(home); !users.empty())
    return Status::Busy(fmt::format("the environment '{}' is in use ({}): stop the run (or cut the power) before "
                                    "checking",
                                    home, DescribeOtherPids(users, 0)));
  RemoveRegionFiles(home);  // they belong to the processes the cut killed
  BDB_RETURN_IF_ERROR(ScanDatabasePages(home, config.data_dir, &r->before_recovery));
  Status rec = RecoverNormal(home);
  if (!rec.ok()) {
    r->recovery_error = rec.message();
    for (const BadPage& p : r->before_recovery.bad)
      r->problems.push_back(fmt::format("page {} of '{}' fails its checksum (torn or corrupt)", p.page, p.file));
    FailAll(acks,
            fmt::format("the environment does not recover, so none of the {} acknowledged commits can be read: {}",
                        r->acknowledged, rec.message()),
            r);
    return Status::OK();
  }
  r->recovered = true;
  BDB_RETURN_IF_ERROR(ScanDatabasePages(home, config.data_dir, &r->after_recovery));
  *readable = true;
  return Status::OK();
}

// The oracle, in a child process, with the ack file as its ledger: each
// acknowledgement in the order recorded. *position: a txn's place in it.
OracleReport CheckAcksInChild(const CheckOptions& options, const std::string& home, const WorkloadConfig& config,
                              const AckFileContents& acks, std::map<uint64_t, size_t>* position) {
  AckLedger ledger;
  for (size_t i = 0; i < acks.acks.size(); ++i) {
    const std::string txn = std::to_string(acks.acks[i].txn);
    ledger.Consume("S " + txn);
    ledger.Consume("A " + txn);
    position->emplace(acks.acks[i].txn, i);
  }
  ledger.Close();
  OracleRequest request;
  request.home = home;
  request.ledger = ledger.Snapshot();
  request.cutoff_seq = ledger.Cutoff();
  request.config = config;
  request.acks_only = true;
  const std::string request_path = JoinPath(options.dir, ".certify-oracle-request.json");
  OracleReport report = CheckEnvironmentInChild(options.bdbsim_binary, request_path, request, 30 * 60 * 1000);
  DefaultFileIO()->RemoveFile(request_path);
  return report;
}

// The oracle's findings as lost and corrupted commits, the first lost by its
// place among the acknowledgements.
void TallyViolations(const OracleReport& report, const AckFileContents& acks,
                     const std::map<uint64_t, size_t>& position, CheckResult* r) {
  r->records = report.records;
  r->extra = report.extra;
  r->lost = report.missing;
  std::set<uint64_t> corrupted;
  for (const OracleViolation& v : report.violations) {
    r->problems.push_back(v.Describe());
    if (v.rule == 1 && v.detail == "acknowledged txn is missing") {
      auto it = position.find(v.txn);
      if (it == position.end()) continue;
      const AckEntry& a = acks.acks[it->second];
      const LostCommit lost{a.txn, it->second + 1, a.device_unix_ms, a.listener_unix_ms};
      if (!r->first_lost || lost.position < r->first_lost->position) r->first_lost = lost;
    } else if (v.txn != 0 && position.count(v.txn) != 0) {
      corrupted.insert(v.txn);
    }
  }
  r->problems_omitted = report.violations_omitted;
  r->corrupted = corrupted.size();
  r->present = r->acknowledged - std::min(r->acknowledged, r->lost + r->corrupted);
  for (const BadPage& p : r->after_recovery.bad)
    r->problems.push_back(
        fmt::format("page {} of '{}' fails its checksum after recovery (torn or corrupt)", p.page, p.file));
}

// PASS or FAIL, and the one sentence that says why.
void Judge(const OracleReport& report, CheckResult* r) {
  r->pass = report.ok && r->after_recovery.bad_count == 0;
  if (r->pass) {
    r->reason = fmt::format("every one of the {} acknowledged commits is present with its exact values; recovery, "
                            "page checksums and DB->verify passed",
                            r->acknowledged);
  } else if (r->lost > 0 && r->first_lost) {
    r->reason = fmt::format("{} of {} acknowledged commits lost; the first lost is txn {} (acknowledgement {} of {})",
                            r->lost, r->acknowledged, r->first_lost->txn, r->first_lost->position, r->acknowledged);
  } else if (r->lost > 0) {
    r->reason = fmt::format("{} of {} acknowledged commits lost", r->lost, r->acknowledged);
  } else if (r->corrupted > 0) {
    r->reason = fmt::format("{} acknowledged commits corrupted: {}", r->corrupted, r->problems.front());
  } else if (r->after_recovery.bad_count > 0) {
    r->reason = fmt::format("{} pages fail their checksum after recovery (first: page {} of '{}')",
                            r->after_recovery.bad_count, r->after_recovery.bad[0].page, r->after_recovery.bad[0].file);
  } else {
    r->reason = r->problems.empty() ? "the oracle failed" : r->problems.front();
  }
}

}  // namespace

Status CheckCertification(const CheckOptions& options, CheckResult* r) {
  *r = CheckResult();
  r->checked_at = FormatUtcSeconds(time(nullptr));
  if (!IsDir(options.dir))
    return Status::InvalidArgument(fmt::format("--dir '{}' is not a directory (give the PATH of the run)", options.dir));
  AckFileContents acks;
  WorkloadConfig config;
  BDB_RETURN_IF_ERROR(ReadRun(options, &acks, &config, r));
  const std::string home = JoinPath(options.dir, "env");
  config.home = home;
  bool readable = false;
  BDB_RETURN_IF_ERROR(RecoverTheHome(home, config, acks, r, &readable));
  if (!readable) return Status::OK();
  std::map<uint64_t, size_t> position;
  const OracleReport report = CheckAcksInChild(options, home, config, acks, &position);
  TallyViolations(report, acks, position, r);
  Judge(report, r);
  return Status::OK();
}

}  // namespace bdb::sim::certify
