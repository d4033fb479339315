// Recovery and verification of restored environments, through BDB itself, in
// the helper process.
#include "engine/recovery/recovery_work.h"

#include "engine/bdb/environment_password.h"

#include <db.h>

#include <ctime>

#include "engine/bdb/bdb_environment.h"
#include "base/file_io.h"

namespace bdb {
namespace {


constexpr uint32_t kRecoveryFlags =
    DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN | DB_PRIVATE;

// The hook of the call under way; BDB's feedback callbacks carry no user pointer
// we are free to use (app_private holds the BdbErrorText).
const InsideBdbHook* g_hook = nullptr;

void RunHook() {
  if (g_hook != nullptr && *g_hook) (*g_hook)();
}
void EnvFeedback(DB_ENV*, int, int) { RunHook(); }
void DbFeedback(DB*, int, int) { RunHook(); }

// Sets g_hook for the lifetime of the object.
class HookScope {
 public:
  explicit HookScope(const InsideBdbHook& hook) { g_hook = &hook; }
  ~HookScope() { g_hook = nullptr; }
  HookScope(const HookScope&) = delete;
  HookScope& operator=(const HookScope&) = delete;
};

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

}  // namespace

Status RecoverInThisProcess(const std::string& home, RecoveryKind kind, std::optional<int64_t> until,
                            const InsideBdbHook& hook) {
  const std::string what =
      kind == RecoveryKind::kCatastrophic ? "catastrophic recovery failed in" : "normal recovery failed in";
  const uint32_t recover_flag = kind == RecoveryKind::kCatastrophic ? DB_RECOVER_FATAL : DB_RECOVER;
  BDB_RETURN_IF_ERROR(CheckHomeExists(home));
  HookScope scope(hook);
  DB_ENV* env = nullptr;
  int ret = db_env_create(&env, 0);
  if (ret != 0) return Status::IOError(what + " " + Quote(home) + ": " + db_strerror(ret));
  BdbErrorText errors;
  errors.Attach(env);
  ret = env->set_feedback(env, &EnvFeedback);
  if (ret == 0) ret = ApplyEnvironmentPassword(env);
  time_t timestamp = 0;
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

Status VerifyInThisProcess(const std::string& home, const std::vector<std::string>& rel_paths,
                           const std::function<void(const std::string&)>& on_database, const InsideBdbHook& hook) {
  BDB_RETURN_IF_ERROR(CheckHomeExists(home));
  HookScope scope(hook);
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
    if (on_database) on_database(rel);
    DB* db = nullptr;
    ret = db_create(&db, env, 0);
    if (ret == 0) ret = db->set_feedback(db, &DbFeedback);
    if (ret == 0) {
      const std::string path = JoinPath(home, rel);
      ret = db->verify(db, path.c_str(), nullptr, nullptr, 0);  // frees db
    } else if (db != nullptr) {
      db->close(db, 0);
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
