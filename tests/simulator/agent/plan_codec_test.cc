// The agent's request codec carries a step's power cut, its negative-control
// shortcut, a restore's target and the repository key whole, and refuses an unknown phase.
#include "simulator/agent/plan_codec.h"

#include <gtest/gtest.h>

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
  EXPECT_FALSE(AgentRequestFromJson(json, &out).ok());
}

}  // namespace
}  // namespace bdb::sim
