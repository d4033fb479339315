// Recovery and verification of restored environments, through BDB itself.
#include "engine/recovery.h"

#include <db.h>

#include <ctime>

#include "engine/bdb_call.h"
#include "engine/bdb_environment.h"
#include "engine/file_io.h"

namespace bdb {
namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }

constexpr uint32_t kRecoveryFlags =
    DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN | DB_PRIVATE;

// Removes the __db.* region files of home (a closed environment): DB_ENV->remove
// with DB_FORCE, which honours DB_CONFIG and leaves databases and logs alone.
Status RemoveRegionFiles(const std::string& home, const std::string& what) {
  DB_ENV* env = nullptr;
  int ret = db_env_create(&env, 0);
  if (ret != 0) return Status::IOError(what + " " + Quote(home) + ": " + db_strerror(ret));
  BdbErrorText errors;
  errors.Attach(env);
  BDB_RETURN_IF_ERROR(WatchedBdbCall({"DB_ENV->remove", home, false},
                                     [&] { return env->remove(env, home.c_str(), DB_FORCE); }, &ret));  // frees env
  if (ret != 0) return Status::IOError(what + " " + Quote(home) + ": unable to remove region files: " + errors.Take(ret));
  return Status::OK();
}

// NotFound "environment home '<dir>' does not exist" unless home is a directory
// (BDB would otherwise create a private environment out of nothing).
Status CheckHomeExists(const std::string& home) {
  FileInfo info;
  BDB_RETURN_IF_ERROR(DefaultFileIO()->Stat(home, &info));
  if (!info.exists || !info.is_dir) return Status::NotFound("environment home " + Quote(home) + " does not exist");
  return Status::OK();
}

Status Recover(const std::string& home, uint32_t recover_flag, std::optional<int64_t> until,
               const std::string& what) {
  BDB_RETURN_IF_ERROR(CheckHomeExists(home));
  DB_ENV* env = nullptr;
  int ret = db_env_create(&env, 0);
  if (ret != 0) return Status::IOError(what + " " + Quote(home) + ": " + db_strerror(ret));
  BdbErrorText errors;
  errors.Attach(env);
  time_t timestamp = 0;
  if (until.has_value()) {
    timestamp = static_cast<time_t>(*until);
    ret = env->set_tx_timestamp(env, &timestamp);
  }
  const char* call = recover_flag == DB_RECOVER_FATAL ? "DB_ENV->open with DB_RECOVER_FATAL" : "DB_ENV->open with DB_RECOVER";
  Status called = Status::OK();
  if (ret == 0)
    called = WatchedBdbCall({call, home, false},
                            [&] { return env->open(env, home.c_str(), kRecoveryFlags | recover_flag, 0); }, &ret);
  if (!called.ok() || ret != 0) {
    std::string why = errors.Take(ret);
    int ignored = 0;
    WatchedBdbCall({"DB_ENV->close", home, false}, [&] { return env->close(env, 0); }, &ignored);
    if (!called.ok()) return called;
    return Status::IOError(what + " " + Quote(home) + ": " + why);
  }
  BDB_RETURN_IF_ERROR(WatchedBdbCall({"DB_ENV->close", home, false}, [&] { return env->close(env, 0); }, &ret));
  if (ret != 0) return Status::IOError(what + " " + Quote(home) + ": " + errors.Take(ret));
  return RemoveRegionFiles(home, what);
}

}  // namespace

Status RecoverCatastrophic(const std::string& home, std::optional<int64_t> until_unix_seconds) {
  return Recover(home, DB_RECOVER_FATAL, until_unix_seconds, "catastrophic recovery failed in");
}

Status RecoverNormal(const std::string& home) {
  return Recover(home, DB_RECOVER, std::nullopt, "normal recovery failed in");
}

Status VerifyDatabases(const std::string& home, const std::vector<std::string>& rel_paths) {
  BDB_RETURN_IF_ERROR(CheckHomeExists(home));
  DB_ENV* env = nullptr;
  int ret = db_env_create(&env, 0);
  if (ret != 0) return Status::IOError("unable to open environment " + Quote(home) + ": " + db_strerror(ret));
  BdbErrorText errors;
  errors.Attach(env);
  Status called = WatchedBdbCall({"DB_ENV->open", home, false},
                                 [&] { return env->open(env, home.c_str(), DB_CREATE | DB_INIT_MPOOL | DB_PRIVATE, 0); },
                                 &ret);
  int ignored = 0;
  if (!called.ok() || ret != 0) {
    std::string why = errors.Take(ret);
    WatchedBdbCall({"DB_ENV->close", home, false}, [&] { return env->close(env, 0); }, &ignored);
    if (!called.ok()) return called;
    return Status::IOError("unable to open environment " + Quote(home) + ": " + why);
  }
  Status status;
  for (const auto& rel : rel_paths) {
    DB* db = nullptr;
    ret = db_create(&db, env, 0);
    if (ret == 0) {
      const std::string path = JoinPath(home, rel);
      status = WatchedBdbCall({"DB->verify of '" + rel + "'", home, false},
                              [&] { return db->verify(db, path.c_str(), nullptr, nullptr, 0); }, &ret);  // frees db
      if (!status.ok()) break;
    }
    if (ret != 0) {
      std::string why = errors.Take(ret);
      status = ret == ENOENT ? Status::NotFound("database " + Quote(rel) + " failed verification: " + why)
                             : Status::CheckFailed("database " + Quote(rel) + " failed verification: " + why);
      break;
    }
    errors.Clear();
  }
  WatchedBdbCall({"DB_ENV->close", home, false}, [&] { return env->close(env, 0); }, &ignored);
  return status;
}

}  // namespace bdb
