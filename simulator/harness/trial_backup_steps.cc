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
  if (child->timed_out) {
    return Status::TimedOut(fmt::format("{} agent timed out after {} ms and was killed", op, kAgentTimeoutMs));
  }
  if (child->Succeeded()) return AgentResponseFromJson(child->out, response);
  return Status::OK();
}

// The agent's timeline, and the files its fired faults touched.
void Trial::RecordAgentFaults(const AgentResponse& response, double started_ms) {
  for (const auto& f : response.faults) Fault(f.kind, f.detail, started_ms + static_cast<double>(f.at_ms));
  for (const AgentTouch& t : response.touched) {
    const std::string what = t.page >= 0 ? fmt::format("page {}", t.page) : "call failed";
    std::vector<uint64_t> pages;
    if (t.page >= 0) pages.push_back(static_cast<uint64_t>(t.page));
    touched_.push_back({ToString(t.kind), t.file, what, step_, pages});
    Fired(t.kind, step_, fmt::format("'{}' {}", t.file, what));
  }
}

// A backup or archive agent SIGKILLed at its planned read: the crash fired;
// under faults.power_loss the whole machine goes down with it. Only the
// agent's own marker (written before it kills itself) proves that.
Status Trial::AgentCrashed(const AgentRequest& request, const ChildResult& child, double started_ms) {
  const size_t at = child.err.find(kAgentCrashMarker);
  if (at == std::string::npos) {
    return Status::CheckFailed(fmt::format("{} agent was killed by SIGKILL without reaching its planned read #{}",
                                           request.op == AgentOp::kBackup ? "backup" : "archive",
                                           request.faults.crash_at_read));
  }
  std::string where = child.err.substr(at + std::strlen(kAgentCrashMarker));
  if (const size_t nl = where.find('\n'); nl != std::string::npos) where.resize(nl);
  const std::string hit = "SIGKILL at read #" + where;
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
  const bool load_started = !copies_under_load || LoadUntilCommitting();
  const double started_ms = MsSinceStart();
  const int64_t started_unix_ms = NowUnixMs();
  int64_t window_from_ms = 0, window_to_ms = 0;
  Status s = sc_.backup.method == BackupMethod::kCommand
                 ? CommandBackup(ordinal, &attempt, &window_from_ms, &window_to_ms)
                 : EngineBackup(step, ordinal, started_ms, &attempt, &window_from_ms, &window_to_ms);
  const double took_ms = MsSinceStart() - started_ms;
  SetLoad(false);
  if (copies_under_load) {
    const char* what = sc_.backup.method == BackupMethod::kCommand ? "the program's copy of database files"
                       : step.mode == BackupMode::kIncremental     ? "the incremental's copy of logs"
                                                                   : "the copy of database pages";
    JudgeLoad(step, attempt, load_started, window_from_ms, window_to_ms, what);
  }
  if (took_ms > 0) {
    const uint64_t commits = workload_->ledger().AcksBetween(started_unix_ms, NowUnixMs());
    result_.commits_per_sec_during_backup = std::max(result_.commits_per_sec_during_backup, commits * 1000.0 / took_ms);
  }
  attempts_.push_back(attempt);
  return s;
}

void Trial::JudgeLoad(const Step& step, const BackupAttempt& attempt, bool load_started, int64_t window_from_ms,
                      int64_t window_to_ms, const std::string& window_what) {
  (void)step;
  if (!load_started) {
    NotFired(FaultKind::kCopyUnderLoad, step_, "the workload did not commit again when load was turned on");
    return;
  }
  if (window_from_ms == 0) {
    if (!attempt.published && attempt.ended_as_expected) {
      Fired(FaultKind::kCopyUnderLoad, step_, "the step ended as the scenario expected before it read a file");
    } else if (!attempt.published && StepFaultFired(step_)) {
      // Stopped by its own planned fault (a crash, an I/O error) before it read
      // what it copies: nothing was published, so no copy escaped the load.
      Fired(FaultKind::kCopyUnderLoad, step_, "the copy was stopped by its planned fault before it read a file");
    } else {
      NotFired(FaultKind::kCopyUnderLoad, step_, window_what + " was not seen");
    }
    return;
  }
  const uint64_t commits = workload_->ledger().AcksBetween(window_from_ms, window_to_ms);
  result_.commits_during_copy += commits;
  const std::string seen = fmt::format("{} commits acknowledged during {} ({} ms)", commits, window_what,
                                       window_to_ms - window_from_ms);
  Narrate(seen);
  if (commits > 0) {
    Fired(FaultKind::kCopyUnderLoad, step_, seen);
  } else if (!attempt.published && StepFaultFired(step_)) {
    Fired(FaultKind::kCopyUnderLoad, step_, "the copy was stopped by its planned fault first: " + seen);
  } else {
    NotFired(FaultKind::kCopyUnderLoad, step_, seen);
  }
}

void Trial::ExpectRefusal(const Step& step, const AgentResponse& response, bool published, BackupAttempt* attempt) {
  const Step::Refusal& want = *step.refused;
  const std::string cause =
      fmt::format("{} containing \"{}\"", Status::NameOf(want.code), want.phrase);
  if (published) {
    Record(Outcome::kDetected,
           fmt::format("backup step {} was to be refused ({}) but published '{}'", step_, cause,
                       response.backup_id.empty() ? std::string("a backup") : response.backup_id));
    return;
  }
  if (response.code == want.code && response.message.find(want.phrase) != std::string::npos) {
    attempt->ended_as_expected = true;
    ++evidence_.expected_endings;
    Narrate("refused as expected, nothing published: " + response.message);
    return;
  }
  Record(Outcome::kDetected, fmt::format("backup step {} was to be refused ({}) but failed otherwise: {}: {}", step_,
                                         cause, Status::NameOf(response.code), response.message));
}

Status Trial::EngineBackup(const Step& step, int ordinal, double started_ms, BackupAttempt* attempt,
                           int64_t* window_from_ms, int64_t* window_to_ms) {
  AgentRequest request = StepAgentRequest(AgentOp::kBackup);
  request.mode = step.mode;
  request.checkpoint = step.checkpoint || sc_.backup.checkpoint;
  request.recover_as_you_go = sc_.backup.recover_as_you_go;
  std::vector<std::string> ids_before;
  ListIds(&ids_before);
  AgentResponse response;
  ChildResult child;
  const int64_t agent_started_unix_ms = NowUnixMs();
  BDB_RETURN_IF_ERROR(RunAgent(request, ordinal, &response, &child));
  RecordAgentFaults(response, started_ms);
  const CopyWindow& window = step.mode == BackupMode::kIncremental ? response.log_reads : response.database_reads;
  *window_from_ms = window.from_unix_ms;
  *window_to_ms = window.to_unix_ms;
  if (!child.Succeeded()) {
    // Killed before it answered (a crash or a cut): its whole run is the window.
    *window_from_ms = agent_started_unix_ms;
    *window_to_ms = NowUnixMs();
  }
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
    if (request.faults.crash_at_read > 0 && child.signal == SIGKILL && !child.timed_out) {
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
  if (step.refused) {
    ExpectRefusal(step, response, response.ok || new_backup, attempt);
    if (response.ok) {
      attempt->published = true;
      attempt->backup.id = response.backup_id;
    }
    return Status::OK();
  }
  if (response.ok) {
    attempt->published = true;
    attempt->backup.id = response.backup_id;
    Narrate("published backup " + response.backup_id + " (" + std::to_string(response.page_rereads) +
            " pages re-read)");
    if (sc_.expect == Expect::kCaught && !sc_.backup.announce_hotbackup) {
      // The variant under test: this backup was made without the hot-backup
      // announcement, so what it holds is what the variant changed.
      touched_.push_back({"method", response.backup_id, "made without DB_HOTBACKUP_IN_PROGRESS", step_, {}});
    }
    return Status::OK();
  }
  const bool io_fault = std::any_of(response.touched.begin(), response.touched.end(),
                                    [](const AgentTouch& t) { return t.kind == FaultKind::kIoError; });
  if (new_backup) {
    Record(Outcome::kLoss, "backup failed (" + response.message + ") but published '" + ids_after.back() + "'");
    return Status::OK();
  }
  attempt->crashed = true;
  if (io_fault && (response.code == Status::Code::kIOError || response.code == Status::Code::kNoSpace)) {
    Record(Outcome::kCleanFailure,
           "backup failed cleanly on an injected i/o error, nothing published: " + response.message);
    attempt->ended_as_expected = true;
    return Status::OK();
  }
  Detected(DetectionScope{false, {step_}}, "backup refused: " + response.message);
  return Status::OK();
}

// The environment for an external program: the listing shim preloaded with
// the trial's order, its log at `shim_log`.
std::vector<std::string> Trial::ShimEnvironment(const std::string& shim_log) const {
  if (options_.listing_shim.empty()) return {};
  std::string preload = options_.listing_shim;
  if (const char* existing = std::getenv("LD_PRELOAD"); existing != nullptr && *existing != '\0')
    preload += std::string(":") + existing;
  return {"LD_PRELOAD=" + preload, "BDBSIM_SHIM_HOME=" + home_,
          fmt::format("BDBSIM_SHIM_ORDER={}:{}", ToString(plan_.listing.order), plan_.listing.seed),
          "BDBSIM_SHIM_LOG=" + shim_log, "BDBSIM_SHIM_HOLD=1"};
}

Status Trial::CommandBackup(int ordinal, BackupAttempt* attempt, int64_t* window_from_ms, int64_t* window_to_ms) {
  const std::string dest = sandbox_.Sub("command-backup-" + std::to_string(ordinal));
  const std::string shim_log = sandbox_.Sub(fmt::format("listing-shim-{}.log", ordinal));
  BDB_RETURN_IF_ERROR(DefaultFileIO()->MakeDir(dest, 0700));
  const std::vector<std::string> argv = ExpandArgv(
      sc_.backup.command, {{"{home}", home_}, {"{dest}", dest}, {"{bin}", DirectoryOf(options_.agent_binary)}});
  ChildResult child;
  const int64_t started_unix_ms = NowUnixMs();
  BDB_RETURN_IF_ERROR(RunChild(argv, kCommandTimeoutMs, &child, ShimEnvironment(shim_log)));
  const int64_t ended_unix_ms = NowUnixMs();
  if (child.timed_out) {
    return Status::TimedOut(fmt::format("backup command timed out after {} ms and was killed", kCommandTimeoutMs));
  }
  NoteShimObservations(shim_log, started_unix_ms, ended_unix_ms, window_from_ms, window_to_ms);
  if (!child.Succeeded()) {
    std::string err = child.err.substr(0, 300);
    Detected(DetectionScope{false, {step_}}, "backup command " + child.Describe() + ": " + err);
    attempt->crashed = true;
    return Status::OK();
  }
  // What the program left, taken now: a later change of the live files
  // (through a hard link, say) must not change what is judged.
  std::string not_a_copy;
  BDB_RETURN_IF_ERROR(FindSharedInodes(dest, &not_a_copy));
  if (!not_a_copy.empty()) {
    Record(Outcome::kDetected, "the command's backup is not a copy: " + not_a_copy, sc_.expect == Expect::kCaught);
    attempt->crashed = true;
    return Status::OK();
  }
  const std::string snapshot = dest + ".taken";
  BDB_RETURN_IF_ERROR(CopyTree(dest, snapshot));
  attempt->published = true;
  attempt->backup.dest = snapshot;
  if (sc_.expect == Expect::kCaught) {
    // In a negative control the program is the variant: what it wrote is what it changed.
    std::vector<std::string> files;
    ListTree(snapshot, "", &files);
    for (const std::string& f : files) touched_.push_back({"method", f, "written by the program under test", step_, {}});
  }
  Narrate("backup command finished into " + dest + "; taken as " + snapshot);
  return Status::OK();
}

void Trial::NoteShimObservations(const std::string& shim_log, int64_t started_unix_ms, int64_t ended_unix_ms,
                                 int64_t* window_from_ms, int64_t* window_to_ms) {
  *window_from_ms = started_unix_ms;
  *window_to_ms = ended_unix_ms;
  if (options_.listing_shim.empty()) return;
  std::string text;
  ShimObservations seen;
  FileInfo info;
  if (!DefaultFileIO()->Stat(shim_log, &info).ok() || !info.exists || !ReadWholeFile(DefaultFileIO(), shim_log, &text).ok() ||
      !ParseShimLog(text, &seen).ok()) {
    result_.listing_order = "none seen";
    Narrate("the listing shim saw nothing (a static program, or one that lists no directory of the home)");
    return;
  }
  result_.listing_order = seen.listings > 0 ? ToString(plan_.listing.order) : "none seen";
  Narrate(fmt::format("listing shim: {} listings of the home served {}; {} opens of database files", seen.listings,
                      result_.listing_order, seen.opens));
  if (seen.opens > 0) {
    *window_from_ms = seen.first_open_ms;
    *window_to_ms = seen.unclosed ? ended_unix_ms : seen.last_close_ms;
  }
}

// Every file below `dir` that is the same file (device and inode) as one of
// the live environment's: a hard link is not a copy.
Status Trial::FindSharedInodes(const std::string& dir, std::string* found) {
  found->clear();
  std::map<std::pair<uint64_t, uint64_t>, std::string> live;
  std::vector<std::string> files;
  ListTree(home_, "", &files);
  for (const std::string& rel : files) {
    FileInfo info;
    BDB_RETURN_IF_ERROR(DefaultFileIO()->Stat(JoinPath(home_, rel), &info));
    if (info.exists && !info.is_dir) live[{info.device, info.inode}] = rel;
  }
  files.clear();
  ListTree(dir, "", &files);
  for (const std::string& rel : files) {
    FileInfo info;
    BDB_RETURN_IF_ERROR(DefaultFileIO()->Stat(JoinPath(dir, rel), &info));
    if (info.is_symlink) {
      *found = fmt::format("'{}' is a symbolic link", rel);
      return Status::OK();
    }
    if (auto it = live.find({info.device, info.inode}); it != live.end()) {
      *found = fmt::format("'{}' is the live environment's '{}' (a hard link)", rel, it->second);
      return Status::OK();
    }
  }
  return Status::OK();
}

// The relative paths of every file and symbolic link below `root`.
void Trial::ListTree(const std::string& root, const std::string& rel, std::vector<std::string>* out) {
  std::vector<std::string> names;
  if (!DefaultFileIO()->ListDir(rel.empty() ? root : JoinPath(root, rel), &names).ok()) return;
  for (const std::string& name : names) {
    const std::string child = rel.empty() ? name : JoinPath(rel, name);
    FileInfo info;
    if (!DefaultFileIO()->Stat(JoinPath(root, child), &info).ok()) continue;
    if (info.is_dir && !info.is_symlink) {
      ListTree(root, child, out);
    } else {
      out->push_back(child);
    }
  }
}

Status Trial::Archive() {
  const int ordinal = ++archives_;
  archive_steps_.push_back(step_);
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
  if (!child.exited && request.faults.crash_at_read > 0 && child.signal == SIGKILL && !child.timed_out) {
    BDB_RETURN_IF_ERROR(AgentCrashed(request, child, started_ms));
  } else if (!child.Succeeded()) {
    return Status::CheckFailed("archive agent " + child.Describe() + ": " + child.err);
  } else {
    if (request.faults.crash_at_read > 0)
      NotFired(FaultKind::kCrash, step_,
               "the archive ended before its read #" + std::to_string(request.faults.crash_at_read));
    if (!response.ok) Detected(DetectionScope{false, {step_}}, "archive failed: " + response.message);
  }
  return CheckNoLogLost();
}

Status Trial::Expire(const Step& step) {
  ExpireRequest request;
  request.repo = repo_;
  request.policy.keep_full = static_cast<uint32_t>(step.keep_full);
  std::string command = "bdbackup expire --keep-full " + std::to_string(step.keep_full);
  if (step.pin > 0) {
    const BackupAttempt& pinned = attempts_[step.pin - 1];
    if (!pinned.published || pinned.backup.id.empty()) {
      Narrate(fmt::format("expire: backup step {} published nothing to pin; the expire step is skipped", step.pin));
      return Status::OK();
    }
    request.policy.pins.push_back(pinned.backup.id);
    command += " --pin " + pinned.backup.id;
  }
  ExpireOutcome outcome;
  EngineContext ctx = DefaultEngineContext();
  Status s = RunExpire(ctx, request, &outcome);
  if (!s.ok()) {
    Detected({}, command + ": " + s.message());
    return Status::OK();
  }
  std::vector<std::string> ids;
  ListIds(&ids);
  Narrate(fmt::format("expire removed {} backups; {} listed", outcome.plan.expired.size(), ids.size()));
  ++evidence_.checks;
  for (const std::string& id : ids) {
    VerifyOutcome verified;
    s = RunVerify(ctx, VerifyRequest{repo_, id, sandbox_.path()}, &verified);
    if (!s.ok()) Detected({}, "after expire, backup '" + id + "' is listed but does not verify: " + s.message());
  }
  // A restore_check after this step reads only backups that are still there.
  for (BackupAttempt& a : attempts_) {
    if (a.published && !a.backup.id.empty() && std::find(ids.begin(), ids.end(), a.backup.id) == ids.end()) {
      a.published = false;
      a.expired = true;
    }
  }
  return Status::OK();
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
      Record(Outcome::kLoss,
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
      Record(Outcome::kLoss, "after the power cut the repository does not open: " + s.message(), false);
    }
    return Status::OK();
  }
  for (const std::string& id : acked) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end())
      Record(Outcome::kLoss, "backup '" + id + "', published before the power cut, is gone after it", false);
  }
  EngineContext ctx = DefaultEngineContext();
  int verified = 0;
  for (const std::string& id : ids) {
    VerifyOutcome outcome;
    s = RunVerify(ctx, VerifyRequest{repo_, id, sandbox_.path()}, &outcome);
    if (!s.ok()) {
      Record(Outcome::kLoss,
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
    Detected({}, fmt::format("re-running the {} after the power cut failed: {}", op, s.message()));
    return;
  }
  if (response.backup_id.empty()) {
    Narrate(fmt::format("re-run of the {} after the cut completed", op));
    return;
  }
  VerifyOutcome verified;
  s = RunVerify(DefaultEngineContext(), VerifyRequest{repo_, response.backup_id, sandbox_.path()}, &verified);
  if (!s.ok()) {
    Detected({}, "the backup re-run after the power cut published '" + response.backup_id +
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
    Record(Outcome::kLoss, "after the power cut the archive does not list: " + s.message(), false);
    return Status::OK();
  }
  std::set<uint32_t> readable;
  for (const ArchivedLog& log : archived) {
    std::string hash;
    uint64_t size = 0;
    s = HashFile(DefaultFileIO(), log.path, &hash, &size);
    if (!s.ok() || hash != log.xxh3 || size != log.size) {
      Record(Outcome::kLoss,
               fmt::format("after the power cut archived log '{}' does not match its sidecar ({})", log.path,
                           s.ok() ? fmt::format("{} bytes, xxh3 {}; recorded {} bytes, {}", size, hash, log.size, log.xxh3)
                                  : s.message()),
               false);
      continue;
    }
    readable.insert(log.number);
  }
  std::vector<std::string> live;
  DefaultFileIO()->ListDir(LiveLogDir(), &live);
  uint32_t first_live = 0;
  for (const auto& n : live) {
    uint32_t number = 0;
    if (ParseLogFileName(n, &number) && (first_live == 0 || number < first_live)) first_live = number;
  }
  for (uint32_t n = 1; first_live > 0 && n < first_live; ++n) {
    if (!readable.count(n)) {
      Record(Outcome::kLoss,
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
  DefaultFileIO()->ListDir(LiveLogDir(), &live);
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
      Record(Outcome::kLoss, "log file '" + LogFileName(n) + "' is in neither the environment nor the archive",
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
