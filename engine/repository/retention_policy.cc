#include "engine/repository/retention_policy.h"

#include <algorithm>

#include "base/duration.h"
#include "engine/bdb/log_names.h"
#include "base/safe_path.h"

namespace bdb {
namespace {

bool IsFull(const Manifest& m) { return m.mode != BackupMode::kIncremental; }

// Index of each backup's chain, newest member first: itself, its parent, ...
// ending at a full backup; `complete` is false when a parent is missing.
struct Chain {
  std::vector<size_t> members;  // indexes into backups, newest first
  bool complete = false;
};

Chain ChainOf(const std::vector<Manifest>& backups, const std::map<std::string, size_t>& index, size_t i) {
  Chain chain;
  while (true) {
    chain.members.push_back(i);
    const Manifest& m = backups[i];
    if (IsFull(m)) {
      chain.complete = true;
      return chain;
    }
    auto parent = index.find(m.parent);
    // A parent must be older (Repository::LoadChain): this also ends any cycle.
    if (parent == index.end() || !(m.parent < m.id)) return chain;
    i = parent->second;
  }
}

std::set<uint32_t> LogNumbersHeld(const Manifest& m) {
  std::set<uint32_t> held;
  for (const ManifestFile& f : m.files) {
    uint32_t n = 0;
    if (f.kind == "log" && ParseLogFileName(BaseName(f.path), &n)) held.insert(n);
  }
  return held;
}

}  // namespace

bool RetentionPlan::LogNeeded(uint32_t number) const {
  if (keep_logs_from && number >= *keep_logs_from) return true;
  for (const ChainLogNeed& need : chain_needs) {
    if (number >= need.first && number <= need.last && !need.held.count(number)) return true;
  }
  return false;
}

Status PlanRetention(const std::vector<Manifest>& backups, const std::vector<uint32_t>& archived_logs,
                     const RetentionPolicy& policy, int64_t now_unix_ms, RetentionPlan* plan) {
  *plan = RetentionPlan();
  if (!policy.HasRule())
    return Status::InvalidArgument("bad usage: expire needs --keep-full N, --keep-for DURATION or --keep-pitr DURATION");
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < backups.size(); ++i) index[backups[i].id] = i;
  for (const std::string& pin : policy.pins) {
    if (!index.count(pin)) return Status::NotFound("backup '" + pin + "' named by --pin is not in the repository");
  }
  if (backups.empty()) {
    plan->keep_logs_from = 0;  // nothing to restore from: no log is judged unneeded
    return Status::OK();
  }

  std::vector<std::vector<std::string>> reasons(backups.size());
  auto keep = [&](size_t i, const std::string& why) {
    if (std::find(reasons[i].begin(), reasons[i].end(), why) == reasons[i].end()) reasons[i].push_back(why);
  };
  keep(backups.size() - 1, "the newest backup (always kept)");

  std::vector<size_t> fulls;
  for (size_t i = 0; i < backups.size(); ++i)
    if (IsFull(backups[i])) fulls.push_back(i);

  if (policy.keep_full) {
    const std::string why = *policy.keep_full == 1
                                ? std::string("the newest full backup (--keep-full)")
                                : "one of the newest " + std::to_string(*policy.keep_full) + " full backups (--keep-full)";
    std::set<size_t> newest_fulls;
    for (size_t k = 0; k < fulls.size() && k < *policy.keep_full; ++k) newest_fulls.insert(fulls[fulls.size() - 1 - k]);
    for (size_t i = 0; i < backups.size(); ++i) {
      const Chain chain = ChainOf(backups, index, i);
      if (chain.complete && newest_fulls.count(chain.members.back())) keep(i, why);
    }
  }
  if (policy.keep_for_ms) {
    const std::string why = "started within " + FormatDuration(*policy.keep_for_ms) + " (--keep-for)";
    for (size_t i = 0; i < backups.size(); ++i)
      if (backups[i].start_unix_ms >= now_unix_ms - *policy.keep_for_ms) keep(i, why);
  }
  for (const std::string& pin : policy.pins) keep(index[pin], "pinned (--pin)");
  for (const std::string& pin : policy.stored_pins)
    if (index.count(pin)) keep(index[pin], "pinned (recorded by expire --pin; expire --unpin releases it)");
  std::optional<size_t> pitr_base;
  if (policy.keep_pitr_ms && !fulls.empty()) {
    const int64_t window_start = now_unix_ms - *policy.keep_pitr_ms;
    pitr_base = fulls.front();
    for (size_t i : fulls)
      if (backups[i].start_unix_ms <= window_start) pitr_base = i;
    const std::string why = "in the " + FormatDuration(*policy.keep_pitr_ms) + " point-in-time window (--keep-pitr)";
    for (size_t i = *pitr_base; i < backups.size(); ++i) keep(i, why);
  }
  // A kept backup keeps its whole chain; walk newest first so a chain's
  // reasons reach every ancestor.
  for (size_t i = backups.size(); i-- > 0;) {
    if (reasons[i].empty()) continue;
    const Chain chain = ChainOf(backups, index, i);
    for (size_t k = 1; k < chain.members.size(); ++k)
      keep(chain.members[k], "in the chain of kept backup " + backups[i].id);
  }

  for (size_t i = 0; i < backups.size(); ++i) {
    if (reasons[i].empty()) continue;
    plan->kept.push_back(backups[i].id);
    plan->kept_because[backups[i].id] = reasons[i];
    const Chain chain = ChainOf(backups, index, i);
    if (!chain.complete) continue;  // cannot be restored: it needs no log
    ChainLogNeed need;
    need.first = backups[chain.members.back()].first_log;
    need.last = backups[i].last_log;
    for (size_t member : chain.members) need.held.merge(LogNumbersHeld(backups[member]));
    if (need.first != 0) plan->chain_needs.push_back(std::move(need));
  }
  for (size_t i = backups.size(); i-- > 0;)
    if (reasons[i].empty()) plan->expired.push_back(backups[i].id);

  plan->keep_logs_from = backups.back().last_log;
  if (pitr_base) plan->keep_logs_from = std::min(*plan->keep_logs_from, backups[*pitr_base].first_log);
  for (uint32_t n : archived_logs)
    if (!plan->LogNeeded(n)) plan->expired_logs.push_back(n);
  std::sort(plan->expired_logs.begin(), plan->expired_logs.end());
  return Status::OK();
}

}  // namespace bdb
