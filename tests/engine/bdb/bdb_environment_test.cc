// Tests of log names, InspectEnvironment and LiveEnvironment on real BDB
// environments, cross-checked against db5.3_archive.
#include "engine/bdb/bdb_environment.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/bdb/log_names.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;

// What a program prints on stdout (its stderr and exit code are not looked at).
std::string StdoutOf(const std::vector<std::string>& argv) { return RunProcess(argv).out; }

std::vector<uint32_t> ParseLogList(const std::string& text) {
  std::vector<uint32_t> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    uint32_t n = 0;
    EXPECT_TRUE(ParseLogFileName(fs::path(line).filename().string(), &n)) << line;
    out.push_back(n);
  }
  return out;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

void RemoveRegionFiles(const std::string& home) {
  for (const auto& e : fs::directory_iterator(home)) {
    if (e.path().filename().string().rfind("__db.", 0) == 0) fs::remove(e.path());
  }
}

// Ignores leaks of objects allocated during its lifetime (ASan builds only).
struct LeaksIgnored {
#if defined(__SANITIZE_ADDRESS__)
  LeaksIgnored() { __lsan_disable(); }
  ~LeaksIgnored() { __lsan_enable(); }
#endif
};

TEST(LogNamesTest, FormatsTenDigits) {
  EXPECT_EQ(LogFileName(1), "log.0000000001");
  EXPECT_EQ(LogFileName(1234567), "log.0001234567");
  EXPECT_EQ(LogFileName(4294967295u), "log.4294967295");
}

TEST(LogNamesTest, ParsesOnlyExactNames) {
  uint32_t n = 0;
  EXPECT_TRUE(ParseLogFileName("log.0000000001", &n));
  EXPECT_EQ(n, 1u);
  EXPECT_TRUE(ParseLogFileName("log.4294967295", &n));
  EXPECT_EQ(n, 4294967295u);
  for (const char* bad : {"log.4294967296", "log.0000000000", "log.000000001", "log.00000000001", "log.000000000a",
                          "Log.0000000001", "log0000000001", "xlog.000000001", "log.0000000001 ", "", "log.",
                          "log.-000000001"}) {
    EXPECT_FALSE(ParseLogFileName(bad, &n)) << bad;
  }
}

TEST(InspectEnvironmentTest, MissingDirectoryIsNotFound) {
  TempDir tmp;
  EnvironmentLayout layout;
  Status s = InspectEnvironment(DefaultFileIO(), tmp.Sub("nope"), &layout);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_EQ(s.message(), "environment home '" + tmp.Sub("nope") + "' does not exist");
}

TEST(InspectEnvironmentTest, FileIsNotADirectory) {
  TempDir tmp;
  WriteFile(tmp.Sub("file"), "x");
  EnvironmentLayout layout;
  Status s = InspectEnvironment(DefaultFileIO(), tmp.Sub("file"), &layout);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "environment home '" + tmp.Sub("file") + "' is not a directory");
}

TEST(InspectEnvironmentTest, EmptyDirectoryIsNotAnEnvironment) {
  TempDir tmp;
  EnvironmentLayout layout;
  Status s = InspectEnvironment(DefaultFileIO(), tmp.path(), &layout);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "'" + tmp.path() + "' is not a Berkeley DB environment: no region files and no log files");
  EXPECT_TRUE(fs::is_empty(tmp.path()));  // nothing created
}

TEST(InspectEnvironmentTest, DbConfigWithoutLogFilesInItsLogDirIsNotAnEnvironment) {
  TempDir tmp;
  WriteFile(tmp.Sub("DB_CONFIG"), "set_lg_dir log\n");
  WriteFile(tmp.Sub("log.0000000001"), "");  // in home, but logs live in log/
  EnvironmentLayout layout;
  Status s = InspectEnvironment(DefaultFileIO(), tmp.path(), &layout);
  EXPECT_EQ(s.message(), "'" + tmp.path() + "' is not a Berkeley DB environment: no region files and no log files");
}

TEST(InspectEnvironmentTest, RealEnvironmentWithLogDir) {
  TempDir tmp;
  ASSERT_TRUE(CreateTestEnvironment(tmp.path()).ok());
  EnvironmentLayout layout;
  ASSERT_TRUE(InspectEnvironment(DefaultFileIO(), tmp.path() + "/./", &layout).ok());
  EXPECT_EQ(layout.home, tmp.path());
  EXPECT_EQ(layout.log_dir, tmp.Sub("log"));
  EXPECT_EQ(layout.data_dirs, std::vector<std::string>{tmp.path()});
  EXPECT_TRUE(layout.has_db_config);
}

TEST(InspectEnvironmentTest, DataDirsAndLogsWithoutRegionFiles) {
  TempDir tmp;
  TestEnvOptions opts;
  opts.lg_dir = "logs";
  opts.data_dir = "data";
  ASSERT_TRUE(CreateTestEnvironment(tmp.path(), opts).ok());
  std::ofstream(tmp.Sub("DB_CONFIG"), std::ios::app) << "# comment\nset_cachesize 0 262144 1\n"
                                                     << "  add_data_dir   /abs/more  \n";
  RemoveRegionFiles(tmp.path());  // log files alone are enough
  EnvironmentLayout layout;
  ASSERT_TRUE(InspectEnvironment(DefaultFileIO(), tmp.path(), &layout).ok());
  EXPECT_EQ(layout.log_dir, tmp.Sub("logs"));
  EXPECT_EQ(layout.data_dirs, (std::vector<std::string>{tmp.Sub("data"), "/abs/more"}));
  EXPECT_TRUE(fs::exists(tmp.Sub("data/a.db")));
}

TEST(InspectEnvironmentTest, NoDbConfigMeansEverythingInHome) {
  TempDir tmp;
  TestEnvOptions opts;
  opts.lg_dir = "";
  ASSERT_TRUE(CreateTestEnvironment(tmp.path(), opts).ok());
  fs::remove(tmp.Sub("DB_CONFIG"));
  EnvironmentLayout layout;
  ASSERT_TRUE(InspectEnvironment(DefaultFileIO(), tmp.path(), &layout).ok());
  EXPECT_EQ(layout.log_dir, tmp.path());
  EXPECT_EQ(layout.data_dirs, std::vector<std::string>{tmp.path()});
  EXPECT_FALSE(layout.has_db_config);
}

TEST(InspectEnvironmentTest, DirectoryLineWithoutValueIsRejected) {
  TempDir tmp;
  ASSERT_TRUE(CreateTestEnvironment(tmp.path()).ok());
  WriteFile(tmp.Sub("DB_CONFIG"), "set_lg_dir log\n\nset_data_dir\n");
  EnvironmentLayout layout;
  Status s = InspectEnvironment(DefaultFileIO(), tmp.path(), &layout);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "unable to parse '" + tmp.Sub("DB_CONFIG") + "' line 3: set_data_dir needs a directory");
}

TEST(NormalizePathTest, MakesAbsoluteAndLexicallyClean) {
  EXPECT_EQ(NormalizePath("/a//b/./c/../d/"), "/a/b/d");
  EXPECT_EQ(NormalizePath("/.."), "/");
  EXPECT_EQ(NormalizePath("x"), fs::current_path().string() + "/x");
}

TEST(DatabaseMagicTest, RecognizesEveryTypeInBothByteOrders) {
  for (uint32_t magic : {0x053162u, 0x061561u, 0x042253u, 0x074582u}) {
    char head[16] = {};
    std::memcpy(head + 12, &magic, 4);
    EXPECT_TRUE(HasDatabaseMagic(head, sizeof(head)));
    std::swap(head[12], head[15]);
    std::swap(head[13], head[14]);
    EXPECT_TRUE(HasDatabaseMagic(head, sizeof(head)));
    EXPECT_FALSE(HasDatabaseMagic(head, 15));
  }
  char zero[16] = {};
  EXPECT_FALSE(HasDatabaseMagic(zero, sizeof(zero)));
}

TEST(LiveEnvironmentTest, OpenMissingHomeIsNotFound) {
  TempDir tmp;
  std::unique_ptr<LiveEnvironment> live;
  Status s = LiveEnvironment::Open(DefaultFileIO(), tmp.Sub("nope"), &live);
  EXPECT_EQ(s.message(), "environment home '" + tmp.Sub("nope") + "' does not exist");
  EXPECT_EQ(live, nullptr);
}

TEST(LiveEnvironmentTest, OpenWithDamagedRegionFileFailsWithBdbText) {
  TempDir tmp;
  ASSERT_TRUE(CreateTestEnvironment(tmp.path()).ok());
  // All 0xff: BDB fails at once (a short file makes it retry the join for ~18 s).
  WriteFile(tmp.Sub("__db.001"), std::string(300000, '\xff'));
  std::unique_ptr<LiveEnvironment> live;
  Status s = LiveEnvironment::Open(DefaultFileIO(), tmp.path(), &live);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "unable to open environment '" + tmp.path() + "': BDB0171 seek: 18446744073709551615: (0 * 0) + 18446744073709551615: Invalid argument; "
                         "BDB1536 " + tmp.path() + "/__db.001: unable to read region info: Invalid argument");
}

TEST(LiveEnvironmentTest, OpenWithoutRegionFilesCreatesThemAndKeepsThemOnClose) {
  TempDir tmp;
  ASSERT_TRUE(CreateTestEnvironment(tmp.path()).ok());
  RemoveRegionFiles(tmp.path());
  {
    std::unique_ptr<LiveEnvironment> live;
    ASSERT_TRUE(LiveEnvironment::Open(DefaultFileIO(), tmp.path(), &live).ok());
    EXPECT_TRUE(fs::exists(tmp.Sub("__db.001")));
  }
  EXPECT_TRUE(fs::exists(tmp.Sub("__db.001")));
}

TEST(LiveEnvironmentTest, LogListsMatchDbArchive) {
  TempDir tmp;
  TestEnvOptions opts;
  opts.log_file_bytes = 128 * 1024;
  ASSERT_TRUE(CreateTestEnvironment(tmp.path(), opts).ok());
  std::unique_ptr<TestWriter> writer;
  ASSERT_TRUE(TestWriter::Open(tmp.path(), &writer).ok());
  std::unique_ptr<LiveEnvironment> live;
  ASSERT_TRUE(LiveEnvironment::Open(DefaultFileIO(), tmp.path(), &live).ok());
  for (int round = 0; round < 4; ++round) {
    ASSERT_TRUE(writer->Commit(250).ok());
    ASSERT_TRUE(live->Checkpoint().ok());
  }
  ASSERT_TRUE(live->FlushLog().ok());
  std::vector<uint32_t> all, removable;
  ASSERT_TRUE(live->ListAllLogs(&all).ok());
  ASSERT_TRUE(live->ListRemovableLogs(&removable).ok());
  ASSERT_GE(all.size(), 3u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i + 1);
  EXPECT_EQ(all, ParseLogList(StdoutOf({"db5.3_archive", "-l", "-h", tmp.path()})));
  EXPECT_EQ(removable, ParseLogList(StdoutOf({"db5.3_archive", "-h", tmp.path()})));
  ASSERT_FALSE(removable.empty());
  EXPECT_LT(removable.back(), all.back());  // the current log is always needed
  for (size_t i = 0; i < removable.size(); ++i) EXPECT_EQ(removable[i], all[i]);

  Lsn lsn;
  ASSERT_TRUE(live->CurrentLsn(&lsn).ok());
  EXPECT_EQ(lsn.file, all.back());
  EXPECT_GT(lsn.offset, 0u);
  ASSERT_TRUE(writer->Commit(1).ok());
  Lsn after;
  ASSERT_TRUE(live->CurrentLsn(&after).ok());
  EXPECT_TRUE(after.file > lsn.file || (after.file == lsn.file && after.offset > lsn.offset));
}

TEST(LiveEnvironmentTest, ListDatabaseFilesFindsOnlyDatabases) {
  TempDir tmp;
  ASSERT_TRUE(CreateTestEnvironment(tmp.path()).ok());
  WriteFile(tmp.Sub("notes.txt"), std::string(8192, 'n'));
  WriteFile(tmp.Sub("tiny"), "abc");
  fs::create_directory(tmp.Sub("subdir"));
  fs::copy_file(tmp.Sub("a.db"), tmp.Sub("subdir/c.db"));  // not searched: BDB looks only in home and data dirs
  fs::create_symlink(tmp.Sub("a.db"), tmp.Sub("link.db"));
  std::unique_ptr<LiveEnvironment> live;
  ASSERT_TRUE(LiveEnvironment::Open(DefaultFileIO(), tmp.path(), &live).ok());
  std::vector<std::string> files;
  ASSERT_TRUE(live->ListDatabaseFiles(&files).ok());
  EXPECT_EQ(files, (std::vector<std::string>{"a.db", "b.db"}));
}

TEST(LiveEnvironmentTest, ListDatabaseFilesSearchesDataDirsAndHome) {
  TempDir tmp;
  TestEnvOptions opts;
  opts.data_dir = "data";
  ASSERT_TRUE(CreateTestEnvironment(tmp.path(), opts).ok());
  fs::copy_file(tmp.Sub("data/b.db"), tmp.Sub("old.db"));
  std::unique_ptr<LiveEnvironment> live;
  ASSERT_TRUE(LiveEnvironment::Open(DefaultFileIO(), tmp.path(), &live).ok());
  std::vector<std::string> files;
  ASSERT_TRUE(live->ListDatabaseFiles(&files).ok());
  EXPECT_EQ(files, (std::vector<std::string>{"data/a.db", "data/b.db", "old.db"}));
}

TEST(LiveEnvironmentTest, CountOtherUsersSeesThreadsProcessesAndStaleReferences) {
  TempDir tmp;
  ASSERT_TRUE(CreateTestEnvironment(tmp.path()).ok());
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    DB_ENV* env = nullptr;
    if (db_env_create(&env, 0) != 0 || env->open(env, tmp.path().c_str(), DB_JOINENV, 0) != 0) ::_exit(1);
    char c = 'r';
    if (::write(ready[1], &c, 1) != 1) ::_exit(1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);

  std::unique_ptr<LiveEnvironment> live;
  ASSERT_TRUE(LiveEnvironment::Open(DefaultFileIO(), tmp.path(), &live).ok());
  int others = -1;
  std::string detail;
  ASSERT_TRUE(live->CountOtherUsers(&others, &detail).ok());
  EXPECT_EQ(others, 1);
  EXPECT_EQ(detail, "1 other process (pid " + std::to_string(child) + ")");
  int handles = -1;  // the reference count alone agrees
  ASSERT_TRUE(live->CountOtherHandles(&handles).ok());
  EXPECT_EQ(handles, 1);
  {
    std::unique_ptr<TestWriter> writer;  // a second handle in this very process
    ASSERT_TRUE(TestWriter::Open(tmp.path(), &writer).ok());
    ASSERT_TRUE(live->CountOtherUsers(&others, &detail).ok());
    EXPECT_EQ(others, 2);
    const pid_t self = ::getpid();
    const std::string pids = self < child ? std::to_string(self) + ", " + std::to_string(child)
                                          : std::to_string(child) + ", " + std::to_string(self);
    EXPECT_EQ(detail, "2 other processes (pids " + pids + ")");
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  // BDB never decrements the reference of a killed process.
  ASSERT_TRUE(live->CountOtherUsers(&others, &detail).ok());
  EXPECT_EQ(others, 1);
  EXPECT_EQ(detail, "1 stale region reference and no process maps the regions; run db5.3_recover");
  ASSERT_TRUE(live->CountOtherHandles(&handles).ok());
  EXPECT_EQ(handles, 1);  // the stale one: only the /proc scan tells it from a live user
  {
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(tmp.path(), &writer).ok());
    ASSERT_TRUE(live->CountOtherUsers(&others, &detail).ok());
    EXPECT_EQ(others, 2);
    EXPECT_EQ(detail, "1 other process (pid " + std::to_string(::getpid()) +
                          ") and 1 stale region reference; run db5.3_recover");
  }
}

TEST(LiveEnvironmentTest, EveryCallFailsWithBdbTextOnAPanickedEnvironment) {
  [[maybe_unused]] LeaksIgnored ignored;  // libdb 5.3 does not free a panicked environment's handle fully
  TempDir tmp;
  ASSERT_TRUE(CreateTestEnvironment(tmp.path()).ok());
  std::unique_ptr<LiveEnvironment> live;
  ASSERT_TRUE(LiveEnvironment::Open(DefaultFileIO(), tmp.path(), &live).ok());
  ASSERT_EQ(live->env()->set_flags(live->env(), DB_PANIC_ENVIRONMENT, 1), 0);
  const std::string home = "'" + tmp.path() + "': ";
  const std::string why = "BDB0060 PANIC: fatal region error detected; run recovery";
  std::vector<uint32_t> logs;
  Lsn lsn;
  int others = 0;
  std::string detail;
  EXPECT_EQ(live->Checkpoint().message(), "unable to checkpoint environment " + home + why);
  EXPECT_EQ(live->FlushLog().message(), "unable to flush the log of " + home + why);
  EXPECT_EQ(live->ListAllLogs(&logs).message(), "unable to list log files of " + home + why);
  EXPECT_EQ(live->ListRemovableLogs(&logs).message(), "unable to list removable log files of " + home + why);
  EXPECT_EQ(live->CurrentLsn(&lsn).message(), "unable to read the log position of " + home + why);
  EXPECT_EQ(live->CountOtherUsers(&others, &detail).message(),
            "unable to read the region reference count of " + home + why);
  EXPECT_EQ(live->Checkpoint().code(), Status::Code::kIOError);
}

TEST(LiveEnvironmentTest, CountOtherUsersIsZeroWhenAlone) {
  TempDir tmp;
  ASSERT_TRUE(CreateTestEnvironment(tmp.path()).ok());
  std::unique_ptr<LiveEnvironment> live;
  ASSERT_TRUE(LiveEnvironment::Open(DefaultFileIO(), tmp.path(), &live).ok());
  int others = -1;
  std::string detail;
  ASSERT_TRUE(live->CountOtherUsers(&others, &detail).ok());
  EXPECT_EQ(others, 0);
  EXPECT_EQ(detail, "no other process");
  ASSERT_TRUE(live->CountOtherHandles(&others).ok());
  EXPECT_EQ(others, 0);
}

}  // namespace
}  // namespace bdb
