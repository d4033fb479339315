// The compatibility matrix (docs/compatibility.md): each row is a real environment
// configured as an application would (data and log directories, DB_REGISTER,
// queue extents, partitions, sub-databases, unusual file names, in-memory
// logs), driven through the real bdbackup binary: a hot backup, more commits,
// an incremental, then restore, and every committed record read back from
// the restored environment; or the exact one-line refusal (exit 2).
#include <db.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include <gtest/gtest.h>

#include "engine/bdb/bdb_environment.h"
#include "base/file_io.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

constexpr uint32_t kEnvOpen = DB_CREATE | DB_INIT_MPOOL | DB_INIT_LOG | DB_INIT_TXN | DB_INIT_LOCK | DB_THREAD;

std::string ErrorLine(const std::string& what) { return "bdbackup: error: " + what + "\n"; }

DBT Dbt(const void* data, size_t size) {
  DBT d;
  std::memset(&d, 0, sizeof(d));
  d.data = const_cast<void*>(data);
  d.size = static_cast<uint32_t>(size);
  return d;
}

std::string Value(int i) { return "value-" + std::to_string(i) + std::string(40, static_cast<char>('a' + i % 26)); }

// One database of a row: file (relative to its data dir), optional sub-database name, access method.
struct DbSpec {
  std::string file;
  std::string subdb;
  DBTYPE type = DB_BTREE;
  std::function<void(DB*)> configure;  // before open (queue extents, partitions)
};

// The application: an open environment that creates the databases and commits records.
class App {
 public:
  ~App() { Close(); }
  void Open(const std::string& home, uint32_t extra_flags = 0, const std::function<void(DB_ENV*)>& configure = {}) {
    ASSERT_EQ(db_env_create(&env_, 0), 0);
    errors_.Attach(env_);
    if (configure) configure(env_);
    ASSERT_EQ(env_->open(env_, home.c_str(), kEnvOpen | extra_flags, 0), 0) << errors_.Take(-1);
  }
  void Create(const DbSpec& spec) {
    DB* db = nullptr;
    ASSERT_EQ(db_create(&db, env_, 0), 0);
    if (spec.configure) spec.configure(db);
    ASSERT_EQ(db->open(db, nullptr, spec.file.c_str(), spec.subdb.empty() ? nullptr : spec.subdb.c_str(), spec.type,
                       DB_CREATE | DB_AUTO_COMMIT | DB_THREAD, 0644),
              0)
        << errors_.Take(-1);
    dbs_.push_back({db, spec.type});
  }
  // Records first..last into every database, one transaction per 10 records.
  void Commit(int first, int last) {
    for (int i = first; i <= last; i += 10) {
      DB_TXN* txn = nullptr;
      ASSERT_EQ(env_->txn_begin(env_, nullptr, &txn, 0), 0);
      for (int k = i; k < i + 10 && k <= last; ++k) {
        for (auto& [db, type] : dbs_) {
          std::string key_text = "key-" + std::to_string(100000 + k);
          db_recno_t recno = static_cast<db_recno_t>(k);
          DBT key = type == DB_QUEUE ? Dbt(&recno, sizeof(recno)) : Dbt(key_text.data(), key_text.size());
          std::string v = Value(k);
          DBT value = Dbt(v.data(), v.size());
          ASSERT_EQ(db->put(db, txn, &key, &value, 0), 0) << errors_.Take(-1);
        }
      }
      ASSERT_EQ(txn->commit(txn, 0), 0);
    }
  }
  DB_ENV* env() { return env_; }
  void Close() {
    for (auto& [db, type] : dbs_) db->close(db, 0);
    dbs_.clear();
    if (env_ != nullptr) env_->close(env_, 0);
    env_ = nullptr;
  }

 private:
  DB_ENV* env_ = nullptr;
  std::vector<std::pair<DB*, DBTYPE>> dbs_;
  BdbErrorText errors_;
};

// Reads every record of one database of a restored (closed) environment.
std::map<std::string, std::string> ReadRestored(const std::string& home, const DbSpec& spec,
                                                const std::string& password = "") {
  std::map<std::string, std::string> out;
  DB_ENV* env = nullptr;
  EXPECT_EQ(db_env_create(&env, 0), 0);
  BdbErrorText errors;
  errors.Attach(env);
  if (!password.empty()) {
    EXPECT_EQ(env->set_encrypt(env, password.c_str(), DB_ENCRYPT_AES), 0);
  }
  EXPECT_EQ(env->open(env, home.c_str(), DB_CREATE | DB_INIT_MPOOL | DB_PRIVATE, 0), 0) << errors.Take(-1);
  DB* db = nullptr;
  EXPECT_EQ(db_create(&db, env, 0), 0);
  int ret = db->open(db, nullptr, spec.file.c_str(), spec.subdb.empty() ? nullptr : spec.subdb.c_str(), DB_UNKNOWN,
                     DB_RDONLY, 0);
  EXPECT_EQ(ret, 0) << spec.file << ": " << errors.Take(ret);
  DBC* cursor = nullptr;
  if (ret == 0 && db->cursor(db, nullptr, &cursor, 0) == 0) {
    DBT key, value;
    std::memset(&key, 0, sizeof(key));
    std::memset(&value, 0, sizeof(value));
    while (cursor->get(cursor, &key, &value, DB_NEXT) == 0) {
      std::string k = spec.type == DB_QUEUE
                          ? "key-" + std::to_string(100000 + *static_cast<db_recno_t*>(key.data))
                          : std::string(static_cast<char*>(key.data), key.size);
      std::string v(static_cast<char*>(value.data), value.size);
      if (spec.type == DB_QUEUE) v.resize(v.find_last_not_of(' ') + 1);  // fixed-length records are padded
      out[k] = v;
    }
    cursor->close(cursor);
  }
  db->close(db, 0);
  env->close(env, 0);
  return out;
}

class CompatibilityMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    target_ = tmp_.Sub("restored");
    ASSERT_EQ(::mkdir(home_.c_str(), 0700), 0);
  }
  void Config(const std::string& text) {
    std::ofstream out(home_ + "/DB_CONFIG");
    out << text;
  }
  void Mkdir(const std::string& path) { ASSERT_EQ(::mkdir(path.c_str(), 0700), 0); }

  // hot backup, 100 more records, incremental, restore: all 200 present in every database.
  // extra: flags for every command (--password-file FILE); password: to read the restored copy.
  void ExpectSupported(App* app, const std::vector<DbSpec>& dbs, const std::vector<std::string>& extra = {},
                       const std::string& password = "") {
    auto run = [&](std::vector<std::string> args) {
      args.insert(args.end(), extra.begin(), extra.end());
      return RunBdbackup(args);
    };
    ASSERT_NO_FATAL_FAILURE(app->Commit(1, 100));
    ProcessResult hot = run({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
    ASSERT_EQ(hot.exit_code, 0) << hot.err;
    ExpectEveryDataFileIn(HotBackupDir());
    ASSERT_NO_FATAL_FAILURE(app->Commit(101, 200));
    ProcessResult inc = run({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
    ASSERT_EQ(inc.exit_code, 0) << inc.err;
    app->Close();
    ProcessResult verify = run({"verify", "--repo", repo_});
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
    ProcessResult restore = run({"restore", "--repo", repo_, "--target", target_});
    ASSERT_EQ(restore.exit_code, 0) << restore.err;
    for (const DbSpec& spec : dbs) {
      std::map<std::string, std::string> got = ReadRestored(target_, spec, password);
      EXPECT_EQ(got.size(), 200u) << spec.file << " " << spec.subdb;
      for (int i = 1; i <= 200; ++i) {
        auto it = got.find("key-" + std::to_string(100000 + i));
        ASSERT_NE(it, got.end()) << spec.file << " " << spec.subdb << " record " << i;
        EXPECT_EQ(it->second, Value(i));
      }
    }
  }

  std::string HotBackupDir() {
    for (const auto& e : std::filesystem::directory_iterator(repo_ + "/backups")) {
      if (e.path().string().ends_with("-hot")) return e.path().string();
    }
    return "";
  }

  // Every file of the home (data and log dirs linked from it included) but
  // regions, logs and the registry is in the backup: copied, not merely
  // recreated by recovery from the log.
  void ExpectEveryDataFileIn(const std::string& backup) {
    namespace fs = std::filesystem;
    for (auto it = fs::recursive_directory_iterator(home_, fs::directory_options::follow_directory_symlink);
         it != fs::recursive_directory_iterator(); ++it) {
      if (!it->is_regular_file()) continue;
      const std::string rel = it->path().string().substr(home_.size() + 1);
      const std::string name = it->path().filename().string();
      if (name.starts_with("__db.") || name.starts_with("log.") || name == "__db.register") continue;
      EXPECT_TRUE(fs::exists(backup + "/" + rel)) << rel << " is missing from the hot backup";
    }
  }

  TempDir tmp_;
  std::string home_, repo_, target_;
};

TEST_F(CompatibilityMatrixTest, RelativeDataDirectory) {
  Mkdir(home_ + "/data");
  Config("set_data_dir data\n");
  App app;
  ASSERT_NO_FATAL_FAILURE(app.Open(home_));
  DbSpec db{"a.db", "", DB_BTREE, {}};
  ASSERT_NO_FATAL_FAILURE(app.Create(db));
  ExpectSupported(&app, {db});
  EXPECT_EQ(::access((target_ + "/data/a.db").c_str(), F_OK), 0);
}

TEST_F(CompatibilityMatrixTest, SeveralDataDirectories) {
  Mkdir(home_ + "/d1");
  Mkdir(home_ + "/d2");
  Config("set_data_dir d1\nadd_data_dir d2\n");
  App app;
  ASSERT_NO_FATAL_FAILURE(app.Open(home_));
  DbSpec one{"one.db", "", DB_BTREE, {}}, two{"two.db", "", DB_HASH, {}};
  ASSERT_NO_FATAL_FAILURE(app.Create(one));
  ASSERT_EQ(app.env()->set_create_dir(app.env(), "d2"), 0);
  ASSERT_NO_FATAL_FAILURE(app.Create(two));
  ExpectSupported(&app, {one, two});
  EXPECT_EQ(::access((target_ + "/d2/two.db").c_str(), F_OK), 0);
}

TEST_F(CompatibilityMatrixTest, SubDatabasesAndFilesWithoutDbSuffix) {
  App app;
  ASSERT_NO_FATAL_FAILURE(app.Open(home_));
  DbSpec one{"multi", "one", DB_BTREE, {}}, two{"multi", "two", DB_HASH, {}}, plain{"accounts", "", DB_BTREE, {}};
  ASSERT_NO_FATAL_FAILURE(app.Create(one));
  ASSERT_NO_FATAL_FAILURE(app.Create(two));
  ASSERT_NO_FATAL_FAILURE(app.Create(plain));
  ExpectSupported(&app, {one, two, plain});
}

TEST_F(CompatibilityMatrixTest, QueueWithExtentFiles) {
  App app;
  ASSERT_NO_FATAL_FAILURE(app.Open(home_));
  DbSpec queue{"jobs.q", "", DB_QUEUE, [](DB* db) {
                 db->set_re_len(db, 64);
                 db->set_pagesize(db, 512);
                 db->set_q_extentsize(db, 4);
               }};
  ASSERT_NO_FATAL_FAILURE(app.Create(queue));
  ExpectSupported(&app, {queue});
  EXPECT_EQ(::access((target_ + "/__dbq.jobs.q.1").c_str(), F_OK), 0) << "the extent files are restored";
  int copied = 0;  // copied by the hot backup, not only recreated by recovery from the log
  for (const auto& backup : std::filesystem::directory_iterator(repo_ + "/backups")) {
    if (backup.path().string().ends_with("-hot")) copied += ::access((backup.path() / "__dbq.jobs.q.0").c_str(), F_OK) == 0;
  }
  EXPECT_EQ(copied, 1);
}

TEST_F(CompatibilityMatrixTest, PartitionedDatabase) {
  App app;
  ASSERT_NO_FATAL_FAILURE(app.Open(home_));
  static const std::string split1 = "key-100070", split2 = "key-100140";
  DbSpec parts{"parts.db", "", DB_BTREE, [](DB* db) {
                 static DBT keys[2] = {Dbt(split1.data(), split1.size()), Dbt(split2.data(), split2.size())};
                 ASSERT_EQ(db->set_partition(db, 3, keys, nullptr), 0);
               }};
  ASSERT_NO_FATAL_FAILURE(app.Create(parts));
  ExpectSupported(&app, {parts});
}

TEST_F(CompatibilityMatrixTest, RegisteredEnvironment) {
  App app;
  ASSERT_NO_FATAL_FAILURE(app.Open(home_, DB_REGISTER | DB_RECOVER));
  DbSpec db{"a.db", "", DB_BTREE, {}};
  ASSERT_NO_FATAL_FAILURE(app.Create(db));
  ExpectSupported(&app, {db});
}

// DB_CONFIG naming directories by absolute paths, outside the home and
// inside it: the backup places them relative to its root and carries a
// DB_CONFIG rewritten to those places, so recovery of the restored copy
// never touches the live directories (checked: they are unchanged).
TEST_F(CompatibilityMatrixTest, AbsoluteLogAndDataDirectories) {
  const std::string logs = tmp_.Sub("logs"), data = tmp_.Sub("data"), inner = home_ + "/inner";
  Mkdir(logs);
  Mkdir(data);
  Mkdir(inner);
  Config("set_lg_dir " + logs + "\nset_data_dir " + data + "\nadd_data_dir " + inner + "\n");
  App app;
  ASSERT_NO_FATAL_FAILURE(app.Open(home_));
  DbSpec outside{"a.db", "", DB_BTREE, {}};
  ASSERT_NO_FATAL_FAILURE(app.Create(outside));
  ASSERT_EQ(app.env()->set_create_dir(app.env(), inner.c_str()), 0);
  DbSpec in_home{"q", "", DB_QUEUE, [](DB* db) {
                   db->set_re_len(db, 64);
                   db->set_pagesize(db, 512);
                   db->set_q_extentsize(db, 4);
                 }};
  ASSERT_NO_FATAL_FAILURE(app.Create(in_home));
  ExpectSupported(&app, {outside, in_home});
  EXPECT_EQ(ReadFileContents(target_ + "/DB_CONFIG"),
            "# bdbackup: was set_lg_dir " + logs + "\nset_lg_dir external/log\n# bdbackup: was set_data_dir " + data +
                "\nset_data_dir external/0\n# bdbackup: was add_data_dir " + inner + "\nadd_data_dir inner\n");
  EXPECT_EQ(::access((target_ + "/external/0/a.db").c_str(), F_OK), 0);
  EXPECT_EQ(::access((target_ + "/inner/__dbq.q.0").c_str(), F_OK), 0);
  EXPECT_EQ(::access((target_ + "/external/log/log.0000000001").c_str(), F_OK), 0);
  // The live environment's files are where they were, and it still opens and reads.
  EXPECT_EQ(::access((logs + "/log.0000000001").c_str(), F_OK), 0);
  std::map<std::string, std::string> live = ReadRestored(home_, outside);
  EXPECT_EQ(live.size(), 200u);
}

// An earlier bdbackup kept an absolute log directory's logs at the backup
// root; an incremental on top of such a parent would split the chain's logs.
TEST_F(CompatibilityMatrixTest, IncrementalRefusesAParentWithLogsElsewhere) {
  const std::string logs = tmp_.Sub("logs");
  Mkdir(logs);
  Config("set_lg_dir " + logs + "\n");
  App app;
  ASSERT_NO_FATAL_FAILURE(app.Open(home_));
  ASSERT_NO_FATAL_FAILURE(app.Create(DbSpec{"a.db", "", DB_BTREE, {}}));
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  const std::string manifest = HotBackupDir() + "/manifest.json";
  std::string text = ReadFileContents(manifest);
  const std::string field = "\"log_dir\": \"external/log\"";
  ASSERT_NE(text.find(field), std::string::npos) << text;
  text.replace(text.find(field), field.size(), "\"log_dir\": \"\"");
  std::ofstream(manifest, std::ios::trunc) << text;
  ProcessResult inc = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  EXPECT_EQ(inc.exit_code, 1);
  const std::string id = HotBackupDir().substr(HotBackupDir().rfind('/') + 1);
  EXPECT_EQ(inc.err, ErrorLine("incremental backup of '" + home_ + "' refused: its parent '" + id +
                               "' holds the logs in '', this backup would put them in 'external/log' (DB_CONFIG "
                               "changed, or an earlier bdbackup took the parent); take a hot backup"));
  ProcessResult fallback =
      RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--hot-if-refused"});
  EXPECT_EQ(fallback.exit_code, 0) << fallback.err;
  EXPECT_NE(fallback.out.find("): took a hot backup instead\n"), std::string::npos) << fallback.out;
}

TEST_F(CompatibilityMatrixTest, DataAndLogDirectoriesLinkedFromTheHome) {
  Mkdir(tmp_.Sub("data"));
  Mkdir(tmp_.Sub("logs"));
  ASSERT_EQ(::symlink(tmp_.Sub("data").c_str(), (home_ + "/data").c_str()), 0);
  ASSERT_EQ(::symlink(tmp_.Sub("logs").c_str(), (home_ + "/logs").c_str()), 0);
  Config("set_data_dir data\nset_lg_dir logs\n");
  App app;
  ASSERT_NO_FATAL_FAILURE(app.Open(home_));
  DbSpec db{"a.db", "", DB_BTREE, {}};
  ASSERT_NO_FATAL_FAILURE(app.Create(db));
  ExpectSupported(&app, {db});
  struct stat st;
  ASSERT_EQ(::lstat((target_ + "/logs").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode)) << "restored as a real directory, not a link to the live one";
}

// --- encrypted environments (DB_ENCRYPT_AES) ---

constexpr const char* kPassword = "correct horse battery staple";

void OpenEncrypted(App* app, const std::string& home) {
  app->Open(home, 0, [](DB_ENV* env) { ASSERT_EQ(env->set_encrypt(env, kPassword, DB_ENCRYPT_AES), 0); });
}

DbSpec EncryptedDb() {
  return DbSpec{"secret.db", "", DB_BTREE, [](DB* db) { ASSERT_EQ(db->set_flags(db, DB_ENCRYPT), 0); }};
}

TEST_F(CompatibilityMatrixTest, EncryptedEnvironmentWithPasswordFile) {
  const std::string password_file = tmp_.Sub("password");
  std::ofstream(password_file) << kPassword << "\n";
  App app;
  ASSERT_NO_FATAL_FAILURE(OpenEncrypted(&app, home_));
  ASSERT_NO_FATAL_FAILURE(app.Create(EncryptedDb()));
  ExpectSupported(&app, {EncryptedDb()}, {"--password-file", password_file}, kPassword);
  // Without the password, verify and restore refuse before touching anything.
  const std::string id = HotBackupDir().substr(HotBackupDir().rfind('/') + 1);
  ProcessResult verify = RunBdbackup({"verify", "--repo", repo_});
  EXPECT_EQ(verify.exit_code, 2);
  EXPECT_EQ(verify.err, ErrorLine("backup '" + id + "' is of an encrypted environment: give its password with "
                                  "--password-file FILE or BDBACKUP_PASSWORD"));
  ProcessResult restore = RunBdbackup({"restore", "--repo", repo_, "--target", tmp_.Sub("other")});
  EXPECT_EQ(restore.exit_code, 2);
  EXPECT_EQ(restore.err, verify.err);
  EXPECT_NE(::access(tmp_.Sub("other").c_str(), F_OK), 0);
}

TEST_F(CompatibilityMatrixTest, EncryptedEnvironmentWithPasswordInTheEnvironment) {
  App app;
  ASSERT_NO_FATAL_FAILURE(OpenEncrypted(&app, home_));
  ASSERT_NO_FATAL_FAILURE(app.Create(EncryptedDb()));
  ::setenv("BDBACKUP_PASSWORD", kPassword, 1);
  ExpectSupported(&app, {EncryptedDb()}, {}, kPassword);
  ::unsetenv("BDBACKUP_PASSWORD");
}

TEST_F(CompatibilityMatrixTest, EncryptedEnvironmentWithoutOrWithAWrongPassword) {
  App app;
  ASSERT_NO_FATAL_FAILURE(OpenEncrypted(&app, home_));
  ASSERT_NO_FATAL_FAILURE(app.Create(EncryptedDb()));
  ASSERT_NO_FATAL_FAILURE(app.Commit(1, 10));
  ProcessResult none = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.err, ErrorLine("unable to open environment '" + home_ +
                                "': BDB0174 Encrypted environment: no encryption key supplied; the environment is "
                                "encrypted: give its password with --password-file FILE or BDBACKUP_PASSWORD"));
  const std::string wrong_file = tmp_.Sub("wrong");
  std::ofstream(wrong_file) << "not it\n";
  ProcessResult wrong =
      RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--password-file", wrong_file});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_EQ(wrong.err, ErrorLine("unable to open environment '" + home_ + "': BDB0175 Invalid password"));
  ProcessResult archive = RunBdbackup({"archive", "--home", home_, "--repo", repo_});
  EXPECT_EQ(archive.exit_code, 2) << archive.err;
}

TEST_F(CompatibilityMatrixTest, PasswordForAnEnvironmentThatIsNotEncrypted) {
  App app;
  ASSERT_NO_FATAL_FAILURE(app.Open(home_));
  ASSERT_NO_FATAL_FAILURE(app.Create(DbSpec{"a.db", "", DB_BTREE, {}}));
  const std::string password_file = tmp_.Sub("password");
  std::ofstream(password_file) << kPassword << "\n";
  ProcessResult r =
      RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--password-file", password_file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, ErrorLine("unable to open environment '" + home_ +
                             "': BDB0172 Joining non-encrypted environment with encryption key; the environment is not "
                             "encrypted: drop --password-file and BDBACKUP_PASSWORD"));
}

TEST_F(CompatibilityMatrixTest, PasswordFileErrors) {
  ProcessResult missing = RunBdbackup(
      {"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--password-file", tmp_.Sub("nope")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, ErrorLine("password file '" + tmp_.Sub("nope") + "' does not exist or cannot be read"));
  const std::string empty = tmp_.Sub("empty");
  std::ofstream(empty) << "";
  ProcessResult blank = RunBdbackup({"restore", "--repo", repo_, "--target", target_, "--password-file", empty});
  EXPECT_EQ(blank.exit_code, 2);
  EXPECT_EQ(blank.err, ErrorLine("password file '" + empty + "' is empty"));
  ProcessResult list = RunBdbackup({"list", "--repo", repo_, "--password-file", empty});
  EXPECT_EQ(list.exit_code, 2) << "list opens no environment and takes no password";
}

TEST_F(CompatibilityMatrixTest, InMemoryLogsAreRefused) {
  App app;
  ASSERT_NO_FATAL_FAILURE(app.Open(home_, 0, [](DB_ENV* env) { env->log_set_config(env, DB_LOG_IN_MEMORY, 1); }));
  DbSpec db{"a.db", "", DB_BTREE, {}};
  ASSERT_NO_FATAL_FAILURE(app.Create(db));
  ASSERT_NO_FATAL_FAILURE(app.Commit(1, 20));
  const std::string refusal =
      ErrorLine("environment '" + home_ +
                "' keeps its log in memory (DB_LOG_IN_MEMORY): there are no log files to back up or archive, and "
                "no backup of it could be recovered; configure the application with log files");
  for (const std::string mode : {"hot", "incremental", "cold"}) {
    ProcessResult r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", mode});
    EXPECT_EQ(r.exit_code, 2) << mode;
    if (mode != "incremental") {
      EXPECT_EQ(r.err, refusal) << mode;
    }
  }
  ProcessResult a = RunBdbackup({"archive", "--home", home_, "--repo", repo_});
  EXPECT_EQ(a.exit_code, 2);
  EXPECT_EQ(a.err, refusal);
}

}  // namespace
}  // namespace bdb
