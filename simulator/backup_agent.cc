#include "simulator/backup_agent.h"

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "engine/archive.h"
#include "engine/backup.h"
#include "engine/bdb_environment.h"
#include "engine/crash_points.h"
#include "engine/database_file.h"
#include "simulator/fault_schedule.h"
#include "simulator/io_error_injector.h"
#include "simulator/mmap_copier.h"
#include "simulator/power_loss_journal.h"
#include "simulator/torn_read_file_io.h"

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
  void CountRead() {
    if (crash_at_ != 0 && ++reads_ == crash_at_) ::raise(SIGKILL);
  }

 private:
  class CountingFile : public ReadableFile {
   public:
    CountingFile(std::unique_ptr<ReadableFile> inner, CrashingFileIO* owner)
        : inner_(std::move(inner)), owner_(owner) {}
    Status Pread(uint64_t offset, size_t n, char* buf, size_t* got) override {
      owner_->CountRead();
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

TearOrder ParseTearOrder(const std::string& s) {
  if (s == "old_new") return TearOrder::kOldHeadNewTail;
  if (s == "new_old") return TearOrder::kNewHeadOldTail;
  return TearOrder::kSeeded;
}

bool ParseIoOp(const std::string& s, IoOp* op) {
  static const std::pair<const char*, IoOp> kOps[] = {{"read", IoOp::kRead},
                                                       {"write", IoOp::kWrite},
                                                       {"fsync", IoOp::kFsync},
                                                       {"rename", IoOp::kRename},
                                                       {"open", IoOp::kOpen}};
  for (const auto& [name, value] : kOps) {
    if (s == name) {
      *op = value;
      return true;
    }
  }
  return false;
}

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

std::string AgentRequestToJson(const AgentRequest& r) {
  nlohmann::json j = {{"op", r.op},
                      {"home", r.home},
                      {"repo", r.repo},
                      {"mode", r.mode},
                      {"checkpoint", r.checkpoint},
                      {"recover_as_you_go", r.recover_as_you_go},
                      {"copier", r.copier},
                      {"seed", r.seed},
                      {"torn_pages", r.torn_pages},
                      {"torn_boundary_bytes", r.torn_boundary_bytes},
                      {"torn_order", r.torn_order},
                      {"mmap_fault_pages", r.mmap_fault_pages},
                      {"io_point", r.io_point},
                      {"io_nth", r.io_nth},
                      {"io_errno", r.io_errno},
                      {"io_short_write", r.io_short_write},
                      {"crash_at_read", r.crash_at_read},
                      {"power_journal", r.power_journal}};
  return j.dump();
}

Status AgentRequestFromJson(const std::string& json, AgentRequest* r) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument("agent request is not a JSON object");
  try {
    r->op = j.at("op").get<std::string>();
    r->home = j.at("home").get<std::string>();
    r->repo = j.at("repo").get<std::string>();
    r->mode = j.at("mode").get<std::string>();
    r->checkpoint = j.at("checkpoint").get<bool>();
    r->recover_as_you_go = j.at("recover_as_you_go").get<bool>();
    r->copier = j.at("copier").get<std::string>();
    r->seed = j.at("seed").get<uint64_t>();
    r->torn_pages = j.at("torn_pages").get<uint64_t>();
    r->torn_boundary_bytes = j.at("torn_boundary_bytes").get<uint32_t>();
    r->torn_order = j.at("torn_order").get<std::string>();
    r->mmap_fault_pages = j.at("mmap_fault_pages").get<uint64_t>();
    r->io_point = j.at("io_point").get<std::string>();
    r->io_nth = j.at("io_nth").get<uint64_t>();
    r->io_errno = j.at("io_errno").get<int>();
    r->io_short_write = j.at("io_short_write").get<bool>();
    r->crash_at_read = j.at("crash_at_read").get<uint64_t>();
    r->power_journal = j.value("power_journal", std::string());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("agent request: ") + e.what());
  }
  return Status::OK();
}

std::string AgentResponseToJson(const AgentResponse& r) {
  nlohmann::json faults = nlohmann::json::array();
  for (const auto& f : r.faults) faults.push_back({{"at_ms", f.at_ms}, {"kind", f.kind}, {"detail", f.detail}});
  nlohmann::json j = {{"ok", r.ok},           {"code", r.code},   {"message", r.message},
                      {"backup_id", r.backup_id}, {"page_rereads", r.page_rereads}, {"faults", faults}};
  return j.dump();
}

Status AgentResponseFromJson(const std::string& json, AgentResponse* r) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument("agent response is not a JSON object");
  try {
    r->ok = j.at("ok").get<bool>();
    r->code = j.at("code").get<std::string>();
    r->message = j.at("message").get<std::string>();
    r->backup_id = j.at("backup_id").get<std::string>();
    r->page_rereads = j.at("page_rereads").get<uint64_t>();
    for (const auto& f : j.at("faults"))
      r->faults.push_back({f.at("at_ms").get<int64_t>(), f.at("kind").get<std::string>(), f.at("detail").get<std::string>()});
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("agent response: ") + e.what());
  }
  return Status::OK();
}

AgentResponse RunAgentRequest(const AgentRequest& request) {
  AgentResponse response;
  FaultLog log;
  EngineContext ctx = DefaultEngineContext();
  FileIO* io = DefaultFileIO();

  std::unique_ptr<FiuFileIO> fiu_io;
  IoErrorInjector io_errors;
  if (request.io_nth > 0) {
    IoFault fault;
    if (!ParseIoOp(request.io_point, &fault.op)) {
      response.code = "InvalidArgument";
      response.message = "unknown i/o fault point '" + request.io_point + "'";
      return response;
    }
    fault.nth_call = request.io_nth;
    fault.error = request.io_errno;
    fault.short_write = request.io_short_write && fault.op == IoOp::kWrite;
    Status s = io_errors.Arm(fault);
    if (!s.ok()) {
      response.code = s.CodeName();
      response.message = s.message();
      return response;
    }
    log.Record("io_error", "armed: " + DescribeIoFault(fault));
    fiu_io = std::make_unique<FiuFileIO>(io, &log);
    io = fiu_io.get();
  }

  std::unique_ptr<TornReadFileIO> torn_io;
  const bool tear = request.torn_pages > 0 || request.mmap_fault_pages > 0;
  if (tear) {
    TearOptions options = request.mmap_fault_pages > 0 ? MmapStyleFaultOptions(request.seed) : TearOptions();
    options.seed = request.seed;
    if (request.mmap_fault_pages > 0) {
      options.tear_count = request.mmap_fault_pages;
    } else {
      options.kind = "torn_read";
      options.boundary_bytes = request.torn_boundary_bytes;
      options.tear_count = request.torn_pages;
    }
    options.order = ParseTearOrder(request.torn_order);
    // Tear pages the workload really rewrote during the copy, and copy slowly
    // (1 ms a page, a loaded disk) so that it does.
    options.changed_pages_only = true;
    options.pace_us = 1000;
    options.target_window = CountDatabasePages(request.home);
    Status s = TornReadFileIO::Create(io, options, &log, &torn_io);
    if (!s.ok()) {
      response.code = s.CodeName();
      response.message = s.message();
      return response;
    }
    if (request.copier != "mmap") io = torn_io.get();
  }

  CrashingFileIO crashing(io, request.crash_at_read);
  io = &crashing;
  ctx.io = io;
  if (request.copier == "unverified") ctx.verification = PageVerification::kNone;
  if (request.copier == "mmap") {
    ctx.copy_database = torn_io ? MmapCopierWithHook(ChunkTearHook(torn_io->injector(), torn_io.get()))
                                : DatabaseCopier(CopyDatabaseFileWithMmap);
  }

  Status s;
  if (request.op == "archive") {
    ArchiveOutcome out;
    s = ArchiveFinishedLogs(ctx, ArchiveRequest{request.home, request.repo}, &out);
  } else {
    BackupOutcome out;
    s = RunBackup(ctx, BackupRequest{request.home, request.repo, request.mode, request.checkpoint,
                                     request.recover_as_you_go},
                  &out);
    response.backup_id = out.manifest.id;
    response.page_rereads = out.page_rereads;
  }
  response.ok = s.ok();
  if (!s.ok()) {
    response.code = s.CodeName();
    response.message = s.message();
  }
  for (const auto& e : log.Events()) response.faults.push_back({e.at_ms, e.kind, e.detail});
  return response;
}

int AgentMain(const std::string& request_path) {
  InitFaultPoints();
  std::string text;
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
  }
  AgentResponse response = RunAgentRequest(request);
  std::cout << AgentResponseToJson(response) << std::endl;
  return 0;
}

}  // namespace bdb::sim
