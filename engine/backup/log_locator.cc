#include "engine/backup/log_locator.h"

#include "engine/bdb/log_names.h"

namespace bdb {

LogLocator::LogLocator(FileIO* io, std::string live_log_dir, Repository* repo)
    : io_(io), live_log_dir_(std::move(live_log_dir)), repo_(repo) {}

Status LogLocator::Locate(uint32_t number, LocatedLog* out) {
  *out = LocatedLog();
  const std::string name = LogFileName(number);
  if (!live_log_dir_.empty()) {
    FileInfo info;
    const std::string live = JoinPath(live_log_dir_, name);
    BDB_RETURN_IF_ERROR(io_->Stat(live, &info));
    if (info.exists && !info.is_dir && !info.is_symlink) {
      out->path = live;
      return Status::OK();
    }
  }
  if (!archive_loaded_) {
    BDB_RETURN_IF_ERROR(repo_->ListArchivedLogs(&archived_));
    archive_loaded_ = true;
  }
  for (const auto& log : archived_) {
    if (log.number == number) {
      out->path = log.path;
      out->from_archive = true;
      out->archived_xxh3 = log.xxh3;
      out->archived_size = log.size;
      return Status::OK();
    }
  }
  return Status::NotFound("log file '" + name + "' is neither in '" + live_log_dir_ + "' nor in the archive");
}

}  // namespace bdb
