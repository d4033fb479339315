// The workload process end to end: a real bdbsim-workload child, its protocol
// pipe feeding the AckLedger, a real SIGKILL, recovery and the oracle.
#include <db.h>
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "engine/recovery/recovery.h"
#include "simulator/workload/ack_ledger.h"
#include "simulator/harness/oracle.h"
#include "simulator/workload/payload.h"
#include "simulator/workload/workload.h"
#include "simulator/workload/workload_config.h"
#include "simulator/workload/workload_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kLong(20000);

WorkloadConfig SmallConfig(const TempDir& dir, uint64_t txns) {
  WorkloadConfig c;
  c.seed = 11;
  c.home = dir.Sub("env");
  c.txns = txns;
  c.threads = 2;
  c.keys_per_txn_min = 1;
  c.keys_per_txn_max = 4;
  c.value_bytes_min = 16;
  c.value_bytes_max = 700;
  c.abort_percent = 10;
  c.cache_bytes = 262144;
  c.checkpoint_every_txns = 50;
  c.log_file_bytes = 262144;
  return c;
}

std::unique_ptr<WorkloadProcess> StartWorkload(const TempDir& dir, const WorkloadConfig& c) {
  std::string path = dir.Sub("workload.json");
  EXPECT_TRUE(SaveWorkloadConfig(c, path).ok());
  std::unique_ptr<WorkloadProcess> p;
  Status s = WorkloadProcess::Start(BDBSIM_WORKLOAD_BIN, path, dir.Sub("workload.err"), &p);
  EXPECT_TRUE(s.ok()) << s.message();
  return p;
}

std::string Stderr(const TempDir& dir) {
  std::ifstream in(dir.Sub("workload.err"));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(WorkloadTest, RunsToTargetAndOracleAcceptsARecoveredCopy) {
  TempDir dir("h4-workload");
  WorkloadConfig c = SmallConfig(dir, 500);
  auto p = StartWorkload(dir, c);
  ASSERT_TRUE(p->WaitReady(kLong).ok());
  Status s = p->WaitDone(kLong);
  ASSERT_TRUE(s.ok()) << s.message() << "\n" << Stderr(dir);
  ExitInfo exit;
  ASSERT_TRUE(p->Wait(kLong, &exit).ok());
  EXPECT_TRUE(exit.exited);
  EXPECT_EQ(exit.code, 0) << Stderr(dir);
  EXPECT_EQ(exit.Describe(), "exit code 0");
  const AckLedger& ledger = p->ledger();
  EXPECT_TRUE(ledger.error().ok());
  EXPECT_GE(ledger.AckedCount(), 500u);
  EXPECT_LE(ledger.AckedCount(), 501u);  // two threads may both start the last txn
  EXPECT_GT(ledger.AbortedCount(), 0u);
  // Checkpoints run on their own thread; requests that arrive while one runs are merged.
  EXPECT_GE(ledger.CheckpointCount(), 1u);
  EXPECT_LE(ledger.CheckpointCount(), ledger.AckedCount() / 50);
  EXPECT_NE(Stderr(dir).find(fmt::format("{} acked, {} aborted on purpose", ledger.AckedCount(),
                                         ledger.AbortedCount())),
            std::string::npos);
  // The oracle reads a recovered copy, never the source environment.
  std::filesystem::copy(c.home, dir.Sub("copy"), std::filesystem::copy_options::recursive);
  ASSERT_TRUE(RecoverNormal(dir.Sub("copy")).ok());
  OracleReport r = CheckEnvironment(dir.Sub("copy"), ledger, ledger.Cutoff(), c, false);
  EXPECT_TRUE(r.ok) << r.Summary();
  EXPECT_EQ(r.acked, ledger.AckedCount());
  EXPECT_EQ(r.present, ledger.AckedCount());
  EXPECT_EQ(r.missing, 0u);
  EXPECT_EQ(r.extra, 0u);
}

TEST(WorkloadTest, SigkillMidRunThenRecoveryKeepsEveryAck) {
  TempDir dir("h4-workload");
  WorkloadConfig c = SmallConfig(dir, 100000);
  c.threads = 3;
  auto p = StartWorkload(dir, c);
  ASSERT_TRUE(p->WaitForAcks(150, kLong).ok());
  p->Kill();
  ExitInfo exit;
  ASSERT_TRUE(p->Wait(kLong, &exit).ok());
  EXPECT_FALSE(exit.exited);
  EXPECT_EQ(exit.signal, SIGKILL);
  EXPECT_EQ(exit.Describe(), "killed by signal 9");
  EXPECT_FALSE(p->ledger().done());
  Status s = RecoverNormal(c.home);
  ASSERT_TRUE(s.ok()) << s.message();
  OracleReport r = CheckEnvironment(c.home, p->ledger(), p->ledger().Cutoff(), c, false);
  EXPECT_TRUE(r.ok) << r.Summary();
  EXPECT_GE(r.acked, 150u);
  EXPECT_EQ(r.missing, 0u);
  EXPECT_LE(r.extra, 3u);  // at most one in-flight commit per thread
}

// An injected I/O error under BDB (libfiu in the workload's hooks): the n-th
// write or fsync of an environment file fails. BDB reports it, the workload
// stops with the error, and normal recovery keeps every acknowledged commit.
struct IoErrorCase {
  const char* point;
  int error;
  bool short_write;
};
class WorkloadIoErrorTest : public ::testing::TestWithParam<IoErrorCase> {};

TEST_P(WorkloadIoErrorTest, BdbMeetsTheErrorAndRecoveryKeepsEveryAck) {
  const IoErrorCase e = GetParam();
  TempDir dir("h4-workload");
  WorkloadConfig c = SmallConfig(dir, 100000);
  // A cache the first 300 commits fit in: no eviction writes, whose failure
  // BDB may absorb by using another buffer; the 300th write is a log write.
  c.cache_bytes = 8 << 20;
  c.io_error_op = std::string(e.point) == "write" ? WorkloadIoOp::kWrite : WorkloadIoOp::kFsync;
  c.io_error_nth = 300;
  c.io_error_errno = e.error;
  c.io_error_short_write = e.short_write;
  auto p = StartWorkload(dir, c);
  ExitInfo exit;
  // Almost always BDB returns the error and the workload exits non-zero. In a
  // few % of runs (seen 2026-11-29, cause not found) BDB 5.3 instead dies in
  // its error path (SIGSEGV, heap-corruption abort) or the workload does not
  // stop within 5 s (the failed write absorbed, or BDB stuck after it); then
  // it is killed here. Whatever way it ends, the fault must have fired and
  // recovery must keep every acknowledged commit.
  if (!p->Wait(std::chrono::milliseconds(5000), &exit).ok()) {
    p->Kill();
    ASSERT_TRUE(p->Wait(kLong, &exit).ok());
  }
  const std::string err = Stderr(dir);
  EXPECT_TRUE(!exit.exited || exit.code != 0) << exit.Describe() << "\n" << err;
  EXPECT_NE(err.find(fmt::format("injected failure at bdbsim/workload/io/{}: {}", e.point, strerrorname_np(e.error))),
            std::string::npos)
      << err;
  EXPECT_GT(p->ledger().AckedCount(), 10u);  // it ran before the fault
  Status s = RecoverNormal(c.home);
  ASSERT_TRUE(s.ok()) << s.message();
  OracleReport r = CheckEnvironment(c.home, p->ledger(), p->ledger().Cutoff(), c, false);
  EXPECT_TRUE(r.ok) << r.Summary();
  EXPECT_EQ(r.missing, 0u);
}

INSTANTIATE_TEST_SUITE_P(Points, WorkloadIoErrorTest,
                         ::testing::Values(IoErrorCase{"write", EIO, false}, IoErrorCase{"write", ENOSPC, true},
                                           IoErrorCase{"fsync", EIO, false}),
                         [](const auto& info) {
                           return std::string(info.param.point) + (info.param.short_write ? "Short" : "") +
                                  strerrorname_np(info.param.error);
                         });

TEST(WorkloadTest, IoErrorConfigIsValidated) {
  WorkloadConfig c;
  c.home = "/h";
  c.io_error_nth = 3;
  c.io_error_op = WorkloadIoOp::kFsync;
  c.io_error_short_write = true;
  EXPECT_EQ(ValidateWorkloadConfig(c).message(), "invalid workload config: 'io_error_short_write' needs io_error_op write");
  c.io_error_short_write = false;
  c.io_error_errno = 0;
  EXPECT_EQ(ValidateWorkloadConfig(c).message(), "invalid workload config: 'io_error_errno' must be 1..65535, not 0");
}

TEST(WorkloadTest, PauseFileHoldsWritersAndWaitsAreBounded) {
  TempDir dir("h4-workload");
  WorkloadConfig c = SmallConfig(dir, 20);
  c.pause_file = dir.Sub("pause");
  c.hold_after_done = true;
  std::ofstream(c.pause_file) << "x";
  auto p = StartWorkload(dir, c);
  ASSERT_TRUE(p->WaitReady(kLong).ok());
  ASSERT_TRUE(p->WaitPaused(kLong).ok());
  EXPECT_TRUE(p->ledger().paused());
  Status s = p->WaitForAcks(1, milliseconds(300));
  EXPECT_EQ(s.message(), "workload: timed out after 300 ms waiting for 1 acks (got 0)");
  EXPECT_EQ(p->ledger().AckedCount(), 0u);
  std::filesystem::remove(c.pause_file);
  ASSERT_TRUE(p->WaitResumed(kLong).ok());
  ASSERT_TRUE(p->WaitDone(kLong).ok());
  // Pausing again after the target: nothing runs, so it counts as paused.
  std::ofstream(c.pause_file) << "x";
  EXPECT_TRUE(p->WaitPaused(milliseconds(300)).ok());
  // hold_after_done: the process stays alive until the harness kills it.
  ExitInfo exit;
  EXPECT_EQ(p->Wait(milliseconds(200), &exit).message(), "workload: still running after 200 ms");
  p->Kill();
  ASSERT_TRUE(p->Wait(kLong, &exit).ok());
  EXPECT_EQ(exit.signal, SIGKILL);
}

// Past the target, load lasts while the load file exists and, with
// load_max_ms, only that long after the file was made (its mtime).
TEST(WorkloadTest, LoadPastTheTargetIsBoundedByTheLoadFilesAge) {
  TempDir dir("h4-workload");
  WorkloadConfig c = SmallConfig(dir, 20);
  c.hold_after_done = true;
  c.load_file = dir.Sub("load");
  c.load_max_ms = 60000;
  // Turned on ten minutes ago: already past its bound, so no load.
  std::ofstream(c.load_file) << "load\n";
  const std::filesystem::path load_path(c.load_file);
  std::filesystem::last_write_time(load_path, std::filesystem::last_write_time(load_path) - std::chrono::minutes(10));
  auto p = StartWorkload(dir, c);
  ASSERT_TRUE(p->WaitReady(kLong).ok());
  ASSERT_TRUE(p->WaitDone(kLong).ok());
  const uint64_t at_target = p->ledger().AckedCount();
  EXPECT_GE(at_target, 20u);
  EXPECT_EQ(p->WaitForAcks(at_target + 1, milliseconds(300)).message(),
            fmt::format("workload: timed out after 300 ms waiting for {} acks (got {})", at_target + 1, at_target));
  // Made again now: within its bound, the writers go on past the target.
  std::filesystem::remove(load_path);
  std::ofstream(c.load_file) << "load\n";
  EXPECT_TRUE(p->WaitForAcks(at_target + 10, kLong).ok());
  p->Kill();
}

// workload.queue: a queue database in extent files, one record per committed
// txn, checked by the oracle all or nothing with the txn's other keys.
TEST(WorkloadTest, QueueDatabaseInExtentsIsCheckedAllOrNothing) {
  TempDir dir("h4-workload");
  WorkloadConfig c = SmallConfig(dir, 400);
  c.queue = true;
  auto p = StartWorkload(dir, c);
  ExitInfo exit;
  ASSERT_TRUE(p->Wait(kLong, &exit).ok());
  ASSERT_EQ(exit.Describe(), "exit code 0") << Stderr(dir);
  int extents = 0;
  for (const auto& e : std::filesystem::directory_iterator(c.home))
    extents += e.path().filename().string().rfind("__dbq.q.db.", 0) == 0;
  EXPECT_GE(extents, 2);
  ASSERT_TRUE(RecoverNormal(c.home).ok());
  OracleReport r = CheckEnvironment(c.home, p->ledger(), p->ledger().Cutoff(), c, false);
  ASSERT_TRUE(r.ok) << r.Summary();
  EXPECT_GE(r.records, 3 * r.present);  // at least a fresh key, and one queue record per txn
  // Remove the queue record of the first record number: an acknowledged txn is now partly visible.
  DB_ENV* env = nullptr;
  ASSERT_EQ(db_env_create(&env, 0), 0);
  ASSERT_EQ(env->open(env, c.home.c_str(), DB_CREATE | DB_PRIVATE | DB_INIT_MPOOL, 0), 0);
  DB* q = nullptr;
  ASSERT_EQ(db_create(&q, env, 0), 0);
  ASSERT_EQ(q->open(q, nullptr, kQueueFile, nullptr, DB_QUEUE, 0, 0), 0);
  db_recno_t recno = 1;
  DBT key{};
  key.data = &recno;
  key.size = sizeof(recno);
  ASSERT_EQ(q->del(q, nullptr, &key, 0), 0);
  q->close(q, 0);
  env->close(env, 0);
  r = CheckEnvironment(c.home, p->ledger(), p->ledger().Cutoff(), c, false);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.Summary().find("q.db: txn is partly visible: its queue record is missing"), std::string::npos)
      << r.Summary();
}

TEST(WorkloadTest, WaitAfterExitReportsEnded) {
  TempDir dir("h4-workload");
  WorkloadConfig c = SmallConfig(dir, 5);
  auto p = StartWorkload(dir, c);
  ExitInfo exit;
  ASSERT_TRUE(p->Wait(kLong, &exit).ok());
  EXPECT_EQ(p->WaitForAcks(1000, kLong).message(), fmt::format("workload: ended while waiting for 1000 acks (got {})",
                                                                 p->ledger().AckedCount()));
}

TEST(WorkloadTest, BadConfigExitsWithCode2) {
  TempDir dir("h4-workload");
  std::ofstream(dir.Sub("workload.json")) << R"({"home": "/tmp/x", "durability": "fast"})";
  std::unique_ptr<WorkloadProcess> p;
  ASSERT_TRUE(WorkloadProcess::Start(BDBSIM_WORKLOAD_BIN, dir.Sub("workload.json"), dir.Sub("workload.err"), &p).ok());
  ExitInfo exit;
  ASSERT_TRUE(p->Wait(kLong, &exit).ok());
  EXPECT_EQ(exit.code, 2);
  EXPECT_EQ(Stderr(dir),
            "bdbsim-workload: error: invalid workload config: 'durability' must be sync, write_nosync or nosync, "
            "not 'fast'\n");
}

TEST(WorkloadTest, StartFailsForMissingBinary) {
  std::unique_ptr<WorkloadProcess> p;
  Status s = WorkloadProcess::Start("/nonexistent/bdbsim-workload", "/tmp/c.json", "", &p);
  EXPECT_EQ(s.message(), "unable to start workload '/nonexistent/bdbsim-workload': No such file or directory");
}

TEST(AckLedgerTest, SequencesLinesAndRejectsGarbage) {
  AckLedger l;
  EXPECT_TRUE(l.Consume("R").ok());
  EXPECT_TRUE(l.Consume("S 4294967297").ok());
  EXPECT_TRUE(l.Consume("X 5").ok());
  EXPECT_TRUE(l.Consume("A 4294967297").ok());
  EXPECT_TRUE(l.Consume("C").ok());
  EXPECT_EQ(l.Consume("A 12x").message(), "bad workload protocol line 'A 12x'");
  EXPECT_EQ(l.Consume("Q 1").message(), "bad workload protocol line 'Q 1'");
  EXPECT_EQ(l.error().message(), "bad workload protocol line 'A 12x'");
  EXPECT_EQ(l.Cutoff(), 7u);
  EXPECT_TRUE(l.ready());
  EXPECT_FALSE(l.done());
  EXPECT_EQ(l.AckedCount(), 1u);
  EXPECT_EQ(l.AbortedCount(), 1u);
  EXPECT_EQ(l.CheckpointCount(), 1u);
  auto snap = l.Snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].txn, 5u);
  EXPECT_TRUE(snap[0].aborted);
  EXPECT_EQ(snap[1].thread, 1u);
  EXPECT_EQ(snap[1].start_seq, 2u);
  EXPECT_EQ(snap[1].ack_seq, 4u);
}

TEST(AckLedgerTest, LastAckBeforeATimeIsTheNewestThatArrivedEarlier) {
  const auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  AckLedger l;
  ASSERT_TRUE(l.Consume("S 1").ok());
  ASSERT_TRUE(l.Consume("A 1").ok());
  ASSERT_TRUE(l.Consume("S 2").ok());
  ASSERT_TRUE(l.Consume("A 2").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int64_t between = now_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(l.Consume("S 3").ok());
  ASSERT_TRUE(l.Consume("A 3").ok());
  std::optional<TxnRecord> before = l.LastAckBefore(between);
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->txn, 2u);
  EXPECT_EQ(before->ack_seq, 4u);
  ASSERT_TRUE(l.LastAckBefore(now_ms() + 1).has_value());
  EXPECT_EQ(l.LastAckBefore(now_ms() + 1)->txn, 3u);
  EXPECT_FALSE(l.LastAckBefore(l.NthAck(1)->ack_unix_ms).has_value());
}

}  // namespace
}  // namespace bdb::sim
