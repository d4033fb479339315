#include "simulator/faults/power_loss_journal.h"

#include "base/file_io.h"
#include "engine/bdb/log_names.h"

#include <db.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstring>
#include <map>
#include <atomic>
#include <mutex>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "simulator/faults/fault_schedule.h"
#include "simulator/faults/journal_writer.h"
#include "simulator/faults/io_error_injector.h"
#include "simulator/faults/power_loss_records.h"
#include "simulator/faults/namespace_rollback.h"

namespace bdb::sim {

Status ParsePowerLossMode(const std::string& text, PowerLossMode* mode) {
  if (ParseName(kPowerLossModeNames, text, mode)) return Status::OK();
  return Status::InvalidArgument(fmt::format("unknown power loss mode '{}'", text));
}

Status ParseBdbNames(const std::string& text, BdbNames* names) {
  if (ParseName(kBdbNamesNames, text, names)) return Status::OK();
  return Status::InvalidArgument(fmt::format("unknown bdb_names model '{}'", text));
}

const char* BdbNamesName(BdbNames names) { return NameOf(kBdbNamesNames, names); }

const char* PowerLossModeName(PowerLossMode mode) { return NameOf(kPowerLossModeNames, mode); }

std::string PowerLossResult::Describe() const {
  uint64_t lost_bytes = 0;
  for (const LostRange& r : lost) lost_bytes += r.bytes;
  std::string text = fmt::format("{} unsynced writes: {} kept, {} torn, {} dropped ({} bytes lost in {} ranges)",
                                 unsynced_writes, kept_writes, torn_writes, dropped_writes, lost_bytes, lost.size());
  if (directory_changes > 0)
    text += fmt::format("; {} of {} unsynced directory changes lost", directory_changes_lost, directory_changes);
  if (bdb_name_changes > 0) {
    text += fmt::format("; {} of {} BDB name changes after the last fsync lost", bdb_name_changes_lost,
                        bdb_name_changes);
    std::vector<std::string> bdb;  // the first few, by name (in journal order)
    for (const std::string& change : lost_directory_changes)
      if (change.rfind("BDB's ", 0) == 0 && bdb.size() < 3) bdb.push_back(change.substr(6));
    if (!bdb.empty()) text += " (" + fmt::format("{}", fmt::join(bdb, ", ")) + (bdb_name_changes_lost > 3 ? ", ..." : "") + ")";
  }
  return text;
}

namespace {

// The name `path` has at the end of the journal, through the renames and
// unlinks of records[from...]; "" when one of them replaced or removed it.
std::string FinalName(const std::vector<ParsedRecord>& records, const std::vector<size_t>& namespace_ops, size_t from,
                      std::string path) {
  auto it = std::lower_bound(namespace_ops.begin(), namespace_ops.end(), from);
  for (; it != namespace_ops.end(); ++it) {
    const ParsedRecord& op = records[*it];
    if (op.h.type == kUnlink) {
      if (path == op.raw_path) return "";
      continue;
    }
    if (path == op.raw_path) {
      path = op.to;
    } else if (path.size() > op.raw_path.size() && path.compare(0, op.raw_path.size(), op.raw_path) == 0 &&
               path[op.raw_path.size()] == '/') {
      path = op.to + path.substr(op.raw_path.size());  // inside a renamed directory
    } else if (path == op.to) {
      return "";  // replaced by the renamed file
    }
  }
  return path;
}

// The journal's bytes, mapped read-only and whole (it holds every write's old
// and new bytes, often 100 MB and more: reading it into a growing string
// spent most of a power cut's time copying and faulting in fresh memory).
class JournalBytes {
 public:
  JournalBytes() = default;
  ~JournalBytes() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }
  JournalBytes(const JournalBytes&) = delete;
  JournalBytes& operator=(const JournalBytes&) = delete;

  Status Map(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, fmt::format("unable to open file '{}'", path));
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return Status::FromErrno(err, fmt::format("unable to read file '{}'", path));
    }
    size_t size = static_cast<size_t>(st.st_size);
    void* data = size == 0 ? nullptr : ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    const int err = errno;
    ::close(fd);
    if (data == MAP_FAILED) return Status::FromErrno(err, fmt::format("unable to read file '{}'", path));
    data_ = data;
    size_ = size;
    return Status::OK();
  }
  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

Status ParseJournal(const std::string& journal_path, JournalBytes* bytes, std::vector<ParsedRecord>* records,
                    uint64_t* ignored_tail) {
  BDB_RETURN_IF_ERROR(bytes->Map(journal_path));
  const std::string_view buf = bytes->view();
  size_t at = 0;
  while (at < buf.size()) {
    if (buf.size() - at < sizeof(RecordHeader)) break;
    ParsedRecord r;
    r.at = at;
    std::memcpy(&r.h, buf.data() + at, sizeof(RecordHeader));
    if (r.h.magic != kRecordMagic || r.h.type < kWrite || r.h.type > kLastRecordType)
      return Status::Corruption(fmt::format("power loss journal '{}' is corrupt at byte {}: bad record header",
                                            journal_path, at));
    uint64_t body = uint64_t{r.h.path_len} + r.h.old_len + ((r.h.type == kWrite || r.h.type == kRename) ? r.h.length : 0);
    if (buf.size() - at - sizeof(RecordHeader) < body) break;
    size_t p = at + sizeof(RecordHeader);
    r.raw_path = std::string(buf.substr(p, r.h.path_len));
    r.path = r.raw_path;
    r.old_at = p + r.h.path_len;
    r.new_at = r.old_at + r.h.old_len;
    if (r.h.type == kRename) r.to = std::string(buf.substr(r.new_at, r.h.length));
    if (r.h.type == kRename || r.h.type == kUnlink) r.kept = std::string(buf.substr(r.old_at, r.h.old_len));
    records->push_back(std::move(r));
    at = p + body;
  }
  *ignored_tail = buf.size() - at;
  // Name every record after the file's final name, so a file written under a
  // temporary name and then renamed (how BDB creates databases, how the
  // engine publishes files and backups) is one file.
  std::vector<size_t> namespace_ops;
  for (size_t i = 0; i < records->size(); ++i) {
    const uint32_t type = (*records)[i].h.type;
    if (type == kRename || type == kUnlink) namespace_ops.push_back(i);
  }
  for (size_t i = 0; i < records->size(); ++i) {
    ParsedRecord& r = (*records)[i];
    if (r.h.type == kRename || r.h.type == kUnlink) continue;
    r.path = FinalName(*records, namespace_ops, i + 1, r.raw_path);
  }
  return Status::OK();
}

// The part of a path that a replay reproduces: home-relative paths as they
// are; for an absolute path (the repository, in a sandbox whose name varies)
// its last two components.
std::string StableName(const std::string& path) {
  if (path.empty() || path[0] != '/') return path;
  return BaseName(DirName(path)) + "/" + BaseName(path);
}

uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// An open file of the environment being rewritten.
class FileRewriter {
 public:
  explicit FileRewriter(std::string home) : home_(std::move(home)) {}
  ~FileRewriter() {
    for (auto& [p, fd] : fds_) ::close(fd);
  }
  // Opens (caches) the file; *missing if it no longer exists.
  Status Open(const std::string& rel, int* fd, bool* missing) {
    *missing = false;
    auto it = fds_.find(rel);
    if (it != fds_.end()) {
      *fd = it->second;
      return Status::OK();
    }
    std::string full = Full(rel);
    int f = ::open(full.c_str(), O_RDWR | O_CLOEXEC);
    if (f < 0 && errno == ENOENT) {
      *missing = true;
      return Status::OK();
    }
    if (f < 0) return Status::FromErrno(errno, fmt::format("unable to open file '{}'", full));
    fds_[rel] = f;
    *fd = f;
    return Status::OK();
  }
  Status Write(const std::string& rel, int fd, const char* data, size_t n, uint64_t offset) {
    size_t done = 0;
    while (done < n) {
      ssize_t w = ::pwrite(fd, data + done, n - done, offset + done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return Status::FromErrno(errno, fmt::format("unable to write file '{}'", Full(rel)));
      done += w;
    }
    return Status::OK();
  }
  Status Truncate(const std::string& rel, int fd, uint64_t size) {
    if (::ftruncate(fd, size) != 0) return Status::FromErrno(errno, fmt::format("unable to truncate file '{}'", Full(rel)));
    return Status::OK();
  }
  Status SyncAll() {
    for (auto& [rel, fd] : fds_)
      if (::fsync(fd) != 0) return Status::FromErrno(errno, fmt::format("unable to sync file '{}'", Full(rel)));
    return Status::OK();
  }

 private:
  std::string Full(const std::string& rel) const { return rel[0] == '/' ? rel : home_ + "/" + rel; }
  std::string home_;
  std::map<std::string, int> fds_;
};

// Restores the state before record r. REQUIRES: every later change to that file already undone.
Status Undo(FileRewriter* files, std::string_view buf, const ParsedRecord& r) {
  int fd = -1;
  bool missing = false;
  BDB_RETURN_IF_ERROR(files->Open(r.path, &fd, &missing));
  if (missing) return Status::OK();  // unlinked later: nothing to rewrite
  BDB_RETURN_IF_ERROR(files->Truncate(r.path, fd, r.h.old_size));
  uint64_t at = r.h.type == kWrite ? r.h.offset : r.h.offset;  // truncate: tail starts at the new size
  return files->Write(r.path, fd, buf.data() + r.old_at, r.h.old_len, at);
}

// Re-applies record r, whole or a seeded set of its 512-byte sectors.
Status Redo(FileRewriter* files, std::string_view buf, const ParsedRecord& r, uint64_t draw, PowerLossResult* out) {
  int fd = -1;
  bool missing = false;
  BDB_RETURN_IF_ERROR(files->Open(r.path, &fd, &missing));
  if (missing) return Status::OK();
  int choice = draw % 3;  // 0 drop, 1 keep, 2 torn
  if (r.h.type == kTruncate) choice = choice == 2 ? 1 : choice;
  if (choice == 0) {
    ++out->dropped_writes;
    out->lost.push_back({r.path, r.h.offset, r.h.type == kWrite ? r.h.length : 0, false});
    return Status::OK();
  }
  if (r.h.type == kTruncate) {
    ++out->kept_writes;
    return files->Truncate(r.path, fd, r.h.offset);
  }
  if (choice == 1) {
    ++out->kept_writes;
    return files->Write(r.path, fd, buf.data() + r.new_at, r.h.length, r.h.offset);
  }
  ++out->torn_writes;
  uint64_t pos = r.h.offset, end = r.h.offset + r.h.length, sector = 0;
  while (pos < end) {
    uint64_t next = std::min(end, (pos / 512 + 1) * 512);
    bool keep = (Mix(draw ^ ++sector) & 1) != 0;
    if (keep) {
      BDB_RETURN_IF_ERROR(files->Write(r.path, fd, buf.data() + r.new_at + (pos - r.h.offset), next - pos, pos));
    } else if (!out->lost.empty() && out->lost.back().torn && out->lost.back().file == r.path &&
               out->lost.back().offset + out->lost.back().bytes == pos) {
      out->lost.back().bytes += next - pos;
    } else {
      out->lost.push_back({r.path, pos, next - pos, true});
    }
    pos = next;
  }
  return Status::OK();
}

}  // namespace

Status ReadJournalStats(const std::string& journal_path, JournalStats* stats) {
  *stats = JournalStats();
  JournalBytes buf;
  std::vector<ParsedRecord> records;
  uint64_t tail = 0;
  BDB_RETURN_IF_ERROR(ParseJournal(journal_path, &buf, &records, &tail));
  std::set<std::string> files;
  for (const ParsedRecord& r : records) {
    switch (r.h.type) {
      case kWrite: ++stats->writes; files.insert(r.path.empty() ? r.raw_path : r.path); break;
      case kSync: ++stats->syncs; break;
      case kTruncate: ++stats->truncates; files.insert(r.path.empty() ? r.raw_path : r.path); break;
      case kDirSync: ++stats->dir_syncs; break;
      case kMkdir: ++stats->mkdirs; break;
      case kRmdir: ++stats->rmdirs; break;
      case kCreate: ++stats->creates; break;
      case kRename: ++stats->renames; break;
      case kUnlink: ++stats->unlinks; break;
    }
  }
  stats->files.assign(files.begin(), files.end());
  return Status::OK();
}

Status ApplyPowerLoss(const std::string& journal_path, const std::string& home, uint64_t seed, PowerLossMode mode,
                      PowerLossResult* result) {
  return ApplyPowerLoss(journal_path, home, seed, mode, BdbNames::kDurable, result);
}

Status ApplyPowerLoss(const std::string& journal_path, const std::string& home, uint64_t seed, PowerLossMode mode,
                      BdbNames names, PowerLossResult* result) {
  *result = PowerLossResult();
  JournalBytes buf;
  std::vector<ParsedRecord> records;
  BDB_RETURN_IF_ERROR(ParseJournal(journal_path, &buf, &records, &result->ignored_tail_bytes));
  result->journal_records = records.size();
  std::map<std::string, uint64_t> synced_upto;  // per file: records starting below this offset are durable
  for (const ParsedRecord& r : records)
    if (r.h.type == kSync && !r.path.empty()) synced_upto[r.path] = std::max(synced_upto[r.path], r.h.sync_upto);
  std::vector<const ParsedRecord*> unsynced;
  for (const ParsedRecord& r : records) {
    // A file a later rename replaced or an unlink removed took its writes with it.
    if ((r.h.type != kWrite && r.h.type != kTruncate) || r.path.empty()) continue;
    auto it = synced_upto.find(r.path);
    if (it == synced_upto.end() || r.at >= it->second) unsynced.push_back(&r);
  }
  result->unsynced_writes = unsynced.size();
  if (mode == PowerLossMode::kAll) {
    result->kept_writes = unsynced.size();
    return Status::OK();
  }
  {
    FileRewriter files(home);
    std::set<std::string> removed;
    for (auto it = unsynced.rbegin(); it != unsynced.rend(); ++it) BDB_RETURN_IF_ERROR(Undo(&files, buf.view(), **it));
    for (const ParsedRecord& r : records) {
      // BDB never fsyncs a directory: a file whose data was never synced since
      // its creation has no durable directory entry either. (The engine's
      // creates follow the directory model below.)
      // (BdbNames::kOrdered: bdb_names_model.h decides, with the directory half.)
      if (names != BdbNames::kDurable || r.h.type != kCreate || r.h.offset != kOriginBdb || r.path.empty() ||
          synced_upto.count(r.path) != 0)
        continue;
      // subset: the file system may have committed the directory entry anyway.
      if (mode == PowerLossMode::kSubset && (FaultSchedule(seed).Stream("create " + r.path).Next() & 1) != 0) continue;
      std::string full = r.path[0] == '/' ? r.path : home + "/" + r.path;
      if (::unlink(full.c_str()) != 0 && errno != ENOENT)
        return Status::FromErrno(errno, fmt::format("unable to remove file '{}'", full));
      removed.insert(r.path);
      result->lost.push_back({r.path, 0, 0, false});
    }
    // Each write's draw is keyed by what it wrote (file, offset, and how many
    // writes to that range came before it), not by its journal offset, which
    // shifts with the interleaving of threads and processes.
    std::map<std::pair<std::string, uint64_t>, uint64_t> writes_to_range;
    for (const ParsedRecord* r : unsynced) {
      const uint64_t nth = writes_to_range[{r->path, r->h.offset}]++;
      if (removed.count(r->path) != 0) {
        ++result->dropped_writes;
        continue;
      }
      if (mode == PowerLossMode::kNone) {
        ++result->dropped_writes;
        result->lost.push_back({r->path, r->h.offset, r->h.type == kWrite ? r->h.length : 0, false});
        continue;
      }
      const uint64_t draw =
          FaultSchedule(seed).Stream(fmt::format("write {} @{} #{}", StableName(r->path), r->h.offset, nth)).Next();
      BDB_RETURN_IF_ERROR(Redo(&files, buf.view(), *r, draw, result));
    }
    BDB_RETURN_IF_ERROR(files.SyncAll());
  }
  return RollBackDirectoryChanges(records, home, seed, mode, names, result);
}

}  // namespace bdb::sim

// ---- Per-write fates (storage device models) ----
namespace bdb::sim {

Status ApplyPowerLossWithFates(const std::string& journal_path, const std::string& home, uint64_t seed,
                               const ChangeFateChooser& choose, PowerLossResult* result) {
  *result = PowerLossResult();
  JournalBytes buf;
  std::vector<ParsedRecord> records;
  BDB_RETURN_IF_ERROR(ParseJournal(journal_path, &buf, &records, &result->ignored_tail_bytes));
  result->journal_records = records.size();
  std::map<std::string, uint64_t> synced_upto;
  for (const ParsedRecord& r : records)
    if (r.h.type == kSync) synced_upto[r.path] = std::max(synced_upto[r.path], r.h.sync_upto);
  std::vector<const ParsedRecord*> changed;
  std::vector<JournaledChange> changes;
  for (const ParsedRecord& r : records) {
    if (r.h.type != kWrite && r.h.type != kTruncate) continue;
    auto it = synced_upto.find(r.path);
    const bool synced = it != synced_upto.end() && r.at < it->second;
    changed.push_back(&r);
    changes.push_back({r.path, r.at, r.h.offset, r.h.type == kWrite ? r.h.length : 0, r.h.type == kTruncate, synced});
    if (!synced) ++result->unsynced_writes;
  }
  std::vector<ChangeFate> fates;
  choose(changes, &fates);
  if (fates.size() != changes.size())
    return Status::InvalidArgument(fmt::format("device model gave {} fates for {} changes", fates.size(), changes.size()));
  size_t first = 0;
  while (first < fates.size() && fates[first] == ChangeFate::kKept) ++first;
  if (first == fates.size()) {
    result->kept_writes = changes.size();
    return Status::OK();
  }
  const uint64_t cut_at = changes[first].journal_offset;
  FileRewriter files(home);
  for (size_t i = changed.size(); i-- > first;) BDB_RETURN_IF_ERROR(Undo(&files, buf.view(), *changed[i]));
  std::set<std::string> survivors;  // files with a change kept from the cut point on
  for (size_t i = first; i < changes.size(); ++i)
    if (fates[i] != ChangeFate::kDropped) survivors.insert(changes[i].file);
  std::set<std::string> removed;
  for (const ParsedRecord& r : records) {
    if (r.h.type != kCreate || r.at < cut_at || survivors.count(r.path) != 0) continue;
    std::string full = r.path[0] == '/' ? r.path : home + "/" + r.path;
    if (::unlink(full.c_str()) != 0 && errno != ENOENT)
      return Status::FromErrno(errno, fmt::format("unable to remove file '{}'", full));
    removed.insert(r.path);
    result->lost.push_back({r.path, 0, 0, false});
  }
  for (size_t i = first; i < changes.size(); ++i) {
    const ParsedRecord& r = *changed[i];
    if (removed.count(r.path) != 0) {
      ++result->dropped_writes;
      continue;
    }
    // Redo picks its fate as draw % 3 (0 drop, 1 keep, 2 torn): keep that
    // contract and let the rest of the draw choose the torn sectors.
    const uint64_t draw = FaultSchedule(seed).Stream(fmt::format("fate {} @{} #{}", r.path, r.h.offset, i)).Next();
    const uint64_t choice = fates[i] == ChangeFate::kDropped ? 0 : fates[i] == ChangeFate::kKept ? 1 : 2;
    BDB_RETURN_IF_ERROR(Redo(&files, buf.view(), r, (draw >> 2) * 3 + choice, result));
  }
  return files.SyncAll();
}

}  // namespace bdb::sim
