// A RapidCheck property over random sequences of commits, checkpoints,
// archive runs, cold, hot and incremental backups, pauses and expire runs
// with random policies (--keep-full, --keep-for, --keep-pitr, a pin) on a
// real environment. After every expire: exactly the backups the plan kept
// are listed, and a restore of the latest backup reaches at least every
// commit it reached before. At the end every retained backup restores every
// commit acknowledged before it started (exact values, a prefix of the commit
// order).
// Cases: 6 by default; BDBACKUP_PROPERTY_CASES=N runs N. RC_PARAMS="seed=S" replays.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "engine/backup/archive.h"
#include "engine/backup/backup.h"
#include "engine/upkeep/expire.h"
#include "engine/repository/repository.h"
#include "engine/restore/restore.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

enum class OpKind { kCommit, kCheckpoint, kArchive, kCold, kHot, kIncremental, kPause, kExpire };

struct Op {
  OpKind kind = OpKind::kCommit;
  int count = 0;           // kCommit: transactions
  RetentionPolicy policy;  // kExpire (pins: index into the published list, resolved when applied)
  int pin = -1;
};

std::ostream& operator<<(std::ostream& os, const Op& op) {
  static const char* const kNames[] = {"commit", "checkpoint", "archive", "cold", "hot", "incremental", "pause",
                                       "expire"};
  os << kNames[static_cast<int>(op.kind)];
  if (op.kind == OpKind::kCommit) os << " " << op.count;
  if (op.kind == OpKind::kExpire) {
    if (op.policy.keep_full) os << " --keep-full " << *op.policy.keep_full;
    if (op.policy.keep_for_ms) os << " --keep-for " << *op.policy.keep_for_ms << "ms";
    if (op.policy.keep_pitr_ms) os << " --keep-pitr " << *op.policy.keep_pitr_ms << "ms";
    if (op.pin >= 0) os << " --pin #" << op.pin;
  }
  return os;
}

rc::Gen<Op> GenExpire() {
  return rc::gen::apply(
      [](int rule, int full, int ms, int pin) {
        Op op{OpKind::kExpire, 0, {}, pin};
        if (rule == 0 || rule == 3) op.policy.keep_full = static_cast<uint32_t>(full);
        if (rule == 1 || rule == 3) op.policy.keep_for_ms = ms;
        if (rule == 2) op.policy.keep_pitr_ms = ms;
        return op;
      },
      rc::gen::inRange(0, 4), rc::gen::inRange(1, 4), rc::gen::inRange(100, 1500), rc::gen::inRange(-3, 4));
}

rc::Gen<Op> GenOp() {
  auto simple = [](OpKind k) { return rc::gen::just(Op{k, 0, {}, -1}); };
  return rc::gen::weightedOneOf<Op>({
      {6, rc::gen::map(rc::gen::resize(100, rc::gen::inRange(1, 120)),
                       [](int n) { return Op{OpKind::kCommit, n, {}, -1}; })},
      {1, simple(OpKind::kCheckpoint)},
      {3, simple(OpKind::kArchive)},
      {1, simple(OpKind::kCold)},
      {3, simple(OpKind::kHot)},
      {3, simple(OpKind::kIncremental)},
      {2, simple(OpKind::kPause)},
      {4, GenExpire()},
  });
}

struct Published {
  std::string id;
  size_t acked_at_start = 0;  // ledger entries acknowledged before the backup started
};

class RetentionRun {
 public:
  RetentionRun() {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.log_file_bytes = 32 * 1024;  // several log files: archive and expire have work
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
        for (size_t i = writer_acked_; i < acked.size(); ++i) ledger_.push_back(acked[i].id);
        writer_acked_ = acked.size();
        next_id_ += static_cast<uint64_t>(op.count);
        break;
      }
      case OpKind::kCheckpoint:
        Check(writer_->Checkpoint(), "checkpoint");
        break;
      case OpKind::kArchive: {
        ArchiveOutcome out;
        Check(ArchiveFinishedLogs(ctx_, ArchiveRequest{home_, repo_}, &out), "archive");
        break;
      }
      case OpKind::kCold:
        writer_.reset();
        Backup("cold");
        OpenWriter();
        break;
      case OpKind::kHot:
        Backup("hot");
        break;
      case OpKind::kIncremental:
        if (!published_.empty()) Backup("incremental");
        break;
      case OpKind::kPause:
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        break;
      case OpKind::kExpire:
        Expire(op);
        break;
    }
  }

  // Every retained backup restores every commit acknowledged before it started.
  void CheckEveryRetainedBackup() {
    for (size_t i = 0; i < published_.size(); ++i) {
      const size_t present = Restore(published_[i].id, "final-" + std::to_string(i));
      if (present < published_[i].acked_at_start)
        RC_FAIL("retained backup " + published_[i].id + " restores " + std::to_string(present) +
                " commits, but " + std::to_string(published_[i].acked_at_start) +
                " were acknowledged before it started");
    }
    RC_TAG(published_.size() < 2 ? "fewer than 2 retained" : "2 or more retained");
  }

 private:
  void Check(const Status& s, const std::string& what) {
    if (!s.ok()) RC_FAIL(what + ": " + s.message());
  }

  void OpenWriter() {
    Check(TestWriter::Open(home_, &writer_), "open writer");
    writer_acked_ = 0;
    if (next_id_ > 1) Check(writer_->Abort(static_cast<int>(next_id_ - 1)), "skip used ids");
  }

  void Backup(const std::string& mode) {
    const size_t acked = ledger_.size();
    BackupOutcome out;
    Check(RunBackup(ctx_, BackupRequest{home_, repo_, ModeNamed(mode), false, false}, &out), mode + " backup");
    published_.push_back(Published{out.manifest.id, acked});
  }

  void Expire(const Op& op) {
    if (published_.empty()) return;
    ExpireRequest request{repo_, op.policy, false, {}};
    if (op.pin >= 0) request.policy.pins = {published_[static_cast<size_t>(op.pin) % published_.size()].id};
    const size_t latest_before = Restore("latest", "before-expire");
    ExpireOutcome out;
    Check(RunExpire(ctx_, request, &out), "expire");
    RC_TAG(out.plan.expired.empty() ? "expire removed nothing" : "expire removed backups");
    if (!out.plan.expired_logs.empty()) RC_TAG("expire removed logs");
    std::erase_if(published_, [&](const Published& p) {
      return std::find(out.plan.expired.begin(), out.plan.expired.end(), p.id) != out.plan.expired.end();
    });
    std::unique_ptr<Repository> repo;
    Check(Repository::Open(ctx_.io, repo_, false, &repo), "open repository");
    std::vector<std::string> listed;
    Check(repo->ListBackupIds(&listed), "list");
    RC_ASSERT(listed == out.plan.kept);
    RC_ASSERT(listed.size() == published_.size());
    const size_t latest_after = Restore("latest", "after-expire");
    if (latest_after < latest_before)
      RC_FAIL("after expire a restore of the latest backup reaches " + std::to_string(latest_after) +
              " commits, before it reached " + std::to_string(latest_before));
  }

  // Restores `backup` and returns how many ledger commits it holds (a prefix, exact values).
  size_t Restore(const std::string& backup, const std::string& name) {
    const std::string target = tmp_.Sub("restore-" + name);
    RestoreOutcome out;
    Check(RunRestore(ctx_, RestoreRequest{repo_, target, backup, "", "", false}, &out), "restore " + backup);
    std::map<std::string, std::string> a;
    Check(ReadDatabase(target, kBtreeDb, &a), "read a.db of " + backup);
    const size_t present = a.size();
    if (present > ledger_.size()) RC_FAIL(backup + " holds more keys than were committed");
    for (size_t i = 0; i < present; ++i) {
      auto it = a.find(TestKey(ledger_[i]));
      if (it == a.end() || it->second != TestValue(ledger_[i]))
        RC_FAIL(backup + " holds " + std::to_string(present) + " keys but not commit " + std::to_string(i + 1) +
                " with its value: not a prefix");
    }
    Check(RemoveTree(ctx_.io, target), "remove " + target);
    return present;
  }

  TempDir tmp_{"bdbackup-retention"};
  std::string home_, repo_;
  std::unique_ptr<TestWriter> writer_;
  size_t writer_acked_ = 0;
  uint64_t next_id_ = 1;
  std::vector<uint64_t> ledger_;
  std::vector<Published> published_;
  EngineContext ctx_;
};

int Cases() {
  const char* env = std::getenv("BDBACKUP_PROPERTY_CASES");
  if (env != nullptr && std::atoi(env) > 0) return std::atoi(env);
  return 6;
}

TEST(RetentionProperty, EveryRetainedBackupRestoresEveryCommitItPromises) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = Cases();
  rc::detail::TestMetadata metadata;
  metadata.id = "RetentionProperty/EveryRetainedBackup";
  metadata.description = "every retained backup restores every commit it promises";
  const auto result = rc::detail::checkProperty(
      rc::detail::toProperty([] {
        const auto ops = *rc::gen::resize(
            100, rc::gen::container<std::vector<Op>>(*rc::gen::resize(100, rc::gen::inRange<size_t>(6, 16)), GenOp()));
        RetentionRun run;
        run.Apply(Op{OpKind::kCommit, 20, {}, -1});
        run.Apply(Op{OpKind::kHot, 0, {}, -1});  // something to expire against from the start
        for (const Op& op : ops) run.Apply(op);
        run.CheckEveryRetainedBackup();
      }),
      metadata, params);
  std::ostringstream report;
  rc::detail::printResultMessage(result, report);
  EXPECT_TRUE(result.is<rc::detail::SuccessResult>()) << report.str();
  std::cout << report.str() << std::endl;
}

}  // namespace
}  // namespace bdb
