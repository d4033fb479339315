#include "simulator/faults/journal_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "base/file_io.h"
#include "simulator/faults/power_loss_records.h"

namespace bdb::sim {
namespace {

[[noreturn]] void JournalFailed(const std::string& what) {
  fmt::print(stderr, "bdbsim agent: power loss journal: {}: {}\n", what, std::strerror(errno));
  _exit(70);
}

// The absolute path with its directory resolved (symlinks too); the last
// component may not exist.
std::string Resolved(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) != nullptr) return buf;
  const std::string dir = DirName(path), base = BaseName(path);
  if (realpath(dir.c_str(), buf) != nullptr) return std::string(buf) + (buf[1] == '\0' ? "" : "/") + base;
  return path;
}

}  // namespace

Status FileOpJournal::Open(const std::string& journal_path, const std::string& home, const std::string& keep_dir,
                           std::unique_ptr<FileOpJournal>* out) {
  char buf[PATH_MAX];
  std::string resolved_home;  // "" = every path absolute
  if (!home.empty()) {
    if (realpath(home.c_str(), buf) == nullptr)
      return Status::FromErrno(errno, fmt::format("unable to resolve path '{}'", home));
    resolved_home = std::string(buf) + "/";
  }
  if (::mkdir(keep_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::FromErrno(errno, fmt::format("unable to create directory '{}'", keep_dir));
  const int fd = ::open(journal_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno(errno, fmt::format("unable to open file '{}'", journal_path));
  out->reset(new FileOpJournal(fd, std::move(resolved_home), keep_dir));
  return Status::OK();
}

FileOpJournal::~FileOpJournal() { ::close(fd_); }

std::string FileOpJournal::JournalPath(const std::string& path) const {
  const std::string absolute = Resolved(path);
  if (home_.empty()) return absolute;
  if (absolute + "/" == home_) return ".";
  if (absolute.compare(0, home_.size(), home_) == 0) return absolute.substr(home_.size());
  return absolute;
}

void FileOpJournal::Append(uint32_t type, uint64_t offset, uint64_t length, uint64_t old_size, uint64_t sync_upto,
                           const std::string& path, const std::string& old_part, const char* tail, size_t tail_len) {
  RecordHeader h{};
  h.magic = kRecordMagic;
  h.type = type;
  h.offset = offset;
  h.length = length;
  h.old_size = old_size;
  h.sync_upto = sync_upto;
  h.path_len = static_cast<uint32_t>(path.size());
  h.old_len = static_cast<uint32_t>(old_part.size());
  std::lock_guard<std::mutex> lock(mu_);
  h.seq = ++seq_;
  std::string rec(reinterpret_cast<const char*>(&h), sizeof(h));
  rec += path;
  rec += old_part;
  rec.append(tail, tail_len);
  size_t done = 0;
  while (done < rec.size()) {  // one write(2) for a regular file in practice: O_APPEND keeps it whole
    const ssize_t n = ::write(fd_, rec.data() + done, rec.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) JournalFailed("write failed");
    done += static_cast<size_t>(n);
  }
}

void FileOpJournal::Created(const std::string& path) {
  Append(kCreate, kOriginFileIO, 0, 0, 0, JournalPath(path), {}, nullptr, 0);
}

void FileOpJournal::Truncated(const std::string& path, const std::string& old_contents) {
  Append(kTruncate, 0, 0, old_contents.size(), 0, JournalPath(path), old_contents, nullptr, 0);
}

void FileOpJournal::Writing(const std::string& path, uint64_t offset, uint64_t old_size, const char* data, size_t n) {
  Append(kWrite, offset, n, old_size, 0, JournalPath(path), {}, data, n);
}

uint64_t FileOpJournal::SyncStarts() {
  std::lock_guard<std::mutex> lock(mu_);
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  if (end < 0) JournalFailed("seek failed");
  return static_cast<uint64_t>(end);
}

void FileOpJournal::Synced(const std::string& path, uint64_t upto) {
  Append(kSync, 0, 0, 0, upto, JournalPath(path), {}, nullptr, 0);
}

void FileOpJournal::DirSynced(const std::string& dir, uint64_t upto) {
  Append(kDirSync, 0, 0, 0, upto, JournalPath(dir), {}, nullptr, 0);
}

void FileOpJournal::MadeDir(const std::string& dir) {
  Append(kMkdir, kOriginFileIO, 0, 0, 0, JournalPath(dir), {}, nullptr, 0);
}

void FileOpJournal::RemovedDir(const std::string& dir) {
  Append(kRmdir, kOriginFileIO, 0, 0, 0, JournalPath(dir), {}, nullptr, 0);
}

void FileOpJournal::Keep(const std::string& path, std::string* kept) {
  kept->clear();
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  uint64_t n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = ++kept_;
  }
  const std::string copy = fmt::format("{}/{}.{}.{}", keep_dir_, ::getpid(), n, BaseName(path));
  if (::link(path.c_str(), copy.c_str()) == 0) {
    *kept = Resolved(copy);
    return;
  }
  // Another file system: a copy (the journal's files are small ones: manifests, sidecars, logs).
  std::string contents;
  if (!ReadWholeFile(DefaultFileIO(), path, &contents).ok()) JournalFailed("unable to keep '" + path + "'");
  const int fd = ::open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, contents.data(), contents.size()) != static_cast<ssize_t>(contents.size()))
    JournalFailed("unable to keep '" + path + "'");
  ::close(fd);
  *kept = Resolved(copy);
}

void FileOpJournal::Renaming(const std::string& from, const std::string& to, const std::string& kept_target) {
  const std::string t = JournalPath(to);
  Append(kRename, kOriginFileIO, t.size(), 0, 0, JournalPath(from), kept_target, t.data(), t.size());
}

void FileOpJournal::Unlinking(const std::string& path, const std::string& kept) {
  Append(kUnlink, kOriginFileIO, 0, 0, 0, JournalPath(path), kept, nullptr, 0);
}

}  // namespace bdb::sim
