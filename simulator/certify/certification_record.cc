#include "simulator/certify/certification_record.h"

#include <ctime>

#include <fmt/format.h>

#include "base/file_io.h"
#include "simulator/report/trial_result.h"

namespace bdb::sim::certify {

uint64_t CertificationRecord::failed() const {
  uint64_t n = 0;
  for (const CutRecord& c : cuts) n += c.pass ? 0 : 1;
  return n;
}

std::pair<double, double> CertificationRecord::FailureInterval() const {
  return WilsonInterval95(failed(), cuts.size());
}

std::string CertificationRecord::Summary() const {
  if (cuts.empty()) return "no cuts recorded";
  const auto [low, high] = FailureInterval();
  return fmt::format("{} cut{}, {} failed ({:.1f}%, 95% CI {:.0f}-{:.0f}%): the device lost or corrupted "
                     "acknowledged commits in {} of {} cuts",
                     cuts.size(), cuts.size() == 1 ? "" : "s", failed(), 100.0 * failed() / cuts.size(), 100 * low,
                     100 * high, failed(), cuts.size());
}

nlohmann::json CertificationRecord::ToJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const CutRecord& c : cuts)
    list.push_back({{"run_id", c.run_id}, {"checked_at", c.checked_at}, {"cut", c.cut},
                    {"verdict", c.pass ? "PASS" : "FAIL"}, {"acknowledged", c.acknowledged},
                    {"present", c.present}, {"lost", c.lost}, {"corrupted", c.corrupted},
                    {"torn_pages", c.torn_pages}, {"recovered", c.recovered},
                    {"first_lost_txn", c.first_lost_txn}, {"first_lost_unix_ms", c.first_lost_unix_ms},
                    {"commits_per_s", c.commits_per_s}, {"reason", c.reason}});
  const auto [low, high] = FailureInterval();
  return {{"format", "bdbsim certification record"}, {"format_version", 1}, {"cuts", list},
          {"figure", {{"cuts", cuts.size()}, {"failed", failed()}, {"failure_rate", cuts.empty() ? 0.0 : 1.0 * failed() / cuts.size()},
                      {"ci95_low", low}, {"ci95_high", high}}}};
}

Status CertificationRecord::FromJson(const nlohmann::json& j, CertificationRecord* out) {
  *out = CertificationRecord();
  if (!j.is_object() || j.value("format", "") != "bdbsim certification record")
    return Status::InvalidArgument("format: not a bdbsim certification record");
  if (!j.contains("cuts") || !j["cuts"].is_array()) return Status::InvalidArgument("cuts: missing or not an array");
  try {
    for (const nlohmann::json& c : j["cuts"]) {
      CutRecord r;
      r.run_id = c.at("run_id").get<std::string>();
      r.checked_at = c.at("checked_at").get<std::string>();
      r.cut = c.at("cut").get<std::string>();
      const std::string verdict = c.at("verdict").get<std::string>();
      if (verdict != "PASS" && verdict != "FAIL") return Status::InvalidArgument("cuts[].verdict: must be PASS or FAIL");
      r.pass = verdict == "PASS";
      r.acknowledged = c.at("acknowledged").get<uint64_t>();
      r.present = c.at("present").get<uint64_t>();
      r.lost = c.at("lost").get<uint64_t>();
      r.corrupted = c.at("corrupted").get<uint64_t>();
      r.torn_pages = c.at("torn_pages").get<uint64_t>();
      r.recovered = c.at("recovered").get<bool>();
      r.first_lost_txn = c.at("first_lost_txn").get<uint64_t>();
      r.first_lost_unix_ms = c.at("first_lost_unix_ms").get<int64_t>();
      r.commits_per_s = c.at("commits_per_s").get<double>();
      r.reason = c.at("reason").get<std::string>();
      out->cuts.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("cuts: {}", e.what()));
  }
  return Status::OK();
}

CutRecord CutFromResult(const CheckResult& r, const std::string& cut) {
  CutRecord c;
  c.run_id = r.run_id;
  c.checked_at = r.checked_at;
  c.cut = cut;
  c.pass = r.pass;
  c.acknowledged = r.acknowledged;
  c.present = r.present;
  c.lost = r.lost;
  c.corrupted = r.corrupted;
  c.torn_pages = r.torn_pages();
  c.recovered = r.recovered;
  if (r.first_lost) c.first_lost_txn = r.first_lost->txn, c.first_lost_unix_ms = r.first_lost->device_unix_ms;
  c.commits_per_s = r.commits_per_s;
  c.reason = r.reason;
  return c;
}

Status AppendToRecord(const std::string& path, const CheckResult& result, CertificationRecord* record) {
  *record = CertificationRecord();
  FileIO* io = DefaultFileIO();
  FileInfo info;
  BDB_RETURN_IF_ERROR(io->Stat(path, &info));
  if (info.exists) {
    std::string text;
    BDB_RETURN_IF_ERROR(ReadWholeFile(io, path, &text));
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return Status::InvalidArgument(fmt::format("certification record '{}': not JSON", path));
    Status s = CertificationRecord::FromJson(j, record);
    if (!s.ok()) return Status::InvalidArgument(fmt::format("certification record '{}': {}", path, s.message()));
  }
  record->cuts.push_back(CutFromResult(result));
  return WriteFileAtomically(io, path, record->ToJson().dump(2) + "\n", 0644);
}

std::string FormatUnixMs(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  time_t sec = static_cast<time_t>(unix_ms / 1000);
  struct tm tm;
  gmtime_r(&sec, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("{}.{:03d} UTC", buf, static_cast<int>(unix_ms % 1000));
}

}  // namespace bdb::sim::certify
