// HotBackupAnnouncement: DB_HOTBACKUP_IN_PROGRESS for the duration of a backup.
#include "engine/bdb/hotbackup_announcement.h"

#include <stdlib.h>

#include <sstream>

#include "engine/bdb/bdb_environment.h"

namespace bdb {
namespace {

// BDB's words for a failed call (LiveEnvironment attaches a BdbErrorText as app_private).
std::string Why(DB_ENV* env, int ret) {
  auto* errors = static_cast<BdbErrorText*>(env->app_private);
  return errors != nullptr ? errors->Take(ret) : db_strerror(ret);
}

void ClearErrors(DB_ENV* env) {
  if (auto* errors = static_cast<BdbErrorText*>(env->app_private)) errors->Clear();
}

Status LastCheckpoint(DB_ENV* env, const std::string& home, DB_LSN* lsn) {
  DB_TXN_STAT* stat = nullptr;
  ClearErrors(env);
  int ret = env->txn_stat(env, &stat, 0);
  if (ret != 0) return Status::IOError("unable to read the transaction statistics of '" + home + "': " + Why(env, ret));
  *lsn = stat->st_last_ckp;
  ::free(stat);
  return Status::OK();
}

Status SetAnnounced(DB_ENV* env, const std::string& home, int on) {
  ClearErrors(env);
  int ret = env->set_flags(env, DB_HOTBACKUP_IN_PROGRESS, on);
  if (ret != 0) {
    return Status::IOError(std::string("unable to ") + (on ? "announce" : "withdraw") + " the hot backup of '" + home +
                           "' (DB_HOTBACKUP_IN_PROGRESS): " + Why(env, ret));
  }
  return Status::OK();
}

}  // namespace

Status HotBackupAnnouncement::Announce(DB_ENV* env, const std::string& home,
                                       std::unique_ptr<HotBackupAnnouncement>* out, bool* bulk_was_active) {
  DB_LSN before, after;
  BDB_RETURN_IF_ERROR(LastCheckpoint(env, home, &before));
  BDB_RETURN_IF_ERROR(SetAnnounced(env, home, 1));
  out->reset(new HotBackupAnnouncement(env, home));
  BDB_RETURN_IF_ERROR(LastCheckpoint(env, home, &after));
  *bulk_was_active = log_compare(&before, &after) != 0;
  return Status::OK();
}

HotBackupAnnouncement::~HotBackupAnnouncement() {
  if (!kept_) (void)Withdraw();  // best effort: a failure leaves the count high, which only disables bulk loading
}

Status HotBackupAnnouncement::Withdraw() {
  if (withdrawn_ || kept_) return Status::OK();
  withdrawn_ = true;
  return SetAnnounced(env_, home_, 0);
}

Status HotBackupAnnounced(DB_ENV* env, bool* announced) {
  uint32_t flags = 0;
  int ret = env->get_flags(env, &flags);
  if (ret != 0) return Status::IOError(std::string("unable to read the environment flags: ") + Why(env, ret));
  *announced = (flags & DB_HOTBACKUP_IN_PROGRESS) != 0;
  return Status::OK();
}

Status WithdrawKeptAnnouncement(DB_ENV* env, const std::string& home) { return SetAnnounced(env, home, 0); }

Status RegionInstance(DB_ENV* env, const std::string& home, std::string* instance) {
  static thread_local std::string* sink = nullptr;
  std::string output;
  sink = &output;
  env->set_msgcall(env, [](const DB_ENV*, const char* msg) {
    if (sink != nullptr && msg != nullptr) sink->append(msg).append("\n");
  });
  ClearErrors(env);
  int ret = env->stat_print(env, 0);
  env->set_msgcall(env, nullptr);
  sink = nullptr;
  if (ret != 0) return Status::IOError("unable to read the region statistics of '" + home + "': " + Why(env, ret));
  std::string id, created;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const std::string name = line.substr(tab + 1), value = line.substr(0, tab);
    if (name == "Environment ID") id = value;
    if (name == "Creation time") created = value;
  }
  if (id.empty() || created.empty()) {
    return Status::IOError("unable to read the region statistics of '" + home +
                           "': stat_print printed no Environment ID or Creation time");
  }
  *instance = id + "@" + created;
  return Status::OK();
}

}  // namespace bdb
