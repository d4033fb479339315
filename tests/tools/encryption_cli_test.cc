// --encrypt-key-file through the real binary: an encrypted (and compressed)
// archive and chain verify, restore every commit and pass check, with no
// plaintext of the database in the repository; a wrong or missing key is
// refused up front with one line (exit 2, nothing restored or written); a
// modified byte, a truncated file and swapped files fail verify (exit 1,
// naming the file) and restore (target removed); the key file rules, the
// BDBACKUP_KEY_FILE variable, and mixing encrypted and plain writes refused.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/repository/encrypted_file.h"
#include "tests/support/committed_env_cli_test.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void WriteKey(const std::string& path, const std::string& contents, mode_t mode = 0600) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  ::chmod(path.c_str(), mode);
}

class EncryptionTest : public CommittedEnvCliTest {
 protected:
  EncryptionTest() : CommittedEnvCliTest("bdbackup-encrypt") {}
  void SetUp() override {
    key_ = tmp_.Sub("key");
    other_key_ = tmp_.Sub("other-key");
    WriteKey(key_, std::string(64, 'a') + "\n");
    WriteKey(other_key_, std::string(32, 'z'));
    CommittedEnvCliTest::SetUp();
  }
  // A hot backup with the key; its directory.
  std::string HotBackup() {
    const json hot = Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--encrypt-key-file", key_});
    return repo_ + "/backups/" + hot["id"].get<std::string>();
  }
  // verify exits 1 naming `name`; restore exits 1 and leaves no target.
  void ExpectRefusedNaming(const std::string& name) {
    ProcessResult v = RunBdbackup({"verify", "--repo", repo_, "--encrypt-key-file", key_});
    EXPECT_EQ(v.exit_code, 1) << DescribeRun(v);
    EXPECT_NE(v.err.find(name), std::string::npos) << v.err;
    ProcessResult r = RunBdbackup({"restore", "--repo", repo_, "--target", tmp_.Sub("restored"), "--encrypt-key-file", key_});
    EXPECT_EQ(r.exit_code, 1) << DescribeRun(r);
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(tmp_.Sub("restored")));
  }
  std::string key_, other_key_;
};

TEST_F(EncryptionTest, EncryptedAndCompressedChainVerifiesRestoresAndPassesCheck) {
  Ok({"archive", "--home", home_, "--repo", repo_, "--checkpoint", "--compress", "zstd", "--encrypt-key-file", key_});
  const std::string dir = HotBackup();
  Commit(200);
  Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--compress", "zstd:1",
      "--encrypt-key-file", key_});
  const size_t promised = acked_.size();
  const json marker = json::parse(ReadFileContents(repo_ + "/bdbackup.repo"));
  EXPECT_EQ(marker["format_version"], 2);
  EXPECT_EQ(marker["encryption"], "aes-256-gcm");
  EXPECT_EQ(marker["key_check"].get<std::string>().size(), 64u);
  // Every stored data and log file is encrypted; no committed value is readable in any.
  size_t stored_files = 0;
  for (const auto& e : fs::recursive_directory_iterator(repo_)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || e.path().extension() == ".json" ||
        (name.rfind("log.", 0) != 0 && name.find(".db") == std::string::npos && name != "DB_CONFIG"))
      continue;
    const std::string stored = ReadFileContents(e.path().string());
    EXPECT_EQ(stored.substr(0, 8), kEncryptedMagic) << e.path();
    EXPECT_EQ(stored.find(TestValue(acked_[0])), std::string::npos) << e.path();
    ++stored_files;
  }
  EXPECT_GE(stored_files, 5u);  // a.db, b.db, DB_CONFIG, logs of the backups and the archive
  (void)dir;
  Ok({"verify", "--repo", repo_, "--encrypt-key-file", key_});
  Ok({"restore", "--repo", repo_, "--target", tmp_.Sub("restored"), "--encrypt-key-file", key_});
  ExpectHolds(tmp_.Sub("restored"), promised);
  const json check = Ok({"check", "--repo", repo_, "--encrypt-key-file", key_});
  EXPECT_TRUE(check["recovery_point"].is_string()) << check.dump();
  Ok({"list", "--repo", repo_});  // manifests are not encrypted: list needs no key
  // The key may come from BDBACKUP_KEY_FILE instead of the flag.
  ProcessResult env_key = RunProcess({"/usr/bin/env", "BDBACKUP_KEY_FILE=" + key_, BDBACKUP_BIN, "verify", "--repo", repo_});
  EXPECT_EQ(env_key.exit_code, 0) << DescribeRun(env_key);
}

TEST_F(EncryptionTest, AWrongOrMissingKeyIsRefusedUpFrontAndChangesNothing) {
  const std::string dir = HotBackup();
  const std::string bad_key_line = "bdbackup: error: wrong key for repository '" + repo_ + "'\n";
  for (const char* cmd_name : {"verify", "restore", "check", "backup", "archive"}) {
    const std::string cmd = cmd_name;
    std::vector<std::string> args = {cmd, "--repo", repo_, "--encrypt-key-file", other_key_};
    if (cmd == "restore") args.insert(args.end(), {"--target", tmp_.Sub("restored")});
    if (cmd == "backup" || cmd == "archive") args.insert(args.end(), {"--home", home_});
    if (cmd == "backup") args.insert(args.end(), {"--mode", "hot"});
    ProcessResult r = RunBdbackup(args);
    EXPECT_EQ(r.exit_code, 2) << cmd << ": " << DescribeRun(r);
    EXPECT_EQ(r.err, bad_key_line) << cmd;
    args.erase(args.begin() + 3, args.begin() + 5);  // no key at all
    r = RunBdbackup(args);
    EXPECT_EQ(r.exit_code, 2) << cmd << ": " << DescribeRun(r);
    EXPECT_EQ(r.err, "bdbackup: error: repository '" + repo_ +
                         "' is encrypted: give its key with --encrypt-key-file FILE or BDBACKUP_KEY_FILE\n")
        << cmd;
  }
  EXPECT_FALSE(fs::exists(tmp_.Sub("restored")));
  EXPECT_EQ(fs::directory_iterator(repo_ + "/backups") == fs::directory_iterator(), false);
  size_t backups = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(repo_ + "/backups")) ++backups;
  EXPECT_EQ(backups, 1u);
  EXPECT_TRUE(fs::is_empty(repo_ + "/archive"));
  // list and expire read no stored file: a BDBACKUP_KEY_FILE set for the
  // whole cron table, wrong or missing, does not stop them.
  for (const std::string& key : {other_key_, tmp_.Sub("no-such-key")}) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"list", "--repo", repo_},
          std::vector<std::string>{"expire", "--repo", repo_, "--keep-full", "1", "--dry-run"}}) {
      std::vector<std::string> argv = {"/usr/bin/env", "BDBACKUP_KEY_FILE=" + key, BDBACKUP_BIN};
      argv.insert(argv.end(), args.begin(), args.end());
      ProcessResult r = RunProcess(argv);
      EXPECT_EQ(r.exit_code, 0) << args[0] << " with " << key << ": " << DescribeRun(r);
    }
  }
}

TEST_F(EncryptionTest, ModifiedTruncatedAndSwappedFilesFailVerifyAndRestore) {
  const std::string dir = HotBackup();
  const std::string a = dir + "/a.db", b = dir + "/b.db";
  const std::string a_stored = ReadFileContents(a), b_stored = ReadFileContents(b);
  auto put = [](const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  };
  std::string modified = a_stored;
  modified[modified.size() / 2] ^= 0x04;
  put(a, modified);
  ExpectRefusedNaming("a.db");
  put(a, a_stored.substr(0, a_stored.size() - 16 - 1000));  // cut inside the final chunk
  ExpectRefusedNaming("a.db");
  put(a, b_stored);  // swapped: each is sealed under its own name
  put(b, a_stored);
  ExpectRefusedNaming(".db");
  put(a, a_stored);
  put(b, b_stored);
  Ok({"verify", "--repo", repo_, "--encrypt-key-file", key_});
}

TEST_F(EncryptionTest, KeyFileRulesAndMixingAreOneLineExit2) {
  WriteKey(tmp_.Sub("open-key"), std::string(64, 'b'), 0644);
  ProcessResult r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--encrypt-key-file",
                                 tmp_.Sub("open-key")});
  EXPECT_EQ(r.exit_code, 2) << DescribeRun(r);
  EXPECT_EQ(r.err, "bdbackup: error: key file '" + tmp_.Sub("open-key") +
                       "' is readable by group or other (mode 0644): chmod 600 it\n");
  WriteKey(tmp_.Sub("short-key"), "tooshort");
  r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--encrypt-key-file",
                   tmp_.Sub("short-key")});
  EXPECT_EQ(r.exit_code, 2) << DescribeRun(r);
  EXPECT_EQ(r.err, "bdbackup: error: key file '" + tmp_.Sub("short-key") +
                       "' is not a key: expected 32 raw bytes or 64 hex digits\n");
  r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--recover-as-you-go",
                   "--encrypt-key-file", key_});
  EXPECT_EQ(r.exit_code, 2) << DescribeRun(r);
  EXPECT_EQ(r.err, "bdbackup: error: bad usage: --recover-as-you-go keeps a plaintext standby environment in the "
                   "repository, which an encrypted repository refuses\n");
  EXPECT_FALSE(fs::exists(repo_));
  // A plain repository takes no encrypted backup.
  Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--encrypt-key-file", key_});
  EXPECT_EQ(r.exit_code, 2) << DescribeRun(r);
  EXPECT_EQ(r.err, "bdbackup: error: repository '" + repo_ +
                       "' is not encrypted: it cannot take encrypted files (drop --encrypt-key-file and "
                       "BDBACKUP_KEY_FILE, or start a new repository to encrypt)\n");
}

}  // namespace
}  // namespace bdb
