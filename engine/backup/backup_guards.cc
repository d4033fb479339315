// BackupGuards: auto-removal paused and the hot backup announced for a backup.
#include "engine/backup/backup_guards.h"

namespace bdb {

Status BackupGuards::Begin(LiveEnvironment* env, const BackupModeTraits& mode, const Manifest* latest, bool hold,
                           bool announce) {
  env_ = env;
  hold_ = hold && announce;
  const std::string& home = env->layout().home;
  DB_ENV* dbenv = env->env();
  BDB_RETURN_IF_ERROR(AutoRemovalPause::Begin(dbenv, home, &pause_));
  if (!announce) return Status::OK();
  std::string instance;
  BDB_RETURN_IF_ERROR(RegionInstance(dbenv, home, &instance));
  bool announced_before = false;
  BDB_RETURN_IF_ERROR(HotBackupAnnounced(dbenv, &announced_before));
  const bool latest_held = latest != nullptr && !latest->hotbackup_hold.empty();
  inherited_ = latest_held && latest->hotbackup_hold == instance && announced_before;
  if (mode.needs_parent && latest_held && !inherited_) {
    return Status::CheckFailed(
        "incremental backup of '" + home + "' refused: the hot backup announcement kept since backup '" + latest->id +
        "' (--hold-hotbackup) is gone (the environment's regions were rebuilt, e.g. by recovery), so DB_TXN_BULK "
        "transactions since then may have left pages out of the log; take a hot backup (with --hold-hotbackup to "
        "keep incrementals possible)");
  }
  bool bulk_was_active = false;
  BDB_RETURN_IF_ERROR(HotBackupAnnouncement::Announce(dbenv, home, &announcement_, &bulk_was_active));
  if (mode.needs_parent && !inherited_ && bulk_was_active) {
    return Status::CheckFailed(
        "incremental backup of '" + home + "' refused: a DB_TXN_BULK transaction was in progress (BDB checkpointed "
        "to take the hot backup announcement), and bulk transactions do not log inserts on new pages, so the log "
        "cannot rebuild them; take a hot backup with --hold-hotbackup, after which incrementals stay safe");
  }
  if (hold_) hold_instance_ = instance;
  return Status::OK();
}

Status BackupGuards::Published() {
  if (hold_ && !inherited_) {
    announcement_->Keep();  // counted until an incremental without --hold-hotbackup or recovery
    return Status::OK();
  }
  if (!hold_ && inherited_) return WithdrawKeptAnnouncement(env_->env(), env_->layout().home);
  return Status::OK();
}

}  // namespace bdb
