// HotBackupAnnouncement: DB_ENV->set_flags(DB_HOTBACKUP_IN_PROGRESS) for the
// life of a backup, so DB_TXN_BULK transactions log every insert. BDB counts
// it in the shared transaction region (n_hotbackup), not in the handle: the
// destructor withdraws it unless Keep(); a SIGKILL leaves it counted until
// recovery rebuilds the regions. Thread-safety: one thread at a time.
#pragma once

#include <db.h>

#include <memory>
#include <string>

#include "base/status.h"

namespace bdb {

class HotBackupAnnouncement {
 public:
  // Announces a hot backup on env. *bulk_was_active is set when BDB had to
  // checkpoint to take the announcement (its sign that a DB_TXN_BULK
  // transaction was in progress; a concurrent checkpoint by another process
  // in the same instant also sets it). IOError names home and BDB's reason.
  static Status Announce(DB_ENV* env, const std::string& home, std::unique_ptr<HotBackupAnnouncement>* out,
                         bool* bulk_was_active);
  ~HotBackupAnnouncement();
  HotBackupAnnouncement(const HotBackupAnnouncement&) = delete;
  HotBackupAnnouncement& operator=(const HotBackupAnnouncement&) = delete;

  // Leaves the announcement counted after this object is gone (--hold-hotbackup).
  void Keep() { kept_ = true; }
  // Withdraws it now; IOError if BDB refuses (e.g. the count is already 0).
  Status Withdraw();

 private:
  HotBackupAnnouncement(DB_ENV* env, std::string home) : env_(env), home_(std::move(home)) {}
  DB_ENV* env_;
  std::string home_;
  bool kept_ = false;
  bool withdrawn_ = false;
};

// True when any process has a hot backup announced (the region count is > 0).
Status HotBackupAnnounced(DB_ENV* env, bool* announced);

// Withdraws one announcement that an earlier run kept (--hold-hotbackup).
Status WithdrawKeptAnnouncement(DB_ENV* env, const std::string& home);

// Names this instance of the environment's regions: "<Environment ID>@<Creation
// time>" from DB_ENV->stat_print. Recovery or a removed environment rebuilds
// the regions, which changes it (and loses every announcement counted there).
Status RegionInstance(DB_ENV* env, const std::string& home, std::string* instance);

}  // namespace bdb
