// The agent's request codec carries a step's power cut, its negative-control
// shortcut, a restore's target and the repository key whole, writes every
// enum by its one name (the table next to the enum), and refuses an unknown
// name, naming the key.
#include "simulator/agent/plan_codec.h"

#include <gtest/gtest.h>

#include <functional>

#include "simulator/agent/backup_agent.h"

namespace bdb::sim {
namespace {

TEST(PlanCodecTest, PowerCutShortcutAndRestoreRoundTrip) {
  AgentRequest in;
  in.op = AgentOp::kRestore;
  in.home = "/h";
  in.repo = "/r";
  in.restore_target = "/t";
  in.restore_backup = "20261130T170000Z-hot";
  in.durability_shortcut = DurabilityShortcut::kRemoveBeforeArchiveFsync;
  in.power_journal = "/j";
  in.repository_key = std::string(64, 'c');
  in.faults.power_cut_nth = 17;
  in.faults.power_cut_from = WritePhase::kArchiveRemoval;
  in.faults.power_cut_mode = PowerLossMode::kNone;
  AgentRequest out;
  Status s = AgentRequestFromJson(AgentRequestToJson(in), &out);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(out.op, AgentOp::kRestore);
  EXPECT_EQ(out.restore_target, "/t");
  EXPECT_EQ(out.restore_backup, in.restore_backup);
  EXPECT_EQ(out.durability_shortcut, DurabilityShortcut::kRemoveBeforeArchiveFsync);
  EXPECT_EQ(out.faults, in.faults);
  EXPECT_EQ(out.repository_key, in.repository_key);
}

TEST(PlanCodecTest, UnknownPhaseIsRefused) {
  AgentRequest in;
  std::string json = AgentRequestToJson(in);
  const std::string phase = "\"power_cut_from\":\"setup\"";
  const size_t at = json.find(phase);
  ASSERT_NE(at, std::string::npos) << json;
  json.replace(at, phase.size(), "\"power_cut_from\":\"publish\"");
  AgentRequest out;
  Status s = AgentRequestFromJson(json, &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "agent request: unknown power_cut_from \"publish\"");
}

// Each value of each enum the request carries: the JSON holds its name from
// the enum's table, and reading it back gives the value.
template <typename E>
void ExpectEveryNameRoundTrips(const EnumNames<E>& names, const std::string& key,
                               const std::function<void(AgentRequest*, E)>& set,
                               const std::function<E(const AgentRequest&)>& get) {
  for (const auto& [name, value] : names) {
    AgentRequest in;
    set(&in, value);
    const std::string json = AgentRequestToJson(in);
    EXPECT_NE(json.find("\"" + key + "\":\"" + std::string(name) + "\""), std::string::npos) << json;
    AgentRequest out;
    ASSERT_TRUE(AgentRequestFromJson(json, &out).ok()) << json;
    EXPECT_EQ(get(out), value) << name;
  }
}

TEST(PlanCodecTest, EveryEnumIsWrittenByItsOneName) {
  ExpectEveryNameRoundTrips<AgentOp>(
      kAgentOpNames, "op", [](AgentRequest* r, AgentOp v) { r->op = v; }, [](const AgentRequest& r) { return r.op; });
  ExpectEveryNameRoundTrips<BackupMode>(
      kBackupModeNames, "mode", [](AgentRequest* r, BackupMode v) { r->mode = v; },
      [](const AgentRequest& r) { return r.mode; });
  ExpectEveryNameRoundTrips<Copier>(
      kCopierNames, "copier", [](AgentRequest* r, Copier v) { r->copier = v; },
      [](const AgentRequest& r) { return r.copier; });
  ExpectEveryNameRoundTrips<DurabilityShortcut>(
      kDurabilityShortcutNames, "durability_shortcut",
      [](AgentRequest* r, DurabilityShortcut v) { r->durability_shortcut = v; },
      [](const AgentRequest& r) { return r.durability_shortcut; });
  ExpectEveryNameRoundTrips<TornOrder>(
      kTearOrderNames, "torn_order", [](AgentRequest* r, TornOrder v) { r->faults.torn_order = v; },
      [](const AgentRequest& r) { return r.faults.torn_order; });
  ExpectEveryNameRoundTrips<IoPoint>(
      kIoOpNames, "io_point", [](AgentRequest* r, IoPoint v) { r->faults.io_point = v; },
      [](const AgentRequest& r) { return r.faults.io_point; });
  ExpectEveryNameRoundTrips<WritePhase>(
      kWritePhaseNames, "power_cut_from", [](AgentRequest* r, WritePhase v) { r->faults.power_cut_from = v; },
      [](const AgentRequest& r) { return r.faults.power_cut_from; });
  ExpectEveryNameRoundTrips<PowerLossMode>(
      kPowerLossModeNames, "power_cut_mode", [](AgentRequest* r, PowerLossMode v) { r->faults.power_cut_mode = v; },
      [](const AgentRequest& r) { return r.faults.power_cut_mode; });
}

}  // namespace
}  // namespace bdb::sim
