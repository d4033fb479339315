#include "engine/repository/repository.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/repository/backup_id.h"
#include "base/crash_points.h"
#include "engine/repository/encrypted_file.h"
#include "engine/bdb/log_names.h"
#include "engine/repository/stored_file.h"

namespace bdb {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;
constexpr char kMarkerFormat[] = "bdbackup-repository";
constexpr char kPartialSuffix[] = ".partial";
constexpr char kSidecarSuffix[] = ".json";
constexpr char kExpiredSuffix[] = ".expired";
constexpr auto kLockPollInterval = std::chrono::milliseconds(100);
constexpr char kReadersLockName[] = "readers.lock";
constexpr char kPinsName[] = "pins.json";


bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Creates dir (0700) unless it exists, making the creation durable.
Status EnsureDir(FileIO* io, const std::string& dir) {
  FileInfo info;
  BDB_RETURN_IF_ERROR(io->Stat(dir, &info));
  if (info.exists && info.is_dir) return Status::OK();
  BDB_RETURN_IF_ERROR(io->MakeDir(dir, kDirMode));
  return io->SyncDir(DirName(dir));
}

// "/a/b//" -> "/a/b", so messages and joined paths are stable.
std::string TrimTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

Status ParseSidecar(const std::string& text, const std::string& path, uint32_t number, ArchivedLog* log) {
  auto invalid = [&](const std::string& why) {
    return Status::Corruption("archive sidecar " + Quote(path) + " is not valid: " + why);
  };
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalid("not JSON");
  if (!doc.is_object()) return invalid("not a JSON object");
  auto field = [&](const char* key) -> const Json* {
    auto it = doc.find(key);
    return it == doc.end() ? nullptr : &*it;
  };
  // No "format_version": written before sidecars carried one; reads as 1.
  const Json* format = field("format_version");
  if (format != nullptr && !format->is_number_unsigned()) return invalid("field 'format_version' is not an unsigned integer");
  if (format != nullptr && format->get<uint64_t>() > static_cast<uint64_t>(kArchiveSidecarFormatVersion)) {
    return Status::InvalidArgument("archive sidecar " + Quote(path) + " is format version " +
                                   std::to_string(format->get<uint64_t>()) + ", newer than this bdbackup reads (" +
                                   std::to_string(kArchiveSidecarFormatVersion) + ")");
  }
  const Json* n = field("number");
  const Json* size = field("size");
  const Json* xxh3 = field("xxh3");
  const Json* at = field("archived_at");
  if (n == nullptr || !n->is_number_unsigned() || n->get<uint64_t>() != number) {
    return invalid("field 'number' is not " + std::to_string(number));
  }
  if (size == nullptr || !size->is_number_unsigned()) return invalid("field 'size' is not an unsigned integer");
  if (xxh3 == nullptr || !xxh3->is_string() || !IsLowerHex16(xxh3->get<std::string>())) {
    return invalid("field 'xxh3' is not 16 hex digits");
  }
  if (at == nullptr || !at->is_string() || !ParseUtcTimestamp(at->get<std::string>(), &log->archived_unix_ms).ok()) {
    return invalid("field 'archived_at' is not a time");
  }
  const Json* compression = field("compression");
  if (compression != nullptr && (!compression->is_string() || compression->get<std::string>().rfind("zstd:", 0) != 0))
    return invalid("field 'compression' is not zstd:LEVEL");
  log->number = number;
  log->size = size->get<uint64_t>();
  log->xxh3 = xxh3->get<std::string>();
  return Status::OK();
}

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status Repository::Open(FileIO* io, const std::string& root_arg, bool create_if_missing,
                        std::unique_ptr<Repository>* out) {
  const std::string root = TrimTrailingSlashes(root_arg);
  FileInfo info;
  BDB_RETURN_IF_ERROR(io->Stat(root, &info));
  if (!info.exists) {
    if (!create_if_missing) return Status::NotFound("repository " + Quote(root) + " does not exist");
    BDB_RETURN_IF_ERROR(io->MakeDir(root, kDirMode));
    BDB_RETURN_IF_ERROR(io->SyncDir(DirName(root)));
  } else if (!info.is_dir && !info.is_symlink) {
    return Status::InvalidArgument(Quote(root) + " is not a bdbackup repository: not a directory");
  }
  std::unique_ptr<Repository> repo(new Repository(io, root));
  const std::string marker = JoinPath(root, kRepositoryMarkerName);
  FileInfo marker_info;
  BDB_RETURN_IF_ERROR(io->Stat(marker, &marker_info));
  if (marker_info.exists) {
    BDB_RETURN_IF_ERROR(repo->CheckMarker(marker, create_if_missing));
    if (create_if_missing) {  // finishes a creation that was interrupted after the marker
      BDB_RETURN_IF_ERROR(EnsureDir(io, repo->archive_dir()));
      BDB_RETURN_IF_ERROR(EnsureDir(io, repo->backups_dir()));
    }
  } else {
    std::vector<std::string> names;
    BDB_RETURN_IF_ERROR(io->ListDir(root, &names));
    // A marker's temporary file alone is an interrupted creation, not user data.
    std::erase(names, std::string(kRepositoryMarkerName) + ".tmp");
    if (!names.empty() || !create_if_missing) {
      return Status::InvalidArgument(Quote(root) + " is not a bdbackup repository: no " +
                                     kRepositoryMarkerName + " marker");
    }
    BDB_RETURN_IF_ERROR(repo->Create());
  }
  *out = std::move(repo);
  return Status::OK();
}

Status Repository::CheckMarker(const std::string& marker_path, bool writing) {
  std::string text;
  BDB_RETURN_IF_ERROR(ReadWholeFile(io_, marker_path, &text));
  const Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  const bool valid = doc.is_object() && doc.contains("format") && doc["format"] == kMarkerFormat &&
                     doc.contains("format_version") && doc["format_version"].is_number_unsigned() &&
                     doc["format_version"].get<uint64_t>() >= 1;
  if (!valid) {
    return Status::InvalidArgument(Quote(root_) + " is not a bdbackup repository: marker " + Quote(marker_path) +
                                   " is not valid");
  }
  const uint64_t version = doc["format_version"].get<uint64_t>();
  if (version > static_cast<uint64_t>(kRepositoryFormatVersion)) {
    return Status::InvalidArgument("repository " + Quote(root_) + " format version " + std::to_string(version) +
                                   " is newer than this bdbackup supports (" +
                                   std::to_string(kRepositoryFormatVersion) + ")");
  }
  encrypted_ = doc.contains("encryption");
  const RepositoryKey* key = CurrentRepositoryKey();
  if (encrypted_) {
    const bool recorded = doc["encryption"] == kRepositoryEncryption && doc.contains("key_check") &&
                          doc["key_check"].is_string() && version >= 2;
    if (!recorded) {
      return Status::InvalidArgument(Quote(root_) + " is not a bdbackup repository: marker " + Quote(marker_path) +
                                     " records an encryption this bdbackup does not know");
    }
    if (key == nullptr) return writing ? RequireKeyToRead() : Status::OK();
    std::string check;
    BDB_RETURN_IF_ERROR(KeyCheckValue(*key, &check));
    if (check != doc["key_check"].get<std::string>())
      return Status::InvalidArgument("wrong key for repository " + Quote(root_));
  } else if (key != nullptr && writing) {
    return Status::InvalidArgument("repository " + Quote(root_) +
                                   " is not encrypted: it cannot take encrypted files (drop --encrypt-key-file and "
                                   "BDBACKUP_KEY_FILE, or start a new repository to encrypt)");
  }
  return Status::OK();
}

Status Repository::RequireKeyToRead() const {
  if (!encrypted_ || CurrentRepositoryKey() != nullptr) return Status::OK();
  return Status::InvalidArgument("repository " + Quote(root_) +
                                 " is encrypted: give its key with --encrypt-key-file FILE or BDBACKUP_KEY_FILE");
}

Status Repository::Create() {
  // The marker goes first: a crash after it leaves a repository that Open
  // (create_if_missing) completes; a crash before it leaves an empty directory.
  OrderedJson marker{{"format", kMarkerFormat}, {"format_version", kRepositoryFormatVersionPlain}};
  if (const RepositoryKey* key = CurrentRepositoryKey()) {  // an encrypted repository (encrypted_file.h)
    std::string check;
    BDB_RETURN_IF_ERROR(KeyCheckValue(*key, &check));
    marker["format_version"] = kRepositoryFormatVersion;
    marker["encryption"] = kRepositoryEncryption;
    marker["key_check"] = check;
    encrypted_ = true;
  }
  BDB_RETURN_IF_ERROR(
      WriteFileAtomically(io_, JoinPath(root_, kRepositoryMarkerName), marker.dump(2) + "\n", kFileMode));
  BDB_RETURN_IF_ERROR(EnsureDir(io_, archive_dir()));
  BDB_RETURN_IF_ERROR(EnsureDir(io_, backups_dir()));
  // Made now so that the first verify or restore does not add a file to the
  // repository (in an older repository, the first reader makes it).
  return WriteFileAtomically(io_, JoinPath(root_, kReadersLockName), "", kFileMode);
}

std::string Repository::archive_dir() const { return JoinPath(root_, "archive"); }
std::string Repository::backups_dir() const { return JoinPath(root_, "backups"); }
std::string Repository::standby_dir() const { return JoinPath(root_, "standby"); }
std::string Repository::BackupDir(const std::string& id) const { return JoinPath(backups_dir(), id); }
std::string Repository::PartialDir(const std::string& id) const { return BackupDir(id) + kPartialSuffix; }

Status Repository::Lock(int wait_seconds, std::unique_ptr<FileLock>* lock) {
  return AcquireLock("lock", LockMode::kExclusive, wait_seconds,
                     "repository " + Quote(root_) + " is locked by another bdbackup process", lock);
}

Status Repository::LockForReading(int wait_seconds, std::unique_ptr<FileLock>* lock) {
  Status s = AcquireLock(kReadersLockName, LockMode::kShared, wait_seconds,
                         "repository " + Quote(root_) + " is being expired by another bdbackup process", lock);
  // A repository this process cannot write to (a read-only mount, a snapshot,
  // another user's files) cannot have its lock file made; nothing can be
  // expired through this view of it either, so reading goes on unlocked.
  if (!s.ok() && !s.IsBusy()) {
    lock->reset();
    return Status::OK();
  }
  return s;
}

Status Repository::LockOutReaders(int wait_seconds, std::unique_ptr<FileLock>* lock) {
  return AcquireLock(kReadersLockName, LockMode::kExclusive, wait_seconds,
                     "repository " + Quote(root_) + " is being read by a verify, restore or check", lock);
}

Status Repository::AcquireLock(const char* name, LockMode mode, int wait_seconds, const std::string& busy_message,
                               std::unique_ptr<FileLock>* lock) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::max(wait_seconds, 0));
  const std::string path = JoinPath(root_, name);
  while (true) {
    Status s = io_->LockFile(path, mode, lock);
    if (!s.IsBusy()) return s;
    if (std::chrono::steady_clock::now() >= deadline) return Status::Busy(busy_message);
    std::this_thread::sleep_for(kLockPollInterval);
  }
}

Status Repository::ListDirIfExists(const std::string& dir, std::vector<std::string>* names) {
  names->clear();
  FileInfo info;
  BDB_RETURN_IF_ERROR(io_->Stat(dir, &info));
  if (!info.exists) return Status::OK();
  return io_->ListDir(dir, names);
}

Status Repository::ListBackupsDir(std::vector<std::string>* names) { return ListDirIfExists(backups_dir(), names); }

Status Repository::RemoveStalePartials(std::vector<std::string>* removed) {
  return RemoveBackupsEndingWith(kPartialSuffix, removed);
}

Status Repository::RemoveBackupsEndingWith(const std::string& suffix, std::vector<std::string>* removed) {
  removed->clear();
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(ListBackupsDir(&names));
  for (const std::string& name : names) {
    if (!EndsWith(name, suffix)) continue;
    BDB_RETURN_IF_ERROR(RemoveTree(io_, JoinPath(backups_dir(), name)));
    removed->push_back(name);
  }
  if (!removed->empty()) BDB_RETURN_IF_ERROR(io_->SyncDir(backups_dir()));
  return Status::OK();
}

Status Repository::NewBackupId(int64_t unix_ms, BackupMode mode, std::string* id) {
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(ListBackupsDir(&names));
  bool any = false;
  BackupIdParts newest;
  for (std::string name : names) {
    if (EndsWith(name, kPartialSuffix)) name.resize(name.size() - std::string(kPartialSuffix).size());
    if (!IsValidBackupId(name)) continue;
    BackupIdParts parts = SplitBackupId(name);
    if (!any || std::tie(parts.second, parts.uniquifier) > std::tie(newest.second, newest.uniquifier)) {
      newest = parts;
      any = true;
    }
  }
  std::string second = SplitBackupId(MakeBackupId(unix_ms, mode, 0)).second;
  int uniquifier = 0;
  if (any && second <= newest.second) {  // same second, or the clock went back
    second = newest.second;
    uniquifier = newest.uniquifier + 1;
    if (uniquifier > kMaxBackupIdUniquifier) {
      return Status::InvalidArgument("repository " + Quote(root_) + " already has " +
                                     std::to_string(kMaxBackupIdUniquifier + 1) + " backups started in second " +
                                     second);
    }
  }
  *id = second + (uniquifier > 0 ? fmt::format(".{:03d}", uniquifier) : "") + "-" + BackupModeName(mode);
  return Status::OK();
}

Status Repository::BeginBackup(const std::string& id, std::string* partial_dir) {
  if (!IsValidBackupId(id)) return Status::InvalidArgument("invalid backup id '" + id + "'");
  BDB_RETURN_IF_ERROR(EnsureDir(io_, backups_dir()));
  for (const std::string& dir : {BackupDir(id), PartialDir(id)}) {
    FileInfo info;
    BDB_RETURN_IF_ERROR(io_->Stat(dir, &info));
    if (info.exists) {
      return Status::InvalidArgument("backup '" + id + "' already exists in repository " + Quote(root_));
    }
  }
  // Not fsynced: a .partial lost to a power cut is as good as one removed;
  // PublishBackup syncs backups/ after the rename that matters.
  BDB_RETURN_IF_ERROR(io_->MakeDir(PartialDir(id), kDirMode));
  *partial_dir = PartialDir(id);
  return Status::OK();
}

Status Repository::PublishBackup(const std::string& id, const Manifest& m) {
  if (m.id != id) return Status::InvalidArgument("manifest id '" + m.id + "' does not match backup '" + id + "'");
  const std::string manifest_path = JoinPath(PartialDir(id), kManifestFileName);
  const std::string json = ManifestToJson(m);
  // Pair assertion: what restore will read back must be exactly what we meant.
  Manifest reread;
  BDB_RETURN_IF_ERROR(ParseManifest(json, manifest_path, &reread));
  if (!(reread == m)) {
    return Status::InvalidArgument("manifest " + Quote(manifest_path) + " does not read back as written");
  }
  BDB_RETURN_IF_ERROR(WriteFileAtomically(io_, manifest_path, json, kFileMode));
  CrashPoint("backup/after_manifest_before_rename");
  BDB_RETURN_IF_ERROR(io_->Rename(PartialDir(id), BackupDir(id)));
  CrashPoint("backup/after_rename_before_dir_sync");
  Status synced = io_->SyncDir(backups_dir());
  if (!synced.ok()) {
    // The rename may not be durable: take the backup back out of sight so a
    // failed command never leaves a published backup (the next run removes it).
    Status back = io_->Rename(BackupDir(id), PartialDir(id));
    if (!back.ok()) return synced.WithContext("backup '" + id + "' is visible but its publication is not durable (" +
                                              back.message() + ")");
    return synced.WithContext("backup '" + id + "' was not published");
  }
  return Status::OK();
}

Status Repository::AbandonBackup(const std::string& id) {
  FileInfo info;
  BDB_RETURN_IF_ERROR(io_->Stat(PartialDir(id), &info));
  if (!info.exists) return Status::OK();
  BDB_RETURN_IF_ERROR(RemoveTree(io_, PartialDir(id)));
  return io_->SyncDir(backups_dir());
}

Status Repository::ExpireBackup(const std::string& id) {
  if (!IsValidBackupId(id)) return Status::InvalidArgument("invalid backup id '" + id + "'");
  const std::string hidden = BackupDir(id) + kExpiredSuffix;
  FileInfo info;
  BDB_RETURN_IF_ERROR(io_->Stat(hidden, &info));
  if (info.exists) BDB_RETURN_IF_ERROR(RemoveTree(io_, hidden));  // cannot happen under the lock; never rename onto it
  BDB_RETURN_IF_ERROR(io_->Rename(BackupDir(id), hidden));
  CrashPoint("expire/after_hide_before_dir_sync");
  BDB_RETURN_IF_ERROR(io_->SyncDir(backups_dir()).WithContext("backup '" + id + "' was taken out of sight"));
  CrashPoint("expire/after_backup_hidden");
  BDB_RETURN_IF_ERROR(RemoveTree(io_, hidden));
  BDB_RETURN_IF_ERROR(io_->SyncDir(backups_dir()));
  CrashPoint("expire/after_backup_removed");
  return Status::OK();
}

Status Repository::RemoveExpiredLeftovers(std::vector<std::string>* removed) {
  return RemoveBackupsEndingWith(kExpiredSuffix, removed);
}

Status Repository::RemoveArchivedLog(uint32_t number) {
  const std::string log = JoinPath(archive_dir(), LogFileName(number));
  const std::string sidecar = log + kSidecarSuffix;
  FileInfo info;
  BDB_RETURN_IF_ERROR(io_->Stat(sidecar, &info));
  if (info.exists) {
    BDB_RETURN_IF_ERROR(io_->RemoveFile(sidecar));
    BDB_RETURN_IF_ERROR(io_->SyncDir(archive_dir()));
  }
  CrashPoint("expire/after_sidecar_removed");
  BDB_RETURN_IF_ERROR(io_->Stat(log, &info));
  if (info.exists) {
    BDB_RETURN_IF_ERROR(io_->RemoveFile(log));
    BDB_RETURN_IF_ERROR(io_->SyncDir(archive_dir()));
  }
  CrashPoint("expire/after_log_removed");
  return Status::OK();
}

Status Repository::ListUnrecordedArchiveLogs(std::vector<uint32_t>* numbers) {
  numbers->clear();
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(ListDirIfExists(archive_dir(), &names));
  for (const std::string& name : names) {
    uint32_t number = 0;
    if (!ParseLogFileName(name, &number)) continue;
    if (!std::binary_search(names.begin(), names.end(), name + kSidecarSuffix)) numbers->push_back(number);
  }
  std::sort(numbers->begin(), numbers->end());
  return Status::OK();
}

Status Repository::LoadPins(std::vector<std::string>* ids) {
  ids->clear();
  const std::string path = JoinPath(root_, kPinsName);
  FileInfo info;
  BDB_RETURN_IF_ERROR(io_->Stat(path, &info));
  if (!info.exists) return Status::OK();
  std::string text;
  BDB_RETURN_IF_ERROR(ReadWholeFile(io_, path, &text));
  auto invalid = [&](const std::string& why) { return Status::Corruption("pins " + Quote(path) + " are not valid: " + why); };
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return invalid("not a JSON object");
  auto version = doc.find("format_version");
  if (version == doc.end() || !version->is_number_unsigned() || version->get<uint64_t>() != 1)
    return invalid("field 'format_version' is not 1");
  auto pins = doc.find("pins");
  if (pins == doc.end() || !pins->is_array()) return invalid("field 'pins' is not a list");
  for (const Json& id : *pins) {
    if (!id.is_string()) return invalid("a pin is not a backup id");
    ids->push_back(id.get<std::string>());
  }
  std::sort(ids->begin(), ids->end());
  return Status::OK();
}

Status Repository::SavePins(const std::vector<std::string>& ids) {
  std::vector<std::string> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  OrderedJson doc{{"format_version", 1}, {"pins", sorted}};
  return WriteFileAtomically(io_, JoinPath(root_, kPinsName), doc.dump(2) + "\n", kFileMode);
}

Status Repository::ListBackupIds(std::vector<std::string>* ids) {
  ids->clear();
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(ListBackupsDir(&names));
  for (const std::string& name : names) {
    if (!IsValidBackupId(name)) continue;
    FileInfo info;
    BDB_RETURN_IF_ERROR(io_->Stat(BackupDir(name), &info));
    if (info.is_dir) ids->push_back(name);
  }
  std::sort(ids->begin(), ids->end());
  return Status::OK();
}

Status Repository::LoadManifest(const std::string& id_or_latest, Manifest* m) {
  std::string id = id_or_latest;
  if (id == "latest") {
    std::vector<std::string> ids;
    BDB_RETURN_IF_ERROR(ListBackupIds(&ids));
    if (ids.empty()) return Status::NotFound("repository " + Quote(root_) + " has no backups");
    id = ids.back();
  }
  FileInfo info;
  if (IsValidBackupId(id)) BDB_RETURN_IF_ERROR(io_->Stat(BackupDir(id), &info));
  if (!info.is_dir) return Status::NotFound("backup '" + id + "' not found in repository " + Quote(root_));
  const std::string path = JoinPath(BackupDir(id), kManifestFileName);
  FileInfo manifest_info;
  BDB_RETURN_IF_ERROR(io_->Stat(path, &manifest_info));
  if (!manifest_info.exists) return Status::Corruption("backup '" + id + "' has no manifest " + Quote(path));
  std::string text;
  BDB_RETURN_IF_ERROR(ReadWholeFile(io_, path, &text));
  Manifest parsed;
  BDB_RETURN_IF_ERROR(ParseManifest(text, path, &parsed));
  if (parsed.id != id) {
    return Status::Corruption("manifest " + Quote(path) + " has id '" + parsed.id + "' but is in backup directory '" +
                              id + "'");
  }
  *m = std::move(parsed);
  return Status::OK();
}

Status Repository::LoadChain(const std::string& id, std::vector<Manifest>* chain) {
  chain->clear();
  Manifest m;
  BDB_RETURN_IF_ERROR(LoadManifest(id, &m));
  // Each parent must sort before its child, so the walk ends (no cycles).
  while (true) {
    chain->push_back(m);
    if (m.mode != BackupMode::kIncremental) break;
    if (!(m.parent < m.id)) {
      return Status::Corruption("backup '" + m.id + "' names parent '" + m.parent + "', which is not older");
    }
    Status s = LoadManifest(m.parent, &m);
    if (s.IsNotFound()) {
      return Status::Corruption("backup '" + chain->back().id + "' needs parent backup '" + chain->back().parent +
                                "', which is not in repository " + Quote(root_));
    }
    BDB_RETURN_IF_ERROR(s);
  }
  std::reverse(chain->begin(), chain->end());
  return Status::OK();
}

Status Repository::ListArchivedLogs(std::vector<ArchivedLog>* logs) {
  logs->clear();
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(ListDirIfExists(archive_dir(), &names));
  for (const std::string& name : names) {
    if (!EndsWith(name, kSidecarSuffix)) continue;
    const std::string log_name = name.substr(0, name.size() - std::string(kSidecarSuffix).size());
    uint32_t number = 0;
    if (!ParseLogFileName(log_name, &number)) continue;
    const std::string sidecar = JoinPath(archive_dir(), name);
    std::string text;
    BDB_RETURN_IF_ERROR(ReadWholeFile(io_, sidecar, &text));
    ArchivedLog log;
    BDB_RETURN_IF_ERROR(ParseSidecar(text, sidecar, number, &log));
    log.path = JoinPath(archive_dir(), log_name);
    logs->push_back(std::move(log));
  }
  std::sort(logs->begin(), logs->end(), [](const ArchivedLog& a, const ArchivedLog& b) { return a.number < b.number; });
  return Status::OK();
}

Status Repository::RecordArchivedLog(const ArchivedLog& log, const std::string& compression) {
  if (log.number == 0) return Status::InvalidArgument("archived log number 0 is not a log file number");
  const std::string expected = JoinPath(archive_dir(), LogFileName(log.number));
  if (!log.path.empty() && log.path != expected) {
    return Status::InvalidArgument("archived log path " + Quote(log.path) + " is not " + Quote(expected));
  }
  if (!IsLowerHex16(log.xxh3)) {
    return Status::InvalidArgument("archived log " + Quote(expected) + " has invalid checksum '" + log.xxh3 + "'");
  }
  FileInfo info;
  BDB_RETURN_IF_ERROR(io_->Stat(expected, &info));
  if (!info.exists) return Status::NotFound("archived log " + Quote(expected) + " does not exist");
  uint64_t original = 0;  // of a compressed copy (stored_file.h), its recorded original size
  BDB_RETURN_IF_ERROR(OriginalSize(io_, expected, &original));
  if (original != log.size) {
    return Status::Corruption("archived log " + Quote(expected) + " has " + std::to_string(original) +
                              " bytes, but its record says " + std::to_string(log.size));
  }
  const int64_t at = log.archived_unix_ms != 0 ? log.archived_unix_ms : NowUnixMs();
  OrderedJson sidecar{
      {"format_version", kArchiveSidecarFormatVersion},
      {"number", log.number}, {"size", log.size}, {"xxh3", log.xxh3}, {"archived_at", FormatUtcTimestamp(at)}};
  if (!compression.empty()) sidecar["compression"] = compression;
  return WriteFileAtomically(io_, expected + kSidecarSuffix, sidecar.dump(2) + "\n", kFileMode);
}

}  // namespace bdb
