// FileOpJournal: records the file-system operations the engine makes through
// its FileIO (the backup agent writing the repository, removing archived logs
// from the environment, writing a restore target) in the power-loss journal
// that BDB's hooks write (power_loss_hooks.h), so one journal holds every
// process's writes, fsyncs, creates, renames, unlinks, mkdirs and directory
// fsyncs in one order (O_APPEND: each record is one write(2); its offset is
// its place). ApplyPowerLoss then rewinds both sides of a cut alike.
// Paths inside `home` are recorded relative to it, as the hooks do; others
// absolute. Before a rename replaces a file or an unlink removes one, the
// file is kept (hard link into keep_dir), so a cut that loses that directory
// change can bring it back. A journal that cannot be written makes the trial
// meaningless: the process exits (status 70) with one line on stderr.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"

namespace bdb::sim {

class FileOpJournal {
 public:
  // Opens journal_path for appending (created if missing) and keep_dir
  // (created if missing; same file system as the journaled files). home ""
  // records every path absolute (the recovery helper's BDB hooks).
  // IOError "unable to open file '<journal>': <why>".
  static Status Open(const std::string& journal_path, const std::string& home, const std::string& keep_dir,
                     std::unique_ptr<FileOpJournal>* out);
  ~FileOpJournal();

  // A new, empty file at path.
  void Created(const std::string& path);
  // path (an existing file of old_contents) was truncated to 0 bytes.
  void Truncated(const std::string& path, const std::string& old_contents);
  // n bytes about to be written at offset of a file that holds old_size bytes
  // (appends only: old_size == offset).
  void Writing(const std::string& path, uint64_t offset, uint64_t old_size, const char* data, size_t n);
  // The journal's end now: pass it to Synced / DirSynced once the fsync
  // that starts after this call returned OK.
  uint64_t SyncStarts();
  void Synced(const std::string& path, uint64_t upto);
  void DirSynced(const std::string& dir, uint64_t upto);
  void MadeDir(const std::string& dir);
  void RemovedDir(const std::string& dir);
  // Keeps a hard link to path (or a copy) in keep_dir before a rename over
  // it or its unlink; *kept is "" when path is not a regular file.
  void Keep(const std::string& path, std::string* kept);
  void Renaming(const std::string& from, const std::string& to, const std::string& kept_target);
  void Unlinking(const std::string& path, const std::string& kept);

  // Journal form of a path: relative to home when inside it ("." for home).
  std::string JournalPath(const std::string& path) const;

 private:
  FileOpJournal(int fd, std::string home, std::string keep_dir) : fd_(fd), home_(std::move(home)), keep_dir_(std::move(keep_dir)) {}
  void Append(uint32_t type, uint64_t offset, uint64_t length, uint64_t old_size, uint64_t sync_upto,
              const std::string& path, const std::string& old_part, const char* tail, size_t tail_len);

  std::mutex mu_;
  const int fd_;
  const std::string home_;  // realpath, with a trailing '/'
  const std::string keep_dir_;
  uint64_t seq_ = 0;
  uint64_t kept_ = 0;
};

}  // namespace bdb::sim
