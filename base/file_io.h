// FileIO: the engine's one interface to the file system (leveldb's Env idea).
// Only PosixFileIO calls the OS; the simulator wraps a FileIO (FileIOWrapper)
// to inject torn reads, mmap-style faults and errors. Every method returns a
// Status whose message names the path and the OS reason.
// Thread-safety: implementations must be safe to call from several threads;
// a ReadableFile or WritableFile is used by one thread at a time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace bdb {

// An open file read with positional reads (never mmap).
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to n bytes at offset into buf; *got < n only at end of file.
  virtual Status Pread(uint64_t offset, size_t n, char* buf, size_t* got) = 0;
  // Current size of the file (it may grow while being read).
  virtual Status Size(uint64_t* size) = 0;
  virtual const std::string& path() const = 0;
};

// An open file being written. Nothing is durable until Sync() returns OK.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of data (retrying short writes).
  virtual Status Append(const char* data, size_t n) = 0;
  // fsync(2): data and metadata are durable when this returns OK.
  virtual Status Sync() = 0;
  // A hint, not a durability point: start writing back what was appended so
  // far (sync_file_range SYNC_FILE_RANGE_WRITE), so a later Sync waits less.
  // Errors are ignored; Sync reports any that matter.
  virtual void StartWriteback() {}
  virtual Status Close() = 0;
  virtual const std::string& path() const = 0;
};

// A held advisory lock; released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

// flock(2) modes: many shared holders, or one exclusive holder.
enum class LockMode { kExclusive, kShared };

struct FileInfo {
  bool exists = false;
  bool is_dir = false;
  bool is_symlink = false;  // lstat: the path itself is a symbolic link
  uint64_t size = 0;
  mode_t mode = 0;
  int64_t mtime_sec = 0;
  uint64_t device = 0, inode = 0;  // st_dev, st_ino: which file it is (hard links share them)
};

class FileIO {
 public:
  virtual ~FileIO() = default;
  virtual Status OpenForRead(const std::string& path, std::unique_ptr<ReadableFile>* out) = 0;
  // Creates (truncating) a file with the given permission bits.
  // REQUIRES: the parent directory exists. O_NOFOLLOW: never writes through a symlink.
  virtual Status CreateForWrite(const std::string& path, mode_t mode,
                                std::unique_ptr<WritableFile>* out) = 0;
  // fsync of a directory, making renames and creations in it durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // rename(2): atomic replacement of `to`.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& path) = 0;
  // mkdir(2); OK if it already exists as a directory.
  virtual Status MakeDir(const std::string& path, mode_t mode) = 0;
  // Names (not paths) of the entries of dir, without "." and "..", in no
  // order a caller may rely on (PosixFileIO sorts them; the simulator serves
  // them in a seeded order, so nothing may depend on it).
  virtual Status ListDir(const std::string& dir, std::vector<std::string>* names) = 0;
  // lstat(2); a missing path is OK with info->exists = false.
  virtual Status Stat(const std::string& path, FileInfo* info) = 0;
  // Advisory lock on path (created 0600 if missing). Non-blocking: Busy if
  // another process holds it exclusively (or, for kExclusive, at all).
  virtual Status LockFile(const std::string& path, LockMode mode, std::unique_ptr<FileLock>* out) = 0;
};

// The process-wide POSIX implementation. Never destroyed.
FileIO* DefaultFileIO();

// Forwards every call to a target; subclasses override only what they change.
class FileIOWrapper : public FileIO {
 public:
  explicit FileIOWrapper(FileIO* target) : target_(target) {}
  FileIO* target() const { return target_; }
  Status OpenForRead(const std::string& p, std::unique_ptr<ReadableFile>* o) override { return target_->OpenForRead(p, o); }
  Status CreateForWrite(const std::string& p, mode_t m, std::unique_ptr<WritableFile>* o) override { return target_->CreateForWrite(p, m, o); }
  Status SyncDir(const std::string& d) override { return target_->SyncDir(d); }
  Status Rename(const std::string& f, const std::string& t) override { return target_->Rename(f, t); }
  Status RemoveFile(const std::string& p) override { return target_->RemoveFile(p); }
  Status RemoveDir(const std::string& p) override { return target_->RemoveDir(p); }
  Status MakeDir(const std::string& p, mode_t m) override { return target_->MakeDir(p, m); }
  Status ListDir(const std::string& d, std::vector<std::string>* n) override { return target_->ListDir(d, n); }
  Status Stat(const std::string& p, FileInfo* i) override { return target_->Stat(p, i); }
  Status LockFile(const std::string& p, LockMode m, std::unique_ptr<FileLock>* o) override {
    return target_->LockFile(p, m, o);
  }

 private:
  FileIO* target_;
};

// Convenience helpers built only on the FileIO interface.
// Reads a whole (small) file into *contents.
Status ReadWholeFile(FileIO* io, const std::string& path, std::string* contents);
// Writes contents to path atomically and durably: path.tmp, fsync, rename, fsync dir.
Status WriteFileAtomically(FileIO* io, const std::string& path, const std::string& contents, mode_t mode);
// Removes a directory tree (does not follow symlinks).
Status RemoveTree(FileIO* io, const std::string& path);
// fsyncs every directory below dir, deepest first, then dir itself (not
// following symlinks): the names of the files in the tree become durable.
Status SyncDirectoryTree(FileIO* io, const std::string& dir);
// Creates a fresh private directory <parent>/<prefix>-XXXXXX (mkdtemp) for
// scratch work; parent "" means $TMPDIR, else /tmp. IOError names the parent.
// (mkdtemp directly, not through FileIO: scratch is never a repository or an
// environment, so no injector or journal needs to see it.)
Status MakeScratchDir(const std::string& parent, const std::string& prefix, std::string* dir);
// Joins two path parts with exactly one '/'.
std::string JoinPath(const std::string& a, const std::string& b);
// A path (or a name) as messages show it: in single quotes, "'a.db'".
std::string Quote(const std::string& path);
// Directory part of a path ("." if none) and the last component.
std::string DirName(const std::string& path);
std::string BaseName(const std::string& path);

}  // namespace bdb
