#include "simulator/faults/storage_device.h"

#include <fmt/format.h>

#include "simulator/faults/fault_schedule.h"

namespace bdb::sim {
namespace {

// Index of the first change still in the volatile cache: the newest changes
// whose bytes add up to at most cache_bytes (at least the newest one).
size_t CacheStart(const std::vector<JournaledChange>& changes, uint64_t cache_bytes) {
  size_t start = changes.size();
  uint64_t bytes = 0;
  while (start > 0 && (start == changes.size() || bytes + changes[start - 1].bytes <= cache_bytes)) {
    bytes += changes[start - 1].bytes;
    --start;
  }
  return start;
}

}  // namespace

const char* DeviceBehaviourName(DeviceBehaviour b) {
  switch (b) {
    case DeviceBehaviour::kHonest: return "honest";
    case DeviceBehaviour::kLyingFsync: return "lying-fsync";
    case DeviceBehaviour::kReorderWrites: return "reorder-writes";
  }
  return "?";
}

std::string DeviceCutResult::Describe() const {
  return fmt::format("{}; {} changes in the volatile cache, {} fsynced changes lost, {} later changes kept",
                     cut.Describe(), cached_changes, synced_changes_lost, later_changes_kept);
}

Status ApplyDevicePowerCut(const std::string& journal_path, const std::string& home, uint64_t seed,
                           const StorageDevice& device, DeviceCutResult* result) {
  *result = DeviceCutResult();
  if (device.behaviour == DeviceBehaviour::kHonest)
    return ApplyPowerLoss(journal_path, home, seed, PowerLossMode::kNone, &result->cut);
  auto choose = [&](const std::vector<JournaledChange>& changes, std::vector<ChangeFate>* fates) {
    fates->assign(changes.size(), ChangeFate::kKept);
    const size_t cache = CacheStart(changes, device.volatile_cache_bytes);
    result->cached_changes = changes.size() - cache;
    // Before the cache: as on an honest device, what no fsync covered is lost.
    for (size_t i = 0; i < cache; ++i)
      if (!changes[i].synced) (*fates)[i] = ChangeFate::kDropped;
    size_t written_back_from = changes.size();  // lying: nothing in the cache was written back
    if (device.behaviour == DeviceBehaviour::kReorderWrites) {
      uint64_t cached_bytes = 0;
      for (size_t i = cache; i < changes.size(); ++i) cached_bytes += changes[i].bytes;
      const uint64_t share = 25 + FaultSchedule(seed).Stream("reorder share").Next() % 51;  // 25..75 %
      uint64_t budget = cached_bytes * share / 100, done = 0;
      written_back_from = changes.size();
      while (written_back_from > cache && done + changes[written_back_from - 1].bytes <= budget)
        done += changes[--written_back_from].bytes;
      if (written_back_from == changes.size() && written_back_from > cache) --written_back_from;  // at least the newest
    }
    bool synced_lost = false;
    for (size_t i = cache; i < changes.size(); ++i) {
      const bool kept = i >= written_back_from;
      (*fates)[i] = kept ? ChangeFate::kKept : ChangeFate::kDropped;
      if (!kept && changes[i].synced) ++result->synced_changes_lost, synced_lost = true;
      if (kept && synced_lost) ++result->later_changes_kept;
    }
  };
  return ApplyPowerLossWithFates(journal_path, home, seed, choose, &result->cut);
}

}  // namespace bdb::sim
