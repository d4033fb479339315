// bench_env: builds and drives the Berkeley DB environments the benchmark
// (tests/bench/run_bench.sh) measures. Not part of the CMake build: the script
// compiles it with g++ against /usr/include/db.h and -ldb-5.3.
//
//   bench_env fill HOME MB        new environment (DB_CONFIG: set_lg_dir log), a btree and a
//                                 hash database with DB_CHKSUM, filled until the database
//                                 files plus logs reach about MB megabytes
//   bench_env fill-text HOME MB   the same with record-like text values (JSON-ish fields drawn
//                                 from a small vocabulary: compressible, as application data often is)
//   bench_env txns HOME N         N committed (synchronous) transactions on an existing one
//   bench_env writer HOME STOP [COUNT]
//                                 commits until the file STOP exists; prints the count; with
//                                 COUNT, keeps the number of commits so far in that file (20
//                                 digits at offset 0, rewritten after each commit, never fsynced)
//                                 so a driver can read the commit rate over any window
//
// Single process, single thread; exits 1 with a message on any BDB error.
#include <db.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

void Check(int rc, const char* what) {
  if (rc != 0) {
    std::fprintf(stderr, "bench_env: %s: %s\n", what, db_strerror(rc));
    std::exit(1);
  }
}

struct Rng {
  uint64_t s;
  uint64_t Next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

// Fills v with n pseudo-random (incompressible) bytes.
void RandomBytes(Rng* rng, size_t n, std::string* v) {
  v->resize(n);
  for (size_t i = 0; i < n; i += 8) {
    uint64_t x = rng->Next();
    std::memcpy(&(*v)[i], &x, std::min<size_t>(8, n - i));
  }
}

// Bytes of database files and logs (the region files __db.NNN excluded).
uint64_t EnvBytes(const std::string& home) {
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(home)) {
    if (!e.is_regular_file()) continue;
    if (e.path().filename().string().rfind("__db.", 0) == 0) continue;
    total += e.file_size();
  }
  return total;
}

struct Env {
  DB_ENV* env = nullptr;
  DB* btree = nullptr;
  DB* hash = nullptr;
  uint64_t keys = 0;  // keys 0..keys-1 exist in both databases
};

void OpenDb(Env* e, DB** db, const char* name, DBTYPE type, bool create) {
  Check(db_create(db, e->env, 0), "db_create");
  Check((*db)->set_flags(*db, DB_CHKSUM), "set_flags DB_CHKSUM");
  Check((*db)->set_pagesize(*db, 4096), "set_pagesize");
  Check((*db)->open(*db, nullptr, name, nullptr, type, DB_AUTO_COMMIT | (create ? DB_CREATE : 0), 0600), name);
}

void OpenEnv(const std::string& home, bool create, Env* e) {
  if (create) {
    fs::create_directories(home + "/log");
    FILE* f = std::fopen((home + "/DB_CONFIG").c_str(), "w");
    if (f == nullptr) {
      std::perror("DB_CONFIG");
      std::exit(1);
    }
    std::fputs("set_lg_dir log\nset_cachesize 0 67108864 1\nset_lg_bsize 4194304\n", f);
    std::fclose(f);
  }
  Check(db_env_create(&e->env, 0), "db_env_create");
  e->env->set_errfile(e->env, stderr);
  Check(e->env->open(e->env, home.c_str(),
                     DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_THREAD, 0600),
        "DB_ENV->open");
  OpenDb(e, &e->btree, "btree.db", DB_BTREE, create);
  OpenDb(e, &e->hash, "hash.db", DB_HASH, create);
}

void CloseEnv(Env* e) {
  Check(e->env->txn_checkpoint(e->env, 0, 0, 0), "txn_checkpoint");
  Check(e->btree->close(e->btree, 0), "close btree");
  Check(e->hash->close(e->hash, 0), "close hash");
  Check(e->env->close(e->env, 0), "DB_ENV->close");
}

void Put(DB* db, DB_TXN* txn, uint64_t key, const std::string& value) {
  char kbuf[16];
  std::snprintf(kbuf, sizeof kbuf, "%012llu", static_cast<unsigned long long>(key));
  DBT k{}, v{};
  k.data = kbuf;
  k.size = 12;
  v.data = const_cast<char*>(value.data());
  v.size = static_cast<u_int32_t>(value.size());
  Check(db->put(db, txn, &k, &v, 0), "DB->put");
}

// Counts the keys by reading the last btree key (keys are dense from 0).
uint64_t CountKeys(Env* e) {
  DBC* c = nullptr;
  Check(e->btree->cursor(e->btree, nullptr, &c, 0), "cursor");
  DBT k{}, v{};
  int rc = c->get(c, &k, &v, DB_LAST);
  uint64_t n = 0;
  if (rc == 0) n = std::strtoull(std::string(static_cast<char*>(k.data), k.size).c_str(), nullptr, 10) + 1;
  c->close(c);
  return n;
}

// A record-like value of about n bytes: "field":"word" pairs from small vocabularies.
void TextBytes(Rng* rng, size_t n, std::string* out) {
  static const char* const kFields[] = {"name", "city", "status", "email", "plan", "note", "country", "tag"};
  static const char* const kWords[] = {"alpha", "berlin", "active", "example.org", "premium", "renewal", "paris",
                                       "suspended", "basic", "lisbon", "pending", "trial", "oslo", "closed"};
  out->clear();
  out->push_back('{');
  while (out->size() < n) {
    *out += "\"";
    *out += kFields[rng->Next() % 8];
    *out += "\":\"";
    *out += kWords[rng->Next() % 14];
    *out += std::to_string(rng->Next() % 1000);
    *out += "\",";
  }
  out->back() = '}';
}

int Fill(const std::string& home, uint64_t mb, bool text) {
  Env e;
  OpenEnv(home, true, &e);
  // Bulk load without a log flush per commit; the logs are still written in full.
  Check(e.env->set_flags(e.env, DB_TXN_WRITE_NOSYNC, 1), "set_flags DB_TXN_WRITE_NOSYNC");
  Rng rng{0x9E3779B97F4A7C15ull};
  std::string value;
  const uint64_t target = mb << 20;
  uint64_t txns = 0;
  while (true) {
    DB_TXN* txn = nullptr;
    Check(e.env->txn_begin(e.env, nullptr, &txn, 0), "txn_begin");
    for (int i = 0; i < 50; ++i) {
      const size_t a = 200 + rng.Next() % 1600, b = 200 + rng.Next() % 1600;
      text ? TextBytes(&rng, a, &value) : RandomBytes(&rng, a, &value);
      Put(e.btree, txn, e.keys, value);
      text ? TextBytes(&rng, b, &value) : RandomBytes(&rng, b, &value);
      Put(e.hash, txn, e.keys, value);
      ++e.keys;
    }
    Check(txn->commit(txn, 0), "commit");
    if (++txns % 20 == 0) {
      Check(e.env->txn_checkpoint(e.env, 0, 0, 0), "txn_checkpoint");
      if (EnvBytes(home) >= target) break;
    }
  }
  Check(e.env->log_flush(e.env, nullptr), "log_flush");
  CloseEnv(&e);
  std::printf("filled %s: %llu keys per database, %llu txns, %.1f MiB\n", home.c_str(),
              static_cast<unsigned long long>(e.keys), static_cast<unsigned long long>(txns),
              EnvBytes(home) / 1048576.0);
  return 0;
}

// One update transaction: 2 btree and 2 hash records rewritten with ~1 KiB values.
void UpdateTxn(Env* e, Rng* rng, std::string* value) {
  DB_TXN* txn = nullptr;
  Check(e->env->txn_begin(e->env, nullptr, &txn, 0), "txn_begin");
  for (int i = 0; i < 2; ++i) {
    RandomBytes(rng, 512 + rng->Next() % 1024, value);
    Put(e->btree, txn, rng->Next() % e->keys, *value);
    RandomBytes(rng, 512 + rng->Next() % 1024, value);
    Put(e->hash, txn, rng->Next() % e->keys, *value);
  }
  Check(txn->commit(txn, 0), "commit");
}

int Txns(const std::string& home, uint64_t n, const std::string& stop_file, const std::string& count_file = "") {
  Env e;
  OpenEnv(home, false, &e);
  e.keys = CountKeys(&e);
  if (e.keys == 0) {
    std::fprintf(stderr, "bench_env: no keys in '%s'\n", home.c_str());
    return 1;
  }
  Rng rng{static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) | 1};
  std::string value;
  auto start = std::chrono::steady_clock::now();
  uint64_t done = 0;
  struct stat st;
  const int count_fd = count_file.empty() ? -1 : ::open(count_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!count_file.empty() && count_fd < 0) {
    std::fprintf(stderr, "bench_env: cannot create '%s'\n", count_file.c_str());
    return 1;
  }
  while (stop_file.empty() ? done < n : ::stat(stop_file.c_str(), &st) != 0) {
    UpdateTxn(&e, &rng, &value);
    ++done;
    if (count_fd >= 0) {
      char digits[21];
      std::snprintf(digits, sizeof(digits), "%020llu", static_cast<unsigned long long>(done));
      if (::pwrite(count_fd, digits, 20, 0) != 20) Check(EIO, "pwrite of the count file");
    }
    if (done % 500 == 0) Check(e.env->txn_checkpoint(e.env, 0, 0, 0), "txn_checkpoint");
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (count_fd >= 0) ::close(count_fd);
  CloseEnv(&e);
  std::printf("committed %llu txns in %.2f s\n", static_cast<unsigned long long>(done), secs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "fill") == 0) return Fill(argv[2], std::strtoull(argv[3], nullptr, 10), false);
  if (argc == 4 && std::strcmp(argv[1], "fill-text") == 0)
    return Fill(argv[2], std::strtoull(argv[3], nullptr, 10), true);
  if (argc == 4 && std::strcmp(argv[1], "txns") == 0) return Txns(argv[2], std::strtoull(argv[3], nullptr, 10), "");
  if (argc == 4 && std::strcmp(argv[1], "writer") == 0) return Txns(argv[2], 0, argv[3]);
  if (argc == 5 && std::strcmp(argv[1], "writer") == 0) return Txns(argv[2], 0, argv[3], argv[4]);
  std::fprintf(stderr, "usage: bench_env fill HOME MB | fill-text HOME MB | txns HOME N | writer HOME STOPFILE [COUNTFILE]\n");
  return 2;
}
