// DurabilityShortcutFileIO: negative controls of the engine's durability.
// Each shortcut is a test-only engine variant made by eliding (or moving) one
// kind of call the engine makes through its FileIO, as a careless backup tool
// would; the simulator's agent installs it when a scenario sets
// backup.durability_shortcut, and bdbackup's command line never can. Under a
// power cut (journaled_file_io.h sits below it, so an elided call never
// reaches the journal) each must be caught.
// Thread-safe.
#pragma once

#include <mutex>
#include <string>

#include "base/enum_names.h"
#include "base/file_io.h"

namespace bdb::sim {

enum class DurabilityShortcut {
  kNone,
  kUnsyncedFiles,             // publish a backup without fsyncing its files (the manifest still is)
  kManifestAfterRename,       // rename the backup into place and fsync backups/ before fsyncing its manifest
  kNoDirFsync,                // never fsync backups/ or archive/
  kRemoveBeforeArchiveFsync,  // never fsync an archived log's copy, so its removal from the environment comes first
};
inline const EnumNames<DurabilityShortcut> kDurabilityShortcutNames = {
    {"none", DurabilityShortcut::kNone},
    {"unsynced_files", DurabilityShortcut::kUnsyncedFiles},
    {"manifest_after_rename", DurabilityShortcut::kManifestAfterRename},
    {"no_dir_fsync", DurabilityShortcut::kNoDirFsync},
    {"remove_before_archive_fsync", DurabilityShortcut::kRemoveBeforeArchiveFsync}};

class DurabilityShortcutFileIO : public FileIOWrapper {
 public:
  DurabilityShortcutFileIO(FileIO* target, DurabilityShortcut shortcut) : FileIOWrapper(target), shortcut_(shortcut) {}
  Status CreateForWrite(const std::string& path, mode_t mode, std::unique_ptr<WritableFile>* out) override;
  Status SyncDir(const std::string& dir) override;
  Status Rename(const std::string& from, const std::string& to) override;

  // True when the shortcut elides the fsync of this file.
  bool SkipsSyncOf(const std::string& path) const;
  // How many calls it elided or moved so far.
  uint64_t shortcuts_taken() const;
  void Took();

 private:
  const DurabilityShortcut shortcut_;
  mutable std::mutex mu_;
  uint64_t taken_ = 0;
  std::string renamed_backup_;  // kManifestAfterRename: the backup dir renamed, manifest not yet fsynced
};

}  // namespace bdb::sim
