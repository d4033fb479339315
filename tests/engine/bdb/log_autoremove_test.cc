// DbConfigAutoRemovalLine: which DB_CONFIG lines turn DB_LOG_AUTO_REMOVE on
// (BDB 5.3 accepts both spellings, in any case, with an optional on/off).
#include "engine/bdb/log_autoremove.h"

#include <gtest/gtest.h>

namespace bdb {
namespace {

TEST(LogAutoRemoveTest, FindsTheLineThatTurnsItOn) {
  EXPECT_EQ(DbConfigAutoRemovalLine(""), 0);
  EXPECT_EQ(DbConfigAutoRemovalLine("set_lg_dir log\nset_flags DB_LOG_AUTOREMOVE\n"), 2);
  EXPECT_EQ(DbConfigAutoRemovalLine("set_flags db_log_autoremove on\n"), 1);
  EXPECT_EQ(DbConfigAutoRemovalLine("# x\n\nlog_set_config DB_LOG_AUTO_REMOVE\n"), 3);
  EXPECT_EQ(DbConfigAutoRemovalLine("set_flags DB_LOG_AUTOREMOVE off\n"), 0);
  EXPECT_EQ(DbConfigAutoRemovalLine("# set_flags DB_LOG_AUTOREMOVE\nset_flags DB_TXN_NOSYNC\n"), 0);
}

}  // namespace
}  // namespace bdb
