// A restore that reported success must survive a power cut whole, including
// what Berkeley DB's catastrophic recovery made in the target: here a
// database created after the backup (replayed from the live environment's
// logs) into the data directory. The restore runs through the journaled
// FileIO and bdbsim-recover, as the backup agent runs it, then a cut that
// keeps no unsynced write or directory change is applied.
#include <db.h>

#include <cstdlib>
#include <map>

#include <gtest/gtest.h>

#include "engine/backup/backup.h"
#include "engine/engine_context.h"
#include "base/file_io.h"
#include "engine/restore/restore.h"
#include "simulator/faults/journaled_file_io.h"
#include "simulator/faults/power_loss_journal.h"
#include "simulator/faults/shared_cut_counter.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

// Creates c.db (btree, in the environment's data directory) holding one record.
void CreateDatabaseAfterBackup(TestWriter* writer) {
  DB* db = nullptr;
  ASSERT_EQ(db_create(&db, writer->env(), 0), 0);
  ASSERT_EQ(db->open(db, nullptr, "c.db", nullptr, DB_BTREE, DB_CREATE | DB_AUTO_COMMIT, 0600), 0);
  std::string k = "late-key", v = "late-value";
  DBT key{}, value{};
  key.data = k.data();
  key.size = static_cast<uint32_t>(k.size());
  value.data = v.data();
  value.size = static_cast<uint32_t>(v.size());
  ASSERT_EQ(db->put(db, nullptr, &key, &value, DB_AUTO_COMMIT), 0);
  ASSERT_EQ(db->close(db, 0), 0);
}

TEST(RestoreRecoveryCutTest, ADatabaseRecoveryCreatedSurvivesACutAfterTheRestoreSucceeded) {
  TempDir dir("restore-recovery-cut");
  const std::string home = dir.Sub("home"), repo = dir.Sub("repo"), target = dir.Sub("target");
  TestEnvOptions opts;
  opts.data_dir = "data";
  ASSERT_TRUE(CreateTestEnvironment(home, opts).ok());
  std::unique_ptr<TestWriter> writer;
  ASSERT_TRUE(TestWriter::Open(home, &writer).ok());
  ASSERT_TRUE(writer->Commit(20).ok());
  BackupOutcome backup;
  Status s = RunBackup(DefaultEngineContext(), BackupRequest{home, repo, BackupMode::kHot, false, false}, &backup);
  ASSERT_TRUE(s.ok()) << s.message();
  CreateDatabaseAfterBackup(writer.get());
  ASSERT_TRUE(writer->Commit(20).ok());
  writer.reset();

  // The restore as the agent runs it under a power journal.
  const std::string journal = dir.Sub("power.journal");
  ASSERT_EQ(::setenv(kRecoverJournalEnv, journal.c_str(), 1), 0);
  std::unique_ptr<FileOpJournal> ops;
  ASSERT_TRUE(FileOpJournal::Open(journal, home, journal + ".kept", &ops).ok());
  JournaledFileIO io(DefaultFileIO(), ops.get(), PhaseDirs{repo, home, target}, AgentCutPoint{});
  EngineContext ctx = DefaultEngineContext();
  ctx.io = &io;
  ctx.recovery_helper = BDBSIM_RECOVER_BIN;
  RestoreOutcome restored;
  s = RunRestore(ctx, RestoreRequest{repo, target, backup.manifest.id, "", home, false}, &restored);
  ::unsetenv(kRecoverJournalEnv);
  ASSERT_TRUE(s.ok()) << s.message();
  JournalStats stats;
  ASSERT_TRUE(ReadJournalStats(journal, &stats).ok());
  bool journaled_c = false;
  for (const std::string& f : stats.files) journaled_c |= BaseName(f) == "c.db";
  ASSERT_TRUE(journaled_c) << "bdbsim-recover did not journal BDB's writes to c.db";

  PowerLossResult cut;
  s = ApplyPowerLoss(journal, home, 1, PowerLossMode::kNone, &cut);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(cut.unsynced_writes, 0u) << cut.Describe();
  EXPECT_EQ(cut.directory_changes_lost, 0u) << cut.Describe();
  std::map<std::string, std::string> c;
  s = ReadDatabase(target, "c.db", &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.size(), 1u);
}

}  // namespace
}  // namespace bdb::sim
