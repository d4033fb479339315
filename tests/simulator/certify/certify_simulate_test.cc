// `bdbsim certify simulate` through the binary: the same listener, run and
// check as a real certification, with the power-loss journal applied as a
// cut on a simulated device. An honest device passes every cut; a device
// whose fsync lies, or that writes back out of order, fails.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim::certify {
namespace {

ProcessResult Simulate(const TempDir& dir, const std::string& device_flag) {
  std::vector<std::string> args = {BDBSIM_BIN, "certify", "simulate", "--dir", dir.Sub("sim"), "--trials", "2",
                                   "--seed", "7", "--txns", "120", "--fsync-samples", "5", "--write-mib", "1"};
  if (!device_flag.empty()) args.push_back(device_flag);
  return RunProcess(args);
}

TEST(CertifySimulateTest, AnHonestDevicePassesEveryCut) {
  TempDir dir;
  ProcessResult r = Simulate(dir, "");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 trials, simulated cut, honest device"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("trial 1/2 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 cuts, 0 failed (0.0%, 95% CI 0-66%)"), std::string::npos) << r.out;
  nlohmann::json j = nlohmann::json::parse(ReadFileContents(dir.Sub("sim/report/certification.json")));
  EXPECT_EQ(j["verdict"], "PASS");
  EXPECT_EQ(j["cut"], "simulated cut, honest device");
  EXPECT_GT(j["counts"]["acknowledged"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["record"]["cuts"].size(), 2u);
}

TEST(CertifySimulateTest, ALyingFsyncFails) {
  TempDir dir;
  ProcessResult r = Simulate(dir, "--lying-fsync");
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("2 cuts, 2 failed"), std::string::npos) << r.out;
  nlohmann::json j = nlohmann::json::parse(ReadFileContents(dir.Sub("sim/report/certification.json")));
  EXPECT_EQ(j["verdict"], "FAIL");
  EXPECT_GT(j["counts"]["lost"].get<uint64_t>(), 0u);
}

TEST(CertifySimulateTest, ReorderedWritesFail) {
  TempDir dir;
  ProcessResult r = Simulate(dir, "--reorder-writes");
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("2 cuts, 2 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fsynced changes lost"), std::string::npos) << r.out;
  // The flags exclude each other.
  ProcessResult both = RunProcess({BDBSIM_BIN, "certify", "simulate", "--dir", dir.Sub("x"), "--lying-fsync",
                                   "--reorder-writes"});
  EXPECT_EQ(both.exit_code, 2) << both.err;
}

}  // namespace
}  // namespace bdb::sim::certify
