// Tests of relative-path validation: every refusal with its exact message, and
// ResolveInside's symlink check on real directories.
#include "base/safe_path.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/test_env.h"

namespace bdb {
namespace {

TEST(ValidateRelativePath, AcceptsPlainRelativePaths) {
  for (const char* ok : {"a.db", "data/a.db", "log/log.0000000001", "DB_CONFIG", "a..b", ".hidden", "x/...", "a/b/c/d"}) {
    EXPECT_TRUE(ValidateRelativePath(ok).ok()) << ok;
  }
}

void ExpectRefused(const std::string& rel, const std::string& message) {
  Status s = ValidateRelativePath(rel);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << rel;
  EXPECT_EQ(s.message(), message);
}

TEST(ValidateRelativePath, RefusesEveryUnsafeForm) {
  ExpectRefused("", "manifest path '' is empty");
  ExpectRefused("/etc/passwd", "manifest path '/etc/passwd' is absolute");
  ExpectRefused("/", "manifest path '/' is absolute");
  ExpectRefused("..", "manifest path '..' climbs out of the backup");
  ExpectRefused("../x", "manifest path '../x' climbs out of the backup");
  ExpectRefused("a/../../x", "manifest path 'a/../../x' climbs out of the backup");
  ExpectRefused("a/..", "manifest path 'a/..' climbs out of the backup");
  ExpectRefused(".", "manifest path '.' has a '.' component");
  ExpectRefused("./a.db", "manifest path './a.db' has a '.' component");
  ExpectRefused("log/./x", "manifest path 'log/./x' has a '.' component");
  ExpectRefused("log//x", "manifest path 'log//x' has an empty component");
  ExpectRefused("log/", "manifest path 'log/' has an empty component");
  ExpectRefused(std::string("a\0b", 3), "manifest path 'a\\0b' contains a NUL byte");
}

TEST(ValidateRelativePath, LengthLimit) {
  EXPECT_TRUE(ValidateRelativePath(std::string(kMaxRelativePathBytes, 'a')).ok());
  ExpectRefused(std::string(kMaxRelativePathBytes + 1, 'a'),
                "manifest path '" + std::string(32, 'a') + "...' is longer than 4096 bytes");
}

TEST(ResolveInside, JoinsUnderRootWhenNothingIsALink) {
  TempDir dir;
  ASSERT_EQ(::mkdir(dir.Sub("log").c_str(), 0700), 0);
  std::string abs;
  ASSERT_TRUE(ResolveInside(DefaultFileIO(), dir.path(), "log/log.0000000001", &abs).ok());
  EXPECT_EQ(abs, dir.path() + "/log/log.0000000001");
  // Components that do not exist yet are fine (restore creates them).
  ASSERT_TRUE(ResolveInside(DefaultFileIO(), dir.path(), "new/dir/a.db", &abs).ok());
  EXPECT_EQ(abs, dir.path() + "/new/dir/a.db");
}

TEST(ResolveInside, RefusesASymlinkedDirectoryComponent) {
  TempDir dir, elsewhere;
  ASSERT_EQ(::symlink(elsewhere.path().c_str(), dir.Sub("log").c_str()), 0);
  std::string abs = "unchanged";
  Status s = ResolveInside(DefaultFileIO(), dir.path(), "log/log.0000000001", &abs);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "'" + dir.path() + "/log' is a symbolic link");
  EXPECT_EQ(abs, "unchanged");
}

TEST(ResolveInside, RefusesASymlinkedFinalComponent) {
  TempDir dir;
  ASSERT_EQ(::mkdir(dir.Sub("data").c_str(), 0700), 0);
  ASSERT_EQ(::symlink("/etc/passwd", dir.Sub("data/a.db").c_str()), 0);
  std::string abs;
  Status s = ResolveInside(DefaultFileIO(), dir.path(), "data/a.db", &abs);
  EXPECT_EQ(s.message(), "'" + dir.path() + "/data/a.db' is a symbolic link");
}

TEST(ResolveInside, ValidatesThePathFirst) {
  TempDir dir;
  std::string abs;
  Status s = ResolveInside(DefaultFileIO(), dir.path(), "../x", &abs);
  EXPECT_EQ(s.message(), "manifest path '../x' climbs out of the backup");
}

}  // namespace
}  // namespace bdb
