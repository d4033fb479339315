// The storage device models on a real workload's power-loss journal: an
// honest device is the scenarios' model (mode "none"); a lying one loses
// fsynced writes still in its volatile cache; a reordering one keeps later
// writes while earlier fsynced ones are lost. Recovery and the oracle then
// show what each did to acknowledged commits.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "base/file_io.h"
#include "engine/recovery/recovery.h"
#include "simulator/faults/storage_device.h"
#include "simulator/harness/oracle.h"
#include "simulator/workload/workload_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

using std::chrono::milliseconds;

// A copy of the directory tree from as to (which must not exist): contents,
// permissions, symbolic links as links (what `cp -a` gave these tests; its
// timestamps and owners nothing here reads).
::testing::AssertionResult CopyTree(const std::string& from, const std::string& to) {
  std::error_code ec;
  std::filesystem::copy(from, to,
                        std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks, ec);
  if (ec) return ::testing::AssertionFailure() << "cannot copy '" << from << "' to '" << to << "': " << ec.message();
  return ::testing::AssertionSuccess();
}

// Runs a journaled workload to 150 acknowledgements, kills it, and keeps a
// pristine copy of its environment to apply cuts to.
class StorageDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_.seed = 9;
    c_.home = dir_.Sub("env");
    c_.txns = 1000000;
    c_.threads = 2;
    c_.value_bytes_max = 1500;
    c_.checkpoint_every_txns = 40;
    c_.journal_path = dir_.Sub("journal");
    ASSERT_TRUE(SaveWorkloadConfig(c_, dir_.Sub("workload.json")).ok());
    ASSERT_TRUE(WorkloadProcess::Start(BDBSIM_WORKLOAD_BIN, dir_.Sub("workload.json"), dir_.Sub("workload.err"), &p_).ok());
    ASSERT_TRUE(p_->WaitForAcks(150, milliseconds(30000)).ok());
    p_->Kill();
    ExitInfo exit;
    ASSERT_TRUE(p_->Wait(milliseconds(30000), &exit).ok());
  }

  // Applies the device's cut to a fresh copy; returns what the oracle found.
  OracleReport Cut(const StorageDevice& device, uint64_t seed, DeviceCutResult* result, bool* recovered) {
    const std::string home = dir_.Sub(fmt::format("cut-{}-{}", DeviceBehaviourName(device.behaviour), seed));
    EXPECT_TRUE(CopyTree(c_.home, home));
    Status s = ApplyDevicePowerCut(c_.journal_path, home, seed, device, result);
    EXPECT_TRUE(s.ok()) << s.message();
    *recovered = RecoverNormal(home).ok();
    WorkloadConfig c = c_;
    c.home = home;
    if (!*recovered) return OracleReport();
    return CheckEnvironment(home, p_->ledger(), p_->ledger().Cutoff(), c, false);
  }

  TempDir dir_{"storage-device"};
  WorkloadConfig c_;
  std::unique_ptr<WorkloadProcess> p_;
};

TEST_F(StorageDeviceTest, HonestDeviceIsTheScenariosModelAndKeepsEveryAck) {
  DeviceCutResult r;
  bool recovered = false;
  OracleReport report = Cut({DeviceBehaviour::kHonest, 1 << 20}, 1, &r, &recovered);
  ASSERT_TRUE(recovered);
  EXPECT_TRUE(report.ok) << report.Summary();
  EXPECT_EQ(r.synced_changes_lost, 0u);
  EXPECT_EQ(r.cut.kept_writes, 0u);  // mode "none": nothing unsynced survives
}

TEST_F(StorageDeviceTest, LyingFsyncLosesFsyncedWritesInItsCache) {
  DeviceCutResult r;
  bool recovered = false;
  OracleReport report = Cut({DeviceBehaviour::kLyingFsync, 64 << 10}, 1, &r, &recovered);
  EXPECT_GT(r.cached_changes, 0u);
  EXPECT_GT(r.synced_changes_lost, 0u);
  EXPECT_EQ(r.later_changes_kept, 0u);  // nothing in the cache was written back
  EXPECT_TRUE(!recovered || report.missing > 0) << report.Summary();
}

TEST_F(StorageDeviceTest, ReorderedWritesKeepLaterWritesAndLoseEarlierFsyncedOnes) {
  for (uint64_t seed : {1, 2}) {
    DeviceCutResult r;
    bool recovered = false;
    OracleReport report = Cut({DeviceBehaviour::kReorderWrites, 64 << 10}, seed, &r, &recovered);
    EXPECT_GT(r.synced_changes_lost, 0u) << r.Describe();
    EXPECT_GT(r.later_changes_kept, 0u) << r.Describe();
    EXPECT_TRUE(!recovered || !report.ok) << report.Summary();
    // Deterministic: the same journal, seed and device give the same cut.
    DeviceCutResult again;
    const std::string home = dir_.Sub(fmt::format("again-{}", seed));
    ASSERT_TRUE(CopyTree(c_.home, home));
    ASSERT_TRUE(ApplyDevicePowerCut(c_.journal_path, home, seed, {DeviceBehaviour::kReorderWrites, 64 << 10}, &again).ok());
    EXPECT_EQ(again.Describe(), r.Describe());
  }
}

}  // namespace
}  // namespace bdb::sim
