// A RapidCheck property over the engine's procedures: random sequences of
// commits, aborts, checkpoints, archive runs, cold, hot and incremental
// backups on a real environment. At the end EVERY published backup is
// restored into its own directory and must hold every commit acknowledged
// before it started (exact values), no aborted transaction, and a prefix of
// the commit order. When the sequence slept past a second boundary, one
// point-in-time restore must stop exactly there.
// Cases: 8 by default (each a few seconds at most); BDBACKUP_PROPERTY_CASES=N
// runs N. RC_PARAMS="seed=S" replays a run.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdlib>
#include <optional>
#include <set>
#include <thread>

#include "engine/backup/archive.h"
#include "engine/backup/backup.h"
#include "engine/repository/backup_id.h"
#include "engine/restore/restore.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

enum class OpKind { kCommit, kAbort, kCheckpoint, kArchive, kCold, kHot, kIncremental, kSleep };

struct Op {
  OpKind kind = OpKind::kCommit;
  int count = 0;  // for kCommit and kAbort
};

std::ostream& operator<<(std::ostream& os, const Op& op) {
  static const char* const kNames[] = {"commit", "abort", "checkpoint", "archive", "cold", "hot", "incremental",
                                       "sleep"};
  os << kNames[static_cast<int>(op.kind)];
  if (op.kind == OpKind::kCommit || op.kind == OpKind::kAbort) os << " " << op.count;
  return os;
}

rc::Gen<Op> GenOp() {
  auto simple = [](OpKind k) { return rc::gen::just(Op{k, 0}); };
  return rc::gen::weightedOneOf<Op>({
      {8, rc::gen::map(rc::gen::resize(100, rc::gen::inRange(1, 150)), [](int n) { return Op{OpKind::kCommit, n}; })},
      {3, rc::gen::map(rc::gen::resize(100, rc::gen::inRange(1, 6)), [](int n) { return Op{OpKind::kAbort, n}; })},
      {2, simple(OpKind::kCheckpoint)},
      {2, simple(OpKind::kArchive)},
      {1, simple(OpKind::kCold)},
      {3, simple(OpKind::kHot)},
      {3, simple(OpKind::kIncremental)},
      {2, simple(OpKind::kSleep)},
  });
}

struct Published {
  std::string id;
  std::string mode;
  size_t acked_at_start = 0;  // ledger entries acknowledged before the backup started
  int64_t start_unix_ms = 0;
  std::string full_id;  // the full backup its chain starts with
  int64_t full_start_unix_ms = 0;
};

// One run of the property: the environment, the writer, the ledger of
// acknowledged commits (in commit order) and what was published.
class PropertyRun {
 public:
  PropertyRun(bool checksums, uint32_t page_size) {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.checksums = checksums;
    opts.page_size = page_size;
    opts.log_file_bytes = 32 * 1024;  // several log files: archive and incrementals have work
    opts.cache_bytes = 128 * 1024;
    Check(CreateTestEnvironment(home_, opts), "create environment");
    OpenWriter();
    ctx_ = DefaultEngineContext();
  }

  void Apply(const Op& op) {
    switch (op.kind) {
      case OpKind::kCommit: {
        Check(writer_->Commit(op.count), "commit");
        const std::vector<AckedCommit> acked = writer_->acked();
        RC_ASSERT(acked.size() == writer_acked_ + static_cast<size_t>(op.count));
        for (size_t i = writer_acked_; i < acked.size(); ++i) {
          RC_ASSERT(acked[i].id == next_id_);
          ledger_.push_back(next_id_++);
        }
        writer_acked_ = acked.size();
        break;
      }
      case OpKind::kAbort:
        Check(writer_->Abort(op.count), "abort");
        for (int i = 0; i < op.count; ++i) aborted_.insert(next_id_++);
        break;
      case OpKind::kCheckpoint:
        Check(writer_->Checkpoint(), "checkpoint");
        break;
      case OpKind::kArchive: {
        ArchiveOutcome out;
        Check(ArchiveFinishedLogs(ctx_, ArchiveRequest{home_, repo_}, &out), "archive");
        break;
      }
      case OpKind::kCold:
        writer_.reset();  // a cold backup needs the environment idle
        Backup("cold");
        OpenWriter();
        break;
      case OpKind::kHot:
        Backup("hot");
        break;
      case OpKind::kIncremental:
        if (!published_.empty()) Backup("incremental");
        break;
      case OpKind::kSleep: {
        slept_.push_back(WallClockUnixMs());
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));
        sleep_acked_.push_back(ledger_.size());
        break;
      }
    }
  }

  // Every published backup restores with the commits acknowledged before it started.
  void CheckEveryBackup() {
    for (size_t i = 0; i < published_.size(); ++i) {
      const Published& b = published_[i];
      const std::string target = tmp_.Sub("restore-" + std::to_string(i));
      RestoreOutcome out;
      Check(RunRestore(ctx_, RestoreRequest{repo_, target, b.id, "", "", false}, &out), "restore " + b.id);
      const size_t present = CheckRestored(target, b.id);
      RC_ASSERT(present >= b.acked_at_start);
      RC_ASSERT(present <= ledger_.size());
    }
  }

  // When a sleep crossed a second boundary and a later backup's chain started
  // before it: restore to that second; commits before the sleep are present,
  // commits after the sleep absent.
  void CheckPointInTime() {
    if (slept_.empty()) return;
    // A commit after the last sleep, and a backup that holds it.
    if (!published_.empty()) Apply(Op{OpKind::kCommit, 5});
    if (!published_.empty()) Apply(Op{OpKind::kIncremental, 0});
    for (size_t s = 0; s < slept_.size(); ++s) {
      const int64_t boundary_ms = slept_[s] / 1000 * 1000 + 999;  // the last ms of the sleep's first second
      for (auto b = published_.rbegin(); b != published_.rend(); ++b) {
        if (b->full_start_unix_ms > boundary_ms || b->start_unix_ms < slept_[s]) continue;
        // Commits acknowledged before the sleep have timestamps up to its first
        // second; those after it started at least 1.1 s later, in a later second.
        const size_t before = sleep_acked_[s];
        const std::string target = tmp_.Sub("pitr");
        RestoreOutcome out;
        Check(RunRestore(ctx_, RestoreRequest{repo_, target, b->id, FormatUtcTimestamp(boundary_ms), "", false}, &out),
              "point-in-time restore of " + b->id + " to " + FormatUtcTimestamp(boundary_ms));
        const size_t present = CheckRestored(target, b->id + " until " + FormatUtcTimestamp(boundary_ms));
        if (present != before)
          RC_FAIL("point-in-time restore to " + FormatUtcTimestamp(boundary_ms) + " holds " + std::to_string(present) +
                  " commits, expected the " + std::to_string(before) + " acknowledged before the sleep");
        RC_TAG("point in time");
        return;
      }
    }
  }

  size_t backups() const { return published_.size(); }

 private:
  void Check(const Status& s, const std::string& what) {
    if (!s.ok()) RC_FAIL(what + ": " + s.message());
  }

  void OpenWriter() {
    Check(TestWriter::Open(home_, &writer_), "open writer");
    writer_acked_ = 0;
    // A new writer numbers from 1: use up the ids already taken so ids stay unique.
    if (next_id_ > 1) Check(writer_->Abort(static_cast<int>(next_id_ - 1)), "skip used ids");
  }

  void Backup(const std::string& mode) {
    const size_t acked = ledger_.size();
    BackupOutcome out;
    BackupMode parsed = BackupMode::kHot;
    Check(ParseBackupMode(mode, &parsed), "mode");
    Check(RunBackup(ctx_, BackupRequest{home_, repo_, parsed, false, false}, &out), mode + " backup");
    Published p{out.manifest.id, mode, acked, out.manifest.start_unix_ms, out.manifest.id,
                out.manifest.start_unix_ms};
    if (mode == "incremental") {
      const Published& parent = published_.back();
      RC_ASSERT(out.manifest.parent == parent.id);
      p.full_id = parent.full_id;
      p.full_start_unix_ms = parent.full_start_unix_ms;
    }
    published_.push_back(p);
  }

  // Checks a restored environment; returns how many ledger commits it holds
  // (a prefix of the ledger, with exact values, in both databases).
  size_t CheckRestored(const std::string& target, const std::string& what) {
    std::map<std::string, std::string> a, b;
    Check(ReadDatabase(target, kBtreeDb, &a), "read a.db of " + what);
    Check(ReadDatabase(target, kHashDb, &b), "read b.db of " + what);
    RC_ASSERT(a == b);
    for (uint64_t id : aborted_) {
      if (a.count(TestKey(id)) != 0) RC_FAIL("aborted txn " + std::to_string(id) + " is visible in " + what);
    }
    const size_t present = a.size();
    if (present > ledger_.size()) RC_FAIL(what + " holds " + std::to_string(present) + " keys, more than committed");
    for (size_t i = 0; i < present; ++i) {
      const uint64_t id = ledger_[i];
      auto it = a.find(TestKey(id));
      if (it == a.end())
        RC_FAIL(what + " holds " + std::to_string(present) + " keys but not txn " + std::to_string(id) +
                " (commit " + std::to_string(i + 1) + "): not a prefix");
      if (it->second != TestValue(id)) RC_FAIL(what + ": txn " + std::to_string(id) + " has a wrong value");
    }
    return present;
  }

  TempDir tmp_{"bdbackup-prop"};
  std::string home_, repo_;
  std::unique_ptr<TestWriter> writer_;
  size_t writer_acked_ = 0;  // entries of writer_->acked() already in the ledger
  uint64_t next_id_ = 1;
  std::vector<uint64_t> ledger_;  // acknowledged ids in commit order
  std::set<uint64_t> aborted_;
  std::vector<Published> published_;
  std::vector<int64_t> slept_;        // wall clock when each sleep began
  std::vector<size_t> sleep_acked_;   // ledger size at each sleep
  EngineContext ctx_;
};

int Cases() {
  const char* env = std::getenv("BDBACKUP_PROPERTY_CASES");
  if (env != nullptr && std::atoi(env) > 0) return std::atoi(env);
  return 8;
}

TEST(BackupProperty, EveryPublishedBackupRestoresEveryCommitAcknowledgedBeforeItStarted) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = Cases();
  rc::detail::TestMetadata metadata;
  metadata.id = "BackupProperty/EveryPublishedBackup";
  metadata.description = "every published backup restores its acknowledged commits";
  const auto result = rc::detail::checkProperty(
      rc::detail::toProperty([] {
        const bool checksums = *rc::gen::arbitrary<bool>();
        const uint32_t page_size = *rc::gen::element<uint32_t>(1024, 4096, 8192);
        // Full size from the first case: with 8 cases RapidCheck's growing size would leave most tiny.
        const auto ops = *rc::gen::resize(
            100, rc::gen::container<std::vector<Op>>(*rc::gen::resize(100, rc::gen::inRange<size_t>(4, 15)), GenOp()));
        PropertyRun run(checksums, page_size);
        run.Apply(Op{OpKind::kCommit, 10});  // something to back up from the start
        for (const Op& op : ops) run.Apply(op);
        run.CheckPointInTime();
        run.CheckEveryBackup();
        RC_TAG(run.backups() < 3 ? "fewer than 3 backups" : "3 or more backups");
      }),
      metadata, params);
  std::ostringstream report;
  rc::detail::printResultMessage(result, report);
  EXPECT_TRUE(result.is<rc::detail::SuccessResult>()) << report.str();
  std::cout << report.str() << std::endl;
}

}  // namespace
}  // namespace bdb
