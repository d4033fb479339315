#include "simulator/harness/trial.h"

namespace bdb::sim::internal {

// This step's agent request: its part of the plan, typed.
AgentRequest Trial::StepAgentRequest(AgentOp op) {
  AgentRequest r;
  r.op = op;
  r.home = home_;
  r.repo = repo_;
  r.copier = sc_.backup.copier;
  r.hold_hotbackup = sc_.backup.hold_hotbackup;
  r.announce_hotbackup = sc_.backup.announce_hotbackup;
  r.compress_level = sc_.backup.compress_level;
  r.password = config_.password;
  r.repository_key = repository_key_hex_;
  r.durability_shortcut = sc_.backup.durability_shortcut;
  r.power_journal = config_.journal_path;
  if (auto it = plan_.agent.find(step_); it != plan_.agent.end()) r.faults = it->second;
  return r;
}

Status Trial::RunAgent(const AgentRequest& request, int ordinal, AgentResponse* response, ChildResult* child) {
  const char* op = request.op == AgentOp::kBackup ? "backup" : request.op == AgentOp::kArchive ? "archive" : "restore";
  const std::string path = sandbox_.Sub(fmt::format("agent-{}-{}.json", op, ordinal));
  BDB_RETURN_IF_ERROR(WriteFileAtomically(DefaultFileIO(), path, AgentRequestToJson(request), 0600));
  BDB_RETURN_IF_ERROR(RunChild({options_.agent_binary, "__agent", path}, kAgentTimeoutMs, child));
  if (child->Succeeded()) return AgentResponseFromJson(child->out, response);
  return Status::OK();
}

// The agent's timeline, and the files its fired faults touched.
void Trial::RecordAgentFaults(const AgentResponse& response, double started_ms) {
  for (const auto& f : response.faults) Fault(f.kind, f.detail, started_ms + static_cast<double>(f.at_ms));
  for (const AgentTouch& t : response.touched) {
    const std::string what = t.page >= 0 ? fmt::format("page {}", t.page) : "call failed";
    touched_.push_back({t.kind, t.file, what, step_, {}});
    const FaultKind kind = t.kind == "torn_read"    ? FaultKind::kTornRead
                           : t.kind == "mmap_fault" ? FaultKind::kMmapFault
                                                    : FaultKind::kIoError;
    Fired(kind, step_, fmt::format("'{}' {}", t.file, what));
  }
}

// A backup or archive agent SIGKILLed at its planned read: the crash fired;
// under faults.power_loss the whole machine goes down with it.
Status Trial::AgentCrashed(const AgentRequest& request, const ChildResult& child, double started_ms) {
  const size_t at = child.err.find(kAgentCrashMarker);
  std::string where = at == std::string::npos ? "" : child.err.substr(at + std::strlen(kAgentCrashMarker));
  if (const size_t nl = where.find('\n'); nl != std::string::npos) where.resize(nl);
  const std::string hit = "SIGKILL at read #" + (where.empty() ? std::to_string(request.faults.crash_at_read) : where);
  Fault("crash", std::string(request.op == AgentOp::kBackup ? "backup " : "archive ") + hit, started_ms);
  Fired(FaultKind::kCrash, step_, hit);
  if (!sc_.faults.power_loss) return Status::OK();
  if (!workload_dead_) {
    workload_->Kill();
    workload_dead_ = true;
    crash_cutoff_ = workload_->ledger().Cutoff();
  }
  return PowerCut(step_, sc_.faults.power_loss->mode);
}

Status Trial::Backup(const Step& step) {
  const int ordinal = static_cast<int>(attempts_.size()) + 1;
  BackupAttempt attempt;
  attempt.step = step_;
  attempt.backup.cutoff = workload_->ledger().Cutoff();
  attempt.backup.start_ms = static_cast<int64_t>(MsSinceStart());
  const bool copies_under_load = sc_.backup.method == BackupMethod::kCommand || step.mode != BackupMode::kCold;
  if (copies_under_load) LoadUntilCommitting();
  const uint64_t acked_before = workload_->ledger().AckedCount();
  const uint64_t pages_before = workload_->ledger().PageWrites();
  const double started_ms = MsSinceStart();
  Status s = sc_.backup.method == BackupMethod::kCommand ? CommandBackup(ordinal, &attempt)
                                                         : EngineBackup(step, ordinal, started_ms, &attempt);
  const double took_ms = MsSinceStart() - started_ms;
  const uint64_t commits = workload_->ledger().AckedCount() - acked_before;
  const uint64_t pages = workload_->ledger().PageWrites() - pages_before;
  SetLoad(false);
  if (took_ms > 0) {
    result_.commits_per_sec_during_backup = std::max(result_.commits_per_sec_during_backup, commits * 1000.0 / took_ms);
  }
  // A hot or command copy of database files must see pages change; an
  // incremental copies logs, so commits are what it must see.
  const std::string seen = fmt::format("{} commits and {} database page writes during the {} ms copy", commits, pages,
                                       static_cast<int64_t>(took_ms));
  Narrate(seen);
  const bool needs_pages = sc_.backup.method == BackupMethod::kCommand || step.mode == BackupMode::kHot;
  if (commits > 0 && (pages > 0 || !needs_pages)) {
    Fired(FaultKind::kCopyUnderLoad, step_, seen);
    // In a negative control (expect = "caught") the method itself is the
    // fault: the database files the workload rewrote during its copy explain
    // a detection that names them. Under expect = "pass" they never do: a
    // safe method must copy files that change.
    if (sc_.expect == Expect::kCaught && pages > 0) {
      for (const char* file : {"a.db", "b.db"}) touched_.push_back({"copy_under_load", file, seen, step_, {}});
      // So does the backup it published from them: a verify or restore that
      // names it (its recovery crashed or refused) names the method's copy.
      if (!attempt.backup.id.empty()) touched_.push_back({"copy_under_load", attempt.backup.id, seen, step_, {}});
    }
  } else if (!attempt.published && attempt.crashed && StepFaultFired(step_)) {
    // Cut short by its own planned fault (a crash, an I/O error) before a
    // commit landed: nothing was published, so no copy escaped the load.
    Fired(FaultKind::kCopyUnderLoad, step_, "the copy was stopped by its planned fault first: " + seen);
  } else {
    NotFired(FaultKind::kCopyUnderLoad, step_, seen);
  }
  attempts_.push_back(attempt);
  return s;
}

Status Trial::EngineBackup(const Step& step, int ordinal, double started_ms, BackupAttempt* attempt) {
  AgentRequest request = StepAgentRequest(AgentOp::kBackup);
  request.mode = step.mode;
  request.checkpoint = step.checkpoint || sc_.backup.checkpoint;
  request.recover_as_you_go = sc_.backup.recover_as_you_go;
  std::vector<std::string> ids_before;
  ListIds(&ids_before);
  AgentResponse response;
  ChildResult child;
  BDB_RETURN_IF_ERROR(RunAgent(request, ordinal, &response, &child));
  RecordAgentFaults(response, started_ms);
  if (request.faults.power_cut_nth > 0) {
    BDB_RETURN_IF_ERROR(AgentPowerCut(request, child, response, started_ms));
    attempt->crashed = true;
    // A backup listed after the cut verified whole (CheckRepositoryAfterCut):
    // restore_check may check it against the oracle like any other.
    std::vector<std::string> ids_cut;
    ListIds(&ids_cut);
    for (const std::string& id : ids_cut) {
      if (std::find(ids_before.begin(), ids_before.end(), id) == ids_before.end()) {
        attempt->published = true;
        attempt->backup.id = id;
        Narrate("backup " + id + " survived the cut");
      }
    }
    return Status::OK();
  }
  std::vector<std::string> ids_after;
  ListIds(&ids_after);
  const bool new_backup = ids_after.size() > ids_before.size();
  if (!child.exited) {
    if (request.faults.crash_at_read > 0 && child.signal == SIGKILL) {
      attempt->crashed = true;
      if (new_backup) {
        // Published before the kill point was reached: a real backup, check it like any other.
        attempt->published = true;
        attempt->backup.id = ids_after.back();
      }
      return AgentCrashed(request, child, started_ms);
    }
    return Status::CheckFailed("backup agent " + child.Describe() + ": " + child.err);
  }
  if (child.code != 0) return Status::CheckFailed("backup agent " + child.Describe() + ": " + child.err);
  if (request.faults.crash_at_read > 0)
    NotFired(FaultKind::kCrash, step_,
             "the backup ended before its read #" + std::to_string(request.faults.crash_at_read));
  if (response.ok) {
    attempt->published = true;
    attempt->backup.id = response.backup_id;
    Narrate("published backup " + response.backup_id + " (" + std::to_string(response.page_rereads) +
            " pages re-read)");
    return Status::OK();
  }
  const bool io_fault = std::any_of(response.touched.begin(), response.touched.end(),
                                    [](const AgentTouch& t) { return t.kind == "io_error"; });
  if (new_backup) {
    Classify(Outcome::kLoss, "backup failed (" + response.message + ") but published '" + ids_after.back() + "'",
             false);
    return Status::OK();
  }
  if (io_fault && (response.code == "IOError" || response.code == "NoSpace")) {
    Classify(Outcome::kCleanFailure,
             "backup failed cleanly on an injected i/o error, nothing published: " + response.message, true);
    attempt->crashed = true;
    return Status::OK();
  }
  Detected({false, step_}, "backup refused: " + response.message);
  attempt->crashed = true;
  return Status::OK();
}

Status Trial::CommandBackup(int ordinal, BackupAttempt* attempt) {
  const std::string dest = sandbox_.Sub("command-backup-" + std::to_string(ordinal));
  BDB_RETURN_IF_ERROR(DefaultFileIO()->MakeDir(dest, 0700));
  std::vector<std::string> argv;
  for (std::string arg : sc_.backup.command) {
    for (const auto& [key, value] : {std::pair<std::string, std::string>{"{home}", home_}, {"{dest}", dest}}) {
      for (size_t at = arg.find(key); at != std::string::npos; at = arg.find(key, at + value.size()))
        arg.replace(at, key.size(), value);
    }
    argv.push_back(arg);
  }
  ChildResult child;
  BDB_RETURN_IF_ERROR(RunChild(argv, kCommandTimeoutMs, &child));
  if (!child.Succeeded()) {
    std::string err = child.err.substr(0, 300);
    Detected({false, step_}, "backup command " + child.Describe() + ": " + err);
    attempt->crashed = true;
    return Status::OK();
  }
  attempt->published = true;
  attempt->backup.dest = dest;
  Narrate("backup command finished into " + dest);
  return Status::OK();
}

Status Trial::Archive() {
  const int ordinal = ++archives_;
  AgentRequest request = StepAgentRequest(AgentOp::kArchive);
  // A cut must find logs to archive: the archive forces a checkpoint first
  // (--checkpoint; the cut never lands inside it, it counts file operations).
  request.checkpoint = request.faults.power_cut_nth > 0;
  LoadUntilCommitting();
  const double started_ms = MsSinceStart();
  AgentResponse response;
  ChildResult child;
  BDB_RETURN_IF_ERROR(RunAgent(request, 1000 + ordinal, &response, &child));
  SetLoad(false);
  RecordAgentFaults(response, started_ms);
  if (request.faults.power_cut_nth > 0) return AgentPowerCut(request, child, response, started_ms);
  if (!child.exited && request.faults.crash_at_read > 0 && child.signal == SIGKILL) {
    BDB_RETURN_IF_ERROR(AgentCrashed(request, child, started_ms));
  } else if (!child.Succeeded()) {
    return Status::CheckFailed("archive agent " + child.Describe() + ": " + child.err);
  } else {
    if (request.faults.crash_at_read > 0)
      NotFired(FaultKind::kCrash, step_,
               "the archive ended before its read #" + std::to_string(request.faults.crash_at_read));
    if (!response.ok) Detected({false, step_}, "archive failed: " + response.message);
  }
  return CheckNoLogLost();
}

Status Trial::AgentPowerCut(const AgentRequest& request, const ChildResult& child, const AgentResponse& response,
                           double started_ms) {
  const AgentFaultPlan& plan = request.faults;
  const char* op = request.op == AgentOp::kBackup ? "backup" : request.op == AgentOp::kArchive ? "archive" : "restore";
  std::string where, phase;
  const size_t at = child.err.find(kAgentPowerCutMarker);
  if (!child.exited && child.signal == SIGKILL && at != std::string::npos) {
    where = child.err.substr(at + std::strlen(kAgentPowerCutMarker));
    if (const size_t nl = where.find('\n'); nl != std::string::npos) where.resize(nl);
    const size_t open = where.find(" ("), close = where.find("):");
    if (open != std::string::npos && close != std::string::npos && close > open) {
      phase = where.substr(open + 2, close - open - 2);
    }
    where = "before operation #" + where;
  } else if (child.Succeeded()) {
    if (response.reached_cut_phase) phase = ToString(WritePhase::kAfterExit);
    where = fmt::format("right after the {} exited ({} operations journaled{})", op, response.journaled_ops,
                        response.ok ? "" : ", it failed: " + response.message);
  } else {
    return Status::CheckFailed(fmt::format("{} agent {}: {}", op, child.Describe(), child.err));
  }
  Fault("power_cut", fmt::format("{} {}", op, where), started_ms);
  if (!workload_dead_) {
    workload_->Kill();
    workload_dead_ = true;
    crash_cutoff_ = workload_->ledger().Cutoff();
  }
  std::string described;
  BDB_RETURN_IF_ERROR(PowerCut(step_, plan.power_cut_mode, &described));
  if (phase.empty()) {
    NotFired(FaultKind::kAgentPowerCut, step_,
             fmt::format("the {} never reached phase {}; cut after it exited: {}", op, ToString(plan.power_cut_from),
                         described));
  } else {
    cut_phase_ = phase;
    Fired(FaultKind::kAgentPowerCut, step_, fmt::format("phase={}: {}; {}", phase, where, described));
  }
  if (request.op != AgentOp::kRestore) cut_request_ = request;
  if (request.op == AgentOp::kBackup && response.ok && !response.backup_id.empty()) {
    std::vector<std::string> ids;
    ListIds(&ids);
    if (std::find(ids.begin(), ids.end(), response.backup_id) == ids.end()) {
      Classify(Outcome::kLoss,
               "backup '" + response.backup_id + "' was published (the agent exited 0) but the power cut lost it",
               false);
    }
  }
  return CheckRepositoryAfterCut();
}

Status Trial::CheckRepositoryAfterCut() {
  BDB_RETURN_IF_ERROR(CheckNoLogLost());
  BDB_RETURN_IF_ERROR(CheckArchivedLogs());
  std::vector<std::string> acked;
  for (const BackupAttempt& a : attempts_) {
    if (a.published && !a.crashed && !a.backup.id.empty()) acked.push_back(a.backup.id);
  }
  std::unique_ptr<Repository> repo;
  Status s = Repository::Open(DefaultFileIO(), repo_, false, &repo);
  std::vector<std::string> ids;
  if (s.ok()) s = repo->ListBackupIds(&ids);
  if (!s.ok()) {
    if (acked.empty()) {
      Narrate("after the cut the repository does not open (nothing was published before it): " + s.message());
    } else {
      Classify(Outcome::kLoss, "after the power cut the repository does not open: " + s.message(), false);
    }
    return Status::OK();
  }
  for (const std::string& id : acked) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end())
      Classify(Outcome::kLoss, "backup '" + id + "', published before the power cut, is gone after it", false);
  }
  EngineContext ctx = DefaultEngineContext();
  int verified = 0;
  for (const std::string& id : ids) {
    VerifyOutcome outcome;
    s = RunVerify(ctx, VerifyRequest{repo_, id, sandbox_.path()}, &outcome);
    if (!s.ok()) {
      Classify(Outcome::kLoss,
               "after the power cut backup '" + id + "' is listed but does not verify (an invalid backup published): " +
                   s.message(),
               false);
    } else {
      ++verified;
    }
  }
  Narrate(fmt::format("after the cut: {} backups listed, {} verify", ids.size(), verified));
  return Status::OK();
}

void Trial::RerunAfterCut(const std::string& recovered_home) {
  AgentRequest again = *cut_request_;
  cut_request_.reset();
  again.home = recovered_home;
  again.faults = AgentFaultPlan();
  again.power_journal.clear();
  again.durability_shortcut = DurabilityShortcut::kNone;
  const char* op = again.op == AgentOp::kBackup ? "backup" : "archive";
  AgentResponse response;
  ChildResult child;
  Status s = RunAgent(again, 3000 + ++agent_runs_, &response, &child);
  if (s.ok() && !child.Succeeded()) s = Status::CheckFailed("agent " + child.Describe() + ": " + child.err);
  if (s.ok() && !response.ok) s = Status::CheckFailed(response.message);
  if (!s.ok()) {
    Detected({false, step_}, fmt::format("re-running the {} after the power cut failed: {}", op, s.message()));
    return;
  }
  if (response.backup_id.empty()) {
    Narrate(fmt::format("re-run of the {} after the cut completed", op));
    return;
  }
  VerifyOutcome verified;
  s = RunVerify(DefaultEngineContext(), VerifyRequest{repo_, response.backup_id, sandbox_.path()}, &verified);
  if (!s.ok()) {
    Detected({false, step_}, "the backup re-run after the power cut published '" + response.backup_id +
                                 "', which does not verify: " + s.message());
    return;
  }
  Narrate("re-run of the backup after the cut published " + response.backup_id + ", which verifies");
}

// Every archived log reads back as its sidecar recorded it, and a log gone
// from the environment is in the archive with its sidecar (a log without one
// is ignored by every reader, so it is as good as lost).
Status Trial::CheckArchivedLogs() {
  std::unique_ptr<Repository> repo;
  if (!Repository::Open(DefaultFileIO(), repo_, false, &repo).ok()) return Status::OK();
  std::vector<ArchivedLog> archived;
  Status s = repo->ListArchivedLogs(&archived);
  if (!s.ok()) {
    Classify(Outcome::kLoss, "after the power cut the archive does not list: " + s.message(), false);
    return Status::OK();
  }
  std::set<uint32_t> readable;
  for (const ArchivedLog& log : archived) {
    std::string hash;
    uint64_t size = 0;
    s = HashFile(DefaultFileIO(), log.path, &hash, &size);
    if (!s.ok() || hash != log.xxh3 || size != log.size) {
      Classify(Outcome::kLoss,
               fmt::format("after the power cut archived log '{}' does not match its sidecar ({})", log.path,
                           s.ok() ? fmt::format("{} bytes, xxh3 {}; recorded {} bytes, {}", size, hash, log.size, log.xxh3)
                                  : s.message()),
               false);
      continue;
    }
    readable.insert(log.number);
  }
  std::vector<std::string> live;
  DefaultFileIO()->ListDir(JoinPath(home_, "log"), &live);
  uint32_t first_live = 0;
  for (const auto& n : live) {
    uint32_t number = 0;
    if (ParseLogFileName(n, &number) && (first_live == 0 || number < first_live)) first_live = number;
  }
  for (uint32_t n = 1; first_live > 0 && n < first_live; ++n) {
    if (!readable.count(n)) {
      Classify(Outcome::kLoss,
               "log file '" + LogFileName(n) + "' is gone from the environment and not readable in the archive",
               false);
      break;
    }
  }
  return Status::OK();
}

// Every log number from the first ever written to the newest is in the environment or the archive.
Status Trial::CheckNoLogLost() {
  std::vector<std::string> live, archived;
  DefaultFileIO()->ListDir(JoinPath(home_, "log"), &live);
  DefaultFileIO()->ListDir(JoinPath(repo_, "archive"), &archived);
  std::set<uint32_t> numbers;
  for (const auto* names : {&live, &archived}) {
    for (const auto& n : *names) {
      uint32_t number = 0;
      if (ParseLogFileName(n, &number)) numbers.insert(number);
    }
  }
  if (numbers.empty()) return Status::OK();
  for (uint32_t n = 1; n <= *numbers.rbegin(); ++n) {
    if (!numbers.count(n)) {
      Classify(Outcome::kLoss, "log file '" + LogFileName(n) + "' is in neither the environment nor the archive",
               false);
      return Status::OK();
    }
  }
  Narrate("no log lost: " + std::to_string(numbers.size()) + " log files accounted for");
  return Status::OK();
}

void Trial::ListIds(std::vector<std::string>* ids) {
  ids->clear();
  std::unique_ptr<Repository> repo;
  if (Repository::Open(DefaultFileIO(), repo_, false, &repo).ok()) repo->ListBackupIds(ids);
}

}  // namespace bdb::sim::internal
