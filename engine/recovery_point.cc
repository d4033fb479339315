#include "engine/recovery_point.h"

#include <db.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "engine/bdb_environment.h"
#include "engine/environment_password.h"

namespace bdb {
namespace {

constexpr uint32_t kRegop = 10, kCommit = 1;  // __txn_regop: opcode@16, timestamp@20 (int32 seconds)

uint32_t U32(const DBT& rec, size_t at) {
  uint32_t v = 0;
  if (at + sizeof(v) <= rec.size) std::memcpy(&v, static_cast<const char*>(rec.data) + at, sizeof(v));
  return v;
}

Status MakeScratch(const std::string& parent, std::string* dir) {
  std::string base = parent;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp && *tmp ? tmp : "/tmp";
  }
  std::string templ = JoinPath(base, "bdbackup-check-XXXXXX");
  if (::mkdtemp(templ.data()) == nullptr)
    return Status::FromErrno(errno, "unable to create scratch directory in '" + base + "'");
  *dir = templ;
  return Status::OK();
}

}  // namespace

Status NewestCommitInLogs(const std::string& log_dir, std::optional<int64_t>* unix_seconds) {
  unix_seconds->reset();
  DB_ENV* env = nullptr;
  int ret = db_env_create(&env, 0);
  if (ret != 0) return Status::IOError("unable to read the logs in '" + log_dir + "': " + db_strerror(ret));
  BdbErrorText errors;
  errors.Attach(env);
  DB_LOGC* cursor = nullptr;
  ret = ApplyEnvironmentPassword(env);
  if (ret == 0) ret = env->open(env, log_dir.c_str(), DB_CREATE | DB_PRIVATE | DB_INIT_LOG, 0);
  if (ret == 0) ret = env->log_cursor(env, &cursor, 0);
  DB_LSN lsn;
  DBT rec;
  std::memset(&rec, 0, sizeof(rec));
  for (uint32_t flag = DB_LAST; ret == 0; flag = DB_PREV) {
    ret = cursor->get(cursor, &lsn, &rec, flag);
    if (ret == 0 && U32(rec, 0) == kRegop && U32(rec, 16) == kCommit) {
      *unix_seconds = static_cast<int32_t>(U32(rec, 20));
      break;
    }
  }
  Status status;
  if (ret != 0 && ret != DB_NOTFOUND)
    status = Status::IOError("unable to read the logs in '" + log_dir + "': " + errors.Take(ret));
  if (cursor != nullptr) cursor->close(cursor, 0);
  env->close(env, 0);
  return status;
}

Status FindRecoveryPoint(const EngineContext& outer, const RestorePlan& plan, const std::string& scratch_parent,
                         std::optional<int64_t>* unix_seconds) {
  unix_seconds->reset();
  EngineContext ctx = outer;
  ctx.progress = NullProgress();  // a few small copies: no progress line
  std::vector<PlannedFile> logs;
  for (const PlannedFile& f : plan.files)
    if (f.kind == "log") logs.push_back(f);
  if (logs.empty()) return Status::OK();
  for (size_t count = 1;; count = std::min(logs.size(), size_t{kMaxLogsSearched})) {
    std::string scratch;
    BDB_RETURN_IF_ERROR(MakeScratch(scratch_parent, &scratch));
    RestorePlan last;
    for (size_t i = logs.size() - count; i < logs.size(); ++i) {
      PlannedFile f = logs[i];
      f.rel = BaseName(f.rel);  // the logs alone, at the top of the scratch directory
      last.files.push_back(f);
    }
    Status s = ExecuteRestorePlan(ctx, last, scratch);
    if (s.ok()) s = NewestCommitInLogs(scratch, unix_seconds);
    RemoveTree(ctx.io, scratch);  // best effort
    BDB_RETURN_IF_ERROR(s);
    if (unix_seconds->has_value() || count >= std::min(logs.size(), size_t{kMaxLogsSearched})) return Status::OK();
  }
}

}  // namespace bdb
