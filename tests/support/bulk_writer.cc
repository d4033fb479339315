#include "tests/support/bulk_writer.h"

#include <db.h>

#include <cstdio>
#include <cstring>

namespace bdb {

Status CommitBulkRecords(const std::string& home, const std::string& db_file, int first, int n) {
  DB_ENV* env = nullptr;
  int ret = db_env_create(&env, 0);
  if (ret != 0) return Status::IOError(std::string("db_env_create: ") + db_strerror(ret));
  ret = env->open(env, home.c_str(), DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN, 0);
  DB* db = nullptr;
  if (ret == 0) ret = db_create(&db, env, 0);
  if (ret == 0) ret = db->open(db, nullptr, db_file.c_str(), nullptr, DB_BTREE, DB_CREATE | DB_AUTO_COMMIT, 0600);
  for (int i = 0; ret == 0 && i < n; i += 1000) {
    DB_TXN* txn = nullptr;
    ret = env->txn_begin(env, nullptr, &txn, DB_TXN_BULK);
    for (int k = i; ret == 0 && k < i + 1000 && k < n; ++k) {
      char key_buf[32];
      char value_buf[200];
      std::snprintf(key_buf, sizeof key_buf, "bulk-%09d", first + k);
      std::memset(value_buf, 'v', sizeof value_buf);
      DBT key{}, value{};
      key.data = key_buf;
      key.size = static_cast<uint32_t>(std::strlen(key_buf));
      value.data = value_buf;
      value.size = sizeof value_buf;
      ret = db->put(db, txn, &key, &value, 0);
    }
    if (txn != nullptr) {
      if (ret == 0) {
        ret = txn->commit(txn, 0);
      } else {
        txn->abort(txn);
      }
    }
  }
  const int failed = ret;
  if (db != nullptr) db->close(db, 0);
  env->close(env, 0);
  if (failed != 0) return Status::IOError("bulk insert into '" + home + "/" + db_file + "': " + db_strerror(failed));
  return Status::OK();
}

}  // namespace bdb
