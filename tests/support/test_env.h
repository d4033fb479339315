// Test support shared by every test: temporary directories, real BDB
// transactional environments with known contents, and a writer that commits
// deterministic transactions (in the foreground or on a background thread)
// and remembers which commits were acknowledged.
// Thread-safety: TempDir and CreateTestEnvironment are plain; TestWriter's
// methods are for one thread, except acked() which may be called any time.
#pragma once

#include <db.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/bdb/bdb_environment.h"
#include "engine/repository/backup_mode_name.h"
#include "base/status.h"

namespace bdb {

// A DBT that points at s's bytes (s must outlive it).
inline DBT StringDbt(const std::string& s) {
  DBT d{};
  d.data = const_cast<char*>(s.data());
  d.size = static_cast<uint32_t>(s.size());
  return d;
}

// A fresh directory under /tmp (mkdtemp), removed with its contents when
// destroyed unless the environment variable BDBACKUP_KEEP_TEMP is set.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "bdbackup-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + rel.
  std::string Sub(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// The whole contents of a file; "" if it cannot be read.
std::string ReadFileContents(const std::string& path);

struct TestEnvOptions {
  std::string lg_dir = "log";     // DB_CONFIG set_lg_dir; empty: logs in home
  std::string data_dir;           // DB_CONFIG set_data_dir; empty: databases in home
  uint32_t page_size = 4096;      // of a.db and b.db
  bool checksums = false;         // DB_CHKSUM on a.db and b.db
  uint32_t log_file_bytes = 0;    // DB_CONFIG set_lg_max; 0: BDB's default (10 MB)
  uint32_t cache_bytes = 0;       // DB_CONFIG set_cachesize; 0: BDB's default
};

// The databases every test environment holds.
inline constexpr const char* kBtreeDb = "a.db";
inline constexpr const char* kHashDb = "b.db";

// Creates home (and its log/data dirs) with DB_CONFIG, opens a transactional
// environment, creates the btree a.db and the hash b.db, and closes it cleanly
// (region files stay, reference count 0).
Status CreateTestEnvironment(const std::string& home, const TestEnvOptions& opts = {});

// The key and value that transaction `id` writes to both databases.
std::string TestKey(uint64_t id);
std::string TestValue(uint64_t id);

// Reads every key/value of one database of a (closed or recovered)
// environment, through a private environment that touches no region file.
Status ReadDatabase(const std::string& home, const std::string& db_file, std::map<std::string, std::string>* out);

// A commit the writer saw acknowledged (txn->commit returned 0).
struct AckedCommit {
  uint64_t id = 0;
  std::string key;
  std::chrono::system_clock::time_point at;
};

// Opens a test environment in this process and commits transactions whose
// ids count up from 1; each writes TestKey(id) -> TestValue(id) to a.db and b.db.
class TestWriter {
 public:
  ~TestWriter();  // stops the background thread, closes the environment
  // REQUIRES: home was made by CreateTestEnvironment.
  static Status Open(const std::string& home, std::unique_ptr<TestWriter>* out);
  // Commits n transactions; acknowledged ones are recorded.
  Status Commit(int n);
  // Writes n transactions and aborts them (their ids are used up, never visible).
  Status Abort(int n);
  Status Checkpoint();
  // Every key/value of a.db and b.db, read through this handle.
  Status ReadAll(std::map<std::string, std::string>* a, std::map<std::string, std::string>* b);
  // Starts a thread committing continuously (one txn every `pause`) until StopBackground.
  // REQUIRES: no background thread is running.
  void StartBackground(std::chrono::microseconds pause = std::chrono::microseconds(200));
  // Stops the thread; returns the first error it met, if any.
  Status StopBackground();
  // Acknowledged commits so far, in commit order.
  std::vector<AckedCommit> acked() const;
  DB_ENV* env() { return env_; }

 private:
  TestWriter() = default;
  Status WriteOne(bool commit);

  DB_ENV* env_ = nullptr;
  DB* a_ = nullptr;
  DB* b_ = nullptr;
  std::atomic<uint64_t> next_id_{1};
  mutable std::mutex mu_;
  std::vector<AckedCommit> acked_;
  std::thread background_;
  std::atomic<bool> stop_{false};
  Status background_status_;
  BdbErrorText errors_;
};

// Opens a TestWriter on home, uses up the *used_ids transaction ids earlier
// writers took (a new writer counts from 1; they are aborted, never visible),
// commits n more and appends their ids to *acked.
Status CommitMore(const std::string& home, int n, uint64_t* used_ids, std::vector<uint64_t>* acked);

// The mode a test names ("cold", "hot", "incremental"); aborts on any other
// name (a test's own mistake).
inline BackupMode ModeNamed(const std::string& name) {
  BackupMode mode = BackupMode::kHot;
  if (!ParseBackupMode(name, &mode).ok()) std::abort();
  return mode;
}

}  // namespace bdb

// The same names under bdb::test, for tests that prefer to spell it out.
namespace bdb::test {
using bdb::AckedCommit;
using bdb::CreateTestEnvironment;
using bdb::ReadDatabase;
using bdb::TempDir;
using bdb::TestEnvOptions;
using bdb::TestKey;
using bdb::TestValue;
using bdb::TestWriter;
}  // namespace bdb::test
