// A full disk under the repository: a small tmpfs mounted as REPO while the
// real bdbackup backs up (and archives) a larger environment. The run must fail
// cleanly (exit 4, one line naming "No space left on device"), leave no
// .partial behind (or the next run removes it), publish nothing, lose no log,
// and leave the environment's database and log files byte-identical.
// Skipped, with the reason, where mounting is not permitted. Always unmounts.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/bdb/log_names.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;
constexpr const char* kMountSize = "size=256k";
constexpr uintmax_t kMountBytes = 256 * 1024;

// Every file of the home except BDB's region files (__db.*), which any process
// joining the environment updates: name -> size and content hash.
std::map<std::string, std::string> EnvironmentFiles(const std::string& home) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(home)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.rfind("__db.", 0) == 0) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string data = ss.str();
    files[e.path().string()] = std::to_string(data.size()) + " " + std::to_string(XXH3_64bits(data.data(), data.size()));
  }
  return files;
}

uintmax_t TreeBytes(const std::string& dir) {
  uintmax_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

// Mounts a tmpfs on dir for its lifetime.
class TmpfsMount {
 public:
  explicit TmpfsMount(const std::string& dir) : dir_(dir) {
    fs::create_directories(dir);
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, kMountSize) == 0) {
      mounted_ = true;
    } else {
      why_ = std::string("mount -t tmpfs failed: ") + std::strerror(errno);
    }
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string why_;
};

class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.log_file_bytes = 64 * 1024;
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(home_, &writer).ok());
    ASSERT_TRUE(writer->Commit(1500).ok());
    ASSERT_TRUE(writer->Checkpoint().ok());
    writer.reset();
    ASSERT_GT(TreeBytes(home_), 2 * kMountBytes) << "the environment must not fit in the mount";
  }

  ProcessResult Run(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"timeout", "-k", "5", "60", BDBACKUP_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv);
  }

  void ExpectNoSpaceLine(const ProcessResult& r) {
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_EQ(r.err.rfind("bdbackup: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  }

  TempDir tmp_{"bdbackup-fulldisk"};
  std::string home_, repo_;
};

TEST_F(FullDiskTest, HotBackupFailsCleanlyAndTouchesNothing) {
  TmpfsMount mount(repo_);
  if (!mount.mounted()) GTEST_SKIP() << "cannot mount a small tmpfs here (" << mount.why() << "); needs CAP_SYS_ADMIN";
  const auto before = EnvironmentFiles(home_);
  ProcessResult r = Run({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ExpectNoSpaceLine(r);
  // Nothing published, no staging left behind.
  for (const auto& e : fs::directory_iterator(repo_ + "/backups")) ADD_FAILURE() << "left behind: " << e.path();
  ProcessResult list = Run({"list", "--repo", repo_, "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(nlohmann::json::parse(list.out)["backups"].size(), 0u) << list.out;
  // The environment: same files, same bytes, and it still opens and holds its data.
  EXPECT_EQ(EnvironmentFiles(home_), before);
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(home_, kBtreeDb, &a).ok());
  EXPECT_EQ(a.size(), 1500u);
  ASSERT_EQ(RunProcess({"db5.3_verify", "-h", home_, kBtreeDb}).exit_code, 0);
  // The same command again fails the same clean way (the repository is still full of nothing).
  ExpectNoSpaceLine(Run({"backup", "--home", home_, "--repo", repo_, "--mode", "cold"}));
  EXPECT_TRUE(fs::is_empty(repo_ + "/backups"));
}

TEST_F(FullDiskTest, ArchiveFailsCleanlyAndLosesNoLog) {
  TmpfsMount mount(repo_);
  if (!mount.mounted()) GTEST_SKIP() << "cannot mount a small tmpfs here (" << mount.why() << "); needs CAP_SYS_ADMIN";
  std::vector<uint32_t> logs;
  for (const auto& e : fs::directory_iterator(home_ + "/log")) {
    uint32_t n = 0;
    if (ParseLogFileName(e.path().filename().string(), &n)) logs.push_back(n);
  }
  ASSERT_GE(logs.size(), 5u);
  ProcessResult r = Run({"archive", "--home", home_, "--repo", repo_});
  ExpectNoSpaceLine(r);
  for (uint32_t n : logs) {
    const std::string name = LogFileName(n);
    const bool in_env = fs::exists(home_ + "/log/" + name);
    const bool archived = fs::exists(repo_ + "/archive/" + name) && fs::exists(repo_ + "/archive/" + name + ".json");
    EXPECT_TRUE(in_env || archived) << name << " was lost";
    EXPECT_FALSE(fs::exists(repo_ + "/archive/" + name + ".tmp")) << name << ".tmp left behind";
  }
}

}  // namespace
}  // namespace bdb
