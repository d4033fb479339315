// CheckLogCoverage on real environments: a copy made the safe way (databases,
// then every log to the end) covers every page; dropping the newest log or a
// log in the middle is found, naming the file, page and LSN; a last log
// whose bytes run past its records ends at its last record, not its size.
#include "engine/restore/log_coverage.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/bdb/log_names.h"
#include "engine/bdb/log_record_reader.h"
#include "engine/restore/restore.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

class LogCoverageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TestEnvOptions options;
    options.log_file_bytes = 64 * 1024;
    ASSERT_TRUE(CreateTestEnvironment(dir_.Sub("home"), options).ok());
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(dir_.Sub("home"), &writer).ok());
    ASSERT_TRUE(writer->Commit(400).ok());
    ASSERT_TRUE(writer->Checkpoint().ok());  // pages on disk, stamped with LSNs in the newest logs
    writer.reset();
    for (const auto& entry : std::filesystem::directory_iterator(dir_.Sub("home/log"))) {
      logs_.push_back(entry.path().string());
    }
    std::sort(logs_.begin(), logs_.end());
    ASSERT_GE(logs_.size(), 3u);
    databases_ = {dir_.Sub("home/a.db"), dir_.Sub("home/b.db")};
  }
  TempDir dir_;
  std::vector<std::string> logs_, databases_;
};

TEST_F(LogCoverageTest, EveryLogToTheEndCoversEveryPage) {
  const std::string newest_before = ReadFileContents(logs_.back());
  LogCoverage c;
  ASSERT_TRUE(CheckLogCoverage(DefaultFileIO(), databases_, logs_, &c).ok());
  EXPECT_EQ(ReadFileContents(logs_.back()), newest_before) << "reading the last record changed the log";
  EXPECT_TRUE(c.ok()) << c.Describe();
  EXPECT_EQ(c.first_log, 1u);
  EXPECT_EQ(c.last_log, logs_.size());
  EXPECT_TRUE(c.end_from_records);
  EXPECT_EQ(c.end_file, logs_.size());
  EXPECT_LT(c.end_offset, std::filesystem::file_size(logs_.back()));
  EXPECT_GT(c.pages_checked, 4u);
  EXPECT_EQ(c.Describe(), "");
}

TEST_F(LogCoverageTest, WithoutTheNewestLogThePagesItStampedAreUncovered) {
  std::vector<std::string> short_logs(logs_.begin(), logs_.end() - 1);
  LogCoverage c;
  ASSERT_TRUE(CheckLogCoverage(DefaultFileIO(), databases_, short_logs, &c).ok());
  ASSERT_FALSE(c.ok());
  ASSERT_FALSE(c.examples.empty());
  EXPECT_GT(c.uncovered_pages, 0u);
  const UncoveredPage& p = c.examples.front();
  EXPECT_EQ(p.lsn_file, logs_.size());
  EXPECT_NE(c.Describe().find("database '" + p.file + "' page " + std::to_string(p.page) + " has LSN [" +
                              std::to_string(p.lsn_file) + "]["),
            std::string::npos)
      << c.Describe();
  EXPECT_NE(c.Describe().find("past the end of the copied logs at [" + std::to_string(logs_.size() - 1) + "]["),
            std::string::npos);
}

// A copy of a log file can be longer than its records (BDB may extend a log
// file ahead of its records; a copy can catch a file mid-write): the records
// of the newest log's second half are replaced by zeroes, keeping its size.
// The end is then the last record before the zeroes, and the pages stamped
// by the zeroed records are uncovered, as recovery would find them.
TEST_F(LogCoverageTest, ALastLogLongerThanItsRecordsEndsAtItsLastRecord) {
  std::vector<DB_LSN> records;  // of the newest log, in order
  {
    std::unique_ptr<LogRecordReader> reader;
    ASSERT_TRUE(LogRecordReader::Open(dir_.Sub("home/log"), &reader).ok());
    DB_LSN lsn;
    DBT rec;
    std::memset(&rec, 0, sizeof(rec));
    for (uint32_t flag = DB_LAST; reader->Get(flag, &lsn, &rec) && lsn.file == logs_.size(); flag = DB_PREV)
      records.insert(records.begin(), lsn);
  }
  ASSERT_GE(records.size(), 4u);
  const DB_LSN cut = records[records.size() / 2];
  const uint64_t size = std::filesystem::file_size(logs_.back());
  std::filesystem::resize_file(logs_.back(), cut.offset);
  std::filesystem::resize_file(logs_.back(), size);  // zeroes from the cut to the old size

  LogCoverage c;
  ASSERT_TRUE(CheckLogCoverage(DefaultFileIO(), databases_, logs_, &c).ok());
  EXPECT_TRUE(c.end_from_records);
  EXPECT_EQ(c.end_file, logs_.size());
  EXPECT_EQ(c.end_offset, records[records.size() / 2 - 1].offset);
  EXPECT_FALSE(c.ok()) << "pages stamped by the zeroed records count as covered";
  EXPECT_NE(c.Describe().find("past the end of the copied logs at [" + std::to_string(logs_.size()) + "][" +
                              std::to_string(c.end_offset) + "]"),
            std::string::npos)
      << c.Describe();
}

TEST_F(LogCoverageTest, ALogMissingInTheMiddleIsAGap) {
  std::vector<std::string> gapped = logs_;
  gapped.erase(gapped.begin() + 1);
  LogCoverage c;
  ASSERT_TRUE(CheckLogCoverage(DefaultFileIO(), databases_, gapped, &c).ok());
  ASSERT_EQ(c.missing_logs, std::vector<uint32_t>{2});
  EXPECT_EQ(c.Describe(), "the copied logs have a gap: log file 'log.0000000002' is missing between 'log.0000000001' and '" +
                              LogFileName(c.last_log) + "'");
}

// What restore (and verify, when it keeps its trial restore) checks of the
// laid-out files before recovery: a plan without the newest log is refused,
// naming the backup, the page and how many pages are uncovered.
TEST_F(LogCoverageTest, LaidOutFilesWithoutTheNewestLogAreRefusedBeforeRecovery) {
  Manifest full;
  full.id = "20261207T000000Z-hot";
  full.log_dir_rel = "log";
  RestorePlan plan;
  for (const char* db : {"a.db", "b.db"}) plan.files.push_back({"", db, "database", "", 0, "backup " + full.id});
  for (size_t i = 0; i < logs_.size(); ++i) {
    const std::string rel = "log/" + std::filesystem::path(logs_[i]).filename().string();
    plan.files.push_back({"", rel, "log", "", 0, "backup " + full.id});
  }
  EXPECT_TRUE(CheckLaidOutFiles(DefaultFileIO(), plan, {full}, dir_.Sub("home"), std::nullopt).ok());
  plan.files.pop_back();
  Status s = CheckLaidOutFiles(DefaultFileIO(), plan, {full}, dir_.Sub("home"), std::nullopt);
  EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
  EXPECT_EQ(s.message().rfind("backup '" + full.id + "' cannot be recovered: database '", 0), 0u) << s.message();
  EXPECT_NE(s.message().find(" such page"), std::string::npos) << s.message();
}

TEST_F(LogCoverageTest, AFileThatIsNotADatabaseIsRefused) {
  LogCoverage c;
  EXPECT_EQ(CheckLogCoverage(DefaultFileIO(), {logs_.front()}, logs_, &c).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace bdb
