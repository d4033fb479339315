// The steps of a trial whose workload is an application (workload.command):
// starting it behind the WorkloadProcess seam, with the BDB hooks preloaded
// when the trial needs them, and judging a recovered state by the exact
// prefix oracle (app_oracle.h). Everything else a trial does is the same for
// both workloads.
#include <fmt/ranges.h>

#include "engine/bdb/bdb_environment.h"
#include "simulator/harness/trial.h"

namespace bdb::sim::internal {

Status Trial::HookEnvironment(std::vector<std::string>* env) const {
  env->clear();
  const bool crash_step = std::any_of(sc_.steps.begin(), sc_.steps.end(), [](const Step& step) {
    return step.action == Step::Action::kCrash && step.target == CrashTarget::kWorkload;
  });
  if (config_.journal_path.empty() && config_.crash_at_write == 0 && !crash_step && config_.io_error_nth == 0)
    return Status::OK();
  if (options_.bdb_hooks_shim.empty())
    return Status::InvalidArgument(
        "this trial journals, crashes or fails the application's writes, which needs the preloaded BDB hooks "
        "(libbdbsim-bdb-hooks.so), and the runner has none");
  std::string preload = options_.bdb_hooks_shim;
  if (const char* existing = std::getenv("LD_PRELOAD"); existing != nullptr && *existing != '\0')
    preload += std::string(":") + existing;
  *env = {"LD_PRELOAD=" + preload, "BDBSIM_HOOKS_HOME=" + home_};
  if (!config_.journal_path.empty()) env->push_back("BDBSIM_HOOKS_JOURNAL=" + config_.journal_path);
  if (config_.crash_at_write > 0) env->push_back(fmt::format("BDBSIM_HOOKS_CRASH_AT_WRITE={}", config_.crash_at_write));
  if (crash_step) env->push_back("BDBSIM_HOOKS_CRASH_ARM=" + config_.crash_arm_file);
  if (config_.io_error_nth > 0) {
    env->push_back(fmt::format("BDBSIM_HOOKS_IO_ERROR={}:{}:{}:{}", WorkloadIoOpName(config_.io_error_op),
                               config_.io_error_nth, config_.io_error_errno, config_.io_error_short_write ? 1 : 0));
  }
  return Status::OK();
}

Status Trial::StartApplication() {
  const ApplicationSpec& app = *sc_.workload.application;
  BDB_RETURN_IF_ERROR(DefaultFileIO()->MakeDir(home_, 0700));
  const std::string bin = DirectoryOf(options_.agent_binary);
  app_oracle_ = std::make_unique<AppOracle>(app, bin, sandbox_.path(), kOracleTimeoutMs);
  ApplicationLaunch launch;
  launch.ack_path = sandbox_.Sub("acks");
  launch.argv = ExpandArgv(app.command, {{"{home}", home_}, {"{ack}", launch.ack_path}, {"{bin}", bin}});
  launch.stdout_path = sandbox_.Sub("workload.stdout");
  launch.stderr_path = sandbox_.Sub("workload.stderr");
  BDB_RETURN_IF_ERROR(HookEnvironment(&launch.env_set));
  Narrate(fmt::format("application: {}{}", fmt::join(launch.argv, " "),
                      launch.env_set.empty() ? "" : " (BDB hooks preloaded)"));
  BDB_RETURN_IF_ERROR(WorkloadProcess::StartApplication(launch, &workload_));
  Status ready = workload_->WaitReady(kAckTimeout);
  if (ready.ok() || !workload_->ledger().closed()) return ready;
  ExitInfo exit;
  workload_->Wait(std::chrono::milliseconds(10000), &exit);
  std::string err;
  ReadWholeFile(DefaultFileIO(), launch.stderr_path, &err);
  const std::string last = LastOutputLine(err);
  return Status::CheckFailed(fmt::format("the application ended ({}) before its first ack{}", exit.Describe(),
                                         last.empty() ? "" : ": " + last));
}

uint64_t Trial::AcksUpTo(uint64_t cutoff) const {
  uint64_t n = 0;
  for (const TxnRecord& r : workload_->ledger().Snapshot()) n += r.ack_seq != 0 && r.ack_seq <= cutoff;
  return n;
}

std::string Trial::LiveLogDir() const {
  EnvironmentLayout layout;
  if (InspectEnvironment(DefaultFileIO(), home_, &layout).ok()) return layout.log_dir;
  return JoinPath(home_, "log");
}

OracleReport Trial::JudgeApplication(const DetectionScope& scope, const std::string& what, const std::string& recovered,
                                     uint64_t cutoff) {
  const uint64_t before = AcksUpTo(cutoff);
  const AppVerdict v = app_oracle_->Check(recovered, before, workload_->ledger().AckedCount());
  OracleReport report;
  report.acked = before;
  report.present = v.count;
  report.missing = v.missing;
  report.records = v.dump_lines;
  result_.acked = std::max(result_.acked, before);
  result_.checked += v.dump_lines;
  result_.missing += v.missing;
  Narrate(what + ": prefix oracle: " + v.detail);
  if (v.outcome == Outcome::kPass) {
    evidence_.pass_detail = what + ": " + v.detail;
    return report;
  }
  report.Add({v.outcome == Outcome::kDetected ? 4 : 1, 0, "", "", v.detail});
  const std::string detail = what + ": " + v.detail;
  if (v.outcome == Outcome::kHang) {
    report.timed_out = true;
    Record(Outcome::kHang, detail);
  } else if (v.outcome == Outcome::kDetected || (v.unreadable && scope.live && power_cut_)) {
    // As for the built-in oracle: only the live environment after a power cut
    // may hold a page BDB refuses (damage); elsewhere what cannot be read is lost.
    Detected(scope, detail);
  } else {
    Record(v.outcome, detail);
  }
  return report;
}

}  // namespace bdb::sim::internal
