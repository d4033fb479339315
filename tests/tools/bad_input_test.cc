// Hostile and broken input to the real bdbackup binary: each
// case must end with exactly one error line on stderr naming what and why,
// exit 2 for bad usage or an input that is not what it claims, 1 where a check
// finds damaged backup data, and leave the home, the repository and the
// restore target byte-for-byte unchanged (a recursive listing of types, modes,
// sizes, content hashes and link targets before and after).
// Also the security contract: repository files 0600 and directories 0700
// under umask 022, restore targets not world-readable.
// Prints one summary line "ROBUSTNESS bad_input ..." for reports/.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/bdb/log_names.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int& inputs_tried() {
  static int n = 0;
  return n;
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// path -> "type mode size hash-or-link-target" for everything under root (root included).
using Tree = std::map<std::string, std::string>;
Tree Snapshot(const std::string& root) {
  Tree tree;
  if (!fs::exists(fs::symlink_status(root))) return tree;
  auto describe = [](const fs::path& p) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) return std::string("unreadable");
    std::ostringstream d;
    d << std::oct << (st.st_mode & 07777) << std::dec << " ";
    if (S_ISLNK(st.st_mode)) {
      d << "link " << fs::read_symlink(p).string();
    } else if (S_ISDIR(st.st_mode)) {
      d << "dir";
    } else {
      const std::string data = ReadFileContents(p.string());
      d << "file " << data.size() << " " << XXH3_64bits(data.data(), data.size());
    }
    return d.str();
  };
  tree[root] = describe(root);
  if (!fs::is_directory(fs::symlink_status(root))) return tree;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it)
    tree[it->path().string()] = describe(it->path());
  return tree;
}

class BadInputTest : public ::testing::Test {
 protected:
  // One environment with a hot backup, archived logs and an incremental, made once.
  static void SetUpTestSuite() {
    base_ = new TempDir("bdbackup-badinput");
    const std::string home = base_->Sub("home"), repo = base_->Sub("repo");
    TestEnvOptions opts;
    opts.checksums = true;
    opts.log_file_bytes = 64 * 1024;
    ASSERT_TRUE(CreateTestEnvironment(home, opts).ok());
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(home, &writer).ok());
    ASSERT_TRUE(writer->Commit(200).ok());
    writer.reset();
    ProcessResult r = RunProcess({BDBACKUP_BIN, "backup", "--home", home, "--repo", repo, "--mode", "hot"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(TestWriter::Open(home, &writer).ok());
    ASSERT_TRUE(writer->Abort(200).ok());
    ASSERT_TRUE(writer->Commit(400).ok());
    writer.reset();
    r = RunProcess({BDBACKUP_BIN, "archive", "--home", home, "--repo", repo});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = RunProcess({BDBACKUP_BIN, "backup", "--home", home, "--repo", repo, "--mode", "incremental"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete base_;
    base_ = nullptr;
  }

  void SetUp() override {
    home_ = base_->Sub("home");
    repo_ = tmp_.Sub("repo");
    target_ = tmp_.Sub("target");
    scratch_ = tmp_.Sub("scratch");
    fs::create_directories(scratch_);
    fs::copy(base_->Sub("repo"), repo_, fs::copy_options::recursive);
    for (const auto& e : fs::directory_iterator(repo_ + "/backups")) {
      const std::string name = e.path().filename().string();
      (name.find("-hot") != std::string::npos ? full_ : incr_) = name;
    }
    ASSERT_FALSE(full_.empty());
    ASSERT_FALSE(incr_.empty());
  }

  std::string Manifest(const std::string& id) { return repo_ + "/backups/" + id + "/manifest.json"; }

  // Runs bdbackup on (possibly broken) input and checks the error contract:
  // exit code, exactly one stderr line "bdbackup: error: ..." containing every
  // `needle`, and nothing changed under the home, the repository, the target or `extra`.
  void ExpectRefused(const std::vector<std::string>& args, int exit_code, const std::vector<std::string>& needles,
                     const std::vector<std::string>& extra = {}) {
    ++inputs_tried();
    std::vector<std::string> watched = {home_, repo_, target_};
    watched.insert(watched.end(), extra.begin(), extra.end());
    std::map<std::string, Tree> before;
    for (const auto& w : watched) before[w] = Snapshot(w);
    std::vector<std::string> argv = {"env", "TMPDIR=" + scratch_, "timeout", "-k", "5", "60", BDBACKUP_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult r = RunProcess(argv);
    EXPECT_EQ(r.exit_code, exit_code) << r.err;
    EXPECT_EQ(r.err.rfind("bdbackup: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "missing '" << n << "' in " << r.err;
    // The one file a refused command may write: verify records its verdict
    // (REPO/verify.json, for `check`), and a verdict of exit 1 says it failed.
    const std::string record = repo_ + "/verify.json";
    if (args[0] == "verify" && exit_code == 1) {
      const json verdict = json::parse(ReadFileContents(record), nullptr, false);
      EXPECT_TRUE(verdict.is_object() && verdict.value("ok", true) == false) << ReadFileContents(record);
    }
    for (const auto& w : watched) {
      Tree after = Snapshot(w);
      after.erase(record);
      before[w].erase(record);
      EXPECT_EQ(after, before[w]) << w << " was modified";
    }
    EXPECT_TRUE(fs::is_empty(scratch_)) << "verify left scratch files behind";
  }

  std::vector<std::string> Verify(const std::string& id = "latest") {
    return {"verify", "--repo", repo_, "--backup", id};
  }
  std::vector<std::string> Restore(const std::string& id = "latest") {
    return {"restore", "--repo", repo_, "--target", target_, "--backup", id};
  }

  // Rewrites one backup's manifest through `edit`.
  void EditManifest(const std::string& id, const std::function<void(json&)>& edit) {
    json doc = json::parse(ReadFileContents(Manifest(id)));
    edit(doc);
    WriteFile(Manifest(id), doc.dump(2));
  }

  // The first file of `kind` in a backup's manifest.
  std::string FirstFile(const std::string& id, const std::string& kind) {
    json doc = json::parse(ReadFileContents(Manifest(id)));
    for (const auto& f : doc["files"])
      if (f["kind"] == kind) return f["path"].get<std::string>();
    return "";
  }

  static TempDir* base_;
  TempDir tmp_{"bdbackup-badcase"};
  std::string home_, repo_, target_, scratch_, full_, incr_;
};
TempDir* BadInputTest::base_ = nullptr;

TEST_F(BadInputTest, MissingHome) {
  const std::string missing = tmp_.Sub("no-such-home");
  ExpectRefused({"backup", "--home", missing, "--repo", repo_, "--mode", "hot"}, 2, {"'" + missing + "'"});
  ExpectRefused({"archive", "--home", missing, "--repo", repo_}, 2, {"'" + missing + "'"});
  EXPECT_FALSE(fs::exists(missing));
}

TEST_F(BadInputTest, HomeThatIsNoEnvironment) {
  const std::string dir = tmp_.Sub("not-an-env");
  fs::create_directories(dir);
  WriteFile(dir + "/notes.txt", "hello");
  ExpectRefused({"backup", "--home", dir, "--repo", repo_, "--mode", "hot"}, 2, {"'" + dir + "'"}, {dir});
  ExpectRefused({"archive", "--home", dir, "--repo", repo_}, 2, {"'" + dir + "'"}, {dir});
}

TEST_F(BadInputTest, UnknownModeOrFlag) {
  ExpectRefused({"backup", "--home", home_, "--repo", repo_, "--mode", "warm"}, 2, {"'warm'"});
  ExpectRefused({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--frobnicate"}, 2,
                {"bad usage", "--frobnicate"});
  ExpectRefused({"defrost", "--repo", repo_}, 2, {"bad usage", "defrost"});
}

TEST_F(BadInputTest, MaxRateThatIsNoRate) {
  ExpectRefused({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--max-rate", "-1"}, 2,
                {"bad usage: --max-rate -1 is not a rate: give MiB a second (0: no limit)"});
  ExpectRefused({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--max-rate", "fast"}, 2,
                {"bad usage", "--max-rate"});
}

TEST_F(BadInputTest, RepositoryThatIsNotOne) {
  const std::string dir = tmp_.Sub("random");
  fs::create_directories(dir + "/sub");
  WriteFile(dir + "/data.bin", "precious user data");
  const std::string why = "'" + dir + "' is not a bdbackup repository";
  ExpectRefused({"backup", "--home", home_, "--repo", dir, "--mode", "hot"}, 2, {why}, {dir});
  ExpectRefused({"archive", "--home", home_, "--repo", dir}, 2, {why}, {dir});
  ExpectRefused({"verify", "--repo", dir}, 2, {why}, {dir});
  ExpectRefused({"restore", "--repo", dir, "--target", target_}, 2, {why}, {dir});
  ExpectRefused({"list", "--repo", dir}, 2, {why}, {dir});
}

TEST_F(BadInputTest, RepositoryOfANewerFormat) {
  std::string marker;
  for (const auto& e : fs::directory_iterator(repo_))
    if (e.is_regular_file() && ReadFileContents(e.path()).find("bdbackup-repository") != std::string::npos)
      marker = e.path().string();
  ASSERT_FALSE(marker.empty());
  json doc = json::parse(ReadFileContents(marker));
  doc["format_version"] = 99;
  WriteFile(marker, doc.dump(2));
  ExpectRefused({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"}, 2, {"format version 99", "newer"});
  ExpectRefused(Verify(), 2, {"format version 99"});
  ExpectRefused(Restore(), 2, {"format version 99"});
}

TEST_F(BadInputTest, ManifestTruncatedNotJsonOrWithWrongChecksums) {
  const std::string text = ReadFileContents(Manifest(full_));
  WriteFile(Manifest(full_), text.substr(0, text.size() / 2));
  ExpectRefused(Verify(full_), 1, {"manifest '" + Manifest(full_) + "' is not valid JSON"});
  ExpectRefused(Restore(full_), 1, {"manifest '" + Manifest(full_) + "' is not valid JSON"});
  WriteFile(Manifest(full_), "this is not json\n");
  ExpectRefused(Verify(full_), 1, {"is not valid JSON"});
  ExpectRefused(Restore(full_), 1, {"is not valid JSON"});
  WriteFile(Manifest(full_), text);
  const std::string db = FirstFile(full_, "database");
  EditManifest(full_, [&](json& doc) {
    for (auto& f : doc["files"])
      if (f["kind"] == "database") f["xxh3"] = "0123456789abcdef";
  });
  ExpectRefused(Verify(full_), 1, {"file '" + db + "' of backup '" + full_ + "'", "0123456789abcdef"});
  ExpectRefused(Restore(full_), 1, {"file '" + db + "' of backup " + full_, "0123456789abcdef"});
}

TEST_F(BadInputTest, BackupFileMissingTruncatedOrAltered) {
  const std::string db = FirstFile(full_, "database");
  const std::string path = repo_ + "/backups/" + full_ + "/" + db;
  const std::string data = ReadFileContents(path);
  fs::remove(path);
  ExpectRefused(Verify(full_), 1, {"file '" + db + "' of backup '" + full_ + "' is missing"});
  ExpectRefused(Restore(full_), 1, {"file '" + db + "' of backup " + full_ + " is missing"});
  WriteFile(path, data.substr(0, data.size() - 4096));
  ::chmod(path.c_str(), 0600);
  ExpectRefused(Verify(full_), 1, {"file '" + db + "' of backup '" + full_ + "' is "});
  ExpectRefused(Restore(full_), 1, {"file '" + db + "' of backup " + full_ + " is damaged"});
  std::string altered = data;
  altered[altered.size() / 2] ^= 0x5a;
  WriteFile(path, altered);
  ExpectRefused(Verify(full_), 1, {"file '" + db + "' of backup '" + full_ + "' has checksum"});
  ExpectRefused(Restore(full_), 1, {"file '" + db + "' of backup " + full_ + " is damaged"});
  // An altered incremental log is named too.
  WriteFile(path, data);
  const std::string log = FirstFile(incr_, "log");
  const std::string log_path = repo_ + "/backups/" + incr_ + "/" + log;
  std::string log_data = ReadFileContents(log_path);
  log_data[100] ^= 0x01;
  WriteFile(log_path, log_data);
  ExpectRefused(Verify(incr_), 1, {"file '" + log + "' of backup '" + incr_ + "' has checksum"});
}

TEST_F(BadInputTest, LogGapInAChain) {
  // Drop a middle log of the incremental (file and manifest entry) and from the archive.
  json doc = json::parse(ReadFileContents(Manifest(incr_)));
  std::vector<std::string> logs;
  for (const auto& f : doc["files"])
    if (f["kind"] == "log") logs.push_back(f["path"].get<std::string>());
  ASSERT_GE(logs.size(), 3u) << doc.dump();
  const std::string gone = logs[1];
  const std::string gone_name = fs::path(gone).filename().string();
  EditManifest(incr_, [&](json& d) {
    json kept = json::array();
    for (const auto& f : d["files"])
      if (f["path"] != gone) kept.push_back(f);
    d["files"] = kept;
  });
  fs::remove(repo_ + "/backups/" + incr_ + "/" + gone);
  fs::remove(repo_ + "/archive/" + gone_name);
  fs::remove(repo_ + "/archive/" + gone_name + ".json");
  ExpectRefused(Verify(incr_), 1, {"log chain has a gap: '" + gone_name + "' is missing"});
  ExpectRefused(Restore(incr_), 1, {"log chain has a gap: '" + gone_name + "' is missing"});
}

TEST_F(BadInputTest, ManifestPathThatIsAbsoluteOrClimbsOut) {
  const std::string outside = tmp_.Sub("outside");
  fs::create_directories(outside);
  const std::string db = FirstFile(full_, "database");
  for (const std::string& evil : std::vector<std::string>{outside + "/a.db", "../../../outside/a.db", "x/../../a.db"}) {
    SCOPED_TRACE(evil);
    EditManifest(full_, [&](json& doc) {
      for (auto& f : doc["files"])
        if (f["path"] == db) f["path"] = evil;
    });
    ExpectRefused(Verify(full_), 2, {"manifest path '" + evil + "'"}, {outside});
    ExpectRefused(Restore(full_), 2, {"manifest path '" + evil + "'"}, {outside});
    EXPECT_FALSE(fs::exists(target_)) << "restore wrote before refusing";
    EditManifest(full_, [&](json& doc) {
      for (auto& f : doc["files"])
        if (f["path"] == evil) f["path"] = db;
    });
  }
}

TEST_F(BadInputTest, SymlinkInsideABackupPointingOutside) {
  // The link points at an identical copy, so following it would "pass": refusing is the only right answer.
  const std::string outside = tmp_.Sub("outside");
  fs::create_directories(outside);
  const std::string db = FirstFile(full_, "database");
  const std::string path = repo_ + "/backups/" + full_ + "/" + db;
  fs::copy_file(path, outside + "/copy.db");
  fs::remove(path);
  fs::create_symlink(outside + "/copy.db", path);
  ExpectRefused(Verify(full_), 1, {"file '" + db + "' of backup '" + full_ + "'", "symbolic link"}, {outside});
  ExpectRefused(Restore(full_), 1, {"file '" + db + "' of backup " + full_, "symbolic link"}, {outside});
  EXPECT_FALSE(fs::exists(target_));
}

TEST_F(BadInputTest, NonEmptyTargetWithoutForce) {
  fs::create_directories(target_);
  WriteFile(target_ + "/keep.txt", "mine");
  ExpectRefused(Restore(), 2, {"restore target '" + target_ + "' is not empty: use --force to overwrite it"});
}

TEST_F(BadInputTest, UntilBeforeTheBackupOrUnreadable) {
  ExpectRefused({"restore", "--repo", repo_, "--target", target_, "--until", "2001-01-01T00:00:00Z"}, 2,
                {"--until 2001-01-01T00:00:00.000Z is before backup '" + full_ + "' started ("});
  ExpectRefused({"restore", "--repo", repo_, "--target", target_, "--until", "yesterday"}, 2,
                {"--until 'yesterday' is not a time: expected UTC like 2026-11-23T18:15:00Z"});
  EXPECT_FALSE(fs::exists(target_));
}

// --- Security: modes of everything the tool creates ---

std::vector<std::string> BadModes(const std::string& root, mode_t file_mode, mode_t dir_mode) {
  std::vector<std::string> bad;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0) {
      bad.push_back(it->path().string() + " cannot be stat'ed");
      continue;
    }
    const mode_t mode = st.st_mode & 07777;
    if (S_ISDIR(st.st_mode) && mode != dir_mode) bad.push_back(it->path().string() + " dir " + std::to_string(mode));
    if (S_ISREG(st.st_mode) && mode != file_mode && (mode & 077) != 0)
      bad.push_back(it->path().string() + " file " + std::to_string(mode));
    if (S_ISLNK(st.st_mode)) bad.push_back(it->path().string() + " is a symlink");
  }
  return bad;
}

TEST(SecurityTest, RepositoryIsPrivateAndRestoredFilesAreNotWorldReadable) {
  ++inputs_tried();
  TempDir tmp("bdbackup-modes");
  const std::string home = tmp.Sub("home"), repo = tmp.Sub("repo"), target = tmp.Sub("target");
  TestEnvOptions opts;
  opts.log_file_bytes = 64 * 1024;
  ASSERT_TRUE(CreateTestEnvironment(home, opts).ok());
  std::unique_ptr<TestWriter> writer;
  ASSERT_TRUE(TestWriter::Open(home, &writer).ok());
  ASSERT_TRUE(writer->Commit(300).ok());
  writer.reset();
  const mode_t old = ::umask(022);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"backup", "--home", home, "--repo", repo, "--mode", "hot"},
        std::vector<std::string>{"archive", "--home", home, "--repo", repo},
        std::vector<std::string>{"backup", "--home", home, "--repo", repo, "--mode", "incremental",
                                 "--recover-as-you-go"},
        std::vector<std::string>{"restore", "--repo", repo, "--target", target}}) {
    std::vector<std::string> argv = {BDBACKUP_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult r = RunProcess(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ::umask(old);
  struct stat st;
  ASSERT_EQ(::stat(repo.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  // Inside the repository every file is 0600 and every directory 0700
  // (the standby is a recovered environment: BDB may create region files, never world-readable).
  EXPECT_EQ(BadModes(repo, 0600, 0700), std::vector<std::string>{});
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0007, 0u) << "restore target is world-accessible";
  for (auto it = fs::recursive_directory_iterator(target); it != fs::recursive_directory_iterator(); ++it) {
    ASSERT_EQ(::lstat(it->path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0007, 0u) << it->path() << " is world-accessible";
  }
}

class Summary : public ::testing::Environment {
 public:
  void TearDown() override { std::printf("ROBUSTNESS bad_input inputs_tried=%d\n", inputs_tried()); }
};
const auto* const kSummary = ::testing::AddGlobalTestEnvironment(new Summary);

}  // namespace
}  // namespace bdb
