// BackupMode: the one table of what each backup mode does, and the parse of
// its name (the command line's --mode, a manifest's mode).
#include "engine/backup/backup_mode.h"

#include <gtest/gtest.h>

namespace bdb {
namespace {

TEST(BackupModeTest, EachNameParsesToItsModeAndRow) {
  for (BackupMode m : {BackupMode::kCold, BackupMode::kHot, BackupMode::kIncremental}) {
    BackupMode parsed = m == BackupMode::kCold ? BackupMode::kHot : BackupMode::kCold;
    ASSERT_TRUE(ParseBackupMode(BackupModeName(m), &parsed).ok());
    EXPECT_EQ(parsed, m);
    EXPECT_EQ(TraitsOf(m).mode, m);
  }
}

TEST(BackupModeTest, WhatEachModeDoes) {
  const BackupModeTraits& cold = TraitsOf(BackupMode::kCold);
  const BackupModeTraits& hot = TraitsOf(BackupMode::kHot);
  const BackupModeTraits& incremental = TraitsOf(BackupMode::kIncremental);
  EXPECT_STREQ(BackupModeName(cold.mode), "cold");
  EXPECT_STREQ(BackupModeName(hot.mode), "hot");
  EXPECT_STREQ(BackupModeName(incremental.mode), "incremental");
  // Full backups copy the databases; only the incremental builds on a parent.
  EXPECT_TRUE(cold.copies_databases && hot.copies_databases && !incremental.copies_databases);
  EXPECT_TRUE(!cold.needs_parent && !hot.needs_parent && incremental.needs_parent);
  // Only the cold backup needs the environment idle; the others join it live.
  EXPECT_TRUE(cold.offline && !hot.offline && !incremental.offline);
  EXPECT_TRUE(!cold.announces_hotbackup && hot.announces_hotbackup && incremental.announces_hotbackup);
}

TEST(BackupModeTest, UnknownNamesAreRefusedByName) {
  for (const char* name : {"", "Hot", "warm", "incremental "}) {
    BackupMode parsed = BackupMode::kCold;
    Status s = ParseBackupMode(name, &parsed);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << name;
    EXPECT_EQ(s.message(), std::string("unknown backup mode '") + name + "': expected cold, hot or incremental");
    EXPECT_EQ(parsed, BackupMode::kCold);
  }
}

}  // namespace
}  // namespace bdb
