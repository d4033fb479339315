// Temporary directories, test environments and the deterministic test writer.
#include "tests/support/test_env.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace bdb {
namespace {


Status MakeDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::IOError("unable to create directory " + Quote(path) + ": " + ec.message());
  return Status::OK();
}

Status OpenDatabase(DB_ENV* env, DB_TXN* txn, const char* file, DBTYPE type, uint32_t page_size, bool checksums,
                    uint32_t open_flags, DB** out, BdbErrorText* errors) {
  DB* db = nullptr;
  int ret = db_create(&db, env, 0);
  if (ret == 0 && page_size != 0 && (open_flags & DB_CREATE)) ret = db->set_pagesize(db, page_size);
  if (ret == 0 && checksums) ret = db->set_flags(db, DB_CHKSUM);
  if (ret == 0) ret = db->open(db, txn, file, nullptr, type, open_flags, 0644);
  if (ret != 0) {
    if (db != nullptr) db->close(db, 0);
    return Status::IOError("unable to open database " + Quote(file) + ": " + errors->Take(ret));
  }
  *out = db;
  return Status::OK();
}

Status ReadEverything(DB* db, std::map<std::string, std::string>* out) {
  out->clear();
  DBC* cursor = nullptr;
  int ret = db->cursor(db, nullptr, &cursor, 0);
  if (ret != 0) return Status::IOError(std::string("unable to open cursor: ") + db_strerror(ret));
  DBT key, value;
  std::memset(&key, 0, sizeof(key));
  std::memset(&value, 0, sizeof(value));
  while ((ret = cursor->get(cursor, &key, &value, DB_NEXT)) == 0) {
    (*out)[std::string(static_cast<char*>(key.data), key.size)] =
        std::string(static_cast<char*>(value.data), value.size);
  }
  cursor->close(cursor);
  if (ret != DB_NOTFOUND) return Status::IOError(std::string("unable to read database: ") + db_strerror(ret));
  return Status::OK();
}

constexpr uint32_t kEnvFlags =
    DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN | DB_THREAD;

}  // namespace

// --- TempDir ---

TempDir::TempDir(const std::string& prefix) {
  std::string templ = "/tmp/" + prefix + ".XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  path_ = templ;
}

TempDir::~TempDir() {
  if (std::getenv("BDBACKUP_KEEP_TEMP") != nullptr) {
    std::fprintf(stderr, "keeping %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFileContents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// --- test environments ---

std::string TestKey(uint64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key-%010llu", static_cast<unsigned long long>(id));
  return buf;
}

std::string TestValue(uint64_t id) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "value-%010llu-", static_cast<unsigned long long>(id));
  std::string v = buf;
  v.append(static_cast<size_t>(id % 97), static_cast<char>('a' + id % 26));  // varying lengths
  return v;
}

Status CreateTestEnvironment(const std::string& home, const TestEnvOptions& opts) {
  BDB_RETURN_IF_ERROR(MakeDir(home));
  std::string config;
  if (!opts.lg_dir.empty()) {
    BDB_RETURN_IF_ERROR(MakeDir(JoinPath(home, opts.lg_dir)));
    config += "set_lg_dir " + opts.lg_dir + "\n";
  }
  if (!opts.data_dir.empty()) {
    BDB_RETURN_IF_ERROR(MakeDir(JoinPath(home, opts.data_dir)));
    config += "set_data_dir " + opts.data_dir + "\n";
  }
  if (opts.log_file_bytes != 0) config += "set_lg_max " + std::to_string(opts.log_file_bytes) + "\n";
  if (opts.cache_bytes != 0) config += "set_cachesize 0 " + std::to_string(opts.cache_bytes) + " 1\n";
  {
    std::ofstream out(JoinPath(home, "DB_CONFIG"));
    out << config;
    if (!out) return Status::IOError("unable to write " + Quote(JoinPath(home, "DB_CONFIG")));
  }
  DB_ENV* env = nullptr;
  int ret = db_env_create(&env, 0);
  if (ret != 0) return Status::IOError(std::string("db_env_create: ") + db_strerror(ret));
  BdbErrorText errors;
  errors.Attach(env);
  ret = env->open(env, home.c_str(), kEnvFlags, 0);
  if (ret != 0) {
    std::string why = errors.Take(ret);
    env->close(env, 0);
    return Status::IOError("unable to create environment " + Quote(home) + ": " + why);
  }
  Status status;
  DB_TXN* txn = nullptr;
  ret = env->txn_begin(env, nullptr, &txn, 0);
  if (ret != 0) status = Status::IOError("txn_begin: " + errors.Take(ret));
  DB* a = nullptr;
  DB* b = nullptr;
  if (status.ok()) {
    status = OpenDatabase(env, txn, kBtreeDb, DB_BTREE, opts.page_size, opts.checksums, DB_CREATE, &a, &errors);
  }
  if (status.ok()) {
    status = OpenDatabase(env, txn, kHashDb, DB_HASH, opts.page_size, opts.checksums, DB_CREATE, &b, &errors);
  }
  if (txn != nullptr) {
    ret = status.ok() ? txn->commit(txn, 0) : txn->abort(txn);
    if (ret != 0 && status.ok()) status = Status::IOError("commit: " + errors.Take(ret));
  }
  if (a != nullptr) a->close(a, 0);
  if (b != nullptr) b->close(b, 0);
  if (status.ok()) {
    ret = env->txn_checkpoint(env, 0, 0, DB_FORCE);
    if (ret != 0) status = Status::IOError("checkpoint: " + errors.Take(ret));
  }
  env->close(env, 0);
  return status;
}

Status ReadDatabase(const std::string& home, const std::string& db_file, std::map<std::string, std::string>* out) {
  DB_ENV* env = nullptr;
  int ret = db_env_create(&env, 0);
  if (ret != 0) return Status::IOError(std::string("db_env_create: ") + db_strerror(ret));
  BdbErrorText errors;
  errors.Attach(env);
  ret = env->open(env, home.c_str(), DB_CREATE | DB_INIT_MPOOL | DB_PRIVATE, 0);
  if (ret != 0) {
    std::string why = errors.Take(ret);
    env->close(env, 0);
    return Status::IOError("unable to open environment " + Quote(home) + ": " + why);
  }
  DB* db = nullptr;
  Status status = OpenDatabase(env, nullptr, db_file.c_str(), DB_UNKNOWN, 0, false, DB_RDONLY, &db, &errors);
  if (status.ok()) {
    status = ReadEverything(db, out);
    db->close(db, 0);
  }
  env->close(env, 0);
  return status;
}

// --- TestWriter ---

TestWriter::~TestWriter() {
  StopBackground();
  if (a_ != nullptr) a_->close(a_, 0);
  if (b_ != nullptr) b_->close(b_, 0);
  if (env_ != nullptr) env_->close(env_, 0);
}

Status TestWriter::Open(const std::string& home, std::unique_ptr<TestWriter>* out) {
  std::unique_ptr<TestWriter> w(new TestWriter());
  int ret = db_env_create(&w->env_, 0);
  if (ret != 0) return Status::IOError(std::string("db_env_create: ") + db_strerror(ret));
  w->errors_.Attach(w->env_);
  ret = w->env_->set_lk_detect(w->env_, DB_LOCK_DEFAULT);
  if (ret == 0) ret = w->env_->open(w->env_, home.c_str(), kEnvFlags, 0);
  if (ret != 0) {
    std::string why = w->errors_.Take(ret);
    w->env_->close(w->env_, 0);
    w->env_ = nullptr;
    return Status::IOError("unable to open environment " + Quote(home) + ": " + why);
  }
  const uint32_t flags = DB_AUTO_COMMIT | DB_THREAD;
  BDB_RETURN_IF_ERROR(OpenDatabase(w->env_, nullptr, kBtreeDb, DB_BTREE, 0, false, flags, &w->a_, &w->errors_));
  BDB_RETURN_IF_ERROR(OpenDatabase(w->env_, nullptr, kHashDb, DB_HASH, 0, false, flags, &w->b_, &w->errors_));
  *out = std::move(w);
  return Status::OK();
}

Status TestWriter::WriteOne(bool commit) {
  const uint64_t id = next_id_.fetch_add(1);
  const std::string key = TestKey(id);
  const std::string value = TestValue(id);
  for (int attempt = 0; attempt < 100; ++attempt) {
    DB_TXN* txn = nullptr;
    int ret = env_->txn_begin(env_, nullptr, &txn, 0);
    if (ret != 0) return Status::IOError("txn_begin: " + errors_.Take(ret));
    DBT k = StringDbt(key), v = StringDbt(value);
    ret = a_->put(a_, txn, &k, &v, 0);
    if (ret == 0) ret = b_->put(b_, txn, &k, &v, 0);
    if (ret == DB_LOCK_DEADLOCK) {
      txn->abort(txn);
      continue;
    }
    if (ret != 0 || !commit) {
      txn->abort(txn);
      if (ret != 0) return Status::IOError("put " + Quote(key) + ": " + errors_.Take(ret));
      return Status::OK();
    }
    ret = txn->commit(txn, 0);
    if (ret != 0) return Status::IOError("commit " + Quote(key) + ": " + errors_.Take(ret));
    std::lock_guard<std::mutex> lock(mu_);
    acked_.push_back({id, key, std::chrono::system_clock::now()});
    return Status::OK();
  }
  return Status::IOError("put " + Quote(key) + ": deadlocked 100 times");
}

Status TestWriter::Commit(int n) {
  for (int i = 0; i < n; ++i) BDB_RETURN_IF_ERROR(WriteOne(true));
  return Status::OK();
}

Status CommitMore(const std::string& home, int n, uint64_t* used_ids, std::vector<uint64_t>* acked) {
  std::unique_ptr<TestWriter> writer;
  BDB_RETURN_IF_ERROR(TestWriter::Open(home, &writer));
  if (*used_ids > 0) BDB_RETURN_IF_ERROR(writer->Abort(static_cast<int>(*used_ids)));
  BDB_RETURN_IF_ERROR(writer->Commit(n));
  for (const auto& c : writer->acked()) acked->push_back(c.id);
  *used_ids += static_cast<uint64_t>(n);
  return Status::OK();
}

Status TestWriter::Abort(int n) {
  for (int i = 0; i < n; ++i) BDB_RETURN_IF_ERROR(WriteOne(false));
  return Status::OK();
}

Status TestWriter::Checkpoint() {
  int ret = env_->txn_checkpoint(env_, 0, 0, DB_FORCE);
  if (ret != 0) return Status::IOError("checkpoint: " + errors_.Take(ret));
  return Status::OK();
}

Status TestWriter::ReadAll(std::map<std::string, std::string>* a, std::map<std::string, std::string>* b) {
  BDB_RETURN_IF_ERROR(ReadEverything(a_, a));
  return ReadEverything(b_, b);
}

void TestWriter::StartBackground(std::chrono::microseconds pause) {
  stop_ = false;
  background_ = std::thread([this, pause] {
    while (!stop_) {
      Status s = WriteOne(true);
      if (!s.ok()) {
        background_status_ = s;
        return;
      }
      std::this_thread::sleep_for(pause);
    }
  });
}

Status TestWriter::StopBackground() {
  stop_ = true;
  if (background_.joinable()) background_.join();
  return background_status_;
}

std::vector<AckedCommit> TestWriter::acked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acked_;
}

}  // namespace bdb
