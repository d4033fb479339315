// SandboxKeeper: a campaign keeps failing trials' sandboxes within a count
// and a byte bound, the oldest dropped first, and moves a sandbox made in
// memory (tmpfs) to disk once kept. Real directories with real bytes; the
// move tests need /dev/shm to be a tmpfs and /tmp to be on disk (skipped,
// saying so, where they are not).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "simulator/harness/sandbox_keeper.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

constexpr uint64_t kMib = 1 << 20;

// A sandbox-like tree under parent: a home with `mib` MiB of data, a
// repository, and a symbolic link. Returns its path.
std::string MakeSandbox(const std::string& parent, const std::string& name, uint64_t mib) {
  const std::string dir = JoinPath(parent, name);
  EXPECT_EQ(::mkdir(dir.c_str(), 0700), 0);
  EXPECT_EQ(::mkdir(JoinPath(dir, "home").c_str(), 0700), 0);
  EXPECT_EQ(::mkdir(JoinPath(dir, "repo").c_str(), 0700), 0);
  std::ofstream(JoinPath(dir, "home/a.db")) << std::string(mib * kMib, 'x');
  std::ofstream(JoinPath(dir, "repo/manifest.json")) << "{}";
  EXPECT_EQ(::symlink("home/a.db", JoinPath(dir, "link").c_str()), 0);
  return dir;
}

TrialResult Failing(const std::string& sandbox, int index) {
  TrialResult t;
  t.scenario = "lossy";
  t.index = index;
  t.outcome = Outcome::kLoss;
  t.sandbox = sandbox;
  return t;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

TEST(SandboxKeeperTest, TreeBytesCountsAllocatedBlocksOnce) {
  TempDir dir("keeper");
  const std::string sb = MakeSandbox(dir.path(), "sb", 2);
  ASSERT_EQ(::link(JoinPath(sb, "home/a.db").c_str(), JoinPath(sb, "hard").c_str()), 0);
  const uint64_t bytes = TreeBytes(sb);
  EXPECT_GE(bytes, 2 * kMib);
  EXPECT_LT(bytes, 2 * kMib + 256 * 1024);  // the hard link is not counted twice
  EXPECT_EQ(TreeBytes(dir.Sub("absent")), 0u);
}

TEST(SandboxKeeperTest, CountBoundDropsTheOldestFirst) {
  TempDir dir("keeper");
  std::vector<TrialResult> results;
  for (int i = 0; i < 4; ++i) results.push_back(Failing(MakeSandbox(dir.path(), "sb" + std::to_string(i), 1), i));
  const std::vector<std::string> paths = {results[0].sandbox, results[1].sandbox, results[2].sandbox,
                                          results[3].sandbox};
  SandboxKeeper keeper(KeepBound{2, 100 * kMib}, "");
  for (TrialResult& r : results) keeper.Offer(&r);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(results[i].sandbox, "") << i;
    EXPECT_EQ(results[i].sandbox_dropped, "dropped for the bound: newer sandboxes were kept (at most 2)");
    EXPECT_GE(results[i].sandbox_bytes, kMib);
    EXPECT_FALSE(Exists(paths[i])) << paths[i];
  }
  for (int i = 2; i < 4; ++i) {
    EXPECT_EQ(results[i].sandbox, paths[i]);  // on disk already: kept where it ran
    EXPECT_EQ(results[i].sandbox_dropped, "");
    EXPECT_TRUE(Exists(JoinPath(paths[i], "home/a.db")));
  }
}

TEST(SandboxKeeperTest, ByteBoundDropsTheOldestUntilTheNewOneFits) {
  TempDir dir("keeper");
  TrialResult a = Failing(MakeSandbox(dir.path(), "a", 3), 0);
  TrialResult b = Failing(MakeSandbox(dir.path(), "b", 3), 1);
  TrialResult c = Failing(MakeSandbox(dir.path(), "c", 3), 2);
  const std::string path_a = a.sandbox;
  SandboxKeeper keeper(KeepBound{8, 7 * kMib}, "");  // room for two, not three
  keeper.Offer(&a);
  keeper.Offer(&b);
  EXPECT_NE(a.sandbox, "");
  keeper.Offer(&c);
  EXPECT_EQ(a.sandbox, "");
  EXPECT_EQ(a.sandbox_dropped, "dropped for the bound: newer sandboxes took the 7.0 MiB kept at most");
  EXPECT_FALSE(Exists(path_a));
  EXPECT_NE(b.sandbox, "");
  EXPECT_NE(c.sandbox, "");
}

TEST(SandboxKeeperTest, ASandboxOverTheByteBoundAloneIsDroppedAndTheOthersStay) {
  TempDir dir("keeper");
  TrialResult small = Failing(MakeSandbox(dir.path(), "small", 1), 0);
  TrialResult big = Failing(MakeSandbox(dir.path(), "big", 5), 1);
  const std::string big_path = big.sandbox;
  SandboxKeeper keeper(KeepBound{8, 4 * kMib}, "");
  keeper.Offer(&small);
  keeper.Offer(&big);
  EXPECT_NE(small.sandbox, "");
  EXPECT_EQ(big.sandbox, "");
  EXPECT_EQ(big.sandbox_dropped.rfind("dropped for the bound: it alone takes 5.", 0), 0u) << big.sandbox_dropped;
  EXPECT_FALSE(Exists(big_path));
}

TEST(SandboxKeeperTest, ABoundOfZeroKeepsNone) {
  TempDir dir("keeper");
  TrialResult t = Failing(MakeSandbox(dir.path(), "sb", 1), 0);
  const std::string path = t.sandbox;
  SandboxKeeper keeper(KeepBound{0, 100 * kMib}, dir.Sub("disk"));
  keeper.Offer(&t);
  EXPECT_EQ(t.sandbox, "");
  EXPECT_EQ(t.sandbox_dropped, "dropped for the bound: no sandbox is kept (at most 0)");
  EXPECT_FALSE(Exists(path));
  TrialResult passing;  // nothing kept by the trial: nothing to do
  keeper.Offer(&passing);
  EXPECT_EQ(passing.sandbox_dropped, "");
}

// A sandbox made in /dev/shm lives on disk once kept: moved whole (files,
// directories, links) into the disk directory, nothing left in memory.
TEST(SandboxKeeperTest, KeptSandboxInMemoryIsMovedToDisk) {
  TempDir disk("keeper-disk");
  if (!OnMemoryFileSystem("/dev/shm") || OnMemoryFileSystem(disk.path()))
    GTEST_SKIP() << "needs /dev/shm on a tmpfs and " << disk.path() << " on disk";
  char templ[] = "/dev/shm/keeper-test-XXXXXX";
  ASSERT_NE(::mkdtemp(templ), nullptr);
  const std::string shm = templ;
  TrialResult t = Failing(MakeSandbox(shm, "bdbsim-lossy-0-x", 1), 0);
  const std::string in_memory = t.sandbox;
  SandboxKeeper keeper(KeepBound{}, disk.Sub("report/sandboxes"));
  keeper.Offer(&t);
  EXPECT_EQ(t.sandbox, disk.Sub("report/sandboxes/bdbsim-lossy-0-x"));
  EXPECT_FALSE(OnMemoryFileSystem(t.sandbox));
  EXPECT_FALSE(Exists(in_memory));
  EXPECT_EQ(ReadFileContents(JoinPath(t.sandbox, "home/a.db")).size(), kMib);
  EXPECT_EQ(ReadFileContents(JoinPath(t.sandbox, "repo/manifest.json")), "{}");
  char target[64] = {};
  EXPECT_GT(::readlink(JoinPath(t.sandbox, "link").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "home/a.db");
  struct stat st;
  ASSERT_EQ(::stat(t.sandbox.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_GE(t.sandbox_bytes, kMib);
  RemoveTree(DefaultFileIO(), shm);
}

// Where kept sandboxes go: the report directory when it is on disk, else
// the cache directory ($XDG_CACHE_HOME), else the temp dir, else /var/tmp.
TEST(SandboxKeeperTest, DiskDirectoryIsTheReportDirElseTheCacheDir) {
  TempDir disk("keeper-disk");
  if (!OnMemoryFileSystem("/dev/shm") || OnMemoryFileSystem(disk.path()))
    GTEST_SKIP() << "needs /dev/shm on a tmpfs and " << disk.path() << " on disk";
  EXPECT_EQ(DiskDirectoryForKeptSandboxes(disk.Sub("report")), disk.Sub("report/sandboxes"));
  const char* old_xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old_xdg != nullptr ? old_xdg : "";
  ::setenv("XDG_CACHE_HOME", disk.Sub("cache").c_str(), 1);
  EXPECT_EQ(DiskDirectoryForKeptSandboxes("/dev/shm/no-such-report"), disk.Sub("cache/bdbsim/sandboxes"));
  ::setenv("XDG_CACHE_HOME", "/dev/shm/cache-in-memory", 1);
  const std::string fallback = DiskDirectoryForKeptSandboxes("/dev/shm/no-such-report");
  EXPECT_NE(fallback, "");
  EXPECT_FALSE(OnMemoryFileSystem(fallback)) << fallback;
  if (old_xdg != nullptr) {
    ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  } else {
    ::unsetenv("XDG_CACHE_HOME");
  }
}

TEST(SandboxKeeperTest, MoveTreeAcrossFileSystemsLeavesNothingHalfDoneOnFailure) {
  TempDir disk("keeper-disk");
  if (!OnMemoryFileSystem("/dev/shm") || OnMemoryFileSystem(disk.path()))
    GTEST_SKIP() << "needs /dev/shm on a tmpfs and " << disk.path() << " on disk";
  char templ[] = "/dev/shm/keeper-test-XXXXXX";
  ASSERT_NE(::mkdtemp(templ), nullptr);
  const std::string sb = MakeSandbox(templ, "sb", 1);
  // The destination's parent does not exist: the copy fails, and neither a
  // partial copy nor a missing source remains.
  Status s = MoveTree(sb, disk.Sub("absent/parent/sb"));
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(Exists(disk.Sub("absent/parent/sb")));
  EXPECT_TRUE(Exists(JoinPath(sb, "home/a.db")));
  RemoveTree(DefaultFileIO(), templ);
}

}  // namespace
}  // namespace bdb::sim
