#include "simulator/agent/backup_agent.h"

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/backup/archive.h"
#include "engine/backup/backup.h"
#include "engine/bdb/bdb_environment.h"
#include "base/crash_points.h"
#include "engine/bdb/database_file.h"
#include "engine/bdb/environment_password.h"
#include "engine/repository/repository_key.h"
#include "engine/repository/stored_file.h"
#include "simulator/faults/fault_schedule.h"
#include "simulator/faults/io_error_injector.h"
#include "simulator/faults/mmap_copier.h"
#include "simulator/faults/power_loss_hooks.h"
#include "simulator/faults/power_loss_journal.h"
#include "simulator/agent/plan_codec.h"
#include "simulator/faults/torn_read_file_io.h"
#include "engine/restore/restore.h"
#include "simulator/faults/durability_shortcut_file_io.h"
#include "simulator/faults/journaled_file_io.h"
#include "simulator/faults/listing_order_file_io.h"
#include "simulator/faults/recover_helper_journal.h"
#include "simulator/faults/shared_cut_counter.h"

namespace bdb::sim {
namespace {

// Kills the process with SIGKILL at the n-th read through it: a backup or
// archive crash at a seeded logical point.
class CrashingFileIO : public FileIOWrapper {
 public:
  CrashingFileIO(FileIO* target, uint64_t crash_at_read) : FileIOWrapper(target), crash_at_(crash_at_read) {}
  Status OpenForRead(const std::string& path, std::unique_ptr<ReadableFile>* out) override {
    std::unique_ptr<ReadableFile> inner;
    BDB_RETURN_IF_ERROR(target()->OpenForRead(path, &inner));
    *out = std::make_unique<CountingFile>(std::move(inner), this);
    return Status::OK();
  }
  // The harness reads this stderr line to name the phase the crash interrupted.
  void CountRead(const std::string& path) {
    if (crash_at_ != 0 && ++reads_ == crash_at_) {
      std::fprintf(stderr, "%s%llu of '%s'\n", kAgentCrashMarker, static_cast<unsigned long long>(crash_at_),
                   path.c_str());
      std::fflush(stderr);
      ::raise(SIGKILL);
    }
  }

 private:
  class CountingFile : public ReadableFile {
   public:
    CountingFile(std::unique_ptr<ReadableFile> inner, CrashingFileIO* owner)
        : inner_(std::move(inner)), owner_(owner) {}
    Status Pread(uint64_t offset, size_t n, char* buf, size_t* got) override {
      owner_->CountRead(inner_->path());
      return inner_->Pread(offset, n, buf, got);
    }
    Status Size(uint64_t* size) override { return inner_->Size(size); }
    const std::string& path() const override { return inner_->path(); }

   private:
    std::unique_ptr<ReadableFile> inner_;
    CrashingFileIO* owner_;
  };
  uint64_t crash_at_;
  std::atomic<uint64_t> reads_{0};
};

// How many pages the environment's databases hold now: the window torn reads are drawn from.
uint64_t CountDatabasePages(const std::string& home) {
  std::unique_ptr<LiveEnvironment> env;
  if (!LiveEnvironment::Open(DefaultFileIO(), home, &env).ok()) return 64;
  std::vector<std::string> files;
  if (!env->ListDatabaseFiles(&files).ok()) return 64;
  uint64_t pages = 0;
  for (const auto& rel : files) {
    const std::string path = JoinPath(env->layout().home, rel);
    DatabaseFileInfo info;
    FileInfo stat;
    if (!ReadDatabaseFileInfo(DefaultFileIO(), path, &info).ok() || !DefaultFileIO()->Stat(path, &stat).ok()) continue;
    if (info.page_size > 0) pages += stat.size / info.page_size;
  }
  return pages == 0 ? 1 : pages;
}

}  // namespace

namespace {

nlohmann::json WindowToJson(const CopyWindow& w) {
  return {{"from_unix_ms", w.from_unix_ms}, {"to_unix_ms", w.to_unix_ms}, {"reads", w.reads}};
}

CopyWindow WindowFromJson(const nlohmann::json& j) {
  return CopyWindow{j.at("from_unix_ms").get<int64_t>(), j.at("to_unix_ms").get<int64_t>(), j.at("reads").get<uint64_t>()};
}

}  // namespace

std::string AgentResponseToJson(const AgentResponse& r) {
  nlohmann::json faults = nlohmann::json::array();
  for (const auto& f : r.faults) faults.push_back({{"at_ms", f.at_ms}, {"kind", f.kind}, {"detail", f.detail}});
  nlohmann::json touched = nlohmann::json::array();
  for (const auto& t : r.touched) touched.push_back({{"kind", ToString(t.kind)}, {"file", t.file}, {"page", t.page}});
  nlohmann::json j = {{"ok", r.ok},
                      {"code", Status::NameOf(r.code)},
                      {"message", r.message},
                      {"backup_id", r.backup_id},
                      {"page_rereads", r.page_rereads},
                      {"faults", faults},
                      {"touched", touched},
                      {"journaled_ops", r.journaled_ops},
                      {"reached_cut_phase", r.reached_cut_phase},
                      {"database_reads", WindowToJson(r.database_reads)},
                      {"log_reads", WindowToJson(r.log_reads)}};
  return j.dump();
}

Status AgentResponseFromJson(const std::string& json, AgentResponse* r) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument("agent response is not a JSON object");
  try {
    r->ok = j.at("ok").get<bool>();
    const std::string code = j.at("code").get<std::string>();
    if (!Status::ParseCode(code, &r->code)) return Status::InvalidArgument("agent response: unknown code '" + code + "'");
    r->message = j.at("message").get<std::string>();
    r->backup_id = j.at("backup_id").get<std::string>();
    r->page_rereads = j.at("page_rereads").get<uint64_t>();
    for (const auto& f : j.at("faults"))
      r->faults.push_back({f.at("at_ms").get<int64_t>(), f.at("kind").get<std::string>(), f.at("detail").get<std::string>()});
    r->journaled_ops = j.at("journaled_ops").get<uint64_t>();
    r->reached_cut_phase = j.at("reached_cut_phase").get<bool>();
    for (const auto& t : j.at("touched")) {
      AgentTouch touch;
      const std::string kind = t.at("kind").get<std::string>();
      if (!ParseFaultKind(kind, &touch.kind))
        return Status::InvalidArgument("agent response: unknown fault kind '" + kind + "'");
      touch.file = t.at("file").get<std::string>();
      touch.page = t.at("page").get<int64_t>();
      r->touched.push_back(std::move(touch));
    }
    r->database_reads = WindowFromJson(j.at("database_reads"));
    r->log_reads = WindowFromJson(j.at("log_reads"));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("agent response: ") + e.what());
  }
  return Status::OK();
}

namespace {

// The file-system layers of one agent run, from the disk up to the engine:
// stored-file decoding, libfiu errors, torn reads, the power-loss journal,
// a negative control's durability shortcut, the planned crash, the copy
// windows. Each layer exists only when the request's plan needs it.
class AgentIoStack {
 public:
  Status Build(const AgentRequest& request, const std::string& cut_counter_path, FaultLog* log, EngineContext* ctx);
  // What the layers saw, into the response.
  void Report(const AgentRequest& request, const FaultLog& log, AgentResponse* response) const;
  // A cut the recovery helper took ends this process now, before it answers.
  void FinishHelperCut() {
    if (journaled_) journaled_->FinishHelperCut();
  }

 private:
  Status AddIoErrors(const AgentFaultPlan& plan, FaultLog* log);
  Status AddTears(const AgentRequest& request, FaultLog* log);
  Status AddJournal(const AgentRequest& request, const std::string& cut_counter_path, EngineContext* ctx);

  FileIO* io_ = nullptr;
  IoErrorInjector io_errors_;
  std::unique_ptr<FiuFileIO> fiu_io_;
  std::unique_ptr<TornReadFileIO> torn_io_;
  std::unique_ptr<FileOpJournal> journal_;
  std::unique_ptr<SharedCutCounter> cut_counter_;
  std::unique_ptr<JournaledFileIO> journaled_;
  std::unique_ptr<DurabilityShortcutFileIO> shortcut_;
  std::unique_ptr<CrashingFileIO> crashing_;
  std::unique_ptr<CopyWindowFileIO> windows_;
  std::unique_ptr<ListingOrderFileIO> listing_;
};

Status AgentIoStack::AddIoErrors(const AgentFaultPlan& plan, FaultLog* log) {
  if (plan.io_nth == 0) return Status::OK();
  IoFault fault;
  fault.op = plan.io_point;
  fault.nth_call = plan.io_nth;
  fault.error = plan.io_errno;
  fault.short_write = plan.io_short_write && fault.op == IoOp::kWrite;
  BDB_RETURN_IF_ERROR(io_errors_.Arm(fault));
  log->Record("io_error", "armed: " + DescribeIoFault(fault));
  fiu_io_ = std::make_unique<FiuFileIO>(io_, log);
  io_ = fiu_io_.get();
  return Status::OK();
}

Status AgentIoStack::AddTears(const AgentRequest& request, FaultLog* log) {
  const AgentFaultPlan& plan = request.faults;
  if (plan.torn_pages == 0 && plan.mmap_fault_pages == 0) return Status::OK();
  TearOptions options = plan.mmap_fault_pages > 0 ? MmapStyleFaultOptions(plan.injector_seed) : TearOptions();
  options.seed = plan.injector_seed;
  if (plan.mmap_fault_pages > 0) {
    options.tear_count = plan.mmap_fault_pages;
  } else {
    options.kind = "torn_read";
    options.boundary_bytes = plan.torn_boundary_bytes;
    options.tear_count = plan.torn_pages;
  }
  options.order = plan.torn_order;
  // Tear pages the workload really rewrote during the copy, and copy slowly
  // (1 ms a page, a loaded disk) so that it does.
  options.changed_pages_only = true;
  options.pace_us = 1000;
  options.target_window = CountDatabasePages(request.home);
  BDB_RETURN_IF_ERROR(TornReadFileIO::Create(io_, options, log, &torn_io_));
  if (request.copier != Copier::kMmap) io_ = torn_io_.get();
  return Status::OK();
}

// When the trial may lose power, every file-system operation of the engine
// goes into the power-loss journal (below any negative control's shortcut:
// an elided call never reaches the disk).
Status AgentIoStack::AddJournal(const AgentRequest& request, const std::string& cut_counter_path,
                                EngineContext* ctx) {
  if (request.power_journal.empty()) return Status::OK();
  BDB_RETURN_IF_ERROR(
      FileOpJournal::Open(request.power_journal, request.home, request.power_journal + ".kept", &journal_));
  PhaseDirs dirs{request.repo, request.home, request.restore_target};
  const AgentCutPoint cut{request.faults.power_cut_from, request.faults.power_cut_nth};
  if (!cut_counter_path.empty()) {
    // Shared with bdbsim-recover, which journals BDB's recovery writes
    // (standby, restore) and counts them toward this cut.
    BDB_RETURN_IF_ERROR(SharedCutCounter::Create(cut_counter_path, cut.from, cut.nth, &cut_counter_));
    ctx->recovery_helper = SimulatorRecoveryHelperPath();
  }
  journaled_ = std::make_unique<JournaledFileIO>(io_, journal_.get(), dirs, cut, cut_counter_.get());
  io_ = journaled_.get();
  return Status::OK();
}

Status AgentIoStack::Build(const AgentRequest& request, const std::string& cut_counter_path, FaultLog* log,
                           EngineContext* ctx) {
  io_ = DefaultStoredFileIO();  // reads compressed repository files (archived logs) as the CLI does
  BDB_RETURN_IF_ERROR(AddIoErrors(request.faults, log));
  BDB_RETURN_IF_ERROR(AddTears(request, log));
  BDB_RETURN_IF_ERROR(AddJournal(request, cut_counter_path, ctx));
  if (request.durability_shortcut != DurabilityShortcut::kNone) {
    shortcut_ = std::make_unique<DurabilityShortcutFileIO>(io_, request.durability_shortcut);
    io_ = shortcut_.get();
  }
  crashing_ = std::make_unique<CrashingFileIO>(io_, request.faults.crash_at_read);
  windows_ = std::make_unique<CopyWindowFileIO>(crashing_.get(), request.home, request.faults.hold_for_commit);
  // The engine sees every directory in the trial's seeded order, never the file system's.
  listing_ = std::make_unique<ListingOrderFileIO>(
      windows_.get(), request.faults.listing.order == ListingOrder::kLogsFirst, request.faults.listing.seed);
  ctx->io = listing_.get();
  if (request.copier == Copier::kUnverified) ctx->verification = PageVerification::kNone;
  ctx->announce_hotbackup = request.announce_hotbackup;
  if (request.copier == Copier::kMmap) {
    ctx->copy_database = torn_io_ ? MmapCopierWithHook(ChunkTearHook(torn_io_->injector(), torn_io_.get()))
                                  : DatabaseCopier(CopyDatabaseFileWithMmap);
  }
  return Status::OK();
}

void AgentIoStack::Report(const AgentRequest& request, const FaultLog& log, AgentResponse* response) const {
  for (const auto& e : log.Events()) response->faults.push_back({e.at_ms, e.kind, e.detail});
  if (torn_io_) {
    const FaultKind kind = request.faults.mmap_fault_pages > 0 ? FaultKind::kMmapFault : FaultKind::kTornRead;
    for (const FiredTear& t : torn_io_->injector()->fired()) {
      if (t.outcome == TearOutcome::kSpliced) response->touched.push_back({kind, t.path, static_cast<int64_t>(t.page)});
    }
  }
  if (fiu_io_) {
    for (const std::string& path : fiu_io_->failed_paths()) response->touched.push_back({FaultKind::kIoError, path, -1});
  }
  if (journaled_) {
    response->journaled_ops = journaled_->operations();
    response->reached_cut_phase = journaled_->reached_cut_phase();
  }
  if (shortcut_)
    response->faults.push_back(
        {0, "durability_shortcut", fmt::format("{} call(s) elided or moved", shortcut_->shortcuts_taken())});
  response->database_reads = windows_->database_reads();
  response->log_reads = windows_->log_reads();
}

// Runs the request's engine procedure with ctx; *backup_id and *rereads as it reports them.
Status RunEngineProcedure(const AgentRequest& request, const EngineContext& ctx, AgentResponse* response) {
  if (request.op == AgentOp::kRestore) {
    RestoreOutcome out;
    RestoreRequest restore;
    restore.repo = request.repo;
    restore.target = request.restore_target;
    restore.backup = request.restore_backup;
    Status s = RunRestore(ctx, restore, &out);
    response->backup_id = out.backup_id;
    return s;
  }
  if (request.op == AgentOp::kArchive) {
    ArchiveOutcome out;
    ArchiveRequest archive{request.home, request.repo};
    archive.checkpoint = request.checkpoint;
    archive.compress_level = request.compress_level;
    return ArchiveFinishedLogs(ctx, archive, &out);
  }
  BackupOutcome out;
  BackupRequest backup{request.home, request.repo, request.mode, request.checkpoint,
                       request.recover_as_you_go};
  backup.hold_hotbackup = request.hold_hotbackup && request.mode != BackupMode::kCold;
  backup.compress_level = request.compress_level;
  Status s = RunBackup(ctx, backup, &out);
  response->backup_id = out.manifest.id;
  response->page_rereads = out.page_rereads;
  return s;
}

}  // namespace

AgentResponse RunAgentRequest(const AgentRequest& request, const std::string& cut_counter_path) {
  ScopedThreadPassword password(request.password);  // every DB_ENV the engine opens, and its helpers
  AgentResponse response;
  auto failed = [&response](const Status& s) {
    response.ok = false;
    response.code = s.code();
    response.message = s.message();
    return response;
  };
  RepositoryKey key;
  if (!request.repository_key.empty()) {
    Status parsed = ParseRepositoryKey(request.repository_key, "agent request", &key);
    if (!parsed.ok()) return failed(parsed);
  }
  ScopedThreadRepositoryKey key_scope(request.repository_key.empty() ? nullptr : &key);
  FaultLog log;
  EngineContext ctx = DefaultEngineContext();
  AgentIoStack stack;
  Status s = stack.Build(request, cut_counter_path, &log, &ctx);
  if (!s.ok()) return failed(s);
  s = RunEngineProcedure(request, ctx, &response);
  stack.FinishHelperCut();
  response.ok = s.ok();
  if (!s.ok()) {
    response.code = s.code();
    response.message = s.message();
  }
  stack.Report(request, log, &response);
  return response;
}

int AgentMain(const std::string& request_path) {
  InitFaultPoints();
  std::string text, cut_counter;
  AgentRequest request;
  Status s = ReadWholeFile(DefaultFileIO(), request_path, &text);
  if (s.ok()) s = AgentRequestFromJson(text, &request);
  if (!s.ok()) {
    std::fprintf(stderr, "bdbsim agent: error: %s\n", s.message().c_str());
    return 2;
  }
  if (!request.power_journal.empty()) {
    // Journal this process's writes and fsyncs of the environment too (a
    // checkpoint flushes the workload's pages), so a later power cut honours them.
    IoHookOptions hooks;
    hooks.home = request.home;
    hooks.journal_path = request.power_journal;
    hooks.append = true;
    s = InstallIoHooks(hooks);
    if (!s.ok()) {
      std::fprintf(stderr, "bdbsim agent: error: %s\n", s.message().c_str());
      return 2;
    }
    // The recovery helper (bdbsim-recover) journals BDB's writes too, and
    // shares the count toward this step's cut (set while single-threaded).
    cut_counter = request_path + ".cut";
    ExportRecoverHelperEnvironment(request.power_journal, cut_counter);
  }
  AgentResponse response = RunAgentRequest(request, cut_counter);
  std::cout << AgentResponseToJson(response) << std::endl;
  return 0;
}

}  // namespace bdb::sim
