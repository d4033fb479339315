#include "simulator/faults/durability_shortcut_file_io.h"

#include "engine/bdb/log_names.h"

namespace bdb::sim {
namespace {

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool InPartialBackup(const std::string& path) {
  const std::string dir = DirName(path);
  return dir.find(".partial") != std::string::npos && dir.find("/backups/") != std::string::npos;
}

// A file whose Sync the shortcut may skip.
class ShortcutWritableFile : public WritableFile {
 public:
  ShortcutWritableFile(std::unique_ptr<WritableFile> inner, DurabilityShortcutFileIO* owner)
      : inner_(std::move(inner)), owner_(owner) {}
  Status Append(const char* data, size_t n) override { return inner_->Append(data, n); }
  Status Sync() override {
    if (owner_->SkipsSyncOf(inner_->path())) {
      owner_->Took();
      return Status::OK();
    }
    return inner_->Sync();
  }
  void StartWriteback() override { inner_->StartWriteback(); }
  Status Close() override { return inner_->Close(); }
  const std::string& path() const override { return inner_->path(); }

 private:
  std::unique_ptr<WritableFile> inner_;
  DurabilityShortcutFileIO* owner_;
};

}  // namespace

bool DurabilityShortcutFileIO::SkipsSyncOf(const std::string& path) const {
  const std::string base = BaseName(path);
  const bool manifest = base == "manifest.json.tmp" || base == "manifest.json";
  switch (shortcut_) {
    case DurabilityShortcut::kUnsyncedFiles:
      return InPartialBackup(path) && !manifest;
    case DurabilityShortcut::kManifestAfterRename:
      return InPartialBackup(path) && manifest;
    case DurabilityShortcut::kRemoveBeforeArchiveFsync: {
      uint32_t number = 0;
      return BaseName(DirName(path)) == "archive" && EndsWith(base, ".tmp") &&
             ParseLogFileName(base.substr(0, base.size() - 4), &number);
    }
    default:
      return false;
  }
}

uint64_t DurabilityShortcutFileIO::shortcuts_taken() const {
  std::lock_guard<std::mutex> lock(mu_);
  return taken_;
}

void DurabilityShortcutFileIO::Took() {
  std::lock_guard<std::mutex> lock(mu_);
  ++taken_;
}

Status DurabilityShortcutFileIO::CreateForWrite(const std::string& path, mode_t mode,
                                                std::unique_ptr<WritableFile>* out) {
  std::unique_ptr<WritableFile> inner;
  BDB_RETURN_IF_ERROR(target()->CreateForWrite(path, mode, &inner));
  *out = std::make_unique<ShortcutWritableFile>(std::move(inner), this);
  return Status::OK();
}

Status DurabilityShortcutFileIO::SyncDir(const std::string& dir) {
  const std::string base = BaseName(dir);
  if (shortcut_ == DurabilityShortcut::kNoDirFsync && (base == "backups" || base == "archive")) {
    Took();
    return Status::OK();
  }
  BDB_RETURN_IF_ERROR(target()->SyncDir(dir));
  std::string renamed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shortcut_ == DurabilityShortcut::kManifestAfterRename && base == "backups") renamed.swap(renamed_backup_);
  }
  if (renamed.empty()) return Status::OK();
  // Published: only now make the manifest durable (rewritten and fsynced in place).
  const std::string manifest = JoinPath(renamed, "manifest.json");
  std::string contents;
  BDB_RETURN_IF_ERROR(ReadWholeFile(target(), manifest, &contents));
  std::unique_ptr<WritableFile> file;
  BDB_RETURN_IF_ERROR(target()->CreateForWrite(manifest, 0600, &file));
  BDB_RETURN_IF_ERROR(file->Append(contents.data(), contents.size()));
  BDB_RETURN_IF_ERROR(file->Sync());
  Took();
  return file->Close();
}

Status DurabilityShortcutFileIO::Rename(const std::string& from, const std::string& to) {
  BDB_RETURN_IF_ERROR(target()->Rename(from, to));
  if (shortcut_ == DurabilityShortcut::kManifestAfterRename && EndsWith(from, ".partial") &&
      BaseName(DirName(from)) == "backups") {
    std::lock_guard<std::mutex> lock(mu_);
    renamed_backup_ = to;
  }
  return Status::OK();
}

}  // namespace bdb::sim
