// TrialPlan: every seeded decision of one trial, made before anything runs.
// PlanTrial draws them all from one generator (FaultSchedule's named streams:
// splitmix64 keyed by FNV-1a of the stream name, the same on every platform
// and standard library), so (scenario, seed) names the same crash points, tear
// targets, I/O error points and power-cut draws wherever it runs. The plan also
// lists the faults the scenario names (PlannedFault): the trial runner records
// for each whether it fired and what it hit, and a trial in which one did not
// fire is NOT_EXERCISED. Pure functions over plain values; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "simulator/plan/scenario.h"

namespace bdb::sim {

// How every listing of a directory of the home is ordered in one trial:
// log files and the log directory first (then the rest shuffled), or all
// shuffled; seeded, so the order never depends on the file system.
enum class ListingOrder { kLogsFirst, kShuffle };
inline const EnumNames<ListingOrder> kListingOrderNames = {{"logs_first", ListingOrder::kLogsFirst},
                                                           {"shuffle", ListingOrder::kShuffle}};
const char* ToString(ListingOrder order);  // its name in kListingOrderNames

struct ListingPlan {
  ListingOrder order = ListingOrder::kShuffle;
  uint64_t seed = 0;
  bool operator==(const ListingPlan&) const = default;
};

// The copy-side faults of one backup or archive step, run by the agent.
struct AgentFaultPlan {
  uint64_t crash_at_read = 0;  // SIGKILL at the n-th read; 0 = none
  uint64_t torn_pages = 0;     // page reads torn at torn_boundary_bytes; 0 = none
  uint32_t torn_boundary_bytes = 512;
  TornOrder torn_order = TornOrder::kSeeded;
  uint64_t mmap_fault_pages = 0;  // page reads torn at 4096 bytes; 0 = none
  IoPoint io_point = IoPoint::kRead;
  uint64_t io_nth = 0;  // the n-th call at io_point fails; 0 = none
  int io_errno = 0;
  bool io_short_write = false;
  uint64_t injector_seed = 0;  // seeds the agent's injectors (their own streams)
  // A power cut in the agent's write path (the step's power_cut): SIGKILL
  // before the n-th journaled operation counted from the first of phase
  // power_cut_from, or right after the agent exits; 0 = none.
  uint64_t power_cut_nth = 0;
  WritePhase power_cut_from = WritePhase::kSetup;
  PowerLossMode power_cut_mode = PowerLossMode::kSubset;
  ListingPlan listing;  // the order the engine's ListDir calls see
  // copy_under_load is planned: at its first read of the files it copies the
  // agent waits until a commit lands (CopyWindowFileIO).
  bool hold_for_commit = false;
  bool operator==(const AgentFaultPlan&) const = default;
};

// Kinds of planned faults, as reports spell them.
enum class FaultKind {
  kCrash,            // SIGKILL of the workload, a backup or an archive
  kPowerLoss,        // unsynced writes dropped or torn by a cut
  kTornRead,         // a page read spliced from two versions (512-byte boundaries)
  kMmapFault,        // the same at 4096-byte boundaries
  kIoError,          // a libfiu failure in the backup's I/O
  kWorkloadIoError,  // a libfiu failure under BDB in the workload
  kCopyUnderLoad,    // commits (and page writes) while a backup copied
  kPointInTime,      // a restore to a point with commits on both sides of it
  kAgentPowerCut,    // power lost in the backup agent's write path (a step's power_cut); records the phase
};
inline const EnumNames<FaultKind> kFaultKindNames = {{"crash", FaultKind::kCrash},
                                                     {"power_loss", FaultKind::kPowerLoss},
                                                     {"torn_read", FaultKind::kTornRead},
                                                     {"mmap_fault", FaultKind::kMmapFault},
                                                     {"io_error", FaultKind::kIoError},
                                                     {"workload_io_error", FaultKind::kWorkloadIoError},
                                                     {"copy_under_load", FaultKind::kCopyUnderLoad},
                                                     {"point_in_time", FaultKind::kPointInTime},
                                                     {"agent_power_cut", FaultKind::kAgentPowerCut}};
const char* ToString(FaultKind kind);  // its name in kFaultKindNames
// Exact inverse of ToString; false for anything else.
bool ParseFaultKind(const std::string& name, FaultKind* kind);

// One fault the scenario names; it must fire for the trial to count.
struct PlannedFault {
  FaultKind kind = FaultKind::kCrash;
  int step = 0;             // 1-based step it acts on; 0 = the whole trial
  std::string description;  // "workload SIGKILL at its write #812"
  bool operator==(const PlannedFault&) const = default;
};

struct TrialPlan {
  uint64_t seed = 0;
  // Workload process: an absolute crash point (faults.crash on the workload)
  // and an I/O error under BDB (faults.workload_io_error).
  uint64_t workload_crash_at_write = 0;
  IoPoint workload_io_point = IoPoint::kWrite;
  uint64_t workload_io_nth = 0;
  int workload_io_errno = 0;
  bool workload_io_short_write = false;
  // crash steps on the workload: step -> SIGKILL at the n-th write from then.
  std::map<int, uint64_t> crash_after_writes;
  // backup and archive steps (and restore_check steps with a power_cut): step -> the agent's faults.
  std::map<int, AgentFaultPlan> agent;
  // Seeds of power cuts, by the step that causes them (a power_loss step, a
  // crash step, a crashed backup/archive); 0 for a cut of faults.crash.
  std::map<int, uint64_t> power_cut_seed;
  std::vector<PlannedFault> faults;
  ListingPlan listing;  // every backup program's listings of the home (shim or engine)
  bool operator==(const TrialPlan&) const = default;
};

// Plans one trial. REQUIRES: the scenario passed ValidatePlannable.
TrialPlan PlanTrial(const Scenario& scenario, uint64_t seed);

// Load-time check that every fault the scenario names has something to act
// on (a hot backup for tears, a page size with an interior 4096-byte boundary
// for mmap faults, a backup step for copy-side I/O errors, a cut that can lose
// something). InvalidArgument "key '<key>' ...: <why>" with the line when known.
Status ValidatePlannable(const Scenario& scenario, std::string* key, int* line);

}  // namespace bdb::sim
