// The application side of bulk_residual.sh: writes and reads the btree b.db
// of a transactional environment.
//   plain HOME FIRST N VALSIZE [STRIDE]
//                                one ordinary transaction, keys k<FIRST + i * STRIDE> (STRIDE 1)
//   bulk HOME SEED N VALSIZE     one DB_TXN_BULK transaction of N random keys (rand() seeded by SEED)
//   rand HOME SEED N VALSIZE     N ordinary transactions of one random key each
//   dump HOME                    prints "n=<records> sum=<checksum of keys and values>"
// Compiled by the script (g++ ... -ldb-5.3), not by CMake.
#include <db.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int Fail(const char* what, int ret) {
  std::fprintf(stderr, "%s: %s\n", what, db_strerror(ret));
  return 1;
}

DBT Dbt(const std::string& s) {
  DBT d;
  std::memset(&d, 0, sizeof(d));
  d.data = const_cast<char*>(s.data());
  d.size = static_cast<uint32_t>(s.size());
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const std::string mode = argv[1];
  DB_ENV* env = nullptr;
  DB* db = nullptr;
  int ret = db_env_create(&env, 0);
  if (ret == 0) ret = env->open(env, argv[2], DB_CREATE | DB_INIT_MPOOL | DB_INIT_LOG | DB_INIT_TXN | DB_INIT_LOCK, 0);
  if (ret != 0) return Fail("env open", ret);
  if ((ret = db_create(&db, env, 0)) != 0 ||
      (ret = db->open(db, nullptr, "b.db", nullptr, DB_BTREE, DB_CREATE | DB_AUTO_COMMIT, 0644)) != 0)
    return Fail("db open", ret);
  if (mode == "dump") {
    DBC* c = nullptr;
    DBT k, v;
    std::memset(&k, 0, sizeof(k));
    std::memset(&v, 0, sizeof(v));
    unsigned long n = 0, sum = 0;
    db->cursor(db, nullptr, &c, 0);
    while ((ret = c->get(c, &k, &v, DB_NEXT)) == 0) {
      ++n;
      for (uint32_t i = 0; i < k.size; ++i) sum = sum * 31 + static_cast<unsigned char*>(k.data)[i];
      for (uint32_t i = 0; i < v.size; ++i) sum = sum * 31 + static_cast<unsigned char*>(v.data)[i];
    }
    c->close(c);
    std::printf("n=%lu sum=%lx\n", n, sum);
  } else {
    if (argc != 6 && argc != 7) return 2;
    const int stride = argc == 7 ? std::atoi(argv[6]) : 1;
    const int first = std::atoi(argv[3]), n = std::atoi(argv[4]), value_bytes = std::atoi(argv[5]);
    const bool bulk = mode == "bulk", random = bulk || mode == "rand", one_each = mode == "rand";
    DB_TXN* txn = nullptr;
    std::srand(static_cast<unsigned>(first));
    for (int i = 0; i < n; ++i) {
      if (txn == nullptr && (ret = env->txn_begin(env, nullptr, &txn, bulk ? DB_TXN_BULK : 0)) != 0)
        return Fail("txn_begin", ret);
      char key[32];
      std::snprintf(key, sizeof(key), "k%08d", random ? std::rand() % 100000000 : first + i * stride);
      std::string k = key, v(static_cast<size_t>(value_bytes), static_cast<char>('a' + i % 26));
      DBT kd = Dbt(k), vd = Dbt(v);
      if ((ret = db->put(db, txn, &kd, &vd, 0)) != 0) return Fail("put", ret);
      if (one_each || i == n - 1) {
        if ((ret = txn->commit(txn, 0)) != 0) return Fail("commit", ret);
        txn = nullptr;
      }
    }
  }
  db->close(db, 0);
  env->close(env, 0);
  return 0;
}
