// Repository: a backup repository on disk (docs/contracts.md, "Repository"): the
// bdbackup.repo marker, the lock file, archive/ (logs + checksum sidecars),
// backups/<ID>/ (published) and backups/<ID>.partial/ (being written), and
// standby/. Directories are created 0700, files 0600; every access goes through
// the FileIO given to Open, so fault injection sees it.
// Thread-safety: one Repository per command in one thread; processes exclude
// each other with Lock().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "engine/repository/manifest.h"
#include "engine/repository/repository_key.h"
#include "base/status.h"

namespace bdb {

// The newest repository format this build reads, and the one it creates: 1
// for a plain repository, 2 for an encrypted one (its marker records
// "encryption" and "key_check"), so a bdbackup without encryption refuses it.
inline constexpr int kRepositoryFormatVersion = 2;
inline constexpr int kRepositoryFormatVersionPlain = 1;
inline constexpr char kRepositoryMarkerName[] = "bdbackup.repo";
// The archive sidecar format this build writes and the newest it reads; a
// sidecar without the field predates it and reads as 1.
inline constexpr int kArchiveSidecarFormatVersion = 1;

// One log file in archive/, as recorded by its sidecar "log.NNNNNNNNNN.json".
struct ArchivedLog {
  uint32_t number = 0;
  std::string path;  // absolute: <repo>/archive/log.NNNNNNNNNN
  uint64_t size = 0;
  std::string xxh3;  // 16 lowercase hex digits
  int64_t archived_unix_ms = 0;  // 0 in RecordArchivedLog means "now"
};

class Repository {
 public:
  // Opens root; with create_if_missing creates root (if its parent exists),
  // the marker, archive/ and backups/. Errors: NotFound "repository '<dir>'
  // does not exist"; InvalidArgument "'<dir>' is not a bdbackup repository: no
  // bdbackup.repo marker" (a directory without marker, unless empty and
  // creating) or "repository '<dir>' format version N is newer than this
  // bdbackup supports (1)".
  //
  // Encryption (encrypted_file.h, repository_key.h): a repository created
  // while a key is given (CurrentRepositoryKey()) is encrypted. Opening an
  // encrypted one with a key whose check value differs is InvalidArgument
  // "wrong key for repository '<dir>'". With create_if_missing (the writers,
  // backup and archive) an encrypted repository without a key, or a plain one
  // with a key, is InvalidArgument: the two never mix.
  static Status Open(FileIO* io, const std::string& root, bool create_if_missing, std::unique_ptr<Repository>* out);

  bool encrypted() const { return encrypted_; }
  // The key files are written under: the current key for an encrypted
  // repository, nullptr for a plain one (Open checked the key).
  const RepositoryKey* WriteKey() const { return encrypted_ ? CurrentRepositoryKey() : nullptr; }
  // For commands that read stored content (verify, restore, check): OK unless
  // the repository is encrypted and no key was given, then InvalidArgument
  // "repository '<dir>' is encrypted: give its key with --encrypt-key-file
  // FILE or BDBACKUP_KEY_FILE".
  Status RequireKeyToRead() const;

  const std::string& root() const { return root_; }
  std::string archive_dir() const;
  std::string backups_dir() const;
  std::string standby_dir() const;
  std::string BackupDir(const std::string& id) const;   // backups/<id>
  std::string PartialDir(const std::string& id) const;  // backups/<id>.partial

  // Exclusive lock for the command's duration. Polls every 100 ms for up to
  // wait_seconds, then Busy "repository '<dir>' is locked by another bdbackup process".
  Status Lock(int wait_seconds, std::unique_ptr<FileLock>* lock);
  // Commands that read published backups and archived logs (verify, restore,
  // check) hold a shared lock on readers.lock for their duration, and expire
  // an exclusive one, so expire never deletes what a reader is reading;
  // backup and archive never take it (they remove nothing a reader reads).
  // Busy "repository '<dir>' is being expired by another bdbackup process"
  // after wait_seconds. Where the lock file cannot be made (the repository is
  // read-only to this process) the reader goes on with *lock null.
  Status LockForReading(int wait_seconds, std::unique_ptr<FileLock>* lock);
  // Busy "repository '<dir>' is being read by a verify, restore or check".
  Status LockOutReaders(int wait_seconds, std::unique_ptr<FileLock>* lock);

  // REQUIRES: lock held. Removes leftover <ID>.partial dirs of killed runs;
  // *removed gets their names ("<ID>.partial").
  Status RemoveStalePartials(std::vector<std::string>* removed);

  // A fresh ID for a backup started at unix_ms: unique among published and
  // partial backups and sorting after all of them (if the clock went back, the
  // ID takes the newest existing second with a higher uniquifier).
  Status NewBackupId(int64_t unix_ms, BackupMode mode, std::string* id);
  // REQUIRES: lock held. Creates backups/<id>.partial (0700).
  Status BeginBackup(const std::string& id, std::string* partial_dir);
  // REQUIRES: BeginBackup(id); m.id == id. Writes manifest.json into the
  // partial dir (fsynced), renames it to backups/<id>, syncs backups/.
  Status PublishBackup(const std::string& id, const Manifest& m);
  // Removes backups/<id>.partial (OK if it is gone).
  Status AbandonBackup(const std::string& id);

  // REQUIRES: lock held. Takes a published backup out of sight for good:
  // renames backups/<id> to backups/<id>.expired and fsyncs backups/, so no
  // command lists, verifies or restores it from then on, then removes the
  // tree (crash points expire/after_hide_before_dir_sync,
  // expire/after_backup_hidden, expire/after_backup_removed). A kill after
  // the rename leaves <id>.expired, removed by RemoveExpiredLeftovers.
  Status ExpireBackup(const std::string& id);
  // REQUIRES: lock held. Removes leftover <ID>.expired dirs of a killed
  // expire; *removed gets their names.
  Status RemoveExpiredLeftovers(std::vector<std::string>* removed);
  // REQUIRES: lock held. Removes archived log `number`: its sidecar first
  // (from then on ListArchivedLogs no longer lists it), archive/ fsynced, then
  // the log file (crash points expire/after_sidecar_removed,
  // expire/after_log_removed). A log file without a sidecar is also removed.
  Status RemoveArchivedLog(uint32_t number);
  // Log numbers of archive/log.NNNNNNNNNN files that have no sidecar (left by
  // a killed archive before its record, or a killed expire after it removed
  // the record), ascending.
  Status ListUnrecordedArchiveLogs(std::vector<uint32_t>* numbers);

  // Backup ids pinned by `expire --pin` (REPO/pins.json, format_version 1),
  // sorted; none when the file is missing. Corruption if it does not parse.
  Status LoadPins(std::vector<std::string>* ids);
  // REQUIRES: lock held. Replaces REPO/pins.json atomically (fsynced).
  Status SavePins(const std::vector<std::string>& ids);

  // Published backups only, sorted oldest first.
  Status ListBackupIds(std::vector<std::string>* ids);
  // "latest" = newest published. NotFound "backup 'X' not found in repository
  // '<dir>'" or "repository '<dir>' has no backups".
  Status LoadManifest(const std::string& id_or_latest, Manifest* m);
  // The chain ending at id ("latest" allowed): the full (cold/hot) backup and
  // its incrementals, oldest first. Corruption if a parent is missing or a
  // parent is not older than its child.
  Status LoadChain(const std::string& id, std::vector<Manifest>* chain);

  // Archived logs with a sidecar, ascending by number. A log without a sidecar
  // (a crashed archive step) is ignored; a sidecar that does not parse is
  // Corruption. A sidecar whose log is missing is listed (readers then fail
  // naming the file).
  Status ListArchivedLogs(std::vector<ArchivedLog>* logs);
  // REQUIRES: the log is already at archive/log.NNNNNNNNNN and synced, with
  // log.size bytes (the original size when compressed). Writes its sidecar
  // atomically; `compression` ("zstd:LEVEL", stored_file.h) is recorded in it
  // when not "".
  Status RecordArchivedLog(const ArchivedLog& log, const std::string& compression = "");

 private:
  Repository(FileIO* io, std::string root) : io_(io), root_(std::move(root)) {}
  // Validates the marker; sets encrypted_ and checks the key against it.
  Status CheckMarker(const std::string& marker_path, bool writing);
  // Polls every 100 ms for up to wait_seconds, then Busy(busy_message).
  Status AcquireLock(const char* name, LockMode mode, int wait_seconds, const std::string& busy_message,
                     std::unique_ptr<FileLock>* lock);
  Status Create();
  // ListDir of dir, or no names when dir is missing.
  Status ListDirIfExists(const std::string& dir, std::vector<std::string>* names);
  // Names of backups/ entries (published IDs and "<ID>.partial"); empty if backups/ is missing.
  Status ListBackupsDir(std::vector<std::string>* names);
  // Removes every backups/ entry whose name ends with suffix, then fsyncs
  // backups/ if any went; *removed lists them.
  Status RemoveBackupsEndingWith(const std::string& suffix, std::vector<std::string>* removed);

  FileIO* io_;
  std::string root_;
  bool encrypted_ = false;
};

}  // namespace bdb
