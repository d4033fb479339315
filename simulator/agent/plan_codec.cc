#include "simulator/agent/plan_codec.h"

#include <nlohmann/json.hpp>

// An enum in the agent's JSON is its one spelling (the table next to it); a
// name the table lacks is refused, naming the key.
#define BDBSIM_JSON_ENUM(E, NAMES)                                 \
  inline void to_json(nlohmann::json& j, const E& e) { j = NameOf(NAMES, e); } \
  inline void from_json(const nlohmann::json& j, E& e) {           \
    if (!j.is_string() || !ParseName(NAMES, j.get<std::string>(), &e)) \
      throw std::invalid_argument("not a name: " + j.dump());      \
  }

namespace bdb {
// The engine's enum: its functions live in its namespace, where nlohmann looks.
BDBSIM_JSON_ENUM(BackupMode, kBackupModeNames)
}  // namespace bdb

namespace bdb::sim {

BDBSIM_JSON_ENUM(Copier, kCopierNames)
BDBSIM_JSON_ENUM(TornOrder, kTearOrderNames)
BDBSIM_JSON_ENUM(IoPoint, kIoOpNames)
BDBSIM_JSON_ENUM(AgentOp, kAgentOpNames)
BDBSIM_JSON_ENUM(PowerLossMode, kPowerLossModeNames)
BDBSIM_JSON_ENUM(DurabilityShortcut, kDurabilityShortcutNames)
BDBSIM_JSON_ENUM(WritePhase, kWritePhaseNames)
#undef BDBSIM_JSON_ENUM

namespace {

// An enum read by name: std::invalid_argument "unknown <key> <value>" when
// the value is not one of its names.
template <typename E>
E Strict(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = j.at(key);
  try {
    return v.get<E>();
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(std::string("unknown ") + key + " " + v.dump());
  }
}

}  // namespace

std::string AgentRequestToJson(const AgentRequest& r) {
  const AgentFaultPlan& f = r.faults;
  nlohmann::json faults = {{"crash_at_read", f.crash_at_read},
                           {"torn_pages", f.torn_pages},
                           {"torn_boundary_bytes", f.torn_boundary_bytes},
                           {"torn_order", f.torn_order},
                           {"mmap_fault_pages", f.mmap_fault_pages},
                           {"io_point", f.io_point},
                           {"io_nth", f.io_nth},
                           {"io_errno", f.io_errno},
                           {"io_short_write", f.io_short_write},
                           {"injector_seed", f.injector_seed},
                           {"power_cut_nth", f.power_cut_nth},
                           {"power_cut_from", f.power_cut_from},
                           {"power_cut_mode", f.power_cut_mode},
                           {"listing_logs_first", f.listing.order == ListingOrder::kLogsFirst},
                           {"listing_seed", f.listing.seed},
                           {"hold_for_commit", f.hold_for_commit}};
  nlohmann::json j = {{"op", r.op},
                      {"home", r.home},
                      {"repo", r.repo},
                      {"mode", r.mode},
                      {"checkpoint", r.checkpoint},
                      {"recover_as_you_go", r.recover_as_you_go},
                      {"copier", r.copier},
                      {"hold_hotbackup", r.hold_hotbackup},
                      {"announce_hotbackup", r.announce_hotbackup},
                      {"password", r.password},
                      {"durability_shortcut", r.durability_shortcut},
                      {"restore_target", r.restore_target},
                      {"restore_backup", r.restore_backup},
                      {"compress_level", r.compress_level},
                      {"repository_key", r.repository_key},
                      {"faults", faults},
                      {"power_journal", r.power_journal}};
  return j.dump();
}

Status AgentRequestFromJson(const std::string& json, AgentRequest* r) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument("agent request: not a JSON object");
  try {
    AgentRequest out;
    out.op = Strict<AgentOp>(j, "op");
    out.home = j.at("home").get<std::string>();
    out.repo = j.at("repo").get<std::string>();
    out.mode = Strict<BackupMode>(j, "mode");
    out.checkpoint = j.at("checkpoint").get<bool>();
    out.recover_as_you_go = j.at("recover_as_you_go").get<bool>();
    out.copier = Strict<Copier>(j, "copier");
    out.hold_hotbackup = j.at("hold_hotbackup").get<bool>();
    out.announce_hotbackup = j.at("announce_hotbackup").get<bool>();
    out.password = j.at("password").get<std::string>();
    out.compress_level = j.value("compress_level", 0);
    out.repository_key = j.value("repository_key", "");
    out.power_journal = j.at("power_journal").get<std::string>();
    out.durability_shortcut = Strict<DurabilityShortcut>(j, "durability_shortcut");
    out.restore_target = j.at("restore_target").get<std::string>();
    out.restore_backup = j.at("restore_backup").get<std::string>();
    const nlohmann::json& f = j.at("faults");
    AgentFaultPlan& p = out.faults;
    p.crash_at_read = f.at("crash_at_read").get<uint64_t>();
    p.torn_pages = f.at("torn_pages").get<uint64_t>();
    p.torn_boundary_bytes = f.at("torn_boundary_bytes").get<uint32_t>();
    p.torn_order = Strict<TornOrder>(f, "torn_order");
    p.mmap_fault_pages = f.at("mmap_fault_pages").get<uint64_t>();
    p.io_point = Strict<IoPoint>(f, "io_point");
    p.io_nth = f.at("io_nth").get<uint64_t>();
    p.io_errno = f.at("io_errno").get<int>();
    p.io_short_write = f.at("io_short_write").get<bool>();
    p.injector_seed = f.at("injector_seed").get<uint64_t>();
    p.power_cut_nth = f.at("power_cut_nth").get<uint64_t>();
    p.power_cut_from = Strict<WritePhase>(f, "power_cut_from");
    p.power_cut_mode = Strict<PowerLossMode>(f, "power_cut_mode");
    p.listing.order = f.at("listing_logs_first").get<bool>() ? ListingOrder::kLogsFirst : ListingOrder::kShuffle;
    p.listing.seed = f.at("listing_seed").get<uint64_t>();
    p.hold_for_commit = f.at("hold_for_commit").get<bool>();
    *r = std::move(out);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("agent request: ") + e.what());
  }
  return Status::OK();
}

}  // namespace bdb::sim
