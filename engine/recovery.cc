// Recovery and verification of restored environments, through BDB itself.
#include "engine/recovery.h"

#include <db.h>

#include <ctime>

#include "engine/bdb_environment.h"
#include "engine/environment_password.h"
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
  (void)ApplyEnvironmentPassword(env);
  ret = env->remove(env, home.c_str(), DB_FORCE);  // frees the handle whatever the outcome
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
  ret = ApplyEnvironmentPassword(env);
  if (ret == 0 && until.has_value()) {
    timestamp = static_cast<time_t>(*until);
    ret = env->set_tx_timestamp(env, &timestamp);
  }
  if (ret == 0) ret = env->open(env, home.c_str(), kRecoveryFlags | recover_flag, 0);
  if (ret != 0) {
    std::string why = errors.Take(ret);
    env->close(env, 0);
    return Status::IOError(what + " " + Quote(home) + ": " + why);
  }
  ret = env->close(env, 0);
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
  ret = ApplyEnvironmentPassword(env);
  if (ret == 0) ret = env->open(env, home.c_str(), DB_CREATE | DB_INIT_MPOOL | DB_PRIVATE, 0);
  if (ret != 0) {
    std::string why = errors.Take(ret);
    env->close(env, 0);
    return Status::IOError("unable to open environment " + Quote(home) + ": " + why);
  }
  Status status;
  for (const auto& rel : rel_paths) {
    DB* db = nullptr;
    ret = db_create(&db, env, 0);
    if (ret == 0) {
      const std::string path = JoinPath(home, rel);
      ret = db->verify(db, path.c_str(), nullptr, nullptr, 0);  // frees db
    }
    if (ret != 0) {
      std::string why = errors.Take(ret);
      status = ret == ENOENT ? Status::NotFound("database " + Quote(rel) + " failed verification: " + why)
                             : Status::CheckFailed("database " + Quote(rel) + " failed verification: " + why);
      break;
    }
    errors.Clear();
  }
  env->close(env, 0);
  return status;
}

}  // namespace bdb
