// The oracle is not vacuous, per fault class: in each test the injected fault
// really damages data (or the backup), and the oracle or a tool says so. Real
// workload processes, real SIGKILLs, the engine's procedures run in process
// through RunAgentRequest with the trial's copy-side faults.
#include <signal.h>

#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

#include "base/file_io.h"
#include "engine/recovery/recovery.h"
#include "engine/repository/repository.h"
#include "engine/restore/restore.h"
#include "engine/restore/verify.h"
#include "simulator/agent/backup_agent.h"
#include "simulator/harness/oracle.h"
#include "simulator/faults/power_cut.h"
#include "simulator/harness/trial_runner.h"
#include "simulator/harness/trial_sandbox.h"
#include "simulator/workload/workload_process.h"

namespace bdb::sim {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kWait(30000);

class FaultDamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sandbox_.Create(DefaultSandboxRoot(), "fault-damage", 0, 1).ok());
    config_.seed = 17;
    config_.home = sandbox_.Sub("home");
    config_.txns = 10000000;  // runs until killed
    config_.threads = 2;
    config_.keys_per_txn_max = 4;
    config_.value_bytes_max = 2000;
    config_.checkpoint_every_txns = 50;
    config_.cache_bytes = 262144;  // small: pages are written while the backup copies
  }
  void Start() {
    ASSERT_TRUE(SaveWorkloadConfig(config_, sandbox_.Sub("workload.json")).ok());
    ASSERT_TRUE(WorkloadProcess::Start(BDBSIM_WORKLOAD_BIN, sandbox_.Sub("workload.json"),
                                       sandbox_.Sub("workload.stderr"), &workload_)
                    .ok());
    ASSERT_TRUE(workload_->WaitReady(kWait).ok());
  }
  void WaitAcks(uint64_t n) {
    Status s = workload_->WaitForAcks(n, kWait);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  void Kill() {
    workload_->Kill();
    ExitInfo exit;
    ASSERT_TRUE(workload_->Wait(kWait, &exit).ok());
    ASSERT_EQ(exit.signal, SIGKILL);
  }
  OracleReport Check(const std::string& home, uint64_t cutoff, bool allow_lost_suffix) {
    return CheckEnvironment(home, workload_->ledger(), cutoff, config_, allow_lost_suffix);
  }
  std::string Copy(const std::string& name) {
    std::filesystem::copy(config_.home, sandbox_.Sub(name), std::filesystem::copy_options::recursive);
    return sandbox_.Sub(name);
  }
  AgentRequest Backup(Copier copier) {
    AgentRequest r;
    r.op = AgentOp::kBackup;
    r.mode = BackupMode::kHot;
    r.home = config_.home;
    r.repo = sandbox_.Sub("repo");
    r.copier = copier;
    return r;
  }
  std::vector<std::string> BackupIds() {
    std::vector<std::string> ids;
    std::unique_ptr<Repository> repo;
    if (Repository::Open(DefaultFileIO(), sandbox_.Sub("repo"), false, &repo).ok()) repo->ListBackupIds(&ids);
    return ids;
  }
  // What the harness would conclude about a published backup: "" when the
  // oracle holds after verify and restore, else who flagged what.
  std::string JudgeBackup(const std::string& id, uint64_t cutoff, int attempt) {
    EngineContext ctx = DefaultEngineContext();
    VerifyOutcome verified;
    Status s = RunVerify(ctx, VerifyRequest{sandbox_.Sub("repo"), id, sandbox_.path()}, &verified);
    if (!s.ok()) return "verify: " + s.message();
    RestoreRequest request;
    request.repo = sandbox_.Sub("repo");
    request.target = sandbox_.Sub("restore-" + std::to_string(attempt));
    request.backup = id;
    RestoreOutcome restored;
    s = RunRestore(ctx, request, &restored);
    if (!s.ok()) return "restore: " + s.message();
    OracleReport r = Check(request.target, cutoff, false);
    return r.ok ? "" : "oracle: " + r.Summary();
  }
  // Hot backups through an unsafe copier with tears until one is flagged
  // (tears land only on pages the workload rewrote during the copy).
  void ExpectTornBackupFlagged(Copier copier, bool mmap) {
    Start();
    WaitAcks(400);
    std::string flagged;
    uint64_t tears = 0;
    for (int attempt = 1; attempt <= 4 && flagged.empty(); ++attempt) {
      AgentRequest r = Backup(copier);
      r.faults.injector_seed = 100 + attempt;
      if (mmap) {
        r.faults.mmap_fault_pages = 16;
      } else {
        r.faults.torn_pages = 16;
      }
      const uint64_t cutoff = workload_->ledger().Cutoff();
      AgentResponse response = RunAgentRequest(r);
      for (const AgentEvent& e : response.faults) tears += e.kind == (mmap ? "mmap_fault" : "torn_read");
      if (!response.ok) {
        flagged = "backup: " + response.message;
        break;
      }
      flagged = JudgeBackup(response.backup_id, cutoff, attempt);
    }
    EXPECT_GT(tears, 0u);
    EXPECT_FALSE(flagged.empty()) << "four torn backups through the " << ToString(copier) << " copier all passed";
    RecordProperty("flagged", flagged);
  }

  TrialSandbox sandbox_;
  WorkloadConfig config_;
  std::unique_ptr<WorkloadProcess> workload_;
};

// DB_TXN_NOSYNC keeps commits in the log buffer of the environment's region;
// a SIGKILL loses them and recovery cannot bring them back. A kill right after
// the buffer filled and went to disk loses nothing, so up to five workloads
// are killed until one does (each loses a suffix, never a hole).
TEST_F(FaultDamageTest, CrashOfANosyncWorkloadLosesAcknowledgedCommits) {
  config_.durability = CommitDurability::kNoSync;
  config_.checkpoint_every_txns = 0;  // nothing flushes the log but a full buffer
  config_.value_bytes_max = 200;      // many commits per buffer
  config_.cache_bytes = 16 << 20;     // no page eviction flushes the log (write-ahead)
  OracleReport strict, lenient;
  for (int attempt = 1; attempt <= 5 && strict.missing == 0; ++attempt) {
    config_.home = sandbox_.Sub("home-" + std::to_string(attempt));
    Start();
    WaitAcks(300);
    Kill();
    Status s = RecoverNormal(config_.home);
    ASSERT_TRUE(s.ok()) << s.message();
    const uint64_t cutoff = workload_->ledger().Cutoff();
    strict = Check(config_.home, cutoff, false);
    lenient = Check(config_.home, cutoff, true);
    // Only a suffix goes: the lenient oracle accepts it and counts it.
    EXPECT_TRUE(lenient.ok) << lenient.Summary();
    EXPECT_EQ(lenient.lost_suffix, strict.missing);
  }
  EXPECT_FALSE(strict.ok);
  EXPECT_GT(strict.missing, 0u);
  ASSERT_FALSE(strict.violations.empty());
  EXPECT_EQ(strict.violations.front().rule, 1);
  EXPECT_EQ(strict.violations.front().detail, "acknowledged txn is missing");
}

// write_nosync: commits reach the OS but are not fsynced. A power cut that
// keeps every write ("all") loses nothing; one that keeps none loses a suffix.
// BDB still fsyncs the log now and then (when a transaction extends a database
// file, and at a switch to a new log file), so a kill right after such an
// fsync leaves nothing acknowledged unsynced: up to five workloads are killed
// until the "none" cut loses something.
TEST_F(FaultDamageTest, PowerLossOfUnsyncedCommitsLosesDataOnlyWhenTheWritesAreDropped) {
  config_.durability = CommitDurability::kWriteNoSync;
  config_.checkpoint_every_txns = 0;  // no checkpoint fsyncs the log,
  config_.cache_bytes = 16 << 20;     // and no page eviction does (write-ahead)
  config_.value_bytes_max = 200;
  OracleReport lost;
  std::string described;
  for (int attempt = 1; attempt <= 5 && lost.missing == 0; ++attempt) {
    const std::string n = std::to_string(attempt);
    config_.home = sandbox_.Sub("home-" + n);
    config_.journal_path = sandbox_.Sub("power-" + n + ".journal");
    Start();
    WaitAcks(300);
    Kill();
    const uint64_t cutoff = workload_->ledger().Cutoff();
    const std::string all = Copy("all-" + n), none = Copy("none-" + n);
    ASSERT_TRUE(ApplyPowerCut(config_.journal_path, all, 1, PowerLossMode::kAll, &described).ok());
    ASSERT_TRUE(RecoverNormal(all).ok());
    OracleReport kept = Check(all, cutoff, false);
    EXPECT_TRUE(kept.ok) << kept.Summary();
    EXPECT_EQ(kept.missing, 0u);

    ASSERT_TRUE(ApplyPowerCut(config_.journal_path, none, 1, PowerLossMode::kNone, &described).ok());
    Status s = RecoverNormal(none);
    if (!s.ok()) {
      // Nothing of the log survived that recovery could use: BDB says so.
      EXPECT_NE(s.message().find("normal recovery failed"), std::string::npos) << s.message();
      return;
    }
    lost = Check(none, cutoff, false);
    // Whatever survives is a prefix: the lenient oracle accepts it.
    OracleReport lenient = Check(none, cutoff, true);
    EXPECT_TRUE(lenient.ok) << lenient.Summary();
  }
  EXPECT_FALSE(lost.ok) << described;
  EXPECT_GT(lost.missing, 0u) << described;
}

// For contrast: with sync commits (an honest fsync) a cut that drops every
// unsynced write keeps every acknowledged commit, so the loss above comes from
// the missing fsync, not from the cut itself.
TEST_F(FaultDamageTest, HonestFsyncKeepsEveryAcknowledgedCommit) {
  config_.journal_path = sandbox_.Sub("power.journal");
  Start();
  WaitAcks(300);
  Kill();
  std::string described;
  ASSERT_TRUE(ApplyPowerCut(config_.journal_path, config_.home, 1, PowerLossMode::kNone, &described).ok());
  Status s = RecoverNormal(config_.home);
  ASSERT_TRUE(s.ok()) << s.message();
  OracleReport r = Check(config_.home, workload_->ledger().Cutoff(), false);
  EXPECT_TRUE(r.ok) << r.Summary();
}

TEST_F(FaultDamageTest, TornReadsThroughTheUnverifiedCopierAreFlagged) {
  ExpectTornBackupFlagged(Copier::kUnverified, false);
}

TEST_F(FaultDamageTest, MmapFaultsThroughTheMmapCopierAreFlagged) {
  config_.page_size = 8192;  // pages straddle the 4096-byte mmap boundary
  ExpectTornBackupFlagged(Copier::kMmap, true);
}

// An injected EIO makes the backup fail with nothing published; the backup
// taken before it still restores and passes the oracle.
TEST_F(FaultDamageTest, IoErrorFailsTheBackupCleanlyAndTheEarlierBackupStillRestores) {
  Start();
  WaitAcks(200);
  const uint64_t cutoff = workload_->ledger().Cutoff();
  AgentResponse good = RunAgentRequest(Backup(Copier::kVerified));
  ASSERT_TRUE(good.ok) << good.message;
  WaitAcks(workload_->ledger().AckedCount() + 50);
  AgentRequest failing = Backup(Copier::kVerified);
  failing.faults.io_point = IoPoint::kWrite;
  failing.faults.io_nth = 3;
  failing.faults.io_errno = EIO;
  AgentResponse bad = RunAgentRequest(failing);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.code, Status::Code::kIOError);
  EXPECT_NE(bad.message.find("Input/output error"), std::string::npos) << bad.message;
  bool fired = false;
  for (const AgentEvent& e : bad.faults) fired |= e.kind == "io_error" && e.detail.find("armed") == std::string::npos;
  EXPECT_TRUE(fired);
  EXPECT_EQ(BackupIds(), std::vector<std::string>{good.backup_id});
  std::vector<std::string> names;
  ASSERT_TRUE(DefaultFileIO()->ListDir(sandbox_.Sub("repo/backups"), &names).ok());
  for (const auto& n : names) EXPECT_EQ(n.find(".partial"), std::string::npos) << n;
  EXPECT_EQ(JudgeBackup(good.backup_id, cutoff, 1), "");
}

}  // namespace
}  // namespace bdb::sim
