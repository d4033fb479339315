#include "simulator/plan/trial_plan.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>

#include "simulator/faults/fault_schedule.h"

namespace bdb::sim {
namespace {

using A = Step::Action;

// A value drawn uniformly from [range.min, range.max].
uint64_t DrawIn(SeededRng* rng, const Range& range) {
  if (range.max <= range.min) return static_cast<uint64_t>(range.min);
  return static_cast<uint64_t>(range.min) + rng->Below(static_cast<uint64_t>(range.max - range.min) + 1);
}

// The n-th call of an I/O error point: from `at`, or from [1, ceil(1/p)] for
// scenarios written with a probability.
Range IoErrorRange(const IoErrorFault& f) {
  if (f.at) return *f.at;
  const double p = f.probability > 0 ? f.probability : 0.05;
  return Range{1, std::max<int64_t>(1, static_cast<int64_t>(std::ceil(1.0 / p)))};
}

bool IsCopyingBackup(const Scenario& sc, const Step& step) {
  return step.action == A::kBackup && (sc.backup.method == BackupMethod::kCommand || step.mode != BackupMode::kCold);
}

class Planner {
 public:
  Planner(const Scenario& sc, uint64_t seed) : sc_(sc), schedule_(seed) { plan_.seed = seed; }

  TrialPlan Run() {
    PlanListing();
    PlanWorkload();
    const CrashFault* pending = nullptr;  // faults.crash on a backup/archive: its first such step
    if (sc_.faults.crash && sc_.faults.crash->target != CrashTarget::kWorkload) pending = &*sc_.faults.crash;
    std::map<CrashTarget, Range> armed;  // crash steps arm the next backup/archive
    for (size_t i = 0; i < sc_.steps.size(); ++i) {
      const Step& step = sc_.steps[i];
      const int n = static_cast<int>(i) + 1;
      switch (step.action) {
        case A::kCrash:
          if (step.target == CrashTarget::kWorkload) {
            SeededRng rng = Stream("crash/workload", n);
            plan_.crash_after_writes[n] = DrawIn(&rng, step.at);
            Add(FaultKind::kCrash, n,
                fmt::format("workload SIGKILL at its write #{} from this step", plan_.crash_after_writes[n]));
            PlanPowerCutOfCrash(n);
          } else {
            armed[step.target] = step.at;
          }
          break;
        case A::kPowerLoss:
          PlanPowerCut(n, step.power_loss_mode);
          break;
        case A::kBackup:
        case A::kArchive: {
          const CrashTarget target = step.action == A::kBackup ? CrashTarget::kBackup : CrashTarget::kArchive;
          std::optional<Range> crash;
          if (auto it = armed.find(target); it != armed.end()) {
            crash = it->second;
            armed.erase(it);
          } else if (pending != nullptr && pending->target == target) {
            crash = pending->at;
            pending = nullptr;
          }
          PlanAgentStep(n, step, crash);
          break;
        }
        case A::kRestoreCheck:
          if (step.power_cut) {
            AgentFaultPlan a;
            a.injector_seed = Stream("agent", n).Next();
            PlanAgentPowerCut(n, *step.power_cut, &a);
            plan_.agent[n] = a;
          }
          if (step.until_txn) {
            Add(FaultKind::kPointInTime, n,
                fmt::format("restore to the second after commit #{} was acknowledged", *step.until_txn));
          }
          break;
        default:
          break;
      }
    }
    return plan_;
  }

 private:
  SeededRng Stream(const std::string& name, int step = 0) const {
    return schedule_.Stream(step == 0 ? name : fmt::format("{}@step{}", name, step));
  }

  void Add(FaultKind kind, int step, std::string description) {
    plan_.faults.push_back(PlannedFault{kind, step, std::move(description)});
  }

  void PlanListing() {
    SeededRng rng = Stream("listing");
    const uint64_t share_per_million = static_cast<uint64_t>(sc_.backup.logs_first_share * 1e6 + 0.5);
    plan_.listing.order = rng.Chance(share_per_million, 1000000) ? ListingOrder::kLogsFirst : ListingOrder::kShuffle;
    plan_.listing.seed = rng.Next();
  }

  void PlanWorkload() {
    const FaultSpec& f = sc_.faults;
    if (f.crash && f.crash->target == CrashTarget::kWorkload) {
      SeededRng rng = Stream("crash/workload");
      plan_.workload_crash_at_write = DrawIn(&rng, f.crash->at);
      Add(FaultKind::kCrash, 0, fmt::format("workload SIGKILL at its write #{}", plan_.workload_crash_at_write));
      PlanPowerCutOfCrash(0);
    }
    if (f.workload_io_error) {
      SeededRng rng = Stream("io_error/workload");
      const auto& points = f.workload_io_error->points;
      plan_.workload_io_point = points[rng.Below(points.size())];
      plan_.workload_io_nth = DrawIn(&rng, f.workload_io_error->at);
      plan_.workload_io_errno = f.workload_io_error->error_number;
      const bool short_draw = rng.Below(2) == 0;  // always drawn: the stream does not shift
      plan_.workload_io_short_write =
          plan_.workload_io_point == IoPoint::kWrite && f.workload_io_error->error_number == ENOSPC && short_draw;
      Add(FaultKind::kWorkloadIoError, 0,
          fmt::format("workload {} #{} fails with {}{}", ToString(plan_.workload_io_point), plan_.workload_io_nth,
                      strerrorname_np(plan_.workload_io_errno),
                      plan_.workload_io_short_write ? " after a short write" : ""));
    }
  }

  // Under faults.power_loss every crash is a cut of the whole machine.
  void PlanPowerCutOfCrash(int step) {
    if (sc_.faults.power_loss) PlanPowerCut(step, sc_.faults.power_loss->mode);
  }

  // The cut's seed is always planned; it is a fault the trial must exercise
  // only where its effect is observed: a later recover_check, or a
  // restore_check that applies the live environment's logs. Elsewhere the
  // cut only marks the machine as lost.
  void PlanPowerCut(int step, PowerLossMode mode) {
    plan_.power_cut_seed[step] = Stream("power_loss", step).Next();
    if (ObservedAfter(step))
      Add(FaultKind::kPowerLoss, step, fmt::format("power cut, unsynced writes kept: {}", ToString(mode)));
  }

  bool ObservedAfter(int step) const {
    for (size_t i = static_cast<size_t>(step); i < sc_.steps.size(); ++i) {
      const Step& later = sc_.steps[i];
      if (later.action == A::kRecoverCheck || (later.action == A::kRestoreCheck && later.live_logs)) return true;
    }
    return false;
  }

  void PlanAgentStep(int n, const Step& step, const std::optional<Range>& crash) {
    AgentFaultPlan a;
    SeededRng rng = Stream("agent", n);
    a.injector_seed = rng.Next();
    const FaultSpec& f = sc_.faults;
    const bool backup = step.action == A::kBackup;
    const bool hot = backup && step.mode == BackupMode::kHot;
    if (crash) {
      SeededRng c = Stream("crash/agent", n);
      a.crash_at_read = DrawIn(&c, *crash);
      Add(FaultKind::kCrash, n, fmt::format("{} SIGKILL at its read #{}", ToString(step.action), a.crash_at_read));
      PlanPowerCutOfCrash(n);
    }
    if (hot && f.torn_read) {
      SeededRng t = Stream("torn_read", n);
      a.torn_pages = DrawIn(&t, f.torn_read->pages);
      a.torn_boundary_bytes = static_cast<uint32_t>(f.torn_read->boundary_bytes);
      a.torn_order = f.torn_read->order;
      Add(FaultKind::kTornRead, n,
          fmt::format("{} page reads torn at {}-byte boundaries", a.torn_pages, a.torn_boundary_bytes));
    }
    if (hot && f.mmap_fault) {
      SeededRng m = Stream("mmap_fault", n);
      a.mmap_fault_pages = DrawIn(&m, f.mmap_fault->pages);
      Add(FaultKind::kMmapFault, n, fmt::format("{} page reads torn at 4096-byte boundaries", a.mmap_fault_pages));
    }
    if (backup && f.io_error) {
      SeededRng e = Stream("io_error", n);
      a.io_point = f.io_error->points[e.Below(f.io_error->points.size())];
      a.io_nth = DrawIn(&e, IoErrorRange(*f.io_error));
      a.io_errno = f.io_error->error_number;
      const bool short_draw = e.Below(2) == 0;
      a.io_short_write = a.io_point == IoPoint::kWrite && short_draw;
      Add(FaultKind::kIoError, n,
          fmt::format("{} #{} of the backup fails with {}", ToString(a.io_point), a.io_nth,
                      strerrorname_np(a.io_errno)));
    }
    if (step.power_cut) PlanAgentPowerCut(n, *step.power_cut, &a);
    a.listing = plan_.listing;
    if (IsCopyingBackup(sc_, step)) {
      Add(FaultKind::kCopyUnderLoad, n, "the workload commits while the copy runs");
      a.hold_for_commit = true;
    }
    plan_.agent[n] = a;
  }

  // A step's power_cut: where it lands, and the cut's own seed.
  void PlanAgentPowerCut(int n, const AgentPowerCut& cut, AgentFaultPlan* a) {
    SeededRng rng = Stream("power_cut/agent", n);
    a->power_cut_nth = DrawIn(&rng, cut.at);
    a->power_cut_from = cut.from;
    a->power_cut_mode = cut.mode;
    plan_.power_cut_seed[n] = Stream("power_loss", n).Next();
    Add(FaultKind::kAgentPowerCut, n,
        fmt::format("power cut at the agent's journaled operation #{} from its first in phase {}, unsynced kept: {}",
                    a->power_cut_nth, ToString(cut.from), ToString(cut.mode)));
  }

  const Scenario& sc_;
  const FaultSchedule schedule_;
  TrialPlan plan_;
};

}  // namespace

const char* ToString(FaultKind kind) { return NameOf(kFaultKindNames, kind); }

const char* ToString(ListingOrder order) { return NameOf(kListingOrderNames, order); }

bool ParseFaultKind(const std::string& name, FaultKind* kind) { return ParseName(kFaultKindNames, name, kind); }

TrialPlan PlanTrial(const Scenario& scenario, uint64_t seed) { return Planner(scenario, seed).Run(); }

Status ValidatePlannable(const Scenario& sc, std::string* key, int* line) {
  *line = 0;
  const FaultSpec& f = sc.faults;
  bool hot = false, engine_backup = false;
  for (const Step& step : sc.steps) {
    hot |= step.action == A::kBackup && step.mode == BackupMode::kHot;
    engine_backup |= step.action == A::kBackup;
  }
  const bool engine = sc.backup.method == BackupMethod::kEngine;
  if ((f.torn_read || f.mmap_fault) && !(engine && hot)) {
    *key = f.torn_read ? "faults.torn_read" : "faults.mmap_fault";
    return Status::InvalidArgument(
        "tears pages the workload rewrites during a hot backup, but the schedule has no hot backup step");
  }
  if (f.mmap_fault && sc.workload.page_size <= 4096) {
    *key = "faults.mmap_fault";
    return Status::InvalidArgument(fmt::format(
        "tears at 4096-byte boundaries, which a {}-byte page does not straddle (use workload.page_size above 4096)",
        sc.workload.page_size));
  }
  if (f.io_error && !(engine && engine_backup)) {
    *key = "faults.io_error";
    return Status::InvalidArgument("fails the backup's I/O, but the schedule has no backup step");
  }
  for (size_t i = 0; i < sc.steps.size(); ++i) {
    const Step& step = sc.steps[i];
    if (step.action == A::kPowerLoss && step.power_loss_mode == PowerLossMode::kAll) {
      *key = fmt::format("steps[{}].mode", i + 1);
      *line = step.line;
      return Status::InvalidArgument(
          "\"all\" keeps every unsynced write, a power cut that loses nothing (use \"none\" or \"subset\")");
    }
  }
  if (f.power_loss && f.power_loss->mode == PowerLossMode::kAll) {
    *key = "faults.power_loss.mode";
    return Status::InvalidArgument(
        "\"all\" keeps every unsynced write, a power cut that loses nothing (use \"none\" or \"subset\")");
  }
  return Status::OK();
}

}  // namespace bdb::sim
