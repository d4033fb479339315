#include "simulator/faults/bdb_names_model.h"

#include <algorithm>

#include <fmt/format.h>

#include "simulator/faults/fault_schedule.h"

namespace bdb::sim {

bool IsBdbNameChange(const ParsedRecord& r) {
  return (r.h.type == kCreate || r.h.type == kRename || r.h.type == kUnlink) && r.h.offset == kOriginBdb;
}

uint64_t LostBdbNameChanges(const std::vector<ParsedRecord>& records, uint64_t seed, PowerLossMode mode,
                            std::vector<const ParsedRecord*>* lost) {
  // The journal's last commit: every record starting below it is durable.
  uint64_t committed = 0;
  for (const ParsedRecord& r : records)
    if (r.h.type == kSync || r.h.type == kDirSync) committed = std::max(committed, r.h.sync_upto);
  std::vector<const ParsedRecord*> pending;  // after the last commit, in journal order
  for (const ParsedRecord& r : records)
    if (IsBdbNameChange(r) && r.at >= committed) pending.push_back(&r);
  size_t keep = 0;
  if (mode == PowerLossMode::kAll) keep = pending.size();
  if (mode == PowerLossMode::kSubset) {
    // Keyed by how many changes were pending, not by journal offsets (which
    // shift with the interleaving of threads), so a replay draws the same.
    keep = FaultSchedule(seed).Stream(fmt::format("bdb names #{}", pending.size())).Below(pending.size() + 1);
  }
  lost->insert(lost->end(), pending.begin() + keep, pending.end());
  return pending.size();
}

}  // namespace bdb::sim
