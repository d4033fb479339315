#include "simulator/harness/oracle.h"

#include <db.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "engine/bdb/bdb_environment.h"
#include "engine/bdb/environment_password.h"
#include "engine/recovery/recovery.h"
#include "simulator/workload/payload.h"

namespace bdb::sim {

std::string OracleViolation::Describe() const {
  std::string where;
  if (txn != 0) where += fmt::format(" txn {}", txn);
  if (!database.empty()) where += " " + database;
  if (!key.empty()) where += " '" + key + "'";
  if (where.empty()) return fmt::format("rule {}: {}", rule, detail);
  return fmt::format("rule {}:{}: {}", rule, where, detail);
}

void OracleReport::Add(OracleViolation v) {
  ok = false;
  if (violations.size() < kMaxViolations) violations.push_back(std::move(v));
  else ++violations_omitted;
}

std::string OracleReport::Summary() const {
  std::string counts = fmt::format("{} acked, {} present, {} missing, {} extra, {} lost suffix, {} records", acked,
                                   present, missing, extra, lost_suffix, records);
  if (ok) return "ok: " + counts;
  return fmt::format("FAILED: {} violations ({}); first: {}", violations.size() + violations_omitted, counts,
                     violations.front().Describe());
}

namespace {

using Records = std::vector<std::pair<std::string, std::string>>;

// Reads every record of one database with a cursor.
Status ReadAll(DB_ENV* env, BdbErrorText* errors, const char* file, Records* out) {
  DB* db = nullptr;
  int ret = db_create(&db, env, 0);
  if (ret == 0) ret = db->open(db, nullptr, file, nullptr, DB_UNKNOWN, DB_RDONLY, 0);
  if (ret != 0) {
    if (db != nullptr) db->close(db, 0);
    return Status::IOError(fmt::format("unable to open database '{}': {}", file, errors->Take(ret)));
  }
  DBC* cursor = nullptr;
  if ((ret = db->cursor(db, nullptr, &cursor, 0)) == 0) {
    DBT key{}, data{};
    while ((ret = cursor->get(cursor, &key, &data, DB_NEXT)) == 0)
      out->emplace_back(std::string(static_cast<char*>(key.data), key.size),
                        std::string(static_cast<char*>(data.data), data.size));
    cursor->close(cursor);
  }
  Status s;
  if (ret != DB_NOTFOUND)
    s = Status::IOError(fmt::format("unable to read database '{}': {}", file, errors->Take(ret)));
  db->close(db, 0);
  return s;
}

// What the records show about one txn.
struct Seen {
  std::set<uint32_t> fresh;  // valid fresh key indexes present
  bool via_slot = false;
  int queued = 0;  // its records in the queue database (workload.queue)
};

class Checker {
 public:
  Checker(const std::vector<TxnRecord>& ledger, uint64_t cutoff, const WorkloadConfig& config, bool allow_lost_suffix,
          int64_t absent_from_unix_ms, OracleReport* report)
      : cutoff_(cutoff), config_(config), allow_lost_suffix_(allow_lost_suffix),
        absent_from_unix_ms_(absent_from_unix_ms), report_(report) {
    for (const TxnRecord& r : ledger) ledger_[r.txn] = r;
  }

  void Record(Database db, const std::string& key, const std::string& value) {
    ++report_->records;
    const char* file = DatabaseFile(db);
    std::optional<ParsedKey> parsed = ParseKey(key);
    if (!parsed) return Bad(2, 0, file, key, "key is not a workload key");
    DecodedPayload p;
    Status s = DecodePayload(key, value, &p);
    uint64_t owner = parsed->slot ? 0 : parsed->txn;
    if (!s.ok()) return Bad(AckedBeforeCutoff(owner) ? 1 : 2, owner, file, key, s.message());
    if (parsed->slot) return Slot(db, *parsed, p, key, value);
    if (p.txn != parsed->txn || p.key_index != parsed->index)
      return Bad(AckedBeforeCutoff(owner) ? 1 : 2, owner, file, key,
                 fmt::format("value belongs to txn {} key index {}", p.txn, p.key_index));
    TxnPlan plan = PlanTxn(config_, p.txn);
    if (p.key_index >= plan.fresh.size() || plan.fresh[p.key_index].db != db)
      return Bad(2, p.txn, file, key, "txn never writes this key to this database");
    const PlannedRecord& rec = plan.fresh[p.key_index];
    if (value != MakePayload(config_.seed, p.txn, rec.key_index, rec.key, rec.value_bytes))
      return Bad(AckedBeforeCutoff(p.txn) ? 1 : 2, p.txn, file, key, "value differs from the txn's payload");
    seen_[p.txn].fresh.insert(p.key_index);
  }

  // See CheckEnvironment's acks_only.
  void set_acks_only(bool acks_only) { acks_only_ = acks_only; }

  // One record of the queue database (workload.queue): one per committed txn.
  void QueueRecord(const std::string& recno, const std::string& value) {
    ++report_->records;
    DecodedPayload p;
    Status s = DecodePayload(kQueuePayloadKey, value, &p);
    if (!s.ok()) return Bad(2, 0, kQueueFile, recno, s.message());
    if (p.key_index != kQueueIndex)
      return Bad(2, p.txn, kQueueFile, recno, fmt::format("value belongs to key index {}", p.key_index));
    if (value != MakePayload(config_.seed, p.txn, kQueueIndex, kQueuePayloadKey, kQueueRecordBytes))
      return Bad(AckedBeforeCutoff(p.txn) ? 1 : 2, p.txn, kQueueFile, recno, "value differs from the txn's payload");
    ++seen_[p.txn].queued;
  }

  void Finish() {
    CheckPresentTxns();
    CheckSlots();
    CheckAckedTxns();
    CheckPrefixClosed();
    CheckAfterPoint();
  }

 private:
  void Bad(int rule, uint64_t txn, const char* db, const std::string& key, std::string detail) {
    report_->Add({rule, txn, db, PrintableKey(key), std::move(detail)});
  }

  bool AckedBeforeCutoff(uint64_t txn) const {
    auto it = ledger_.find(txn);
    return it != ledger_.end() && it->second.ack_seq != 0 && it->second.ack_seq <= cutoff_;
  }

  void Slot(Database db, const ParsedKey& k, const DecodedPayload& p, const std::string& key,
            const std::string& value) {
    const char* file = DatabaseFile(db);
    uint32_t want_index = db == Database::kA ? kSlotIndexA : kSlotIndexB;
    if (TxnThread(p.txn) != k.thread || p.key_index != want_index)
      return Bad(2, p.txn, file, key, fmt::format("slot value belongs to txn {} key index {}", p.txn, p.key_index));
    TxnPlan plan = PlanTxn(config_, p.txn);
    const PlannedRecord& rec = db == Database::kA ? plan.slot_a : plan.slot_b;
    if (value != MakePayload(config_.seed, p.txn, rec.key_index, rec.key, rec.value_bytes))
      return Bad(2, p.txn, file, key, "value differs from the txn's payload");
    (db == Database::kA ? slot_a_ : slot_b_)[k.thread] = p.txn;
    seen_[p.txn].via_slot = true;
  }

  // Rule 2: each present txn committed (S seen, not aborted) and complete.
  void CheckPresentTxns() {
    for (const auto& [txn, seen] : seen_) {
      ++report_->present;
      if (!AckedBeforeCutoff(txn)) ++report_->extra;
      TxnPlan plan = PlanTxn(config_, txn);
      auto it = ledger_.find(txn);
      if (plan.deliberate_abort || (it != ledger_.end() && it->second.aborted))
        Bad(2, txn, "", "", "txn was aborted but its data is visible");
      else if (!acks_only_ && (it == ledger_.end() || it->second.start_seq == 0))
        Bad(2, txn, "", "", "txn never reached commit (no S line) but its data is visible");
      for (const PlannedRecord& rec : plan.fresh)
        if (seen.fresh.count(rec.key_index) == 0)
          Bad(AckedBeforeCutoff(txn) ? 1 : 2, txn, DatabaseFile(rec.db), rec.key,
              "txn is partly visible: this key is missing");
      if (config_.queue && seen.queued != 1)
        Bad(AckedBeforeCutoff(txn) ? 1 : 2, txn, kQueueFile, "",
            seen.queued == 0 ? "txn is partly visible: its queue record is missing"
                             : fmt::format("txn has {} queue records, not 1", seen.queued));
    }
  }

  // Rule 2: each thread's slot, in both files, holds its newest present txn.
  void CheckSlots() {
    std::map<uint32_t, uint64_t> newest;
    for (const auto& [txn, seen] : seen_) newest[TxnThread(txn)] = std::max(newest[TxnThread(txn)], txn);
    for (const auto& [thread, txn] : newest) {
      for (Database db : {Database::kA, Database::kB}) {
        auto& slots = db == Database::kA ? slot_a_ : slot_b_;
        auto it = slots.find(thread);
        if (it == slots.end())
          Bad(2, txn, DatabaseFile(db), SlotKey(thread), "slot key missing although the thread's txns are visible");
        else if (it->second != txn)
          Bad(AckedBeforeCutoff(txn) ? 1 : 2, txn, DatabaseFile(db), SlotKey(thread),
              fmt::format("slot holds txn {}, not the newest visible txn of its thread", it->second));
      }
    }
  }

  // Rule 1: every txn acked at or before the cutoff is present.
  void CheckAckedTxns() {
    std::vector<const TxnRecord*> missing;
    for (const auto& [txn, r] : ledger_) {
      if (!AckedBeforeCutoff(txn)) continue;
      ++report_->acked;
      if (seen_.count(txn) != 0) continue;
      ++report_->missing;
      if (allow_lost_suffix_) ++report_->lost_suffix;
      else missing.push_back(&r);
    }
    std::sort(missing.begin(), missing.end(), [](auto* x, auto* y) { return x->ack_seq < y->ack_seq; });
    for (const TxnRecord* r : missing) Bad(1, r->txn, "", "", "acknowledged txn is missing");
  }

  // Rule 3: if j is present, every txn acked before j's S line is present.
  void CheckPrefixClosed() {
    uint64_t first_missing_ack = std::numeric_limits<uint64_t>::max();
    uint64_t first_missing_txn = 0;
    for (const auto& [txn, r] : ledger_)
      if (r.ack_seq != 0 && seen_.count(txn) == 0 && r.ack_seq < first_missing_ack) {
        first_missing_ack = r.ack_seq;
        first_missing_txn = txn;
      }
    for (const auto& [txn, seen] : seen_) {
      auto it = ledger_.find(txn);
      if (it != ledger_.end() && it->second.start_seq > first_missing_ack)
        Bad(3, txn, "", "",
            fmt::format("txn is visible but txn {}, acknowledged before it began to commit, is missing",
                        first_missing_txn));
    }
  }

  // Rule 2 for a point-in-time restore: a txn that began to commit at or after
  // absent_from_unix_ms (by the workload's clock) must not be visible.
  void CheckAfterPoint() {
    if (absent_from_unix_ms_ == 0) return;
    for (const auto& [txn, r] : ledger_) {
      if (r.start_unix_ms == 0 || r.start_unix_ms < absent_from_unix_ms_) continue;
      ++report_->after_point;
      if (seen_.count(txn) != 0) Bad(2, txn, "", "", "txn began to commit after the restore point but is visible");
    }
  }

  uint64_t cutoff_;
  const WorkloadConfig& config_;
  bool allow_lost_suffix_;
  int64_t absent_from_unix_ms_;
  bool acks_only_ = false;
  OracleReport* report_;
  std::map<uint64_t, TxnRecord> ledger_;
  std::map<uint64_t, Seen> seen_;
  std::map<uint32_t, uint64_t> slot_a_, slot_b_;
};

}  // namespace

OracleReport CheckEnvironment(const std::string& recovered_home, const AckLedger& ledger, uint64_t cutoff_seq,
                              const WorkloadConfig& config, bool allow_lost_suffix, int64_t absent_from_unix_ms,
                              bool acks_only, bool skip_rules_if_unreadable) {
  return CheckEnvironment(recovered_home, ledger.Snapshot(), cutoff_seq, config, allow_lost_suffix,
                          absent_from_unix_ms, acks_only, skip_rules_if_unreadable);
}

OracleReport CheckEnvironment(const std::string& recovered_home, const std::vector<TxnRecord>& ledger,
                              uint64_t cutoff_seq, const WorkloadConfig& config, bool allow_lost_suffix,
                              int64_t absent_from_unix_ms, bool acks_only, bool skip_rules_if_unreadable,
                              const std::vector<std::string>& already_verified) {
  OracleReport report;
  Checker checker(ledger, cutoff_seq, config, allow_lost_suffix, absent_from_unix_ms, &report);
  checker.set_acks_only(acks_only);
  std::error_code ec;
  if (!std::filesystem::is_directory(recovered_home, ec)) {
    report.Add({4, 0, "", "", fmt::format("environment home '{}' does not exist", recovered_home)});
    return report;
  }
  DB_ENV* env = nullptr;
  BdbErrorText errors;
  int ret = db_env_create(&env, 0);
  if (ret == 0) {
    errors.Attach(env);
    ret = ApplyEnvironmentPassword(env);  // the trial's (ScopedThreadPassword), if encrypted
    if (ret == 0) ret = env->open(env, recovered_home.c_str(), DB_CREATE | DB_PRIVATE | DB_INIT_MPOOL, 0);
  }
  if (ret != 0) {
    report.Add({4, 0, "", "", fmt::format("unable to open environment '{}': {}", recovered_home, errors.Take(ret))});
    if (env != nullptr) env->close(env, 0);
    return report;
  }
  bool read_all = true;
  for (Database db : {Database::kA, Database::kB}) {
    Records records;
    Status s = ReadAll(env, &errors, DatabaseFile(db), &records);
    if (!s.ok()) {
      report.Add({4, 0, DatabaseFile(db), "", s.message()});
      read_all = false;
    }
    for (const auto& [k, v] : records) checker.Record(db, k, v);
  }
  if (config.queue) {
    Records records;
    Status s = ReadAll(env, &errors, kQueueFile, &records);
    if (!s.ok()) {
      report.Add({4, 0, kQueueFile, "", s.message()});
      read_all = false;
    }
    for (const auto& [k, v] : records) {
      db_recno_t recno = 0;
      std::memcpy(&recno, k.data(), std::min(k.size(), sizeof(recno)));
      checker.QueueRecord("#" + std::to_string(recno), v);
    }
  }
  env->close(env, 0);
  // A database that cannot be read holds none of its commits: they are
  // missing, unless the caller reads damage BDB refuses as just that.
  if (read_all || !skip_rules_if_unreadable) checker.Finish();
  std::vector<std::string> files = {DatabaseFile(Database::kA), DatabaseFile(Database::kB)};
  if (config.queue) files.push_back(kQueueFile);
  for (const std::string& file : files) {
    // VerifyDatabases takes paths relative to the home; BDB's own opens above find the data directory.
    const std::string rel = config.data_dir.empty() ? file : config.data_dir + "/" + file;
    if (std::find(already_verified.begin(), already_verified.end(), rel) != already_verified.end()) continue;
    Status s = VerifyDatabases(recovered_home, {rel});
    if (!s.ok()) report.Add({4, 0, file, "", s.message()});
  }
  return report;
}

}  // namespace bdb::sim
