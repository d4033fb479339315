// Tests of catastrophic, point-in-time and normal recovery and of
// VerifyDatabases, on plain copies of real environments, cross-checked with
// db5.3_verify and db5.3_dump.
#include "engine/recovery/recovery.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;

// Copies every regular file of from (and of its subdirectories) with plain
// reads, skipping region files unless asked.
void CopyEnvironment(const std::string& from, const std::string& to, bool with_regions = false) {
  fs::create_directories(to);
  for (const auto& e : fs::recursive_directory_iterator(from)) {
    const fs::path rel = fs::relative(e.path(), from);
    if (e.is_directory()) {
      fs::create_directories(fs::path(to) / rel);
      continue;
    }
    if (!with_regions && rel.filename().string().rfind("__db.", 0) == 0) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ofstream out(fs::path(to) / rel, std::ios::binary);
    out << in.rdbuf();
  }
}

// A program's exit code (128 + signal if killed); its output is discarded.
int RunQuiet(const std::vector<std::string>& argv) { return RunProcess(argv).exit_code; }

std::map<std::string, std::string> Expected(const std::vector<AckedCommit>& acked) {
  std::map<std::string, std::string> out;
  for (const auto& a : acked) out[a.key] = TestValue(a.id);
  return out;
}

bool HasRegionFiles(const std::string& home) {
  for (const auto& e : fs::directory_iterator(home)) {
    if (e.path().filename().string().rfind("__db.", 0) == 0) return true;
  }
  return false;
}

void ExpectContents(const std::string& home, const std::map<std::string, std::string>& expected) {
  for (const char* db : {kBtreeDb, kHashDb}) {
    std::map<std::string, std::string> got;
    ASSERT_TRUE(ReadDatabase(home, db, &got).ok()) << db;
    EXPECT_EQ(got, expected) << db;
  }
}

TEST(RecoveryTest, CatastrophicRecoveryOfACopyRestoresCommittedData) {
  TempDir tmp;
  const std::string home = tmp.Sub("live"), copy = tmp.Sub("copy");
  TestEnvOptions opts;
  opts.checksums = true;
  ASSERT_TRUE(CreateTestEnvironment(home, opts).ok());
  std::unique_ptr<TestWriter> writer;
  ASSERT_TRUE(TestWriter::Open(home, &writer).ok());
  ASSERT_TRUE(writer->Commit(60).ok());
  ASSERT_TRUE(writer->Checkpoint().ok());
  ASSERT_TRUE(writer->Abort(5).ok());
  ASSERT_TRUE(writer->Commit(60).ok());  // only in the log: no checkpoint since
  const auto expected = Expected(writer->acked());
  ASSERT_EQ(expected.size(), 120u);
  CopyEnvironment(home, copy);

  ASSERT_TRUE(RecoverCatastrophic(copy, std::nullopt).ok());
  EXPECT_FALSE(HasRegionFiles(copy));
  ExpectContents(copy, expected);
  EXPECT_EQ(RunQuiet({"db5.3_verify", "-h", copy, "a.db", "b.db"}), 0);
  EXPECT_EQ(RunQuiet({"db5.3_dump", "-h", copy, "a.db"}), 0);
  EXPECT_TRUE(VerifyDatabases(copy, {"a.db", "b.db"}).ok());
  // The live environment was never touched.
  std::map<std::string, std::string> a, b;
  ASSERT_TRUE(writer->ReadAll(&a, &b).ok());
  EXPECT_EQ(a, expected);
}

TEST(RecoveryTest, CatastrophicRecoveryRemovesCopiedRegionFiles) {
  TempDir tmp;
  const std::string home = tmp.Sub("live"), copy = tmp.Sub("copy");
  ASSERT_TRUE(CreateTestEnvironment(home).ok());
  std::vector<AckedCommit> acked;
  {
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(home, &writer).ok());
    ASSERT_TRUE(writer->Commit(20).ok());
    acked = writer->acked();
    CopyEnvironment(home, copy, /*with_regions=*/true);
  }
  ASSERT_TRUE(HasRegionFiles(copy));
  ASSERT_TRUE(RecoverCatastrophic(copy, std::nullopt).ok());
  EXPECT_FALSE(HasRegionFiles(copy));
  ExpectContents(copy, Expected(acked));
}

TEST(RecoveryTest, PointInTimeExcludesLaterTransactions) {
  TempDir tmp;
  const std::string home = tmp.Sub("live"), copy = tmp.Sub("copy");
  ASSERT_TRUE(CreateTestEnvironment(home).ok());
  std::unique_ptr<TestWriter> writer;
  ASSERT_TRUE(TestWriter::Open(home, &writer).ok());
  ASSERT_TRUE(writer->Commit(30).ok());
  const auto first_batch = Expected(writer->acked());
  // Commit timestamps have one-second resolution: keep `until` a full second
  // away from both batches.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const int64_t until = std::time(nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_TRUE(writer->Commit(30).ok());
  ASSERT_TRUE(writer->Checkpoint().ok());  // the later batch is in the database files too
  ASSERT_EQ(writer->acked().size(), 60u);
  CopyEnvironment(home, copy);

  ASSERT_TRUE(RecoverCatastrophic(copy, until).ok());
  EXPECT_FALSE(HasRegionFiles(copy));
  ExpectContents(copy, first_batch);
  EXPECT_TRUE(VerifyDatabases(copy, {"a.db", "b.db"}).ok());
}

TEST(RecoveryTest, PointInTimeBeforeTheLogsFailsWithBdbText) {
  TempDir tmp;
  const std::string home = tmp.Sub("live"), copy = tmp.Sub("copy");
  ASSERT_TRUE(CreateTestEnvironment(home).ok());
  {
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(home, &writer).ok());
    ASSERT_TRUE(writer->Commit(5).ok());
  }
  CopyEnvironment(home, copy);
  ::setenv("TZ", "UTC", 1);  // BDB prints the times in local time
  ::tzset();
#if defined(__SANITIZE_ADDRESS__)
  __lsan_disable();  // libdb 5.3 leaks 296 bytes (__env_remove_env) when this recovery panics
#endif
  Status s = RecoverCatastrophic(copy, 1000);
#if defined(__SANITIZE_ADDRESS__)
  __lsan_enable();
#endif
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  const std::string prefix = "catastrophic recovery failed in '" + copy +
                             "': BDB1509 Invalid recovery timestamp Thu Jan  1 00:16:40 1970; earliest time is ";
  EXPECT_EQ(s.message().substr(0, prefix.size()), prefix) << s.message();
  EXPECT_EQ(s.message().find(';', prefix.size()), std::string::npos) << s.message();
}

TEST(RecoveryTest, MissingHomeIsNotFound) {
  TempDir tmp;
  const std::string expected = "environment home '" + tmp.Sub("nope") + "' does not exist";
  Status s = RecoverCatastrophic(tmp.Sub("nope"), std::nullopt);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_EQ(s.message(), expected);
  EXPECT_EQ(RecoverNormal(tmp.Sub("nope")).message(), expected);
  EXPECT_EQ(VerifyDatabases(tmp.Sub("nope"), {"a.db"}).message(), expected);
  EXPECT_FALSE(fs::exists(tmp.Sub("nope")));
}

TEST(RecoveryTest, BadDbConfigFailsWithBdbText) {
  TempDir tmp;
  ASSERT_TRUE(CreateTestEnvironment(tmp.path()).ok());
  std::ofstream(tmp.Sub("DB_CONFIG"), std::ios::app) << "set_cachesize bogus\n";
  Status s = RecoverNormal(tmp.path());
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "normal recovery failed in '" + tmp.path() + "': BDB1584 line 2: set_cachesize: incorrect name-value pair");
  s = VerifyDatabases(tmp.path(), {"a.db"});
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "unable to open environment '" + tmp.path() + "': BDB1584 line 2: set_cachesize: incorrect name-value pair");
}

TEST(RecoveryTest, NormalRecoveryAfterAKilledWriter) {
  TempDir tmp;
  const std::string home = tmp.Sub("live");
  ASSERT_TRUE(CreateTestEnvironment(home).ok());
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<TestWriter> writer;
    if (!TestWriter::Open(home, &writer).ok() || !writer->Commit(40).ok()) ::_exit(1);
    ::_exit(0);  // no close: like a crash after the last commit returned
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  ASSERT_TRUE(RecoverNormal(home).ok());
  EXPECT_FALSE(HasRegionFiles(home));
  std::map<std::string, std::string> expected;
  for (uint64_t id = 1; id <= 40; ++id) expected[TestKey(id)] = TestValue(id);
  ExpectContents(home, expected);
}

TEST(RecoveryTest, BackgroundWriterAcknowledgedCommitsSurviveRecovery) {
  TempDir tmp;
  const std::string home = tmp.Sub("live"), copy = tmp.Sub("copy");
  ASSERT_TRUE(CreateTestEnvironment(home).ok());
  std::unique_ptr<TestWriter> writer;
  ASSERT_TRUE(TestWriter::Open(home, &writer).ok());
  writer->StartBackground();
  while (writer->acked().size() < 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(writer->StopBackground().ok());
  const auto acked = writer->acked();
  for (size_t i = 1; i < acked.size(); ++i) {
    EXPECT_EQ(acked[i].id, acked[i - 1].id + 1);
    EXPECT_GE(acked[i].at, acked[i - 1].at);
  }
  CopyEnvironment(home, copy);
  ASSERT_TRUE(RecoverCatastrophic(copy, std::nullopt).ok());
  ExpectContents(copy, Expected(acked));
}

TEST(VerifyDatabasesTest, NamesTheCorruptedFileAndPage) {
  TempDir tmp;
  const std::string home = tmp.Sub("live"), copy = tmp.Sub("copy");
  ASSERT_TRUE(CreateTestEnvironment(home).ok());
  {
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(home, &writer).ok());
    ASSERT_TRUE(writer->Commit(200).ok());
  }
  CopyEnvironment(home, copy);
  ASSERT_TRUE(RecoverCatastrophic(copy, std::nullopt).ok());
  ASSERT_TRUE(VerifyDatabases(copy, {"a.db", "b.db"}).ok());
  {
    std::fstream f(copy + "/a.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2 * 4096 + 2048);
    const std::string junk(64, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  Status s = VerifyDatabases(copy, {"b.db", "a.db"});
  EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
  EXPECT_EQ(s.message(),
            "database 'a.db' failed verification: BDB0566 Page 2: item 67 of unrecognizable type; "
            "BDB0566 Page 2: item 68 of unrecognizable type; BDB1059 Page 2: gap between items at offset 2068 "
            "(and 1 more)");
  EXPECT_NE(RunQuiet({"db5.3_verify", "-h", copy, "a.db"}), 0);
}

TEST(VerifyDatabasesTest, MissingDatabaseIsNotFound) {
  TempDir tmp;
  ASSERT_TRUE(CreateTestEnvironment(tmp.path()).ok());
  Status s = VerifyDatabases(tmp.path(), {"a.db", "zz.db"});
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_EQ(s.message(), "database 'zz.db' failed verification: " + tmp.Sub("zz.db") + ": No such file or directory");
}

}  // namespace
}  // namespace bdb
