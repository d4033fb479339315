#include "simulator/faults/namespace_rollback.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include <fmt/format.h>

#include "base/file_io.h"
#include "simulator/faults/bdb_names_model.h"
#include "simulator/faults/fault_schedule.h"

namespace bdb::sim {
namespace {

bool IsDirectoryChange(const ParsedRecord& r) {
  switch (r.h.type) {
    case kCreate:
    case kRename:
    case kUnlink:
      return r.h.offset == kOriginFileIO;
    case kMkdir:
    case kRmdir:
      return true;
    default:
      return false;
  }
}

const char* Verb(uint32_t type) {
  switch (type) {
    case kCreate: return "create";
    case kRename: return "rename";
    case kUnlink: return "unlink";
    case kMkdir: return "mkdir";
    case kRmdir: return "rmdir";
  }
  return "?";
}

std::string Describe(const ParsedRecord& r) {
  const char* who = IsBdbNameChange(r) ? "BDB's " : "";
  if (r.h.type == kRename) return fmt::format("{}rename '{}' -> '{}'", who, r.raw_path, r.to);
  return fmt::format("{}{} '{}'", who, Verb(r.h.type), r.raw_path);
}

// The directory whose fsync makes r durable (a rename's target directory; its
// source directory is checked too).
std::string DirectoryOf(const ParsedRecord& r) { return DirName(r.h.type == kRename ? r.to : r.raw_path); }

std::string Full(const std::string& home, const std::string& path) {
  return path.empty() || path[0] == '/' ? path : (path == "." ? home : home + "/" + path);
}

// Where `path` (as named at some point) is now, through the renames that
// stay: a rename of it or of a directory above it.
std::string Through(const std::vector<const ParsedRecord*>& kept_renames, uint64_t after, std::string path) {
  for (const ParsedRecord* op : kept_renames) {
    if (op->at <= after) continue;
    if (path == op->raw_path) {
      path = op->to;
    } else if (path.size() > op->raw_path.size() && path.compare(0, op->raw_path.size(), op->raw_path) == 0 &&
               path[op->raw_path.size()] == '/') {
      path = op->to + path.substr(op->raw_path.size());
    }
  }
  return path;
}

Status Fail(const std::string& what, const std::string& path) {
  return Status::FromErrno(errno, fmt::format("unable to {} '{}' after a power cut", what, path));
}

Status Relink(const std::string& kept, const std::string& path) {
  if (kept.empty()) return Status::OK();
  if (::link(kept.c_str(), path.c_str()) != 0 && errno != EEXIST && errno != ENOENT) return Fail("bring back", path);
  return Status::OK();
}

Status Undo(const ParsedRecord& r, const std::string& home, const std::vector<const ParsedRecord*>& kept_renames) {
  const std::string path = Full(home, Through(kept_renames, r.at, r.raw_path));
  switch (r.h.type) {
    case kCreate:
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Fail("remove", path);
      return Status::OK();
    case kMkdir: {
      FileInfo info;
      BDB_RETURN_IF_ERROR(DefaultFileIO()->Stat(path, &info));
      return info.exists ? RemoveTree(DefaultFileIO(), path) : Status::OK();
    }
    case kRmdir:
      if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return Fail("recreate directory", path);
      return Status::OK();
    case kUnlink:
      return Relink(r.kept, path);
    case kRename: {
      const std::string to = Full(home, Through(kept_renames, r.at, r.to));
      // ENOENT: killed between journaling the rename and making it.
      if (::rename(to.c_str(), path.c_str()) != 0 && errno != ENOENT) return Fail("move back", to);
      return Relink(r.kept, to);
    }
  }
  return Status::OK();
}

}  // namespace

Status RollBackDirectoryChanges(const std::vector<ParsedRecord>& records, const std::string& home, uint64_t seed,
                                PowerLossMode mode, BdbNames names, PowerLossResult* result) {
  // Per directory: the journal offset below which its changes are durable.
  std::map<std::string, uint64_t> dir_synced;
  for (const ParsedRecord& r : records) {
    if (r.h.type == kDirSync) dir_synced[r.raw_path] = std::max(dir_synced[r.raw_path], r.h.sync_upto);
  }
  auto synced_after = [](const std::map<std::string, uint64_t>& m, const std::string& key, uint64_t at) {
    auto it = m.find(key);
    return it != m.end() && it->second > at;
  };
  std::map<std::string, std::vector<const ParsedRecord*>> unsynced;  // by directory, in journal order
  std::vector<const ParsedRecord*> changes;
  for (const ParsedRecord& r : records) {
    if (names == BdbNames::kOrdered && IsBdbNameChange(r)) changes.push_back(&r);
    if (!IsDirectoryChange(r)) continue;
    changes.push_back(&r);
    const bool durable = synced_after(dir_synced, DirectoryOf(r), r.at) ||
                         (r.h.type == kRename && synced_after(dir_synced, DirName(r.raw_path), r.at));
    if (!durable) unsynced[DirectoryOf(r)].push_back(&r);
  }
  std::vector<const ParsedRecord*> lost;
  for (const auto& [dir, ops] : unsynced) {
    result->directory_changes += ops.size();
    size_t keep = 0;
    if (mode == PowerLossMode::kAll) keep = ops.size();
    if (mode == PowerLossMode::kSubset) {
      // Keyed by what the directory is and how many changes it lost, not by
      // its sandbox path, so a replay draws the same.
      SeededRng rng = FaultSchedule(seed).Stream(fmt::format("directory {} #{}", BaseName(dir), ops.size()));
      keep = rng.Below(ops.size() + 1);
    }
    lost.insert(lost.end(), ops.begin() + keep, ops.end());
  }
  const size_t engine_lost = lost.size();
  if (names == BdbNames::kOrdered) {
    result->bdb_name_changes += LostBdbNameChanges(records, seed, mode, &lost);
    result->bdb_name_changes_lost += lost.size() - engine_lost;
  }
  if (lost.empty()) return Status::OK();
  std::sort(lost.begin(), lost.end(), [](const ParsedRecord* a, const ParsedRecord* b) { return a->at < b->at; });
  std::vector<const ParsedRecord*> kept_renames;
  for (const ParsedRecord* r : changes) {
    if (r->h.type == kRename && !std::binary_search(lost.begin(), lost.end(), r, [](const ParsedRecord* a, const ParsedRecord* b) {
          return a->at < b->at;
        }))
      kept_renames.push_back(r);
  }
  for (auto it = lost.rbegin(); it != lost.rend(); ++it) {
    BDB_RETURN_IF_ERROR(Undo(**it, home, kept_renames));
    if (!IsBdbNameChange(**it)) ++result->directory_changes_lost;
    result->lost_directory_changes.push_back(Describe(**it));
    result->lost.push_back({(*it)->raw_path, 0, 0, false});
  }
  std::reverse(result->lost_directory_changes.begin(), result->lost_directory_changes.end());
  return Status::OK();
}

}  // namespace bdb::sim
