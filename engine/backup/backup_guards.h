// BackupGuards: what a hot or incremental backup holds on the live
// environment while it copies: auto-removal paused and the hot backup
// announced. Refuses an incremental whose parent's kept announcement
// (--hold-hotbackup) is gone, or that finds a bulk transaction in progress.
// Thread-safety: one thread at a time, like the DB_ENV it uses.
#pragma once

#include <memory>
#include <string>

#include "engine/backup/backup_mode.h"
#include "engine/bdb/bdb_environment.h"
#include "engine/bdb/hotbackup_announcement.h"
#include "engine/bdb/log_autoremove.h"
#include "engine/repository/manifest.h"

namespace bdb {

class BackupGuards {
 public:
  // mode: one that announces (hot, incremental); latest: the repository's
  // latest backup (an incremental's parent), or null. CheckFailed when an incremental cannot be
  // rebuilt from the log (a bulk transaction in progress, or a kept
  // announcement that the environment lost); the message names cause and remedy.
  // announce = false (EngineContext::announce_hotbackup, a test-only negative
  // control): nothing is announced and bulk transactions are not looked for.
  Status Begin(LiveEnvironment* env, const BackupModeTraits& mode, const Manifest* latest, bool hold,
               bool announce = true);
  // What the manifest records before publishing: the region instance when
  // the announcement stays counted after this backup, else "".
  const std::string& hold_instance() const { return hold_instance_; }
  bool auto_removal_on() const { return pause_ != nullptr; }
  // The latest backup's kept announcement is still counted: the log since it is whole.
  bool inherited_hold() const { return inherited_; }
  // After the backup is published: keeps this backup's announcement (hold
  // and none inherited) or withdraws an inherited one (no hold). Before
  // publishing, or without calling this, the destructor withdraws only ours.
  Status Published();

 private:
  LiveEnvironment* env_ = nullptr;
  std::unique_ptr<AutoRemovalPause> pause_;
  std::unique_ptr<HotBackupAnnouncement> announcement_;
  bool hold_ = false;
  bool inherited_ = false;  // latest backup's kept announcement is still counted
  std::string hold_instance_;
};

}  // namespace bdb
