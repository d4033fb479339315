#include "simulator/harness/trial.h"

#include <cctype>

#include "engine/repository/backup_id.h"
#include "engine/backup/standby.h"

namespace bdb::sim::internal {
namespace {

// "(N such pages)" in a restore's or verify's coverage refusal (log_coverage.h); 0 if none.
uint64_t UncoveredPagesNamedIn(const std::string& message) {
  const size_t at = message.find(" such page");
  if (at == std::string::npos) return 0;
  size_t begin = at;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(message[begin - 1]))) --begin;
  return begin == at ? 0 : std::stoull(message.substr(begin, at - begin));
}

}  // namespace

// Runs the oracle on a recovered environment and classifies what it finds.
// Returns the oracle's report.
OracleReport Trial::Judge(const DetectionScope& scope, const std::string& what, const std::string& recovered,
                          uint64_t cutoff, bool allow_lost_suffix, int64_t absent_from_unix_ms,
                          const std::vector<std::string>& already_verified) {
  if (app_oracle_) return JudgeApplication(scope, what, recovered, cutoff);
  // In its own process (BDB may crash reading a damaged environment), unless
  // the runner has no bdbsim binary to run it with (in-process tests).
  OracleRequest request{recovered, workload_->ledger().Snapshot(), cutoff, config_, allow_lost_suffix,
                        absent_from_unix_ms};
  // Only the live environment after a power cut may hold a database BDB
  // refuses (a torn page): elsewhere an unreadable database lost its commits.
  request.skip_rules_if_unreadable = scope.live && power_cut_;
  request.already_verified = already_verified;
  OracleReport report =
      options_.agent_binary.empty()
          ? CheckEnvironment(request.home, request.ledger, cutoff, config_, allow_lost_suffix, absent_from_unix_ms,
                             false, request.skip_rules_if_unreadable, already_verified)
          : CheckEnvironmentInChild(options_.agent_binary,
                                    sandbox_.Sub(fmt::format("oracle-{}.json", ++oracle_runs_)), request,
                                    kOracleTimeoutMs);
  if (report.timed_out) {
    Record(Outcome::kHang, fmt::format("{}: the oracle's reader was stopped by the harness timeout after {} ms", what,
                                       kOracleTimeoutMs));
    return report;
  }
  result_.acked = std::max(result_.acked, report.acked);
  result_.checked += report.records;
  result_.missing += report.missing;
  result_.lost_suffix = std::max(result_.lost_suffix, report.lost_suffix);
  Narrate(what + ": oracle " + report.Summary());
  if (report.ok) {
    evidence_.pass_detail = what + ": " + report.Summary();
    return report;
  }
  bool only_verify = true;
  for (const auto& v : report.violations) only_verify &= v.rule == 4;
  if (only_verify) {
    Detected(scope, what + ": DB->verify failed: " + report.Summary());
  } else {
    Record(Outcome::kLoss, what + ": " + report.Summary());
  }
  return report;
}

Status Trial::RestoreCheck(const Step& step) {
  const int k = ++restores_;
  const BackupAttempt* attempt = nullptr;
  if (step.backup_index == 0) {
    for (auto it = attempts_.rbegin(); it != attempts_.rend(); ++it) {
      if (it->published) {
        attempt = &*it;
        break;
      }
    }
  } else if (step.backup_index <= static_cast<int>(attempts_.size())) {
    attempt = &attempts_[step.backup_index - 1];
  }
  if (attempt == nullptr || !attempt->published) {
    if (step.until_txn) NotFired(FaultKind::kPointInTime, step_, "no backup was published");
    if (attempt != nullptr && attempt->ended_as_expected) {
      Narrate("nothing to restore: the backup ended as the scenario expected (a clean failure or a refusal)");
      return Status::OK();
    }
    // Nothing to restore: the backup was stopped by its fault, or never
    // taken because the workload died first. The trial proves nothing here.
    Record(Outcome::kNotExercised,
           fmt::format("restore_check at step {} had no published backup to restore ({})", step_,
                       attempts_.empty() && workload_dead_ ? "the workload stopped on its fault before the backup"
                                                            : "the backup was stopped by its fault"));
    return Status::OK();
  }
  ++evidence_.checks;
  const std::string target = sandbox_.Sub("restore-" + std::to_string(k));
  const double started = MsSinceStart();
  const DetectionScope scope = ChainScope(*attempt, step.live_logs);
  if (!attempt->backup.dest.empty()) return CheckCommandBackup(scope, attempt->backup, target);

  EngineContext ctx = DefaultEngineContext();
  VerifyOutcome verified;
  VerifyRequest verify{repo_, attempt->backup.id, sandbox_.path()};
  const bool one_restore = !step.until_txn && !step.live_logs && !step.power_cut;
  if (one_restore) verify.restore_target = target;
  Status s = RunVerify(ctx, verify, &verified);
  if (!s.ok()) {
    result_.uncovered_pages += UncoveredPagesNamedIn(s.message());
    Detected(scope, "bdbackup verify: " + s.message());
    return Status::OK();
  }
  if (step.power_cut) return RestoreUnderPowerCut(step, *attempt, scope, target);
  if (one_restore) {
    result_.recovery_ms = std::max(result_.recovery_ms, verified.recovery_ms);
    Narrate(fmt::format("verified and restored {} in {} ms (verify's trial restore, kept)", attempt->backup.id,
                        static_cast<int>(MsSinceStart() - started)));
    Judge(scope, "restore of " + attempt->backup.id, target, attempt->backup.cutoff, false, 0,
          verified.databases_verified);
    return Status::OK();
  }
  return RestoreAgain(step, *attempt, scope, target, started);
}

// The restore a check to a point in time or with live logs needs, apart
// from verify's: then the oracle, and whether the point was exercised.
Status Trial::RestoreAgain(const Step& step, const BackupAttempt& attempt, const DetectionScope& scope,
                           const std::string& target, double started) {
  RestoreRequest request;
  request.repo = repo_;
  request.target = target;
  request.backup = attempt.backup.id;
  request.live_logs_home = step.live_logs ? home_ : "";
  uint64_t cutoff = attempt.backup.cutoff;
  int64_t absent_from_unix_ms = 0;
  if (step.until_txn) {
    const std::optional<TxnRecord> nth = workload_->ledger().NthAck(static_cast<uint64_t>(*step.until_txn));
    if (!nth) return Status::CheckFailed(fmt::format("commit #{} was never acknowledged", *step.until_txn));
    // BDB's commit timestamps are whole seconds (time(2) when the commit is
    // logged), and recovery to a point keeps every commit stamped with it or
    // earlier: restore to the second after the ack; every commit acknowledged
    // before that second ended was logged within it or earlier, so it is
    // present; every commit that began a second after that is absent.
    // time(2) reads a coarse clock that can trail the precise one by a tick
    // (never lead it), hence the margin on the absent side only.
    const int64_t point_s = nth->ack_unix_ms / 1000 + 1;
    if (PointBeforeTheBackup(attempt, point_s * 1000, *step.until_txn)) return Status::OK();
    request.until = FormatUtcTimestamp(point_s * 1000);
    absent_from_unix_ms = (point_s + 1) * 1000 + kCoarseClockMarginMs;
    WaitForCommitsAfter(absent_from_unix_ms);
    // After the wait, every acknowledgement of the point's second has arrived.
    cutoff = workload_->ledger().LastAckBefore((point_s + 1) * 1000).value_or(*nth).ack_seq;
    Narrate(fmt::format("point in time {}: commit #{} (txn {}) acknowledged at {} ms", request.until, *step.until_txn,
                        nth->txn, nth->ack_unix_ms));
  }
  bool allow_suffix = false;
  if (step.live_logs && !step.until_txn && workload_dead_ && crash_cutoff_ > cutoff) {
    // The live logs hold every commit acknowledged before the workload died,
    // and the restore replays them all: each must be there, as after the
    // live environment's own recovery.
    cutoff = crash_cutoff_;
    allow_suffix = LostSuffixAllowed();
  }
  RestoreOutcome restored;
  EngineContext ctx = DefaultEngineContext();
  Status s = RunRestore(ctx, request, &restored);
  result_.recovery_ms = std::max(result_.recovery_ms, restored.recovery_ms);
  if (!s.ok()) {
    Detected(scope, "bdbackup restore: " + s.message());
    return Status::OK();
  }
  Narrate("restored " + attempt.backup.id + " in " + std::to_string(static_cast<int>(MsSinceStart() - started)) +
          " ms");
  const OracleReport report =
      Judge(scope, "restore of " + attempt.backup.id, target, cutoff, allow_suffix, absent_from_unix_ms);
  if (step.until_txn) {
    const std::string seen = fmt::format(
        "{} commits acknowledged by the point checked present, {} begun after it "
        "checked absent",
        report.acked, report.after_point);
    if (report.acked > 0 && report.after_point > 0) {
      Fired(FaultKind::kPointInTime, step_, seen);
    } else {
      NotFired(FaultKind::kPointInTime, step_, seen);
    }
  }
  return Status::OK();
}

bool Trial::PointBeforeTheBackup(const BackupAttempt& attempt, int64_t point_unix_ms, int64_t until_txn) {
  std::unique_ptr<Repository> repo;
  std::vector<Manifest> chain;
  if (!Repository::Open(DefaultFileIO(), repo_, false, &repo).ok() || !repo->LoadChain(attempt.backup.id, &chain).ok() ||
      chain.empty() || point_unix_ms >= chain.front().start_unix_ms)
    return false;
  NotFired(FaultKind::kPointInTime, step_,
           fmt::format("commit #{} was acknowledged before backup '{}' began (its agent started after the workload "
                       "had committed it): no restore of that backup reaches back to it",
                       until_txn, chain.front().id));
  Narrate("point in time before the backup began: not checked");
  return true;
}

Status Trial::RestoreUnderPowerCut(const Step& /*step*/, const BackupAttempt& attempt, const DetectionScope& scope,
                                   const std::string& target) {
  AgentRequest request = StepAgentRequest(AgentOp::kRestore);
  request.restore_target = target;
  request.restore_backup = attempt.backup.id;
  const double started_ms = MsSinceStart();
  AgentResponse response;
  ChildResult child;
  BDB_RETURN_IF_ERROR(RunAgent(request, 2000 + restores_, &response, &child));
  RecordAgentFaults(response, started_ms);
  BDB_RETURN_IF_ERROR(AgentPowerCut(request, child, response, started_ms));
  if (child.Succeeded() && response.ok) {
    // The restore reported success before the cut: its target is the
    // engine's promise ("opens as is"), and must survive the cut untouched.
    const OracleReport report = Judge(scope, "restore of " + attempt.backup.id + " completed before the power cut",
                                      target, attempt.backup.cutoff, false);
    if (!report.ok) return Status::OK();
    Narrate("the restored target survived the cut; re-running it anyway");
  }
  // The target after the cut: a re-run redoes it (its in-progress marker
  // survived), or refuses it clearly (not empty), then --force redoes it.
  EngineContext ctx = DefaultEngineContext();
  RestoreRequest again;
  again.repo = repo_;
  again.target = target;
  again.backup = attempt.backup.id;
  RestoreOutcome restored;
  Status s = RunRestore(ctx, again, &restored);
  if (!s.ok() && s.code() == Status::Code::kInvalidArgument) {
    Narrate("re-run after the cut refused the target: " + s.message() + "; again with --force");
    again.force = true;
    s = RunRestore(ctx, again, &restored);
  }
  if (!s.ok()) {
    Detected(scope, "bdbackup restore re-run after the power cut: " + s.message());
    return Status::OK();
  }
  Narrate("restore re-run after the cut completed");
  Judge(scope, "restore of " + attempt.backup.id + " redone after a power cut", target, attempt.backup.cutoff, false);
  return Status::OK();
}

// A point-in-time check needs commits on both sides of the point: while the
// workload runs, keep load on until one began after `unix_ms` (bounded).
void Trial::WaitForCommitsAfter(int64_t unix_ms) {
  if (workload_dead_) return;
  SetLoad(true);
  const auto deadline = std::chrono::steady_clock::now() + kCommitsAfterPointTimeout;
  for (uint64_t acked = workload_->ledger().AckedCount(); std::chrono::steady_clock::now() < deadline; ++acked) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !workload_->WaitForAcks(acked + 1, left).ok()) break;
    const std::optional<TxnRecord> last = workload_->ledger().NthAck(acked + 1);
    if (last && last->start_unix_ms >= unix_ms) {
      const auto rest = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (rest.count() > 0) (void)workload_->WaitForAcks(acked + 1 + kCommitsPastPoint, rest);  // best effort
      break;
    }
  }
  SetLoad(false);
}

Status Trial::CheckCommandBackup(const DetectionScope& scope, const PublishedBackup& backup,
                                 const std::string& target) {
  Status s = CopyTree(backup.dest, target);
  if (!s.ok()) return s;
  // A plain BDB backup: logs at the top or in log/ (then DB_CONFIG must say so).
  FileInfo config, log_dir;
  BDB_RETURN_IF_ERROR(DefaultFileIO()->Stat(JoinPath(target, "DB_CONFIG"), &config));
  BDB_RETURN_IF_ERROR(DefaultFileIO()->Stat(JoinPath(target, "log"), &log_dir));
  if (!config.exists && log_dir.exists && log_dir.is_dir)
    BDB_RETURN_IF_ERROR(WriteFileAtomically(DefaultFileIO(), JoinPath(target, "DB_CONFIG"), "set_lg_dir log\n", 0600));
  if (!CommandBackupCoversItsPages(scope, target)) return Status::OK();
  const double started = MsSinceStart();
  s = RecoverCatastrophic(target, std::nullopt);
  result_.recovery_ms = std::max(result_.recovery_ms, MsSinceStart() - started);
  if (!s.ok()) {
    Detected(scope, "catastrophic recovery of the command's backup failed: " + s.message());
    return Status::OK();
  }
  Judge(scope, "command backup", target, backup.cutoff, false);
  return Status::OK();
}

// The coverage invariant on what the program left (log_coverage.h): false
// (and DETECTED naming the file, page and LSN) when broken. Where its logs
// may start is not checked here: a program that checkpoints first (as
// db_hotbackup does) needs only the logs from that checkpoint, and a start
// too late shows as a recovery failure or a loss.
bool Trial::CommandBackupCoversItsPages(const DetectionScope& scope,
                                        const std::string& target) {
  std::vector<std::string> files, databases, logs;
  ListTree(target, "", &files);
  for (const std::string& rel : files) {
    uint32_t number = 0;
    const std::string path = JoinPath(target, rel);
    if (ParseLogFileName(BaseName(rel), &number)) {
      logs.push_back(path);
    } else {
      // At the top, or in a data directory (set_data_dir): any file with a meta page.
      DatabaseFileInfo info;
      if (ReadDatabaseFileInfo(DefaultFileIO(), path, &info).ok()) databases.push_back(path);
    }
  }
  LogCoverage coverage;
  Status s = CheckLogCoverage(DefaultFileIO(), databases, logs, &coverage);
  if (!s.ok()) {
    Detected(scope, "the command's backup cannot be read for the coverage check: " + s.message());
    return false;
  }
  result_.uncovered_pages += coverage.uncovered_pages;
  std::string broken = coverage.Describe();
  if (broken.empty() && coverage.first_log == 0) broken = "it holds no log file";
  Narrate(fmt::format("coverage: {} pages checked against logs {}..{} (ending at [{}][{}]{}), {} uncovered",
                      coverage.pages_checked, coverage.first_log, coverage.last_log, coverage.end_file,
                      coverage.end_offset, coverage.end_from_records ? "" : ", the last log's size",
                      coverage.uncovered_pages));
  if (broken.empty()) return true;
  Detected(scope, "the command's backup breaks the coverage invariant: " + broken);
  return false;
}

Status Trial::CopyTree(const std::string& from, const std::string& to) {
  FileIO* io = DefaultFileIO();
  BDB_RETURN_IF_ERROR(io->MakeDir(to, 0700));
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(io->ListDir(from, &names));
  for (const auto& name : names) {
    FileInfo info;
    const std::string src = JoinPath(from, name), dst = JoinPath(to, name);
    BDB_RETURN_IF_ERROR(io->Stat(src, &info));
    if (info.is_symlink) continue;
    if (info.is_dir) {
      BDB_RETURN_IF_ERROR(CopyTree(src, dst));
      continue;
    }
    std::string data;
    BDB_RETURN_IF_ERROR(ReadWholeFile(io, src, &data));
    std::unique_ptr<WritableFile> out;
    BDB_RETURN_IF_ERROR(io->CreateForWrite(dst, 0600, &out));
    BDB_RETURN_IF_ERROR(out->Append(data.data(), data.size()));
    BDB_RETURN_IF_ERROR(out->Close());
  }
  return Status::OK();
}

// Only a power cut can lose acknowledged commits, and only without sync commits;
// a SIGKILL loses nothing but DB_TXN_NOSYNC's log buffer.
bool Trial::LostSuffixAllowed() const {
  const bool nosync = sc_.workload.durability == Durability::kNoSync;
  const bool write_nosync = sc_.workload.durability == Durability::kWriteNoSync;
  return nosync || (power_cut_ && write_nosync);
}

Status Trial::RecoverCheck() {
  if (!workload_dead_) BDB_RETURN_IF_ERROR(KillWorkload());
  ++evidence_.checks;
  const std::string target = sandbox_.Sub("recovered-" + std::to_string(++restores_));
  BDB_RETURN_IF_ERROR(CopyTree(home_, target));
  // The copy's region files belong to the dead process: recovery rebuilds them.
  std::vector<std::string> names;
  DefaultFileIO()->ListDir(target, &names);
  for (const auto& n : names) {
    if (n.rfind("__db.", 0) == 0) DefaultFileIO()->RemoveFile(JoinPath(target, n));
  }
  const double started = MsSinceStart();
  Status s = RecoverNormal(target);
  result_.recovery_ms = std::max(result_.recovery_ms, MsSinceStart() - started);
  if (!s.ok()) {
    Detected({true, {}}, "normal recovery after the crash failed: " + s.message());
    return Status::OK();
  }
  const OracleReport report = Judge({true, {}}, "recovery after crash", target, crash_cutoff_, LostSuffixAllowed());
  if (cut_request_ && report.ok) RerunAfterCut(target);
  return Status::OK();
}

Status Trial::PromoteStandby() {
  const std::string target = sandbox_.Sub("promoted");
  if (power_cut_) {
    // After a cut the standby may be mid-update: its state file says whether
    // it is ready, and only a ready standby is the engine's promise.
    std::unique_ptr<Repository> repo;
    StandbyState state;
    Status s = Repository::Open(DefaultFileIO(), repo_, false, &repo);
    if (s.ok()) s = ReadStandbyState(DefaultFileIO(), repo.get(), &state);
    if (!s.ok() || !state.ready) {
      Narrate("standby not promoted: after the power cut it is not marked ready" +
              (s.ok() ? std::string() : " (" + s.message() + ")"));
      return Status::OK();
    }
  }
  ++evidence_.checks;
  BDB_RETURN_IF_ERROR(CopyTree(JoinPath(repo_, "standby"), target));
  const BackupAttempt* latest = nullptr;
  for (const auto& a : attempts_) {
    if (a.published) latest = &a;
  }
  const DetectionScope scope = latest != nullptr ? ChainScope(*latest, false) : DetectionScope{};
  Status s = RecoverNormal(target);
  if (!s.ok()) {
    Detected(scope, "promoting the standby failed: " + s.message());
    return Status::OK();
  }
  Judge(scope, "promoted standby", target, latest != nullptr ? latest->backup.cutoff : 0, false);
  return Status::OK();
}

}  // namespace bdb::sim::internal
