// `bdbackup expire` and `backup --expire`: the retention policy from the
// flags, RunExpire, and its report (text and JSON).
#include <fmt/format.h>

#include "base/duration.h"
#include "engine/bdb/log_names.h"
#include "engine/upkeep/expire.h"
#include "tools/bdbackup/commands.h"
#include "tools/bdbackup/output_format.h"

namespace bdb {

Status RetentionPolicyFromOptions(const RetentionOptions& o, const std::string& command, bool pins_only,
                                  RetentionPolicy* policy) {
  *policy = RetentionPolicy();
  if (o.keep_full) {
    if (*o.keep_full < 1 || *o.keep_full > UINT32_MAX)
      return Status::InvalidArgument("bad usage: --keep-full needs a positive number of full backups, not " +
                                     std::to_string(*o.keep_full));
    policy->keep_full = static_cast<uint32_t>(*o.keep_full);
  }
  int64_t ms = 0;
  if (!o.keep_for.empty()) {
    BDB_RETURN_IF_ERROR(ParseDuration(o.keep_for, "--keep-for", &ms));
    policy->keep_for_ms = ms;
  }
  if (!o.keep_pitr.empty()) {
    BDB_RETURN_IF_ERROR(ParseDuration(o.keep_pitr, "--keep-pitr", &ms));
    policy->keep_pitr_ms = ms;
  }
  policy->pins = o.pins;
  if (!policy->HasRule() && !pins_only) {
    return Status::InvalidArgument(
        "bad usage: " + command +
        " needs a retention policy: --keep-full N, --keep-for DURATION or --keep-pitr DURATION");
  }
  return Status::OK();
}

namespace {

// "log.0000000001..0000000004, log.0000000007" for a sorted list.
std::string LogRanges(const std::vector<uint32_t>& numbers) {
  std::string out;
  for (size_t i = 0; i < numbers.size();) {
    size_t j = i;
    while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += LogRange(numbers[i], numbers[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace

void DescribeExpire(const ExpireOutcome& out, bool dry_run, nlohmann::json* json, std::string* text) {
  const RetentionPlan& plan = out.plan;
  std::string pinned;
  for (const auto& id : out.pins) pinned += (pinned.empty() ? "" : ", ") + id;
  const std::string pins_line = (dry_run ? "pins would be: " : "pinned: ") + (pinned.empty() ? "none" : pinned) + "\n";
  if (!out.planned) {
    *json = {{"dry_run", dry_run}, {"pins", out.pins}};
    *text = pins_line;
    return;
  }
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& id : plan.kept) kept.push_back({{"id", id}, {"because", plan.kept_because.at(id)}});
  *json = {{"dry_run", dry_run},
           {"expired_backups", plan.expired},
           {"expired_logs", plan.expired_logs},
           {"expired_bytes", out.backup_bytes + out.log_bytes},
           {"unrecorded_logs_removed", out.unrecorded_logs_removed},
           {"leftovers_removed", out.leftovers_removed},
           {"kept", kept},
           {"pins", out.pins}};
  const std::string verb = dry_run ? "would expire" : "expired";
  *text = fmt::format("{} {} ({}) and {} ({}); {} kept\n", verb, Counted(plan.expired.size(), "backup"),
                      Size(out.backup_bytes), Counted(plan.expired_logs.size(), "archived log"), Size(out.log_bytes),
                      Counted(plan.kept.size(), "backup"));
  for (auto it = plan.expired.rbegin(); it != plan.expired.rend(); ++it)
    *text += fmt::format("  {} backup {}\n", dry_run ? "would remove" : "removed", *it);
  if (!plan.expired_logs.empty())
    *text += fmt::format("  {} archived {}\n", dry_run ? "would remove" : "removed", LogRanges(plan.expired_logs));
  if (!out.unrecorded_logs_removed.empty())
    *text += fmt::format("  {} archive files without a record (never the only copy): {}\n",
                         dry_run ? "would remove" : "removed", LogRanges(out.unrecorded_logs_removed));
  for (const auto& name : out.leftovers_removed) *text += "  finished removing " + name + " left by a killed expire\n";
  for (const auto& id : plan.kept) {
    std::string why;
    for (const auto& r : plan.kept_because.at(id)) why += (why.empty() ? "" : "; ") + r;
    *text += fmt::format("  kept {}: {}\n", id, why);
  }
  if (!out.pins.empty()) *text += "  " + pins_line;
}

Status RunExpireCommand(const EngineContext& ctx, const ExpireOptions& o, CommandResult* r) {
  ExpireRequest request;
  request.repo = o.repo;
  request.dry_run = o.dry_run;
  request.unpin = o.unpin;
  // `expire --pin ID` / `--unpin ID` alone only change the recorded pins.
  const bool pins_only = !o.pins.empty() || !o.unpin.empty();
  BDB_RETURN_IF_ERROR(RetentionPolicyFromOptions(o, "expire", pins_only, &request.policy));
  ExpireOutcome out;
  BDB_RETURN_IF_ERROR(RunExpire(ctx, request, &out));
  DescribeExpire(out, o.dry_run, &r->json, &r->text);
  r->json["command"] = "expire";
  return Status::OK();
}

}  // namespace bdb
