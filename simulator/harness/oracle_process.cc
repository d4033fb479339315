#include "simulator/harness/oracle_process.h"

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/bdb/environment_password.h"
#include "base/file_io.h"
#include "base/subprocess.h"
#include "simulator/harness/child_process.h"

namespace bdb::sim {

using nlohmann::json;

std::string OracleRequestToJson(const OracleRequest& r) {
  json ledger = json::array();
  for (const TxnRecord& t : r.ledger) {
    ledger.push_back({t.txn, t.thread, t.start_seq, t.ack_seq, t.aborted, t.start_unix_ms, t.ack_unix_ms});
  }
  json j = {{"home", r.home},
            {"cutoff_seq", r.cutoff_seq},
            {"allow_lost_suffix", r.allow_lost_suffix},
            {"absent_from_unix_ms", r.absent_from_unix_ms},
            {"acks_only", r.acks_only},
            {"skip_rules_if_unreadable", r.skip_rules_if_unreadable},
            {"already_verified", r.already_verified},
            {"config", json::parse(WorkloadConfigToJson(r.config))},
            {"ledger", ledger}};
  return j.dump();
}

Status OracleRequestFromJson(const std::string& text, OracleRequest* out) {
  OracleRequest r;
  try {
    const json j = json::parse(text);
    r.home = j.at("home").get<std::string>();
    r.cutoff_seq = j.at("cutoff_seq").get<uint64_t>();
    r.allow_lost_suffix = j.at("allow_lost_suffix").get<bool>();
    r.absent_from_unix_ms = j.at("absent_from_unix_ms").get<int64_t>();
    r.acks_only = j.at("acks_only").get<bool>();
    r.skip_rules_if_unreadable = j.at("skip_rules_if_unreadable").get<bool>();
    for (const json& t : j.at("ledger")) {
      if (!t.is_array() || t.size() != 7) throw std::invalid_argument("a ledger entry is not 7 values");
      r.ledger.push_back({t[0].get<uint64_t>(), t[1].get<uint32_t>(), t[2].get<uint64_t>(), t[3].get<uint64_t>(),
                          t[4].get<bool>(), t[5].get<int64_t>(), t[6].get<int64_t>()});
    }
    BDB_RETURN_IF_ERROR(WorkloadConfigFromJson(j.at("config").dump(), &r.config));
    r.already_verified = j.at("already_verified").get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("invalid oracle request: {}", e.what()));
  }
  *out = std::move(r);
  return Status::OK();
}

std::string OracleReportToJson(const OracleReport& r) {
  json violations = json::array();
  for (const OracleViolation& v : r.violations) {
    violations.push_back(
        {{"rule", v.rule}, {"txn", v.txn}, {"database", v.database}, {"key", v.key}, {"detail", v.detail}});
  }
  json j = {{"ok", r.ok},
            {"violations", violations},
            {"violations_omitted", r.violations_omitted},
            {"records", r.records},
            {"present", r.present},
            {"acked", r.acked},
            {"missing", r.missing},
            {"extra", r.extra},
            {"lost_suffix", r.lost_suffix},
            {"after_point", r.after_point}};
  return j.dump();
}

Status OracleReportFromJson(const std::string& text, OracleReport* out) {
  OracleReport r;
  try {
    const json j = json::parse(text);
    r.ok = j.at("ok").get<bool>();
    for (const json& v : j.at("violations")) {
      r.violations.push_back({v.at("rule").get<int>(), v.at("txn").get<uint64_t>(),
                              v.at("database").get<std::string>(), v.at("key").get<std::string>(),
                              v.at("detail").get<std::string>()});
    }
    r.violations_omitted = j.at("violations_omitted").get<uint64_t>();
    r.records = j.at("records").get<uint64_t>();
    r.present = j.at("present").get<uint64_t>();
    r.acked = j.at("acked").get<uint64_t>();
    r.missing = j.at("missing").get<uint64_t>();
    r.extra = j.at("extra").get<uint64_t>();
    r.lost_suffix = j.at("lost_suffix").get<uint64_t>();
    r.after_point = j.at("after_point").get<uint64_t>();
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("invalid oracle report: {}", e.what()));
  }
  *out = std::move(r);
  return Status::OK();
}

OracleReport CheckEnvironmentInChild(const std::string& bdbsim_binary, const std::string& request_path,
                                     const OracleRequest& request, int timeout_ms) {
  OracleReport report;
  auto failed = [&](const std::string& why) {
    report = OracleReport();
    report.Add({4, 0, "", "", fmt::format("the oracle could not read environment '{}': {}", request.home, why)});
    return report;
  };
  Status s = WriteFileAtomically(DefaultFileIO(), request_path, OracleRequestToJson(request), 0600);
  if (!s.ok()) return failed(s.message());
  ChildResult child;
  s = RunChild({bdbsim_binary, "__oracle", request_path}, timeout_ms, &child);
  if (!s.ok()) return failed(s.message());
  if (!child.Succeeded()) {
    const std::string last = LastOutputLine(child.err);
    failed(fmt::format("its reader process ended with {}{}", child.Describe(), last.empty() ? "" : ": " + last));
    report.timed_out = child.timed_out;
    return report;
  }
  s = OracleReportFromJson(child.out, &report);
  if (!s.ok()) return failed(s.message());
  return report;
}

int OracleMain(const std::string& request_path) {
  std::string text;
  OracleRequest request;
  Status s = ReadWholeFile(DefaultFileIO(), request_path, &text);
  if (s.ok()) s = OracleRequestFromJson(text, &request);
  if (!s.ok()) {
    fmt::print(stderr, "bdbsim __oracle: error: {}\n", s.message());
    return 2;
  }
  ScopedThreadPassword password(request.config.password);
  const OracleReport report = CheckEnvironment(request.home, request.ledger, request.cutoff_seq, request.config,
                                               request.allow_lost_suffix, request.absent_from_unix_ms,
                                               request.acks_only, request.skip_rules_if_unreadable,
                                               request.already_verified);
  fmt::print("{}\n", OracleReportToJson(report));
  return 0;
}

}  // namespace bdb::sim
