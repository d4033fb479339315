// BdbNames (power_loss_journal.h, bdb_names_model.h): what a power cut does to
// the creates, renames and unlinks BDB's own hooks make in the live
// environment, rule by rule. Each test makes the file operations for real in
// a home and appends the records BDB's hooks would append (origin kOriginBdb,
// in the hooks' format of power_loss_records.h, with the hard link the hooks
// keep before an unlink or a rename over a file), then cuts.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "base/file_io.h"
#include "simulator/faults/power_loss_journal.h"
#include "simulator/faults/power_loss_records.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

// A live environment's home, its journal and the hooks' keep directory.
class Env {
 public:
  Env() {
    EXPECT_EQ(::mkdir(dir_.Sub("home").c_str(), 0700), 0);
    EXPECT_EQ(::mkdir(dir_.Sub("kept").c_str(), 0700), 0);
    fd_ = ::open(dir_.Sub("journal").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    EXPECT_GE(fd_, 0);
  }
  ~Env() { ::close(fd_); }
  std::string At(const std::string& rel) const { return dir_.Sub("home/" + rel); }
  bool Exists(const std::string& rel) const { return ::access(At(rel).c_str(), F_OK) == 0; }
  std::string Contents(const std::string& rel) const { return ReadFileContents(At(rel)); }

  // BDB creates rel (empty), as its open hook journals it.
  void Create(const std::string& rel) {
    const int fd = ::open(At(rel).c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    ASSERT_GE(fd, 0);
    ::close(fd);
    Append(kCreate, rel, "", "", 0, 0);
  }
  // BDB appends bytes to rel.
  void Write(const std::string& rel, const std::string& bytes) {
    const uint64_t size = FileSize(rel);
    Append(kWrite, rel, "", bytes, size, size);
    const int fd = ::open(At(rel).c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), size), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
  }
  // BDB's fsync of rel returned 0.
  void Sync(const std::string& rel) {
    RecordHeader h{};
    h.type = kSync;
    h.sync_upto = static_cast<uint64_t>(::lseek(fd_, 0, SEEK_END));
    Put(h, rel, "", "");
  }
  void Rename(const std::string& from, const std::string& to) {
    const std::string kept = Keep(to);
    RecordHeader h{};
    h.type = kRename;
    h.length = to.size();
    Put(h, from, kept, to);
    ASSERT_EQ(::rename(At(from).c_str(), At(to).c_str()), 0);
  }
  void Unlink(const std::string& rel) {
    const std::string kept = Keep(rel);
    RecordHeader h{};
    h.type = kUnlink;
    Put(h, rel, kept, "");
    ASSERT_EQ(::unlink(At(rel).c_str()), 0);
  }
  PowerLossResult Cut(BdbNames names, PowerLossMode mode = PowerLossMode::kNone, uint64_t seed = 1) {
    PowerLossResult result;
    Status s = ApplyPowerLoss(dir_.Sub("journal"), dir_.Sub("home"), seed, mode, names, &result);
    EXPECT_TRUE(s.ok()) << s.message();
    return result;
  }

 private:
  uint64_t FileSize(const std::string& rel) const {
    struct stat st;
    return ::stat(At(rel).c_str(), &st) == 0 ? st.st_size : 0;
  }
  std::string Keep(const std::string& rel) {
    if (!Exists(rel)) return "";
    const std::string link = dir_.Sub("kept/" + std::to_string(++kept_));
    EXPECT_EQ(::link(At(rel).c_str(), link.c_str()), 0);
    return link;
  }
  void Append(uint32_t type, const std::string& rel, const std::string& old_part, const std::string& tail,
              uint64_t offset, uint64_t old_size) {
    RecordHeader h{};
    h.type = type;
    h.offset = type == kWrite ? offset : kOriginBdb;
    h.length = type == kWrite ? tail.size() : 0;
    h.old_size = old_size;
    Put(h, rel, old_part, tail);
  }
  void Put(RecordHeader h, const std::string& path, const std::string& old_part, const std::string& tail) {
    h.magic = kRecordMagic;
    h.seq = ++seq_;
    h.path_len = path.size();
    h.old_len = old_part.size();
    std::string rec(reinterpret_cast<const char*>(&h), sizeof(h));
    rec += path + old_part + tail;
    ASSERT_EQ(::write(fd_, rec.data(), rec.size()), static_cast<ssize_t>(rec.size()));
  }

  TempDir dir_;
  int fd_ = -1;
  uint64_t seq_ = 0, kept_ = 0;
};

TEST(BdbNamesModelTest, ParsesTheModelNames) {
  BdbNames names;
  ASSERT_TRUE(ParseBdbNames("ordered", &names).ok());
  EXPECT_EQ(names, BdbNames::kOrdered);
  ASSERT_TRUE(ParseBdbNames("durable", &names).ok());
  EXPECT_EQ(names, BdbNames::kDurable);
  EXPECT_FALSE(ParseBdbNames("posix", &names).ok());
  EXPECT_STREQ(BdbNamesName(BdbNames::kOrdered), "ordered");
}

TEST(BdbNamesModelTest, OrderedKeepsACreateWhoseFileWasFsyncedLater) {
  Env env;
  env.Create("a.db");
  env.Write("a.db", "page");
  env.Sync("a.db");
  const PowerLossResult r = env.Cut(BdbNames::kOrdered);
  EXPECT_EQ(env.Contents("a.db"), "page");
  EXPECT_EQ(r.bdb_name_changes, 0u);
}

TEST(BdbNamesModelTest, OrderedKeepsACreateFollowedByAnotherFilesFsyncButNotItsUnsyncedBytes) {
  for (BdbNames names : {BdbNames::kDurable, BdbNames::kOrdered}) {
    Env env;
    env.Create("log.1");
    env.Write("log.1", "synced");
    env.Sync("log.1");
    env.Create("log.2");
    env.Write("log.2", "unsynced");
    env.Write("log.1", "more");
    env.Sync("log.1");  // commits the journal: log.2's name with it, not its bytes
    env.Cut(names);
    EXPECT_EQ(env.Contents("log.1"), "syncedmore");
    // durable (today's rule): a file never fsynced itself loses its name.
    EXPECT_EQ(env.Exists("log.2"), names == BdbNames::kOrdered) << BdbNamesName(names);
    if (names == BdbNames::kOrdered) {
      EXPECT_EQ(env.Contents("log.2"), "");
    }
  }
}

TEST(BdbNamesModelTest, OrderedLosesACreateAfterTheLastFsync) {
  Env env;
  env.Create("a.db");
  env.Write("a.db", "x");
  env.Sync("a.db");
  env.Create("b.db");
  const PowerLossResult r = env.Cut(BdbNames::kOrdered);
  EXPECT_TRUE(env.Exists("a.db"));
  EXPECT_FALSE(env.Exists("b.db"));
  EXPECT_EQ(r.bdb_name_changes, 1u);
  EXPECT_EQ(r.bdb_name_changes_lost, 1u);
  ASSERT_EQ(r.lost_directory_changes.size(), 1u);
  EXPECT_EQ(r.lost_directory_changes[0], "BDB's create 'b.db'");
}

TEST(BdbNamesModelTest, RenameAfterTheLastFsyncIsLostOnlyWhenOrdered) {
  for (BdbNames names : {BdbNames::kDurable, BdbNames::kOrdered}) {
    Env env;
    env.Create("__db.tmp");
    env.Write("__db.tmp", "meta");
    env.Sync("__db.tmp");
    env.Rename("__db.tmp", "a.db");
    env.Cut(names);
    const bool lost = names == BdbNames::kOrdered;
    EXPECT_EQ(env.Exists("a.db"), !lost) << BdbNamesName(names);
    EXPECT_EQ(env.Contents(lost ? "__db.tmp" : "a.db"), "meta") << BdbNamesName(names);
    EXPECT_EQ(env.Exists("__db.tmp"), lost) << BdbNamesName(names);  // one name or the other
  }
}

TEST(BdbNamesModelTest, OrderedKeepsARenameFollowedByAnyFsync) {
  Env env;
  env.Create("__db.tmp");
  env.Write("__db.tmp", "meta");
  env.Sync("__db.tmp");
  env.Rename("__db.tmp", "a.db");
  env.Create("log.1");
  env.Write("log.1", "commit");
  env.Sync("log.1");
  env.Cut(BdbNames::kOrdered);
  EXPECT_EQ(env.Contents("a.db"), "meta");
  EXPECT_FALSE(env.Exists("__db.tmp"));
}

TEST(BdbNamesModelTest, OrderedLostRenameBringsBackTheFileItReplaced) {
  Env env;
  env.Create("a.db");
  env.Write("a.db", "old");
  env.Create("b.db");
  env.Write("b.db", "new");
  env.Sync("a.db");
  env.Sync("b.db");
  env.Rename("b.db", "a.db");
  env.Cut(BdbNames::kOrdered);
  EXPECT_EQ(env.Contents("a.db"), "old");
  EXPECT_EQ(env.Contents("b.db"), "new");
}

TEST(BdbNamesModelTest, OrderedLostUnlinkBringsTheFileBackWithItsContent) {
  for (BdbNames names : {BdbNames::kDurable, BdbNames::kOrdered}) {
    Env env;
    env.Create("log.1");
    env.Write("log.1", "old log");
    env.Sync("log.1");
    env.Unlink("log.1");  // DB_LOG_AUTO_REMOVE; no fsync after it
    const PowerLossResult r = env.Cut(names);
    EXPECT_EQ(env.Exists("log.1"), names == BdbNames::kOrdered) << BdbNamesName(names);
    if (names == BdbNames::kOrdered) {
      EXPECT_EQ(env.Contents("log.1"), "old log");
      EXPECT_EQ(r.bdb_name_changes_lost, 1u);
    }
  }
}

TEST(BdbNamesModelTest, OrderedKeepsAnUnlinkFollowedByAnFsync) {
  Env env;
  env.Create("log.1");
  env.Write("log.1", "old log");
  env.Sync("log.1");
  env.Create("log.2");
  env.Write("log.2", "x");
  env.Unlink("log.1");
  env.Sync("log.2");
  env.Cut(BdbNames::kOrdered);
  EXPECT_FALSE(env.Exists("log.1"));
  EXPECT_EQ(env.Contents("log.2"), "x");
}

// subset: a seeded prefix of the changes after the last fsync survives, in
// journal order, so auto-removed logs that come back are the newest ones
// removed: never a gap below a log that stays removed.
TEST(BdbNamesModelTest, SubsetKeepsAPrefixOfTheChangesInJournalOrder) {
  bool all_back = false, none_back = false;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    Env env;
    for (int i = 1; i <= 5; ++i) {
      env.Create("log." + std::to_string(i));
      env.Write("log." + std::to_string(i), "log");
      env.Sync("log." + std::to_string(i));
    }
    for (int i = 1; i <= 4; ++i) env.Unlink("log." + std::to_string(i));
    const PowerLossResult r = env.Cut(BdbNames::kOrdered, PowerLossMode::kSubset, seed);
    EXPECT_EQ(r.bdb_name_changes, 4u);
    int back = 0;
    bool gap = false;
    for (int i = 1; i <= 4; ++i) {
      const bool exists = env.Exists("log." + std::to_string(i));
      if (exists) ++back;
      if (!exists && back > 0) gap = true;  // a removed log above one that came back
    }
    EXPECT_FALSE(gap) << "seed " << seed;
    EXPECT_EQ(static_cast<uint64_t>(back), r.bdb_name_changes_lost) << "seed " << seed;
    if (back == 4) all_back = true;
    if (back == 0) none_back = true;
  }
  EXPECT_TRUE(all_back);
  EXPECT_TRUE(none_back);
}

TEST(BdbNamesModelTest, SameSeedSameCut) {
  std::string seen[2];
  for (int run = 0; run < 2; ++run) {
    Env env;
    env.Create("a");
    env.Sync("a");
    for (int i = 0; i < 6; ++i) env.Create("f" + std::to_string(i));
    const PowerLossResult r = env.Cut(BdbNames::kOrdered, PowerLossMode::kSubset, 5);
    for (const std::string& change : r.lost_directory_changes) seen[run] += change + ";";
  }
  EXPECT_EQ(seen[0], seen[1]);
}

}  // namespace
}  // namespace bdb::sim
