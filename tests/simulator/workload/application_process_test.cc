// An application as the workload, behind WorkloadProcess: its "ack <n>"
// lines (the ledger's rules), read from the file it appends to by real
// processes: every ack written before a kill counts, a partial last line does
// not, an ack out of order is a protocol error, exit 0 is done.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "base/file_io.h"
#include "simulator/workload/ack_ledger.h"
#include "simulator/workload/workload_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

constexpr std::chrono::milliseconds kWait(20000);

// A shell "application": `script` runs with $1 the ack file.
std::unique_ptr<WorkloadProcess> StartScript(const TempDir& dir, const std::string& script) {
  ApplicationLaunch launch;
  launch.argv = {"/bin/sh", "-c", script, "app", dir.Sub("acks")};
  launch.ack_path = dir.Sub("acks");
  launch.stdout_path = dir.Sub("app.stdout");
  launch.stderr_path = dir.Sub("app.stderr");
  std::unique_ptr<WorkloadProcess> p;
  Status s = WorkloadProcess::StartApplication(launch, &p);
  EXPECT_TRUE(s.ok()) << s.message();
  return p;
}

size_t LinesIn(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

TEST(ApplicationAckTest, NumbersInOrderAndRefusesAnythingElse) {
  AckLedger ledger;
  EXPECT_FALSE(ledger.ready());
  ASSERT_TRUE(ledger.ConsumeApplicationAck("ack 1").ok());
  EXPECT_TRUE(ledger.ready());  // the first ack: the application runs
  ASSERT_TRUE(ledger.ConsumeApplicationAck("ack 2").ok());
  Status s = ledger.ConsumeApplicationAck("ack 4");
  EXPECT_EQ(s.message(), "bad application ack line 'ack 4': expected 'ack 3'");
  EXPECT_EQ(ledger.ConsumeApplicationAck("A 3").message(), "bad application ack line 'A 3': expected 'ack 3'");
  EXPECT_EQ(ledger.ConsumeApplicationAck("ack 3 ").message(), "bad application ack line 'ack 3 ': expected 'ack 3'");
  EXPECT_EQ(ledger.error().message(), "bad application ack line 'ack 4': expected 'ack 3'");  // the first one kept
  EXPECT_EQ(ledger.AckedCount(), 2u);
  ASSERT_TRUE(ledger.NthAck(2).has_value());
  EXPECT_EQ(ledger.NthAck(2)->txn, 2u);
  EXPECT_GT(ledger.NthAck(2)->ack_seq, ledger.NthAck(1)->ack_seq);
  EXPECT_GT(ledger.NthAck(2)->ack_unix_ms, 0);
}

TEST(ApplicationProcessTest, AfterAKillTheLedgerHoldsEveryAckWritten) {
  TempDir dir("app-process");
  auto p = StartScript(dir, "i=1; while :; do echo \"ack $i\" >> \"$1\"; i=$((i+1)); sleep 0.005; done");
  ASSERT_TRUE(p->application());
  ASSERT_TRUE(p->WaitReady(kWait).ok());
  ASSERT_TRUE(p->WaitForAcks(30, kWait).ok());
  p->Kill();
  EXPECT_TRUE(p->ledger().closed());
  // Kill returned after the file was read to its end: nothing written is missing.
  EXPECT_EQ(p->ledger().AckedCount(), LinesIn(dir.Sub("acks")));
  EXPECT_TRUE(p->ledger().error().ok()) << p->ledger().error().message();
}

TEST(ApplicationProcessTest, ExitZeroIsDoneAndAPartialLastLineIsNoAck) {
  TempDir dir("app-process");
  auto p = StartScript(dir, "printf 'ack 1\\nack 2\\nack 3\\nack' >> \"$1\"");
  ASSERT_TRUE(p->WaitDone(kWait).ok());
  EXPECT_EQ(p->ledger().AckedCount(), 3u);
  EXPECT_TRUE(p->ledger().error().ok()) << p->ledger().error().message();
}

TEST(ApplicationProcessTest, ExitNonZeroIsNotDone) {
  TempDir dir("app-process");
  auto p = StartScript(dir, "echo 'ack 1' >> \"$1\"; exit 3");
  Status s = p->WaitDone(kWait);
  EXPECT_EQ(s.message(), "workload: ended (exit code 3) while waiting for done");
  EXPECT_EQ(p->ledger().AckedCount(), 1u);
}

TEST(ApplicationProcessTest, AnAckOutOfOrderIsAProtocolError) {
  TempDir dir("app-process");
  auto p = StartScript(dir, "printf 'ack 1\\nack 3\\n' >> \"$1\"; sleep 30");
  ASSERT_TRUE(p->WaitReady(kWait).ok());
  p->Kill();
  EXPECT_EQ(p->ledger().AckedCount(), 1u);
  EXPECT_EQ(p->ledger().error().message(), "bad application ack line 'ack 3': expected 'ack 2'");
}

TEST(ApplicationProcessTest, AnApplicationThatNeverAcksIsNotReady) {
  TempDir dir("app-process");
  auto p = StartScript(dir, "exit 0");
  Status s = p->WaitReady(kWait);
  EXPECT_EQ(s.message(), "workload: ended while waiting for ready");
}

TEST(ApplicationProcessTest, ArmingACrashWritesTheArmFileOnly) {
  TempDir dir("app-process");
  auto p = StartScript(dir, "echo 'ack 1' >> \"$1\"; sleep 30");
  ASSERT_TRUE(p->WaitReady(kWait).ok());
  // No signal: the application's own signal handling is left alone (the hooks watch the file).
  ASSERT_TRUE(p->ArmCrash(dir.Sub("crash.arm"), 7).ok());
  EXPECT_EQ(ReadFileContents(dir.Sub("crash.arm")), "7\n");
  EXPECT_FALSE(p->ledger().closed());
}

TEST(ApplicationProcessTest, StartFailsForAMissingProgram) {
  TempDir dir("app-process");
  ApplicationLaunch launch;
  launch.argv = {dir.Sub("no-such-app"), "run"};
  launch.ack_path = dir.Sub("acks");
  launch.stdout_path = dir.Sub("out");
  launch.stderr_path = dir.Sub("err");
  std::unique_ptr<WorkloadProcess> p;
  Status s = WorkloadProcess::StartApplication(launch, &p);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "unable to start workload '" + dir.Sub("no-such-app") + "': No such file or directory");
}

}  // namespace
}  // namespace bdb::sim
