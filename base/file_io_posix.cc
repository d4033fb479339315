// PosixFileIO: the only code in the engine that calls the OS for file I/O.
// Reads are pread(2), never mmap; writes retry short writes; errors carry the
// path and strerror. libfiu's POSIX preload can fail any of these calls.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/file_io.h"

namespace bdb {
namespace {


class PosixReadableFile : public ReadableFile {
 public:
  PosixReadableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixReadableFile() override { ::close(fd_); }
  Status Pread(uint64_t offset, size_t n, char* buf, size_t* got) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "unable to read file " + Quote(path_));
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *got = done;
    return Status::OK();
  }
  Status Size(uint64_t* size) override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Status::FromErrno(errno, "unable to stat file " + Quote(path_));
    *size = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
};

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Append(const char* data, size_t n) override {
    while (n > 0) {
      ssize_t w = ::write(fd_, data, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "unable to write file " + Quote(path_));
      }
      if (w == 0) return Status::IOError("unable to write file " + Quote(path_) + ": write returned 0");
      data += w;
      n -= static_cast<size_t>(w);
    }
    return Status::OK();
  }
  Status Sync() override {
    if (::fsync(fd_) != 0) return Status::FromErrno(errno, "unable to sync file " + Quote(path_));
    return Status::OK();
  }
  void StartWriteback() override {
    if (fd_ >= 0) ::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
  }
  Status Close() override {
    if (fd_ < 0) return Status::OK();
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Status::FromErrno(errno, "unable to close file " + Quote(path_));
    return Status::OK();
  }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
};

class PosixFileLock : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class PosixFileIO : public FileIO {
 public:
  Status OpenForRead(const std::string& path, std::unique_ptr<ReadableFile>* out) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, "unable to open file " + Quote(path));
    *out = std::make_unique<PosixReadableFile>(path, fd);
    return Status::OK();
  }
  Status CreateForWrite(const std::string& path, mode_t mode, std::unique_ptr<WritableFile>* out) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return Status::FromErrno(errno, "unable to create file " + Quote(path));
    *out = std::make_unique<PosixWritableFile>(path, fd);
    return Status::OK();
  }
  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, "unable to open directory " + Quote(dir));
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return Status::FromErrno(err, "unable to sync directory " + Quote(dir));
    return Status::OK();
  }
  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      return Status::FromErrno(errno, "unable to rename " + Quote(from) + " to " + Quote(to));
    return Status::OK();
  }
  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return Status::FromErrno(errno, "unable to remove file " + Quote(path));
    return Status::OK();
  }
  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return Status::FromErrno(errno, "unable to remove directory " + Quote(path));
    return Status::OK();
  }
  Status MakeDir(const std::string& path, mode_t mode) override {
    if (::mkdir(path.c_str(), mode) == 0) return Status::OK();
    int err = errno;
    struct stat st;
    if (err == EEXIST && ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::OK();
    return Status::FromErrno(err, "unable to create directory " + Quote(path));
  }
  Status ListDir(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return Status::FromErrno(errno, "unable to list directory " + Quote(dir));
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names->push_back(std::move(name));
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) return Status::FromErrno(err, "unable to list directory " + Quote(dir));
    std::sort(names->begin(), names->end());
    return Status::OK();
  }
  Status Stat(const std::string& path, FileInfo* info) override {
    *info = FileInfo();
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
      return Status::FromErrno(errno, "unable to stat " + Quote(path));
    }
    info->exists = true;
    info->is_dir = S_ISDIR(st.st_mode);
    info->is_symlink = S_ISLNK(st.st_mode);
    info->size = static_cast<uint64_t>(st.st_size);
    info->mode = st.st_mode;
    info->mtime_sec = st.st_mtime;
    info->device = static_cast<uint64_t>(st.st_dev);
    info->inode = static_cast<uint64_t>(st.st_ino);
    return Status::OK();
  }
  Status LockFile(const std::string& path, LockMode mode, std::unique_ptr<FileLock>* out) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return Status::FromErrno(errno, "unable to open lock file " + Quote(path));
    if (::flock(fd, (mode == LockMode::kShared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) return Status::Busy("lock " + Quote(path) + " is held by another process");
      return Status::FromErrno(err, "unable to lock " + Quote(path));
    }
    *out = std::make_unique<PosixFileLock>(fd);
    return Status::OK();
  }
};

}  // namespace

FileIO* DefaultFileIO() {
  static PosixFileIO* io = new PosixFileIO();
  return io;
}

}  // namespace bdb
