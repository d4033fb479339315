// The bdbackup command line driven like a user drives it: the real binary in
// a child process on real environments, asserting exact exit codes (0 ok,
// 1 check failed, 2 bad usage/input, 3 busy, 4 I/O), exact one-line error
// messages on stderr, one JSON document on stdout with --json, and that BDB's
// own utilities accept what a restore leaves behind.
#include <db.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "engine/repository/backup_id.h"
#include "base/file_io.h"
#include "engine/bdb/log_names.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

using nlohmann::json;

std::string ErrorLine(const std::string& what) { return "bdbackup: error: " + what + "\n"; }

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Parses stdout as exactly one JSON document (json::parse rejects trailing data).
json ParseJson(const ProcessResult& r) {
  try {
    return json::parse(r.out);
  } catch (const json::exception& e) {
    ADD_FAILURE() << "stdout is not one JSON document (" << e.what() << "):\n" << r.out;
    return json::object();
  }
}

// A child process that holds something (an open environment, a file lock)
// until Release(); Start() returns once the child holds it.
class Holder {
 public:
  ~Holder() { Kill(); }

  // Runs hold() in a forked child; hold returns false on failure. The child
  // then waits until the parent closes the pipe, or sleeps release_after_ms.
  template <typename Hold>
  void Start(Hold hold, int release_after_ms = -1) {
    int ready[2], release[2];
    ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(release, O_CLOEXEC), 0);
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(release[1]);
      const char ok = hold() ? 'y' : 'n';
      if (::write(ready[1], &ok, 1) != 1) ::_exit(3);
      if (release_after_ms >= 0) {
        ::usleep(static_cast<useconds_t>(release_after_ms) * 1000);
      } else {
        char c;
        while (::read(release[0], &c, 1) > 0) {
        }
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(release[0]);
    release_fd_ = release[1];
    char ok = 0;
    ASSERT_EQ(::read(ready[0], &ok, 1), 1);
    ::close(ready[0]);
    ASSERT_EQ(ok, 'y') << "the child could not take hold";
  }

  pid_t pid() const { return pid_; }

  // Lets the child exit normally and waits for it.
  void Release() {
    if (release_fd_ >= 0) ::close(release_fd_);
    release_fd_ = -1;
    Wait();
  }

  // SIGKILL, as a crash would.
  void Kill() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    Release();
  }

  void Wait() {
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int release_fd_ = -1;
};

class BdbackupCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.checksums = true;
    opts.log_file_bytes = 64 * 1024;  // several log files, so archive and incrementals have work
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
  }

  // Commits n transactions in this process and closes the environment again.
  void Commit(int n) {
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(home_, &writer).ok());
    if (committed_ > 0) {
      ASSERT_TRUE(writer->Abort(committed_).ok());  // a new writer numbers from 1: skip the used ids
    }
    ASSERT_TRUE(writer->Commit(n).ok());
    committed_ += n;
    ASSERT_TRUE(writer->Checkpoint().ok());
  }

  // Runs a command that must succeed quietly; returns its --json document.
  json RunOk(std::vector<std::string> args) {
    args.push_back("--json");
    ProcessResult r = RunBdbackup(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    json j = ParseJson(r);
    EXPECT_EQ(j.value("ok", false), true) << r.out;
    return j;
  }

  std::string Backup(const std::string& mode) {
    return RunOk({"backup", "--home", home_, "--repo", repo_, "--mode", mode}).value("id", "");
  }

  // Asserts a failed run: exit code, exactly one stderr line, nothing on stdout.
  void ExpectFailure(const ProcessResult& r, int exit_code, const std::string& what) {
    EXPECT_EQ(r.exit_code, exit_code) << r.err;
    EXPECT_EQ(r.err, ErrorLine(what));
    EXPECT_EQ(r.out, "");
  }

  TempDir tmp_;
  std::string home_, repo_;
  int committed_ = 0;
};

// ---------------------------------------------------------------- usage

TEST_F(BdbackupCliTest, BadUsageIsExitTwoWithOneLine) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "bad usage: A subcommand is required"},
      {{"frobnicate"}, "bad usage: unknown command 'frobnicate': expected archive, backup, list, verify, restore, expire or check"},
      {{"list", "--repo", repo_, "--frob"}, "bad usage: The following argument was not expected: --frob"},
      {{"backup", "--repo", repo_, "--mode", "hot"}, "bad usage: --home is required"},
      {{"restore", "--repo", repo_}, "bad usage: --target is required"},
  };
  for (const auto& c : cases) {
    ProcessResult r = RunBdbackup(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err, ErrorLine(c.message));
    EXPECT_EQ(r.out, "");
  }
  ProcessResult r = RunBdbackup({"list", "--json", "--frob"});
  EXPECT_EQ(r.exit_code, 2);
  json j = ParseJson(r);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["error"]["code"], "InvalidArgument");
  EXPECT_EQ(j["error"]["exit_code"], 2);
  EXPECT_EQ(r.err, ErrorLine(j["error"]["message"].get<std::string>()));
  r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "warm"});
  ExpectFailure(r, 2, "unknown backup mode 'warm': expected cold, hot or incremental");
  EXPECT_FALSE(Exists(repo_));
}

TEST_F(BdbackupCliTest, HelpAndVersionExitZero) {
  ProcessResult r = RunBdbackup({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"archive", "backup", "list", "verify", "restore"})
    EXPECT_NE(r.out.find(cmd), std::string::npos) << r.out;
  r = RunBdbackup({"backup", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--mode"), std::string::npos) << r.out;
  r = RunBdbackup({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find('.'), std::string::npos) << r.out;
}

TEST_F(BdbackupCliTest, MissingOrNonBdbHomeCreatesNothing) {
  const std::string nope = tmp_.Sub("nope");
  ProcessResult r = RunBdbackup({"backup", "--home", nope, "--repo", repo_, "--mode", "hot"});
  ExpectFailure(r, 2, "environment home '" + nope + "' does not exist");
  EXPECT_FALSE(Exists(nope));
  EXPECT_FALSE(Exists(repo_));

  const std::string plain = tmp_.Sub("plain");
  ASSERT_EQ(::mkdir(plain.c_str(), 0700), 0);
  for (const std::string mode : {"hot", "cold"}) {
    r = RunBdbackup({"backup", "--home", plain, "--repo", repo_, "--mode", mode});
    ExpectFailure(r, 2, "'" + plain + "' is not a Berkeley DB environment: no region files and no log files");
  }
  r = RunBdbackup({"archive", "--home", plain, "--repo", repo_});
  ExpectFailure(r, 2, "'" + plain + "' is not a Berkeley DB environment: no region files and no log files");
  EXPECT_FALSE(Exists(repo_)) << "a refused command created the repository";
  EXPECT_FALSE(Exists(plain + "/DB_CONFIG"));
  EXPECT_FALSE(Exists(plain + "/__db.001"));

  r = RunBdbackup({"list", "--repo", repo_});
  ExpectFailure(r, 2, "repository '" + repo_ + "' does not exist");
  EXPECT_FALSE(Exists(repo_));
}

// ---------------------------------------------------------------- happy path

TEST_F(BdbackupCliTest, FullCycleThroughTheCommandLine) {
  Commit(300);
  const std::string full = Backup("hot");
  ASSERT_TRUE(IsValidBackupId(full)) << full;
  EXPECT_NE(full.find("-hot"), std::string::npos);
  Commit(600);
  json archived = RunOk({"archive", "--home", home_, "--repo", repo_, "--checkpoint"});
  EXPECT_EQ(archived["command"], "archive");
  ASSERT_FALSE(archived["archived"].empty()) << archived.dump();
  Commit(300);
  json inc = RunOk({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  const std::string inc_id = inc.value("id", "");
  EXPECT_EQ(inc["mode"], "incremental");
  EXPECT_EQ(inc["parent"], full);
  EXPECT_EQ(inc["command"], "backup");
  EXPECT_EQ(inc["dir"], repo_ + "/backups/" + inc_id);

  // Text output of list: a header, one line per backup, the archive line.
  ProcessResult r = RunBdbackup({"list", "--repo", repo_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[0].substr(0, 2), "ID");
  for (const char* word : {"MODE", "PARENT", "SIZE", "LOGS", "STARTED"})
    EXPECT_NE(lines[0].find(word), std::string::npos) << lines[0];
  auto words = [](const std::string& line) {
    std::vector<std::string> w;
    std::istringstream in(line);
    for (std::string s; in >> s;) w.push_back(s);
    return w;
  };
  std::vector<std::string> f = words(lines[1]), i = words(lines[2]);
  ASSERT_EQ(f.size(), 7u) << lines[1];  // id mode parent size unit logs started
  EXPECT_EQ(f[0], full);
  EXPECT_EQ(f[1], "hot");
  EXPECT_EQ(f[2], "-");
  EXPECT_EQ(f[5].substr(0, 4), "log.") << lines[1];
  int64_t started_ms = 0;
  EXPECT_TRUE(ParseUtcTimestamp(f[6], &started_ms).ok()) << f[6];
  ASSERT_EQ(i.size(), 7u) << lines[2];
  EXPECT_EQ(i[0], inc_id);
  EXPECT_EQ(i[1], "incremental");
  EXPECT_EQ(i[2], full);
  const std::string archive_line = "archive: " + std::to_string(archived["archived"].size()) + " log files, ";
  EXPECT_EQ(lines[3].substr(0, archive_line.size()), archive_line) << lines[3];
  EXPECT_NE(lines[3].find(LogFileName(archived["archived"].front().get<uint32_t>())), std::string::npos) << lines[3];

  // JSON output of list.
  json listed = RunOk({"list", "--repo", repo_});
  EXPECT_EQ(listed["command"], "list");
  EXPECT_EQ(listed["repository"], repo_);
  ASSERT_EQ(listed["backups"].size(), 2u);
  const json& b0 = listed["backups"][0];
  const json& b1 = listed["backups"][1];
  EXPECT_EQ(b0["id"], full);
  EXPECT_EQ(b0["mode"], "hot");
  EXPECT_EQ(b0["parent"], "");
  EXPECT_GT(b0["files"].get<int>(), 2);
  EXPECT_GT(b0["bytes"].get<uint64_t>(), 0u);
  EXPECT_LE(b0["first_log"].get<uint32_t>(), b0["last_log"].get<uint32_t>());
  EXPECT_EQ(b1["id"], inc_id);
  EXPECT_EQ(b1["parent"], full);
  EXPECT_EQ(b1["first_log"], b0["last_log"]) << "an incremental starts again at its parent's last log";
  EXPECT_EQ(listed["archive"]["logs"], archived["archived"].size());
  EXPECT_EQ(listed["archive"]["first_log"], archived["archived"].front());
  for (const char* key : {"start_time", "end_time", "end_lsn"}) EXPECT_TRUE(b1.contains(key)) << key;

  // verify: text, then JSON.
  r = RunBdbackup({"verify", "--repo", repo_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.substr(0, 7 + inc_id.size() + 10), "backup " + inc_id + " verified:") << r.out;
  json verified = RunOk({"verify", "--repo", repo_, "--backup", full});
  EXPECT_EQ(verified["backup"], full);
  EXPECT_EQ(verified["databases_verified"], json({"a.db", "b.db"}));

  // restore into a new directory; BDB's own tools work on it as it is.
  const std::string target = tmp_.Sub("restored");
  json restored = RunOk({"restore", "--repo", repo_, "--target", target});
  EXPECT_EQ(restored["backup"], inc_id);
  EXPECT_EQ(restored["chain"], json({full, inc_id}));
  EXPECT_EQ(restored["target"], target);
  for (const char* db : {"a.db", "b.db"}) {
    std::string output;
    EXPECT_TRUE(Db53VerifyAccepts(target, db, &output)) << output;
  }
  r = RunProcess({"db5.3_dump", "-p", "-h", target, "a.db"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (uint64_t id : {1, 600, 1200}) {
    EXPECT_NE(r.out.find(" " + TestKey(id) + "\n " + TestValue(id) + "\n"), std::string::npos) << "txn " << id;
  }
  EXPECT_EQ(r.out.find(TestKey(1201)), std::string::npos);
  EXPECT_FALSE(Exists(target + "/.bdbackup-restore-incomplete"));
}

TEST_F(BdbackupCliTest, JsonOnErrorIsOneDocumentWithTheError) {
  const std::string nope = tmp_.Sub("nope");
  struct Case {
    std::vector<std::string> args;
    std::string code;
    int exit_code;
  };
  const std::vector<Case> cases = {
      {{"backup", "--home", nope, "--repo", repo_, "--mode", "hot"}, "NotFound", 2},
      {{"archive", "--home", nope, "--repo", repo_}, "NotFound", 2},
      {{"list", "--repo", repo_}, "NotFound", 2},
      {{"verify", "--repo", repo_}, "NotFound", 2},
      {{"restore", "--repo", repo_, "--target", tmp_.Sub("t")}, "NotFound", 2},
      {{"backup", "--home", home_, "--repo", repo_, "--mode", "warm"}, "InvalidArgument", 2},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = c.args;
    args.push_back("--json");
    ProcessResult r = RunBdbackup(args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    json j = ParseJson(r);
    EXPECT_EQ(j.value("ok", true), false) << r.out;
    ASSERT_TRUE(j.contains("error")) << r.out;
    EXPECT_EQ(j["error"]["code"], c.code) << r.out;
    EXPECT_EQ(j["error"]["exit_code"], c.exit_code);
    EXPECT_EQ(r.err, ErrorLine(j["error"]["message"].get<std::string>()));
  }
}

// ---------------------------------------------------------------- busy

// Child: joins the environment through the BDB C API and keeps it open.
bool OpenEnvironment(const std::string& home) {
  DB_ENV* env = nullptr;
  if (db_env_create(&env, 0) != 0) return false;
  return env->open(env, home.c_str(), DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN, 0) == 0;
}

TEST_F(BdbackupCliTest, ColdBackupOfAnEnvironmentInUseIsBusy) {
  Commit(50);
  Holder child;
  child.Start([&] { return OpenEnvironment(home_); });
  ProcessResult r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "cold"});
  ExpectFailure(r, 3, "environment '" + home_ + "' is in use: 1 other process (pid " + std::to_string(child.pid()) +
                          "); a cold backup needs it idle (use --mode hot)");
  // A hot backup is what the message suggests, and it works meanwhile.
  EXPECT_FALSE(Backup("hot").empty());

  // A crashed user leaves a stale reference: still refused, with the remedy.
  child.Kill();
  r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "cold"});
  ExpectFailure(r, 3, "environment '" + home_ +
                          "' is in use: 1 stale region reference and no process maps the regions; run "
                          "db5.3_recover; a cold backup needs it idle (use --mode hot)");
  r = RunProcess({"db5.3_recover", "-h", home_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json cold = RunOk({"backup", "--home", home_, "--repo", repo_, "--mode", "cold"});
  EXPECT_EQ(cold["mode"], "cold");
  EXPECT_EQ(cold["first_log"], cold["last_log"]);
  RunOk({"verify", "--repo", repo_});
}

// Child: takes the repository's lock as another bdbackup would.
bool LockRepository(const std::string& repo) {
  int fd = ::open((repo + "/lock").c_str(), O_RDWR | O_CREAT, 0600);
  return fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0;
}

TEST_F(BdbackupCliTest, LockedRepositoryIsBusyUntilReleased) {
  Commit(30);
  Backup("hot");
  const std::string locked = ErrorLine("repository '" + repo_ + "' is locked by another bdbackup process");
  {
    Holder child;
    child.Start([&] { return LockRepository(repo_); });
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"backup", "--home", home_, "--repo", repo_, "--mode", "hot"},
          std::vector<std::string>{"archive", "--home", home_, "--repo", repo_}}) {
      ProcessResult r = RunBdbackup(args);
      EXPECT_EQ(r.exit_code, 3) << args[0] << ": " << r.err;
      EXPECT_EQ(r.err, locked) << args[0];
    }
    // Reading the repository needs no lock: list, verify and restore work.
    ProcessResult r = RunBdbackup({"list", "--repo", repo_});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = RunBdbackup({"restore", "--repo", repo_, "--target", tmp_.Sub("t")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  Holder child;
  child.Start([&] { return LockRepository(repo_); }, /*release_after_ms=*/1000);
  ProcessResult r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--lock-wait", "5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.substr(0, 7), "backup ") << r.out;
  child.Wait();
}

// ---------------------------------------------------------------- damage

TEST_F(BdbackupCliTest, VerifyNamesTheDamagedFile) {
  Commit(300);
  const std::string full = Backup("hot");
  Commit(900);
  const std::string inc = Backup("incremental");
  RunOk({"verify", "--repo", repo_});

  // A missing log of the incremental.
  json manifest = json::parse(ReadFileContents(repo_ + "/backups/" + inc + "/manifest.json"));
  std::string log_rel;
  for (const auto& f : manifest["files"])
    if (f["kind"] == "log") log_rel = f["path"];
  ASSERT_FALSE(log_rel.empty());
  const std::string log_path = repo_ + "/backups/" + inc + "/" + log_rel;
  const std::string log_bytes = ReadFileContents(log_path);
  ASSERT_EQ(::unlink(log_path.c_str()), 0);
  ProcessResult r = RunBdbackup({"verify", "--repo", repo_});
  ExpectFailure(r, 1, "file '" + log_rel + "' of backup '" + inc + "' is missing");
  r = RunBdbackup({"verify", "--repo", repo_, "--json"});
  EXPECT_EQ(r.exit_code, 1);
  json j = ParseJson(r);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["error"]["code"], "Corruption");
  EXPECT_EQ(j["error"]["exit_code"], 1);
  EXPECT_EQ(j["problem"], "file '" + log_rel + "' of backup '" + inc + "' is missing");
  WriteFile(log_path, log_bytes);
  RunOk({"verify", "--repo", repo_});

  // One flipped byte in a copied database file of the full backup.
  const std::string db_path = repo_ + "/backups/" + full + "/a.db";
  std::string db = ReadFileContents(db_path);
  db[4096 + 200] ^= 0x20;
  WriteFile(db_path, db);
  r = RunBdbackup({"verify", "--repo", repo_});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.rfind("bdbackup: error: file 'a.db' of backup '" + full + "' has checksum ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("(page 1 fails its checksum)\n"), std::string::npos) << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
}

TEST_F(BdbackupCliTest, RestoreRefusesANonEmptyTargetUnlessForced) {
  Commit(40);
  Backup("hot");
  const std::string target = tmp_.Sub("busy");
  ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
  WriteFile(target + "/precious", "keep me");
  ProcessResult r = RunBdbackup({"restore", "--repo", repo_, "--target", target});
  ExpectFailure(r, 2, "restore target '" + target + "' is not empty: use --force to overwrite it");
  EXPECT_EQ(ReadFileContents(target + "/precious"), "keep me");
  r = RunBdbackup({"restore", "--repo", repo_, "--target", target, "--force"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_FALSE(Exists(target + "/precious"));
  std::string output;
  EXPECT_TRUE(Db53VerifyAccepts(target, "a.db", &output)) << output;
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(target, kBtreeDb, &a).ok());
  EXPECT_EQ(a.size(), 40u);
}

TEST_F(BdbackupCliTest, UntilMustBeATimeAfterTheBackupStarted) {
  Commit(20);
  const std::string id = Backup("hot");
  const std::string target = tmp_.Sub("t");
  ProcessResult r = RunBdbackup({"restore", "--repo", repo_, "--target", target, "--until", "yesterday"});
  ExpectFailure(r, 2, "--until 'yesterday' is not a time: expected UTC like 2026-11-23T18:15:00Z");
  r = RunBdbackup({"restore", "--repo", repo_, "--target", target, "--until", "2001-01-01T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("bdbackup: error: --until 2001-01-01T00:00:00.000Z is before backup '" + id + "' started (", 0),
            0u)
      << r.err;
  EXPECT_EQ(r.err.substr(r.err.size() - 3), "Z)\n") << r.err;
  EXPECT_FALSE(Exists(target));
  // BDB 5.3 keeps the recovery time in 32 bits: later times are refused before anything is written.
  r = RunBdbackup({"restore", "--repo", repo_, "--target", target, "--until", "2999-01-01T00:00:00Z"});
  ExpectFailure(r, 2,
                "--until 2999-01-01T00:00:00.000Z is after 2038-01-19T03:14:07.999Z, the last time Berkeley DB 5.3 "
                "recovery accepts");
  EXPECT_FALSE(Exists(target));
  // A time after the end of the logs recovers everything.
  r = RunBdbackup({"restore", "--repo", repo_, "--target", target, "--until", "2037-12-31T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(target, kBtreeDb, &a).ok());
  EXPECT_EQ(a.size(), 20u);
}

// ---------------------------------------------------------------- --config

TEST_F(BdbackupCliTest, ConfigFileSuppliesFlagsAndTheCommandLineWins) {
  Commit(20);
  const std::string config = tmp_.Sub("bdbackup.toml");
  WriteFile(config, "home = \"" + home_ + "\"\nrepo = \"" + repo_ + "\"\n\n[backup]\nmode = \"hot\"\n");
  ProcessResult r = RunBdbackup({"backup", "--config", config, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = ParseJson(r);
  EXPECT_EQ(j["mode"], "hot");
  EXPECT_EQ(j["dir"].get<std::string>().substr(0, repo_.size()), repo_);

  // The command line overrides the file.
  r = RunBdbackup({"backup", "--config", config, "--mode", "incremental", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseJson(r)["mode"], "incremental");
  const std::string other = tmp_.Sub("other-repo");
  r = RunBdbackup({"backup", "--config", config, "--repo", other});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Exists(other + "/bdbackup.repo"));
  // Top-level keys serve every command that has the flag.
  r = RunBdbackup({"list", "--config", config, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseJson(r)["backups"].size(), 2u);

  const std::string bad_key = tmp_.Sub("bad-key.toml");
  WriteFile(bad_key, "home = \"" + home_ + "\"\nrepo = \"" + repo_ + "\"\ncolour = \"blue\"\n");
  r = RunBdbackup({"backup", "--config", bad_key, "--mode", "hot"});
  ExpectFailure(r, 2, "config file '" + bad_key + "':3: key 'colour' is not a bdbackup option");
  const std::string bad_table_key = tmp_.Sub("bad-table-key.toml");
  WriteFile(bad_table_key, "[backup]\nhome = \"" + home_ + "\"\nrepo = \"" + repo_ + "\"\ntarget = \"/x\"\n");
  r = RunBdbackup({"backup", "--config", bad_table_key, "--mode", "hot"});
  ExpectFailure(r, 2, "config file '" + bad_table_key + "':4: key 'target' is not an option of this command");
  const std::string bad_syntax = tmp_.Sub("bad-syntax.toml");
  WriteFile(bad_syntax, "home = \"" + home_ + "\"\nrepo = = 3\n");
  r = RunBdbackup({"backup", "--config", bad_syntax, "--mode", "hot"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("bdbackup: error: config file '" + bad_syntax + "':2: ", 0), 0u) << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  r = RunBdbackup({"backup", "--config", tmp_.Sub("absent.toml"), "--mode", "hot"});
  ExpectFailure(r, 2, "config file '" + tmp_.Sub("absent.toml") + "' does not exist");
  r = RunBdbackup({"backup", "--config", bad_key, "--json"});
  EXPECT_EQ(r.exit_code, 2);
  json j2 = ParseJson(r);
  EXPECT_EQ(j2["ok"], false);
  EXPECT_EQ(j2["error"]["code"], "InvalidArgument");
  EXPECT_EQ(j2["error"]["exit_code"], 2);
}

// ---------------------------------------------------------------- progress

TEST_F(BdbackupCliTest, ProgressOnlyOnATerminal) {
  Commit(100);
  ProcessResult r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "progress was drawn on a pipe";
  if (::access("/usr/bin/script", X_OK) != 0) GTEST_SKIP() << "script(1) from bsdutils is not installed";
  // Under script(1) stderr is a terminal: the progress line is drawn and cleared.
  r = RunProcess({"script", "-qec",
                  std::string(BDBACKUP_BIN) + " backup --home " + home_ + " --repo " + repo_ + " --mode hot",
                  "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("copying database files: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\r\033[K"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("published: hot backup"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace bdb
