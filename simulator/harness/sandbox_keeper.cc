#include "simulator/harness/sandbox_keeper.h"

#include <fmt/format.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <utility>

#include "base/file_io.h"

namespace bdb::sim {
namespace {

namespace fs = std::filesystem;

std::string Mib(uint64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }

// The path itself if it exists, else its nearest existing ancestor.
std::string NearestExisting(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) p = path;
  while (!p.empty() && !fs::exists(p, ec)) {
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  return p.empty() ? "/" : p.string();
}

void AddTreeBytes(const std::string& path, std::set<std::pair<dev_t, ino_t>>* seen, uint64_t* bytes) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (seen->insert({st.st_dev, st.st_ino}).second) *bytes += static_cast<uint64_t>(st.st_blocks) * 512;
  if (!S_ISDIR(st.st_mode)) return;
  std::vector<std::string> names;
  if (!DefaultFileIO()->ListDir(path, &names).ok()) return;
  for (const std::string& name : names) AddTreeBytes(JoinPath(path, name), seen, bytes);
}

// Copies the tree at from to to: directories (0700), regular files (their
// modes), symbolic links as links; anything else (a socket, a FIFO) is skipped.
Status CopyTreeAcross(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directory(to, ec);
  if (ec) return Status::IOError(fmt::format("unable to create '{}': {}", to.string(), ec.message()));
  fs::permissions(to, fs::perms::owner_all, ec);
  for (const fs::directory_entry& entry : fs::directory_iterator(from, ec)) {
    const fs::path dst = to / entry.path().filename();
    const fs::file_status st = entry.symlink_status(ec);
    if (fs::is_symlink(st)) {
      fs::copy_symlink(entry.path(), dst, ec);
    } else if (fs::is_directory(st)) {
      BDB_RETURN_IF_ERROR(CopyTreeAcross(entry.path(), dst));
    } else if (fs::is_regular_file(st)) {
      fs::copy_file(entry.path(), dst, ec);
    }
    if (ec) return Status::IOError(fmt::format("unable to copy '{}': {}", entry.path().string(), ec.message()));
  }
  if (ec) return Status::IOError(fmt::format("unable to list '{}': {}", from.string(), ec.message()));
  return Status::OK();
}

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError(fmt::format("unable to create directory '{}': {}", dir, ec.message()));
  return Status::OK();
}

}  // namespace

bool OnMemoryFileSystem(const std::string& path) {
  struct statfs st;
  if (::statfs(NearestExisting(path).c_str(), &st) != 0) return false;
  return st.f_type == TMPFS_MAGIC || st.f_type == RAMFS_MAGIC;
}

uint64_t TreeBytes(const std::string& path) {
  std::set<std::pair<dev_t, ino_t>> seen;
  uint64_t bytes = 0;
  AddTreeBytes(path, &seen, &bytes);
  return bytes;
}

std::string DiskDirectoryForKeptSandboxes(const std::string& report_dir) {
  std::vector<std::string> candidates;
  if (!report_dir.empty()) {
    std::error_code ec;
    const fs::path report = fs::absolute(report_dir, ec);
    candidates.push_back(JoinPath(ec ? report_dir : report.string(), "sandboxes"));
  }
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  if (xdg != nullptr && *xdg == '/') {
    candidates.push_back(JoinPath(xdg, "bdbsim/sandboxes"));
  } else if (home != nullptr && *home == '/') {
    candidates.push_back(JoinPath(home, ".cache/bdbsim/sandboxes"));
  }
  const char* tmp = std::getenv("TMPDIR");
  if (tmp != nullptr && *tmp == '/') candidates.push_back(JoinPath(tmp, "bdbsim-sandboxes"));
  candidates.push_back("/var/tmp/bdbsim-sandboxes");
  for (const std::string& dir : candidates) {
    if (!OnMemoryFileSystem(dir)) return dir;
  }
  return "";
}

Status MoveTree(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) == 0) return Status::OK();
  if (errno != EXDEV) return Status::FromErrno(errno, "unable to move '" + from + "' to '" + to + "'");
  Status s = CopyTreeAcross(from, to);
  if (!s.ok()) {
    RemoveTree(DefaultFileIO(), to);  // best effort: nothing half-copied stays
    return s;
  }
  return RemoveTree(DefaultFileIO(), from);
}

SandboxKeeper::SandboxKeeper(KeepBound bound, std::string disk_dir) : bound_(bound), disk_dir_(std::move(disk_dir)) {}

void SandboxKeeper::Drop(TrialResult* result, const std::string& why) {
  RemoveTree(DefaultFileIO(), result->sandbox);  // best effort
  result->sandbox.clear();
  result->sandbox_dropped = why;
}

void SandboxKeeper::Offer(TrialResult* result) {
  if (result->sandbox.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  result->sandbox_bytes = TreeBytes(result->sandbox);
  if (bound_.max_count <= 0) return Drop(result, "dropped for the bound: no sandbox is kept (at most 0)");
  if (result->sandbox_bytes > bound_.max_bytes)
    return Drop(result, fmt::format("dropped for the bound: it alone takes {}, over the {} kept at most",
                                    Mib(result->sandbox_bytes), Mib(bound_.max_bytes)));
  if (!disk_dir_.empty() && OnMemoryFileSystem(result->sandbox)) {
    const std::string to = JoinPath(disk_dir_, BaseName(result->sandbox));
    Status s = MakeDirs(disk_dir_);
    if (s.ok()) s = MoveTree(result->sandbox, to);
    if (!s.ok()) return Drop(result, "dropped: it could not be moved to disk: " + s.message());
    result->sandbox = to;
    result->sandbox_bytes = TreeBytes(to);  // on disk, where sparse files may be whole
    if (result->sandbox_bytes > bound_.max_bytes)
      return Drop(result, fmt::format("dropped for the bound: on disk it alone takes {}, over the {} kept at most",
                                      Mib(result->sandbox_bytes), Mib(bound_.max_bytes)));
  }
  while (!kept_.empty() && (static_cast<int>(kept_.size()) >= bound_.max_count ||
                            kept_bytes_ + result->sandbox_bytes > bound_.max_bytes)) {
    const bool by_count = static_cast<int>(kept_.size()) >= bound_.max_count;
    TrialResult* oldest = kept_.front();
    kept_.pop_front();
    kept_bytes_ -= oldest->sandbox_bytes;
    Drop(oldest, by_count ? fmt::format("dropped for the bound: newer sandboxes were kept (at most {})",
                                        bound_.max_count)
                          : fmt::format("dropped for the bound: newer sandboxes took the {} kept at most",
                                        Mib(bound_.max_bytes)));
  }
  kept_.push_back(result);
  kept_bytes_ += result->sandbox_bytes;
}

}  // namespace bdb::sim
