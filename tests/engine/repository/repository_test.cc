// Tests of the repository on disk: creation and marker checks, permissions,
// the cross-process lock, atomic publishing of backups, chains and archived
// log sidecars. Everything runs in fresh temp dirs with the POSIX FileIO.
#include "engine/repository/repository.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fiu-control.h>

#include <csignal>

#include "base/crash_points.h"

#include "engine/repository/backup_id.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

constexpr int64_t k20261123T181500 = 1795457700000;  // 2026-11-23T18:15:00Z

mode_t PermissionsOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void WriteFile(const std::string& path, const std::string& contents) {
  ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), path, contents, 0600).ok()) << path;
}

std::string ReadFile(const std::string& path) {
  std::string text;
  EXPECT_TRUE(ReadWholeFile(DefaultFileIO(), path, &text).ok()) << path;
  return text;
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  EXPECT_TRUE(DefaultFileIO()->ListDir(dir, &names).ok()) << dir;
  return names;
}

void ExpectError(const Status& s, Status::Code code, const std::string& message) {
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_EQ(s.message(), message);
}

std::unique_ptr<Repository> OpenRepo(const std::string& root) {
  std::unique_ptr<Repository> repo;
  Status s = Repository::Open(DefaultFileIO(), root, /*create_if_missing=*/true, &repo);
  EXPECT_TRUE(s.ok()) << s.message();
  return repo;
}

Manifest MakeManifest(const std::string& id, const std::string& parent = "") {
  Manifest m;
  m.id = id;
  m.mode = SplitBackupId(id).mode;
  m.parent = parent;
  m.start_unix_ms = k20261123T181500;
  m.end_unix_ms = k20261123T181500 + 1000;
  m.source_home = "/srv/db";
  m.tool_version = "test";
  m.log_dir_rel = "log";
  m.first_log = 1;
  m.last_log = 2;
  m.end_lsn = {2, 100};
  m.files = {{"a.db", "database", 4096, "0123456789abcdef", 4096, false}};
  return m;
}

// Begins and publishes a backup with MakeManifest(id, parent).
void Publish(Repository* repo, const std::string& id, const std::string& parent = "") {
  std::string partial;
  ASSERT_TRUE(repo->BeginBackup(id, &partial).ok());
  Status s = repo->PublishBackup(id, MakeManifest(id, parent));
  ASSERT_TRUE(s.ok()) << s.message();
}

// ---- create / open ----

TEST(RepositoryOpen, CreatesTheLayoutWithPrivatePermissions) {
  TempDir tmp;
  const std::string root = tmp.Sub("repo");
  std::unique_ptr<Repository> repo = OpenRepo(root + "/");
  ASSERT_NE(repo, nullptr);
  EXPECT_EQ(repo->root(), root);
  EXPECT_EQ(repo->archive_dir(), root + "/archive");
  EXPECT_EQ(repo->backups_dir(), root + "/backups");
  EXPECT_EQ(repo->standby_dir(), root + "/standby");
  EXPECT_EQ(Names(root), (std::vector<std::string>{"archive", "backups", "bdbackup.repo", "readers.lock"}));
  EXPECT_EQ(ReadFile(root + "/bdbackup.repo"), "{\n  \"format\": \"bdbackup-repository\",\n  \"format_version\": 1\n}\n");
  EXPECT_EQ(PermissionsOf(root), 0700u);
  EXPECT_EQ(PermissionsOf(root + "/archive"), 0700u);
  EXPECT_EQ(PermissionsOf(root + "/backups"), 0700u);
  EXPECT_EQ(PermissionsOf(root + "/bdbackup.repo"), 0600u);
  EXPECT_EQ(PermissionsOf(root + "/readers.lock"), 0600u);
  // Reopening, with or without create_if_missing, finds the same repository.
  std::unique_ptr<Repository> again;
  ASSERT_TRUE(Repository::Open(DefaultFileIO(), root, false, &again).ok());
  ASSERT_TRUE(Repository::Open(DefaultFileIO(), root, true, &again).ok());
  EXPECT_EQ(Names(root), (std::vector<std::string>{"archive", "backups", "bdbackup.repo", "readers.lock"}));
}

TEST(RepositoryOpen, CreatesInAnExistingEmptyDirectory) {
  TempDir tmp;
  ASSERT_NE(OpenRepo(tmp.path()), nullptr);
  EXPECT_TRUE(Exists(tmp.Sub("bdbackup.repo")));
}

TEST(RepositoryOpen, MissingWithoutCreate) {
  TempDir tmp;
  std::unique_ptr<Repository> repo;
  ExpectError(Repository::Open(DefaultFileIO(), tmp.Sub("nope"), false, &repo), Status::Code::kNotFound,
              "repository '" + tmp.Sub("nope") + "' does not exist");
  EXPECT_EQ(repo, nullptr);
  EXPECT_FALSE(Exists(tmp.Sub("nope")));
}

TEST(RepositoryOpen, RefusesADirectoryWithoutMarker) {
  TempDir tmp;
  WriteFile(tmp.Sub("a.db"), "data");
  for (bool create : {true, false}) {
    std::unique_ptr<Repository> repo;
    ExpectError(Repository::Open(DefaultFileIO(), tmp.path(), create, &repo), Status::Code::kInvalidArgument,
                "'" + tmp.path() + "' is not a bdbackup repository: no bdbackup.repo marker");
  }
  EXPECT_EQ(Names(tmp.path()), std::vector<std::string>{"a.db"});
  // An empty directory is not a repository either unless we may create one.
  TempDir empty;
  std::unique_ptr<Repository> repo;
  ExpectError(Repository::Open(DefaultFileIO(), empty.path(), false, &repo), Status::Code::kInvalidArgument,
              "'" + empty.path() + "' is not a bdbackup repository: no bdbackup.repo marker");
}

TEST(RepositoryOpen, RefusesAFile) {
  TempDir tmp;
  WriteFile(tmp.Sub("file"), "x");
  std::unique_ptr<Repository> repo;
  ExpectError(Repository::Open(DefaultFileIO(), tmp.Sub("file"), true, &repo), Status::Code::kInvalidArgument,
              "'" + tmp.Sub("file") + "' is not a bdbackup repository: not a directory");
}

TEST(RepositoryOpen, RefusesANewerFormat) {
  TempDir tmp;
  WriteFile(tmp.Sub("bdbackup.repo"), R"({"format": "bdbackup-repository", "format_version": 3})");
  std::unique_ptr<Repository> repo;
  ExpectError(Repository::Open(DefaultFileIO(), tmp.path(), true, &repo), Status::Code::kInvalidArgument,
              "repository '" + tmp.path() + "' format version 3 is newer than this bdbackup supports (2)");
}

TEST(RepositoryOpen, RefusesAnInvalidMarker) {
  for (const char* marker : {"", "not json", "[]", R"({"format": "something-else", "format_version": 1})",
                             R"({"format": "bdbackup-repository"})",
                             R"({"format": "bdbackup-repository", "format_version": 0})",
                             R"({"format": "bdbackup-repository", "format_version": "1"})"}) {
    TempDir tmp;
    WriteFile(tmp.Sub("bdbackup.repo"), marker);
    std::unique_ptr<Repository> repo;
    ExpectError(Repository::Open(DefaultFileIO(), tmp.path(), true, &repo), Status::Code::kInvalidArgument,
                "'" + tmp.path() + "' is not a bdbackup repository: marker '" + tmp.Sub("bdbackup.repo") +
                    "' is not valid");
  }
}

TEST(RepositoryOpen, CompletesAnInterruptedCreation) {
  // Killed after the marker: the subdirectories are added on the next open.
  TempDir tmp;
  WriteFile(tmp.Sub("bdbackup.repo"), R"({"format": "bdbackup-repository", "format_version": 1})");
  ASSERT_NE(OpenRepo(tmp.path()), nullptr);
  EXPECT_EQ(Names(tmp.path()), (std::vector<std::string>{"archive", "backups", "bdbackup.repo"}));
  // Killed while writing the marker: only its temporary file exists.
  TempDir tmp2;
  WriteFile(tmp2.Sub("bdbackup.repo.tmp"), "{\"form");
  ASSERT_NE(OpenRepo(tmp2.path()), nullptr);
  EXPECT_EQ(Names(tmp2.path()), (std::vector<std::string>{"archive", "backups", "bdbackup.repo", "readers.lock"}));
}

TEST(RepositoryOpen, WithoutCreateMissingSubdirectoriesAreEmpty) {
  TempDir tmp;
  WriteFile(tmp.Sub("bdbackup.repo"), R"({"format": "bdbackup-repository", "format_version": 1})");
  std::unique_ptr<Repository> repo;
  ASSERT_TRUE(Repository::Open(DefaultFileIO(), tmp.path(), false, &repo).ok());
  std::vector<std::string> ids = {"x"};
  ASSERT_TRUE(repo->ListBackupIds(&ids).ok());
  EXPECT_TRUE(ids.empty());
  std::vector<ArchivedLog> logs(1);
  ASSERT_TRUE(repo->ListArchivedLogs(&logs).ok());
  EXPECT_TRUE(logs.empty());
  EXPECT_EQ(Names(tmp.path()), std::vector<std::string>{"bdbackup.repo"});
}

// ---- lock ----

// A child process that opens root, takes the lock, reports "L" on `ready` and
// keeps the lock until it reads a byte from `release`.
pid_t ForkLockHolder(const std::string& root, int ready, int release) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  std::unique_ptr<Repository> repo;
  if (!Repository::Open(DefaultFileIO(), root, false, &repo).ok()) ::_exit(10);
  std::unique_ptr<FileLock> lock;
  if (!repo->Lock(0, &lock).ok()) ::_exit(11);
  if (::write(ready, "L", 1) != 1) ::_exit(12);
  char c;
  if (::read(release, &c, 1) != 1) ::_exit(13);
  ::_exit(0);
}

struct Pipe {
  int fds[2];
  Pipe() { EXPECT_EQ(::pipe(fds), 0); }
  ~Pipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  int read_end() const { return fds[0]; }
  int write_end() const { return fds[1]; }
};

int WaitExitCode(pid_t pid) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(RepositoryLock, AnotherProcessHoldingItMeansBusy) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  Pipe ready, release;
  pid_t child = ForkLockHolder(tmp.path(), ready.write_end(), release.read_end());
  ASSERT_GT(child, 0);
  char c;
  ASSERT_EQ(::read(ready.read_end(), &c, 1), 1);
  std::unique_ptr<FileLock> lock;
  ExpectError(repo->Lock(0, &lock), Status::Code::kBusy,
              "repository '" + tmp.path() + "' is locked by another bdbackup process");
  EXPECT_EQ(lock, nullptr);
  ASSERT_EQ(::write(release.write_end(), "R", 1), 1);
  EXPECT_EQ(WaitExitCode(child), 0);
  ASSERT_TRUE(repo->Lock(0, &lock).ok());
  EXPECT_EQ(PermissionsOf(tmp.Sub("lock")), 0600u);
  // Released when the FileLock is destroyed.
  lock.reset();
  ASSERT_TRUE(repo->Lock(0, &lock).ok());
}

// Counts LockFile calls; after the first Busy it tells the holder to let go.
class ReleasingFileIO : public FileIOWrapper {
 public:
  ReleasingFileIO(int release_fd) : FileIOWrapper(DefaultFileIO()), release_fd_(release_fd) {}
  Status LockFile(const std::string& p, LockMode m, std::unique_ptr<FileLock>* o) override {
    ++calls;
    Status s = target()->LockFile(p, m, o);
    if (s.IsBusy() && !released_) {
      released_ = true;
      EXPECT_EQ(::write(release_fd_, "R", 1), 1);
    }
    return s;
  }
  int calls = 0;

 private:
  int release_fd_;
  bool released_ = false;
};

TEST(RepositoryLock, WaitingSucceedsWhenTheHolderReleases) {
  TempDir tmp;
  OpenRepo(tmp.path());
  Pipe ready, release;
  pid_t child = ForkLockHolder(tmp.path(), ready.write_end(), release.read_end());
  ASSERT_GT(child, 0);
  char c;
  ASSERT_EQ(::read(ready.read_end(), &c, 1), 1);
  ReleasingFileIO io(release.write_end());
  std::unique_ptr<Repository> repo;
  ASSERT_TRUE(Repository::Open(&io, tmp.path(), false, &repo).ok());
  std::unique_ptr<FileLock> lock;
  Status s = repo->Lock(60, &lock);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_NE(lock, nullptr);
  EXPECT_GE(io.calls, 2);  // busy at first, then acquired by polling
  EXPECT_EQ(WaitExitCode(child), 0);
}

// flock(2) locks belong to open file descriptions, so two Repository objects
// in one process contend like two processes would.
TEST(RepositoryReadersLock, ReadersShareItAndExpireExcludesThem) {
  TempDir tmp;
  std::unique_ptr<Repository> reader1 = OpenRepo(tmp.path());
  std::unique_ptr<Repository> reader2 = OpenRepo(tmp.path());
  std::unique_ptr<Repository> expirer = OpenRepo(tmp.path());
  std::unique_ptr<FileLock> r1, r2, x;
  ASSERT_TRUE(reader1->LockForReading(0, &r1).ok());
  ASSERT_TRUE(reader2->LockForReading(0, &r2).ok());
  EXPECT_NE(r1, nullptr);
  EXPECT_NE(r2, nullptr);
  ExpectError(expirer->LockOutReaders(0, &x), Status::Code::kBusy,
              "repository '" + tmp.path() + "' is being read by a verify, restore or check");
  // The repository lock (backup, archive) is another file: readers never wait for it.
  std::unique_ptr<FileLock> writer;
  ASSERT_TRUE(expirer->Lock(0, &writer).ok());
  r1.reset();
  ExpectError(expirer->LockOutReaders(0, &x), Status::Code::kBusy,
              "repository '" + tmp.path() + "' is being read by a verify, restore or check");
  r2.reset();
  ASSERT_TRUE(expirer->LockOutReaders(0, &x).ok());
  ExpectError(reader1->LockForReading(0, &r1), Status::Code::kBusy,
              "repository '" + tmp.path() + "' is being expired by another bdbackup process");
  EXPECT_EQ(PermissionsOf(tmp.Sub("readers.lock")), 0600u);
  x.reset();
  EXPECT_TRUE(reader1->LockForReading(0, &r1).ok());
}

// Where the lock file cannot be made (a read-only repository), readers go on.
class LockFailingFileIO : public FileIOWrapper {
 public:
  LockFailingFileIO() : FileIOWrapper(DefaultFileIO()) {}
  Status LockFile(const std::string& p, LockMode, std::unique_ptr<FileLock>*) override {
    return Status::FromErrno(EROFS, "unable to open lock file '" + p + "'");
  }
};

TEST(RepositoryReadersLock, ReadOnlyRepositoryIsReadUnlockedButNeverExpired) {
  TempDir tmp;
  OpenRepo(tmp.path());
  LockFailingFileIO io;
  std::unique_ptr<Repository> repo;
  ASSERT_TRUE(Repository::Open(&io, tmp.path(), false, &repo).ok());
  std::unique_ptr<FileLock> lock;
  ASSERT_TRUE(repo->LockForReading(0, &lock).ok());
  EXPECT_EQ(lock, nullptr);
  Status s = repo->LockOutReaders(0, &lock);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.IsBusy());
  EXPECT_NE(s.message().find("readers.lock"), std::string::npos) << s.message();
}

// ---- backups: ids, publish, partials ----

TEST(RepositoryBackups, NewBackupIdIsUniqueAndSortsLast) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  std::string id;
  ASSERT_TRUE(repo->NewBackupId(k20261123T181500 + 500, BackupMode::kHot, &id).ok());
  EXPECT_EQ(id, "20261123T181500Z-hot");
  std::string partial;
  ASSERT_TRUE(repo->BeginBackup(id, &partial).ok());
  // Same second: a partial backup already holds the plain ID.
  ASSERT_TRUE(repo->NewBackupId(k20261123T181500 + 900, BackupMode::kIncremental, &id).ok());
  EXPECT_EQ(id, "20261123T181500Z.001-incremental");
  Publish(repo.get(), id, "20261123T181500Z-hot");
  ASSERT_TRUE(repo->NewBackupId(k20261123T181500, BackupMode::kCold, &id).ok());
  EXPECT_EQ(id, "20261123T181500Z.002-cold");
  // The clock went back a minute: the ID still sorts after every existing one.
  ASSERT_TRUE(repo->NewBackupId(k20261123T181500 - 60000, BackupMode::kHot, &id).ok());
  EXPECT_EQ(id, "20261123T181500Z.002-hot");
  ASSERT_TRUE(repo->NewBackupId(k20261123T181500 + 1000, BackupMode::kHot, &id).ok());
  EXPECT_EQ(id, "20261123T181501Z-hot");
}

TEST(RepositoryBackups, NewBackupIdGivesUpAfter999InOneSecond) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  ASSERT_EQ(::mkdir(tmp.Sub("backups/20261123T181500Z.999-hot").c_str(), 0700), 0);
  std::string id;
  ExpectError(repo->NewBackupId(k20261123T181500, BackupMode::kHot, &id), Status::Code::kInvalidArgument,
              "repository '" + tmp.path() + "' already has 1000 backups started in second 20261123T181500Z");
}

TEST(RepositoryBackups, PublishMakesTheBackupVisibleAtomically) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  const std::string id = "20261123T181500Z-hot";
  std::string partial;
  ASSERT_TRUE(repo->BeginBackup(id, &partial).ok());
  EXPECT_EQ(partial, tmp.Sub("backups/20261123T181500Z-hot.partial"));
  EXPECT_EQ(PermissionsOf(partial), 0700u);
  WriteFile(partial + "/a.db", std::string(4096, 'a'));

  std::vector<std::string> ids;
  ASSERT_TRUE(repo->ListBackupIds(&ids).ok());
  EXPECT_TRUE(ids.empty());
  Manifest m;
  ExpectError(repo->LoadManifest("latest", &m), Status::Code::kNotFound,
              "repository '" + tmp.path() + "' has no backups");
  ExpectError(repo->LoadManifest(id, &m), Status::Code::kNotFound,
              "backup '" + id + "' not found in repository '" + tmp.path() + "'");

  ASSERT_TRUE(repo->PublishBackup(id, MakeManifest(id)).ok());
  EXPECT_EQ(Names(tmp.Sub("backups")), std::vector<std::string>{id});
  EXPECT_EQ(repo->BackupDir(id), tmp.Sub("backups/" + id));
  EXPECT_EQ(Names(repo->BackupDir(id)), (std::vector<std::string>{"a.db", "manifest.json"}));
  EXPECT_EQ(PermissionsOf(repo->BackupDir(id) + "/manifest.json"), 0600u);
  EXPECT_EQ(ReadFile(repo->BackupDir(id) + "/manifest.json"), ManifestToJson(MakeManifest(id)));
  ASSERT_TRUE(repo->ListBackupIds(&ids).ok());
  EXPECT_EQ(ids, std::vector<std::string>{id});
  ASSERT_TRUE(repo->LoadManifest(id, &m).ok());
  EXPECT_EQ(m, MakeManifest(id));
  ASSERT_TRUE(repo->LoadManifest("latest", &m).ok());
  EXPECT_EQ(m, MakeManifest(id));
}

TEST(RepositoryBackups, LeftoverPartialIsNeverListedAndIsRemovedUnderTheLock) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  Publish(repo.get(), "20261123T181500Z-hot");
  std::string partial;
  ASSERT_TRUE(repo->BeginBackup("20261123T181600Z-incremental", &partial).ok());
  WriteFile(partial + "/a.db", "half");
  // Even a complete manifest inside a .partial (killed before the rename) is not a backup.
  WriteFile(partial + "/manifest.json", ManifestToJson(MakeManifest("20261123T181600Z-incremental",
                                                                    "20261123T181500Z-hot")));
  std::vector<std::string> ids;
  ASSERT_TRUE(repo->ListBackupIds(&ids).ok());
  EXPECT_EQ(ids, std::vector<std::string>{"20261123T181500Z-hot"});
  Manifest m;
  ASSERT_TRUE(repo->LoadManifest("latest", &m).ok());
  EXPECT_EQ(m.id, "20261123T181500Z-hot");
  ExpectError(repo->LoadManifest("20261123T181600Z-incremental.partial", &m), Status::Code::kNotFound,
              "backup '20261123T181600Z-incremental.partial' not found in repository '" + tmp.path() + "'");

  std::unique_ptr<FileLock> lock;
  ASSERT_TRUE(repo->Lock(0, &lock).ok());
  std::vector<std::string> removed;
  ASSERT_TRUE(repo->RemoveStalePartials(&removed).ok());
  EXPECT_EQ(removed, std::vector<std::string>{"20261123T181600Z-incremental.partial"});
  EXPECT_EQ(Names(tmp.Sub("backups")), std::vector<std::string>{"20261123T181500Z-hot"});
  ASSERT_TRUE(repo->RemoveStalePartials(&removed).ok());
  EXPECT_TRUE(removed.empty());
}

TEST(RepositoryBackups, AbandonRemovesThePartial) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  std::string partial;
  ASSERT_TRUE(repo->BeginBackup("20261123T181500Z-cold", &partial).ok());
  ASSERT_EQ(::mkdir((partial + "/log").c_str(), 0700), 0);
  WriteFile(partial + "/log/log.0000000001", "log");
  ASSERT_TRUE(repo->AbandonBackup("20261123T181500Z-cold").ok());
  EXPECT_TRUE(Names(tmp.Sub("backups")).empty());
  EXPECT_TRUE(repo->AbandonBackup("20261123T181500Z-cold").ok());  // already gone
}

TEST(RepositoryBackups, BeginRefusesBadOrExistingIds) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  std::string partial;
  ExpectError(repo->BeginBackup("../../etc", &partial), Status::Code::kInvalidArgument,
              "invalid backup id '../../etc'");
  Publish(repo.get(), "20261123T181500Z-hot");
  ASSERT_TRUE(repo->BeginBackup("20261123T181600Z-hot", &partial).ok());
  for (const char* id : {"20261123T181500Z-hot", "20261123T181600Z-hot"}) {
    ExpectError(repo->BeginBackup(id, &partial), Status::Code::kInvalidArgument,
                std::string("backup '") + id + "' already exists in repository '" + tmp.path() + "'");
  }
}

TEST(RepositoryBackups, PublishRefusesAManifestThatWouldNotLoad) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  const std::string id = "20261123T181500Z-hot";
  std::string partial;
  ASSERT_TRUE(repo->BeginBackup(id, &partial).ok());
  ExpectError(repo->PublishBackup(id, MakeManifest("20261123T181501Z-hot")), Status::Code::kInvalidArgument,
              "manifest id '20261123T181501Z-hot' does not match backup '" + id + "'");
  Manifest bad = MakeManifest(id);
  bad.files[0].path = "/etc/passwd";
  ExpectError(repo->PublishBackup(id, bad), Status::Code::kInvalidArgument,
              "manifest '" + partial + "/manifest.json': manifest path '/etc/passwd' is absolute");
  bad = MakeManifest(id);
  bad.source_home = "\xff";  // not UTF-8: JSON would not hold it as it is
  ExpectError(repo->PublishBackup(id, bad), Status::Code::kInvalidArgument,
              "manifest '" + partial + "/manifest.json' does not read back as written");
  EXPECT_EQ(Names(tmp.Sub("backups")), std::vector<std::string>{id + ".partial"});
  EXPECT_TRUE(Names(partial).empty());
}

TEST(RepositoryBackups, LoadManifestErrors) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  Manifest m;
  ExpectError(repo->LoadManifest("../x", &m), Status::Code::kNotFound,
              "backup '../x' not found in repository '" + tmp.path() + "'");
  const std::string id = "20261123T181500Z-hot";
  ASSERT_EQ(::mkdir(tmp.Sub("backups/" + id).c_str(), 0700), 0);
  ExpectError(repo->LoadManifest(id, &m), Status::Code::kCorruption,
              "backup '" + id + "' has no manifest '" + tmp.Sub("backups/" + id + "/manifest.json") + "'");
  WriteFile(tmp.Sub("backups/" + id + "/manifest.json"), ManifestToJson(MakeManifest("20261123T181400Z-hot")));
  ExpectError(repo->LoadManifest(id, &m), Status::Code::kCorruption,
              "manifest '" + tmp.Sub("backups/" + id + "/manifest.json") +
                  "' has id '20261123T181400Z-hot' but is in backup directory '" + id + "'");
  WriteFile(tmp.Sub("backups/" + id + "/manifest.json"), "{");
  EXPECT_EQ(repo->LoadManifest(id, &m).code(), Status::Code::kCorruption);
}

// Runs PublishBackup in a child that is SIGKILLed at crash point `point`.
void PublishKilledAt(const std::string& root, const std::string& id, const char* point) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    InitFaultPoints();
    if (fiu_enable((std::string("bdbackup/crash/") + point).c_str(), 1, nullptr, 0) != 0) ::_exit(20);
    std::unique_ptr<Repository> repo;
    if (!Repository::Open(DefaultFileIO(), root, false, &repo).ok()) ::_exit(21);
    std::string partial;
    if (!repo->BeginBackup(id, &partial).ok()) ::_exit(22);
    repo->PublishBackup(id, MakeManifest(id));
    ::_exit(0);  // not reached when the point fires
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit code " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(RepositoryBackups, KilledBeforeTheRenameLeavesOnlyAPartial) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  const std::string id = "20261123T181500Z-hot";
  PublishKilledAt(tmp.path(), id, "backup/after_manifest_before_rename");
  EXPECT_EQ(Names(tmp.Sub("backups")), std::vector<std::string>{id + ".partial"});
  EXPECT_EQ(Names(tmp.Sub("backups/" + id + ".partial")), std::vector<std::string>{"manifest.json"});
  std::vector<std::string> ids;
  ASSERT_TRUE(repo->ListBackupIds(&ids).ok());
  EXPECT_TRUE(ids.empty());
  std::vector<std::string> removed;
  ASSERT_TRUE(repo->RemoveStalePartials(&removed).ok());
  EXPECT_EQ(removed, std::vector<std::string>{id + ".partial"});
}

TEST(RepositoryBackups, KilledAfterTheRenameLeavesAPublishedBackup) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  const std::string id = "20261123T181500Z-hot";
  PublishKilledAt(tmp.path(), id, "backup/after_rename_before_dir_sync");
  std::vector<std::string> ids;
  ASSERT_TRUE(repo->ListBackupIds(&ids).ok());
  EXPECT_EQ(ids, std::vector<std::string>{id});
  Manifest m;
  ASSERT_TRUE(repo->LoadManifest(id, &m).ok());
  EXPECT_EQ(m, MakeManifest(id));
}

// ---- chains ----

TEST(RepositoryChain, FullThenIncrementalsOldestFirst) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  Publish(repo.get(), "20261123T181500Z-cold");
  Publish(repo.get(), "20261123T181500Z.001-hot");
  Publish(repo.get(), "20261123T181600Z-incremental", "20261123T181500Z.001-hot");
  Publish(repo.get(), "20261123T181700Z-incremental", "20261123T181600Z-incremental");
  auto ids_of = [](const std::vector<Manifest>& chain) {
    std::vector<std::string> ids;
    for (const Manifest& m : chain) ids.push_back(m.id);
    return ids;
  };
  std::vector<Manifest> chain;
  ASSERT_TRUE(repo->LoadChain("latest", &chain).ok());
  EXPECT_EQ(ids_of(chain), (std::vector<std::string>{"20261123T181500Z.001-hot", "20261123T181600Z-incremental",
                                                      "20261123T181700Z-incremental"}));
  ASSERT_TRUE(repo->LoadChain("20261123T181600Z-incremental", &chain).ok());
  EXPECT_EQ(ids_of(chain), (std::vector<std::string>{"20261123T181500Z.001-hot", "20261123T181600Z-incremental"}));
  ASSERT_TRUE(repo->LoadChain("20261123T181500Z-cold", &chain).ok());
  EXPECT_EQ(ids_of(chain), std::vector<std::string>{"20261123T181500Z-cold"});
  ExpectError(repo->LoadChain("20261123T181800Z-hot", &chain), Status::Code::kNotFound,
              "backup '20261123T181800Z-hot' not found in repository '" + tmp.path() + "'");
}

TEST(RepositoryChain, MissingParentIsCorruption) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  Publish(repo.get(), "20261123T181500Z-hot");
  Publish(repo.get(), "20261123T181600Z-incremental", "20261123T181500Z-hot");
  Publish(repo.get(), "20261123T181700Z-incremental", "20261123T181600Z-incremental");
  ASSERT_TRUE(RemoveTree(DefaultFileIO(), repo->BackupDir("20261123T181500Z-hot")).ok());
  std::vector<Manifest> chain;
  ExpectError(repo->LoadChain("20261123T181700Z-incremental", &chain), Status::Code::kCorruption,
              "backup '20261123T181600Z-incremental' needs parent backup '20261123T181500Z-hot', which is not in "
              "repository '" +
                  tmp.path() + "'");
}

TEST(RepositoryChain, ParentMustBeOlder) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  Publish(repo.get(), "20261123T181500Z-incremental", "20261123T181600Z-incremental");
  Publish(repo.get(), "20261123T181600Z-incremental", "20261123T181500Z-incremental");
  std::vector<Manifest> chain;
  ExpectError(repo->LoadChain("20261123T181600Z-incremental", &chain), Status::Code::kCorruption,
              "backup '20261123T181500Z-incremental' names parent '20261123T181600Z-incremental', which is not "
              "older");
}

// ---- archived logs ----

TEST(RepositoryArchive, SidecarRecordsALogAndOnlyRecordedLogsAreListed) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  const std::string log10 = repo->archive_dir() + "/log.0000000010";
  const std::string log2 = repo->archive_dir() + "/log.0000000002";
  WriteFile(log10, std::string(1000, 'x'));
  WriteFile(log2, std::string(20, 'y'));
  WriteFile(repo->archive_dir() + "/log.0000000003", "crashed before its sidecar");
  WriteFile(repo->archive_dir() + "/log.0000000003.json.tmp", "{\"num");
  WriteFile(repo->archive_dir() + "/notes.json", "{}");
  ArchivedLog rec{10, log10, 1000, "00000000000000aa", k20261123T181500 + 5};
  ASSERT_TRUE(repo->RecordArchivedLog(rec).ok());
  ArchivedLog rec2{2, "", 20, "00000000000000bb", 0};  // empty path and time: derived, now
  ASSERT_TRUE(repo->RecordArchivedLog(rec2).ok());
  EXPECT_EQ(ReadFile(log10 + ".json"),
            "{\n  \"format_version\": 1,\n  \"number\": 10,\n  \"size\": 1000,\n  \"xxh3\": \"00000000000000aa\",\n"
            "  \"archived_at\": \"2026-11-23T18:15:00.005Z\"\n}\n");
  EXPECT_EQ(PermissionsOf(log10 + ".json"), 0600u);

  std::vector<ArchivedLog> logs;
  ASSERT_TRUE(repo->ListArchivedLogs(&logs).ok());
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[0].number, 2u);
  EXPECT_EQ(logs[0].path, log2);
  EXPECT_EQ(logs[0].size, 20u);
  EXPECT_EQ(logs[0].xxh3, "00000000000000bb");
  EXPECT_GT(logs[0].archived_unix_ms, 0);
  EXPECT_EQ(logs[1].number, 10u);
  EXPECT_EQ(logs[1].path, log10);
  EXPECT_EQ(logs[1].size, 1000u);
  EXPECT_EQ(logs[1].xxh3, "00000000000000aa");
  EXPECT_EQ(logs[1].archived_unix_ms, k20261123T181500 + 5);
}

TEST(RepositoryArchive, RecordRefusesWhatIsNotInPlace) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  const std::string log1 = repo->archive_dir() + "/log.0000000001";
  ExpectError(repo->RecordArchivedLog({1, "", 5, "00000000000000aa", 0}), Status::Code::kNotFound,
              "archived log '" + log1 + "' does not exist");
  WriteFile(log1, "12345");
  ExpectError(repo->RecordArchivedLog({1, "", 6, "00000000000000aa", 0}), Status::Code::kCorruption,
              "archived log '" + log1 + "' has 5 bytes, but its record says 6");
  ExpectError(repo->RecordArchivedLog({1, "", 5, "AA", 0}), Status::Code::kInvalidArgument,
              "archived log '" + log1 + "' has invalid checksum 'AA'");
  ExpectError(repo->RecordArchivedLog({1, "/tmp/log.0000000001", 5, "00000000000000aa", 0}),
              Status::Code::kInvalidArgument, "archived log path '/tmp/log.0000000001' is not '" + log1 + "'");
  ExpectError(repo->RecordArchivedLog({0, "", 5, "00000000000000aa", 0}), Status::Code::kInvalidArgument,
              "archived log number 0 is not a log file number");
  EXPECT_EQ(Names(repo->archive_dir()), std::vector<std::string>{"log.0000000001"});
}

TEST(RepositoryArchive, DamagedSidecarIsCorruption) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  const std::string sidecar = repo->archive_dir() + "/log.0000000004.json";
  const std::string prefix = "archive sidecar '" + sidecar + "' is not valid: ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"number\": 4, \"si", "not JSON"},
      {"[4]", "not a JSON object"},
      {R"({"number": 5, "size": 1, "xxh3": "00000000000000aa", "archived_at": "2026-11-23T18:15:00Z"})",
       "field 'number' is not 4"},
      {R"({"number": 4, "size": -1, "xxh3": "00000000000000aa", "archived_at": "2026-11-23T18:15:00Z"})",
       "field 'size' is not an unsigned integer"},
      {R"({"number": 4, "size": 1, "xxh3": "aa", "archived_at": "2026-11-23T18:15:00Z"})",
       "field 'xxh3' is not 16 hex digits"},
      {R"({"number": 4, "size": 1, "xxh3": "00000000000000aa", "archived_at": "today"})",
       "field 'archived_at' is not a time"},
      {R"({"format_version": "1", "number": 4, "size": 1, "xxh3": "00000000000000aa", "archived_at": "2026-11-23T18:15:00Z"})",
       "field 'format_version' is not an unsigned integer"},
  };
  for (const auto& [text, why] : cases) {
    WriteFile(sidecar, text);
    std::vector<ArchivedLog> logs;
    ExpectError(repo->ListArchivedLogs(&logs), Status::Code::kCorruption, prefix + why);
  }
}

// A sidecar from a newer bdbackup is refused by name; one from before the
// field existed reads as version 1 (SidecarRecordsALogAndOnlyRecordedLogsAreListed checks it is written).
TEST(RepositoryArchive, SidecarFormatVersionIsWrittenAndChecked) {
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  const std::string sidecar = repo->archive_dir() + "/log.0000000002.json";
  WriteFile(sidecar, R"({"number": 2, "size": 1, "xxh3": "00000000000000aa", "archived_at": "2026-11-23T18:15:00Z"})");
  std::vector<ArchivedLog> logs;
  ASSERT_TRUE(repo->ListArchivedLogs(&logs).ok());
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].number, 2u);
  WriteFile(sidecar,
            R"({"format_version": 2, "number": 2, "size": 1, "xxh3": "00000000000000aa", "archived_at": "2026-11-23T18:15:00Z"})");
  ExpectError(repo->ListArchivedLogs(&logs), Status::Code::kInvalidArgument,
              "archive sidecar '" + sidecar + "' is format version 2, newer than this bdbackup reads (1)");
}

TEST(RepositoryArchive, SidecarWithoutItsLogIsStillListed) {
  // Restore and verify then fail naming the missing file instead of skipping a log.
  TempDir tmp;
  std::unique_ptr<Repository> repo = OpenRepo(tmp.path());
  WriteFile(repo->archive_dir() + "/log.0000000007.json",
            R"({"number": 7, "size": 3, "xxh3": "00000000000000aa", "archived_at": "2026-11-23T18:15:00Z"})");
  std::vector<ArchivedLog> logs;
  ASSERT_TRUE(repo->ListArchivedLogs(&logs).ok());
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].path, repo->archive_dir() + "/log.0000000007");
}

}  // namespace
}  // namespace bdb

namespace bdb {
namespace {

TEST(RepositoryOpen, EncryptedMarkerChecksTheKey) {
  TempDir tmp;
  RepositoryKey key, other;
  key.bytes.fill(1);
  other.bytes.fill(2);
  std::unique_ptr<Repository> repo;
  {
    ScopedThreadRepositoryKey scope(&key);
    ASSERT_TRUE(Repository::Open(DefaultFileIO(), tmp.Sub("r"), true, &repo).ok());
    EXPECT_TRUE(repo->encrypted());
    EXPECT_EQ(repo->WriteKey()->bytes, key.bytes);
  }
  const std::string root = tmp.Sub("r");
  {
    ScopedThreadRepositoryKey none(nullptr);
    ASSERT_TRUE(Repository::Open(DefaultFileIO(), root, false, &repo).ok());  // list, expire: no key needed
    ExpectError(repo->RequireKeyToRead(), Status::Code::kInvalidArgument,
                "repository '" + root + "' is encrypted: give its key with --encrypt-key-file FILE or BDBACKUP_KEY_FILE");
    ExpectError(Repository::Open(DefaultFileIO(), root, true, &repo), Status::Code::kInvalidArgument,
                "repository '" + root + "' is encrypted: give its key with --encrypt-key-file FILE or BDBACKUP_KEY_FILE");
  }
  ScopedThreadRepositoryKey scope(&other);
  ExpectError(Repository::Open(DefaultFileIO(), root, false, &repo), Status::Code::kInvalidArgument,
              "wrong key for repository '" + root + "'");
  WriteFile(tmp.Sub("r/bdbackup.repo"),
            R"({"format": "bdbackup-repository", "format_version": 1, "encryption": "aes-256-gcm", "key_check": "x"})");
  ExpectError(Repository::Open(DefaultFileIO(), root, false, &repo), Status::Code::kInvalidArgument,
              "'" + root + "' is not a bdbackup repository: marker '" + root +
                  "/bdbackup.repo' records an encryption this bdbackup does not know");
}

}  // namespace
}  // namespace bdb
