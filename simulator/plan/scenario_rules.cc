// Cross-field rules of a scenario, in one pass: settings that need other
// settings, what an external program allows, bounds taken from workload.txns
// and workload.page_size, the schedule walked in order, and whether every
// fault has something to act on (the planner's own precondition).
#include "simulator/plan/scenario_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/plan/trial_plan.h"

namespace bdb::sim {
namespace {

using A = Step::Action;

// The line of a dotted key in the file, 0 if it is not there.
uint32_t LineOf(const toml::table& top, std::string_view key) {
  const toml::node* node = top.at_path(key).node();
  return node != nullptr ? node->source().begin.line : 0;
}

bool Has(const toml::table& top, std::string_view key) { return top.at_path(key).node() != nullptr; }

class RuleCheck {
 public:
  RuleCheck(const Scenario& s, const toml::table& top, KeyReader& r) : s_(s), top_(top), r_(r) {}

  void Run() {
    Settings();
    ExternalProgram();
    ApplicationWorkload();
    BoundsFromOtherKeys();
    if (s_.implicit_steps && s_.backup.mode == BackupMode::kIncremental) {
      return Fail("backup.mode", "\"incremental\" needs a full backup before it; write a [[steps]] schedule");
    }
    if (s_.faults.power_loss &&
        std::none_of(s_.steps.begin(), s_.steps.end(), [](const Step& step) { return step.action == A::kCrash; }) &&
        !s_.faults.crash) {
      Fail("faults.power_loss", "needs a crash to apply to (faults.crash or a crash step)");
    }
    if (s_.bdb_names != BdbNames::kDurable && !s_.faults.power_loss &&
        std::none_of(s_.steps.begin(), s_.steps.end(),
                     [](const Step& step) { return step.action == A::kPowerLoss || step.power_cut.has_value(); })) {
      Fail("file_system.bdb_names", "needs a power cut to apply to (faults.power_loss, a power_loss step or a power_cut)");
    }
    if (r_.has_errors()) return;  // the schedule and the plan assume the settings hold
    Schedule();
    if (r_.has_errors()) return;
    std::string key;
    int line = 0;
    if (Status plannable = ValidatePlannable(s_, &key, &line); !plannable.ok()) {
      r_.FailAt(static_cast<uint32_t>(line != 0 ? line : LineOf(top_, key)), key, plannable.message());
    }
  }

 private:
  void Fail(const std::string& key, const std::string& what) { r_.FailAt(LineOf(top_, key), key, what); }
  // At the line of the step's own key (a bound on its value).
  void FailStepKey(size_t index, const std::string& key, const std::string& what) {
    const uint32_t line = LineOf(top_, fmt::format("steps[{}].{}", index, key));
    r_.FailAt(line != 0 ? line : static_cast<uint32_t>(s_.steps[index].line),
              fmt::format("steps[{}].{}", index + 1, key), what);
  }
  // At the line of the step (its place in the schedule).
  void FailStep(size_t index, const std::string& key, const std::string& what) {
    r_.FailAt(static_cast<uint32_t>(s_.steps[index].line), fmt::format("steps[{}].{}", index + 1, key), what);
  }

  void Settings() {
    const WorkloadSpec& w = s_.workload;
    const BackupSpec& b = s_.backup;
    if (w.bulk && w.threads > 1) {
      // Seen: with two writers BDB 5.3 stops committing within seconds (no deadlock is detected).
      Fail("workload.bulk", "= true needs workload.threads = 1 (two DB_TXN_BULK writers hang in BDB 5.3)");
    }
    if (!b.announce_hotbackup && b.hold_hotbackup) {
      Fail("backup.announce_hotbackup",
           "cannot be false with backup.hold_hotbackup = true (holding needs the announcement)");
    } else if (!b.announce_hotbackup && !w.bulk) {
      Fail("backup.announce_hotbackup",
           "= false needs workload.bulk = true (without DB_TXN_BULK the announcement changes nothing)");
    }
    if (Has(top_, "min_catch_rate") && s_.expect != Expect::kCaught) {
      Fail("min_catch_rate", "is only used with expect = \"caught\"");
    }
    if (Has(top_, "min_exercised") && s_.expect != Expect::kPass) {
      Fail("min_exercised", "is only used with expect = \"pass\"");
    }
    if (b.encrypt && b.recover_as_you_go) {
      Fail("backup.encrypt",
           "= true cannot be combined with backup.recover_as_you_go = true (an encrypted repository refuses a "
           "plaintext standby)");
    }
  }

  // What backup.method = "command" allows, and what only it allows.
  void ExternalProgram() {
    if (s_.backup.method != BackupMethod::kCommand) {
      if (Has(top_, "backup.command")) Fail("backup.command", "is only allowed with backup.method = \"command\"");
      return;
    }
    if (!Has(top_, "backup.command")) {
      r_.FailAt(LineOf(top_, "backup"), "backup.command", "is required with backup.method = \"command\"");
    }
    if (s_.workload.encrypt) {
      Fail("workload.encrypt", "is only allowed with backup.method = \"engine\" (the program gets no password)");
    }
    for (std::string_view key : {"mode", "checkpoint", "copier", "recover_as_you_go", "hold_hotbackup",
                                 "announce_hotbackup", "durability_shortcut", "compress", "encrypt"}) {
      const std::string full = "backup." + std::string(key);
      if (Has(top_, full)) Fail(full, "is only allowed with backup.method = \"engine\"");
    }
    if (!s_.implicit_steps) {
      Fail("steps", "is not allowed with backup.method = \"command\" (it runs the implicit schedule)");
    }
    // External programs do not copy through the engine's FileIO, so only a
    // crash or power loss of the workload can be injected around them.
    for (std::string_view key : {"torn_read", "mmap_fault", "io_error"}) {
      const std::string full = "faults." + std::string(key);
      if (Has(top_, full)) Fail(full, "needs backup.method = \"engine\"");
    }
    if (s_.faults.crash && s_.faults.crash->target != CrashTarget::kWorkload) {
      r_.FailAt(LineOf(top_, "faults.crash"), "faults.crash.target",
                "must be \"workload\" with backup.method = \"command\"");
    }
  }

  // What workload.command allows: the application configures its own
  // environment, runs until stopped, and is judged by the prefix oracle.
  void ApplicationWorkload() {
    if (!s_.workload.application) {
      for (std::string_view key : {"replay", "dump", "count"}) {
        const std::string full = "workload." + std::string(key);
        if (Has(top_, full)) Fail(full, "is only allowed with workload.command");
      }
      return;
    }
    for (std::string_view key : {"threads", "value_bytes", "keys_per_txn", "abort_percent", "page_size", "checksums",
                                 "cache_bytes", "checkpoint_every_txns", "log_file_bytes", "durability", "bulk",
                                 "log_auto_remove", "data_dir", "encrypt", "queue", "close_nosync", "load_seconds"}) {
      const std::string full = "workload." + std::string(key);
      if (Has(top_, full))
        Fail(full, "is a setting of the built-in workload; with workload.command the application configures its "
                   "own environment");
    }
    if (s_.backup.mode == BackupMode::kCold && Has(top_, "backup.mode")) {
      Fail("backup.mode", "\"cold\" needs a quiesced workload, and workload.command runs until it is stopped");
    }
    if (s_.faults.mmap_fault) {
      Fail("faults.mmap_fault", "needs workload.page_size above 4096, which workload.command does not declare");
    }
    for (size_t i = 0; i < s_.steps.size(); ++i) {
      const Step& step = s_.steps[i];
      if (step.action == A::kQuiesce || step.action == A::kResume) {
        FailStep(i, "action",
                 fmt::format("\"{}\" is not allowed with workload.command (the application keeps its environment "
                             "open until it is stopped)",
                             ToString(step.action)));
      } else if (step.until_txn) {
        FailStepKey(i, "until_txn",
                    "is not allowed with workload.command (the application reports acknowledgements, not when "
                    "each commit began)");
      }
    }
  }

  // Keys whose range is set by another key.
  void BoundsFromOtherKeys() {
    const int64_t txns = s_.workload.txns;
    if (Has(top_, "backup.start_after_txns")) {
      if (!s_.implicit_steps) {
        Fail("backup.start_after_txns", "is only used without [[steps]] (use a wait_txns step)");
      } else if (s_.backup.start_after_txns > txns) {
        Fail("backup.start_after_txns",
             fmt::format("must be an integer from 0 to {} (workload.txns), got {}", txns, s_.backup.start_after_txns));
      }
    }
    for (size_t i = 0; i < s_.steps.size() && !s_.implicit_steps; ++i) {
      const Step& step = s_.steps[i];
      if (step.action == A::kWaitTxns && step.txns > txns) {
        FailStepKey(i, "txns", fmt::format("must be an integer from 1 to {} (workload.txns), got {}", txns, step.txns));
      }
      if (step.until_txn && *step.until_txn > txns) {
        FailStepKey(i, "until_txn",
                    fmt::format("must be an integer from 1 to {} (workload.txns), got {}", txns, *step.until_txn));
      }
    }
    if (s_.faults.torn_read && Has(top_, "faults.torn_read.boundary_bytes") &&
        s_.faults.torn_read->boundary_bytes >= s_.workload.page_size) {
      Fail("faults.torn_read.boundary_bytes",
           fmt::format("must be a multiple of 512 below workload.page_size ({}), got {}", s_.workload.page_size,
                       s_.faults.torn_read->boundary_bytes));
    }
  }

  // Walks the schedule in order and refuses what cannot happen.
  void Schedule() {
    for (size_t i = 0; i < s_.steps.size(); ++i) Visit(i, s_.steps[i]);
    for (const auto& [target, index] : armed_) {
      FailStep(index, "target", fmt::format("arms a crash of the next {} step, but none follows", ToString(target)));
    }
    if (checks_ == 0) {
      FailStep(s_.steps.empty() ? 0 : s_.steps.size() - 1, "action",
               "ends a schedule with no restore_check, recover_check or promote_standby step");
    }
    if (s_.faults.crash && s_.faults.crash->target != CrashTarget::kWorkload && count_[s_.faults.crash->target] == 0) {
      r_.FailNoLine("faults.crash.target",
                    fmt::format("is \"{}\" but the schedule has no {} step", ToString(s_.faults.crash->target),
                                ToString(s_.faults.crash->target)));
    }
  }

  void Visit(size_t i, const Step& step) {
    const A a = step.action;
    const bool after_crash_ok =
        a == A::kRestoreCheck || a == A::kRecoverCheck || a == A::kPromoteStandby || a == A::kPowerLoss;
    if (crashed_ && !after_crash_ok) {
      return FailStep(i, "action",
                      fmt::format("\"{}\" cannot follow a crash of the workload (only restore_check, "
                                  "recover_check, promote_standby and power_loss can)",
                                  ToString(a)));
    }
    if (done_ && (a == A::kWaitTxns || a == A::kQuiesce || a == A::kResume || a == A::kWorkloadDone ||
                  (a == A::kCrash && step.target == CrashTarget::kWorkload))) {
      return FailStep(i, "action", fmt::format("\"{}\" cannot follow workload_done", ToString(a)));
    }
    switch (a) {
      case A::kWaitTxns:
        if (quiesced_) return FailStep(i, "action", "\"wait_txns\" cannot run while writers are quiesced");
        waited_ = std::max(waited_, step.txns);
        break;
      case A::kBackup: {
        if (step.refused && (s_.backup.method != BackupMethod::kEngine || step.power_cut)) {
          return FailStepKey(i, "refused", "needs backup.method = \"engine\" and no power_cut on the step");
        }
        bool crash = armed_.erase(CrashTarget::kBackup) > 0;
        if (crash && step.refused) return FailStepKey(i, "refused", "cannot be combined with a crash of the step");
        ++count_[CrashTarget::kBackup];
        // With faults.power_loss a crash is the whole machine's: the workload dies too.
        if (crash && s_.faults.power_loss) crashed_ = true;
        if (step.mode == BackupMode::kCold && !quiesced_) {
          return FailStep(i, "mode", "\"cold\" needs a quiesce step before it");
        }
        if (step.mode == BackupMode::kIncremental && full_backups_ == 0) {
          return FailStep(i, "mode", "\"incremental\" needs a full (cold or hot) backup before it");
        }
        if (!crash && step.mode != BackupMode::kIncremental) ++full_backups_;
        backups_.push_back({crash, waited_, step.refused.has_value()});
        if (step.power_cut) crashed_ = true;  // the machine loses power in its write path
        break;
      }
      case A::kExpire:
        if (full_backups_ == 0) return FailStep(i, "action", "\"expire\" needs a full backup before it");
        CheckPin(i, step);
        break;
      case A::kArchive:
        if (armed_.erase(CrashTarget::kArchive) > 0 && s_.faults.power_loss) crashed_ = true;
        ++count_[CrashTarget::kArchive];
        if (step.power_cut) crashed_ = true;
        break;
      case A::kCrash:
        if (step.target == CrashTarget::kWorkload) {
          crashed_ = true;
        } else if (!armed_.emplace(step.target, i).second) {
          return FailStep(i, "target", fmt::format("arms a second crash of the next {} step", ToString(step.target)));
        }
        break;
      case A::kPowerLoss:
        crashed_ = true;
        break;
      case A::kRestoreCheck:
        ++checks_;
        CheckRestore(i, step);
        if (step.power_cut) crashed_ = true;
        break;
      case A::kRecoverCheck:
        ++checks_;
        // A workload I/O error stops the workload like a crash (if BDB absorbs
        // it instead, recover_check kills the workload first).
        if (!crashed_ && !s_.faults.workload_io_error)
          return FailStep(i, "action", "\"recover_check\" needs a crash or power_loss step before it");
        break;
      case A::kPromoteStandby:
        ++checks_;
        if (!s_.backup.recover_as_you_go) {
          return FailStep(i, "action", "\"promote_standby\" needs backup.recover_as_you_go = true");
        }
        if (full_backups_ == 0) return FailStep(i, "action", "\"promote_standby\" needs a backup before it");
        break;
      case A::kQuiesce:
        if (quiesced_) return FailStep(i, "action", "\"quiesce\" repeats an earlier quiesce with no resume");
        quiesced_ = true;
        break;
      case A::kResume:
        if (!quiesced_) return FailStep(i, "action", "\"resume\" needs a quiesce step before it");
        quiesced_ = false;
        break;
      case A::kWorkloadDone:
        if (quiesced_) return FailStep(i, "action", "\"workload_done\" cannot run while writers are quiesced");
        done_ = true;
        break;
    }
  }

  void CheckRestore(size_t i, const Step& step) {
    if (backups_.empty()) return FailStep(i, "action", "\"restore_check\" needs a backup step before it");
    const int n = static_cast<int>(backups_.size());
    if (step.backup_index > n) {
      return FailStep(i, "backup",
                      fmt::format("names backup {} but only {} backup steps come before it", step.backup_index, n));
    }
    const BackupSeen& chosen = step.backup_index == 0 ? backups_.back() : backups_[step.backup_index - 1];
    if (step.backup_index > 0 && chosen.crashed) {
      return FailStep(i, "backup",
                      fmt::format("names backup {}, which is crashed and never published", step.backup_index));
    }
    if (step.until_txn) {
      if (*step.until_txn <= chosen.waited) {
        return FailStep(
            i, "until_txn",
            fmt::format("must be after the chosen backup started (txn {}), got {}", chosen.waited, *step.until_txn));
      }
      if (*step.until_txn > waited_) {
        return FailStep(
            i, "until_txn",
            fmt::format("must be at most {}, the commits waited for before it, got {}", waited_, *step.until_txn));
      }
    }
  }

  // An expire's pin names a backup step before it that publishes.
  void CheckPin(size_t i, const Step& step) {
    if (step.pin == 0) return;
    const int64_t n = static_cast<int64_t>(backups_.size());
    if (step.pin > n) {
      return FailStep(i, "pin", fmt::format("names backup {} but only {} backup steps come before it", step.pin, n));
    }
    const BackupSeen& pinned = backups_[step.pin - 1];
    if (pinned.crashed || pinned.refused) {
      return FailStep(i, "pin", fmt::format("names backup {}, which is {} and never published", step.pin,
                                            pinned.crashed ? "crashed" : "refused"));
    }
  }

  struct BackupSeen {
    bool crashed = false;
    int64_t waited = 0;    // commits waited for when it started
    bool refused = false;  // the step expects a refusal
  };
  const Scenario& s_;
  const toml::table& top_;
  KeyReader& r_;
  bool crashed_ = false;
  bool done_ = false;
  bool quiesced_ = false;
  int full_backups_ = 0;
  int checks_ = 0;
  int64_t waited_ = 0;
  std::vector<BackupSeen> backups_;
  std::map<CrashTarget, size_t> armed_;  // target -> index of the arming step
  std::map<CrashTarget, int> count_;
};

}  // namespace

void CheckScenarioRules(const Scenario& s, const toml::table& top, KeyReader& r) { RuleCheck(s, top, r).Run(); }

}  // namespace bdb::sim
