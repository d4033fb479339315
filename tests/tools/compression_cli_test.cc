// --compress through the real binary: compressed archive, hot and
// incremental backups (with the standby) verify, restore every commit and
// pass check; raw and compressed backups mix in one chain; a modified byte
// of a compressed file fails verify and restore (the target removed); a bad
// --compress is one line, exit 2, nothing changed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/repository/stored_file.h"
#include "tests/support/committed_env_cli_test.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class CompressionTest : public CommittedEnvCliTest {
 protected:
  CompressionTest() : CommittedEnvCliTest("bdbackup-compress") {}
};

TEST_F(CompressionTest, CompressedArchiveAndChainVerifyRestoreAndKeepTheStandby) {
  Ok({"archive", "--home", home_, "--repo", repo_, "--checkpoint", "--compress", "zstd"});
  const json hot = Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--compress", "zstd:5"});
  Commit(200);
  const json incr = Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--compress", "zstd",
                        "--recover-as-you-go"});
  const size_t promised = acked_.size();
  EXPECT_EQ(hot["compression"], "zstd:5");
  const std::string dir = repo_ + "/backups/" + hot["id"].get<std::string>();
  const json manifest = json::parse(ReadFileContents(dir + "/manifest.json"));
  EXPECT_EQ(manifest["format_version"], 2);
  EXPECT_EQ(manifest["compression"], "zstd:5");
  // Stored as a container, smaller than the original the manifest records.
  const std::string stored = ReadFileContents(dir + "/a.db");
  EXPECT_EQ(stored.substr(0, 8), kStoredMagic);
  for (const auto& f : manifest["files"]) {
    if (f["path"] == "a.db") {
      EXPECT_LT(stored.size(), f["size"].get<uint64_t>());
    }
  }
  bool sidecar_says = false;
  for (const auto& e : fs::directory_iterator(repo_ + "/archive")) {
    if (e.path().extension() == ".json")
      sidecar_says = json::parse(ReadFileContents(e.path().string())).value("compression", "") == "zstd:3";
  }
  EXPECT_TRUE(sidecar_says);

  Ok({"verify", "--repo", repo_});
  Ok({"verify", "--repo", repo_, "--backup", hot["id"].get<std::string>()});
  Ok({"restore", "--repo", repo_, "--target", tmp_.Sub("restored")});
  ExpectHolds(tmp_.Sub("restored"), promised);
  ExpectHolds(repo_ + "/standby", promised);
  const json check = Ok({"check", "--repo", repo_});
  EXPECT_TRUE(check["recovery_point"].is_string()) << check.dump();
  EXPECT_EQ(incr["parent"], hot["id"]);
}

TEST_F(CompressionTest, RawAndCompressedBackupsMixInOneChain) {
  Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  Commit(100);
  Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--compress", "zstd:1"});
  const size_t promised = acked_.size();
  Ok({"verify", "--repo", repo_});
  Ok({"restore", "--repo", repo_, "--target", tmp_.Sub("restored")});
  ExpectHolds(tmp_.Sub("restored"), promised);
}

TEST_F(CompressionTest, AModifiedByteFailsVerifyAndRestore) {
  const json hot = Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--compress", "zstd"});
  const std::string file = repo_ + "/backups/" + hot["id"].get<std::string>() + "/a.db";
  std::string data = ReadFileContents(file);
  data[data.size() / 2] ^= 0x10;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << data;
  ProcessResult v = RunBdbackup({"verify", "--repo", repo_});
  EXPECT_EQ(v.exit_code, 1) << DescribeRun(v);
  EXPECT_NE(v.err.find("a.db"), std::string::npos) << v.err;
  ProcessResult r = RunBdbackup({"restore", "--repo", repo_, "--target", tmp_.Sub("restored")});
  EXPECT_EQ(r.exit_code, 1) << DescribeRun(r);
  EXPECT_NE(r.err.find("a.db"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp_.Sub("restored")));
}

TEST_F(CompressionTest, BadCompressIsOneLineAndChangesNothing) {
  for (const std::string bad : {"lz4", "zstd:0", "zstd:20", "zstd:", "zstd:x"}) {
    ProcessResult r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--compress", bad});
    EXPECT_EQ(r.exit_code, 2) << DescribeRun(r);
    EXPECT_EQ(r.err, "bdbackup: error: bad usage: --compress '" + bad +
                         "': expected zstd or zstd:LEVEL with LEVEL 1 to 19\n");
    r = RunBdbackup({"archive", "--home", home_, "--repo", repo_, "--compress", bad});
    EXPECT_EQ(r.exit_code, 2) << DescribeRun(r);
  }
  EXPECT_FALSE(fs::exists(repo_));
}

}  // namespace
}  // namespace bdb
