#include "engine/backup/standby.h"

#include <nlohmann/json.hpp>

#include "base/crash_points.h"
#include "engine/bdb/log_names.h"
#include "engine/recovery/recovery.h"
#include "engine/restore/restore_plan.h"

namespace bdb {
namespace {

std::string StatePath(Repository* repo) { return JoinPath(repo->root(), "standby.json"); }

// What a recovery crash message names: "the standby at backup '<ID>'".
std::string StandbySubject(const std::vector<Manifest>& chain) {
  return "the standby at backup '" + chain.back().id + "'";
}

Status WriteState(FileIO* io, Repository* repo, const StandbyState& state) {
  nlohmann::json j = {{"base", state.base}, {"applied", state.applied}, {"ready", state.ready}};
  return WriteFileAtomically(io, StatePath(repo), j.dump(2) + "\n", 0600);
}

// Builds the standby from scratch beside the old one, then swaps it in.
Status Rebuild(const EngineContext& ctx, Repository* repo, const std::vector<Manifest>& chain) {
  const std::string standby = repo->standby_dir();
  const std::string fresh = standby + ".partial";
  BDB_RETURN_IF_ERROR(RemoveTree(ctx.io, fresh));
  BDB_RETURN_IF_ERROR(ctx.io->MakeDir(fresh, 0700));
  RestorePlan plan;
  BDB_RETURN_IF_ERROR(PlanRestore(ctx.io, repo, chain, "", &plan));
  BDB_RETURN_IF_ERROR(ExecuteRestorePlan(ctx, plan, fresh));
  CrashPoint("standby/before_recovery");
  Status recovered = RecoverCatastrophic(fresh, std::nullopt, RecoveryRun{ctx.recovery_helper, StandbySubject(chain)});
  if (!recovered.ok()) {
    RemoveTree(ctx.io, fresh);  // best effort; the next update removes it anyway
    return recovered;
  }
  // The names of the files recovery made (BDB never fsyncs a directory).
  BDB_RETURN_IF_ERROR(SyncDirectoryTree(ctx.io, fresh));
  BDB_RETURN_IF_ERROR(WriteState(ctx.io, repo, StandbyState{chain.front().id, "", false}));
  BDB_RETURN_IF_ERROR(RemoveTree(ctx.io, standby));
  BDB_RETURN_IF_ERROR(ctx.io->Rename(fresh, standby));
  BDB_RETURN_IF_ERROR(ctx.io->SyncDir(repo->root()));
  return WriteState(ctx.io, repo, StandbyState{chain.front().id, chain.back().id, true});
}

// Applies the logs of the backups after `applied` to the ready standby in place.
Status ApplyIncrementals(const EngineContext& ctx, Repository* repo, const std::vector<Manifest>& chain,
                         size_t first_new) {
  const std::string standby = repo->standby_dir();
  BDB_RETURN_IF_ERROR(WriteState(ctx.io, repo, StandbyState{chain.front().id, chain[first_new - 1].id, false}));
  // As BDB's hot-failover procedure says: drop the standby's logs from the
  // first one being replaced (recovery may have appended to them), copy anew.
  const uint32_t from = chain[first_new].first_log;
  const std::string log_dir = JoinPath(standby, chain.front().log_dir_rel);
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(ctx.io->ListDir(log_dir, &names));
  for (const auto& name : names) {
    uint32_t n = 0;
    if (ParseLogFileName(name, &n) && n >= from) BDB_RETURN_IF_ERROR(ctx.io->RemoveFile(JoinPath(log_dir, name)));
  }
  RestorePlan plan;
  for (size_t i = first_new; i < chain.size(); ++i) {
    for (const ManifestFile& f : chain[i].files) {
      if (f.kind != "log") continue;
      PlannedFile planned{JoinPath(repo->BackupDir(chain[i].id), f.path), f.path, "log", f.xxh3, f.size,
                          "backup " + chain[i].id};
      // A later incremental's copy of the same log is longer: it replaces the earlier one.
      bool replaced = false;
      for (auto& p : plan.files) {
        if (p.rel == planned.rel) { p = planned; replaced = true; }
      }
      if (!replaced) plan.files.push_back(planned);
    }
  }
  BDB_RETURN_IF_ERROR(ExecuteRestorePlan(ctx, plan, standby));
  CrashPoint("standby/before_recovery");
  // On failure the state stays "not ready": the next update rebuilds the standby.
  BDB_RETURN_IF_ERROR(RecoverCatastrophic(standby, std::nullopt, RecoveryRun{ctx.recovery_helper, StandbySubject(chain)}));
  // The names of the files recovery made (BDB never fsyncs a directory).
  BDB_RETURN_IF_ERROR(SyncDirectoryTree(ctx.io, standby));
  return WriteState(ctx.io, repo, StandbyState{chain.front().id, chain.back().id, true});
}

}  // namespace

Status ReadStandbyState(FileIO* io, Repository* repo, StandbyState* state) {
  *state = StandbyState();
  FileInfo info;
  BDB_RETURN_IF_ERROR(io->Stat(StatePath(repo), &info));
  if (!info.exists) return Status::OK();
  std::string text;
  BDB_RETURN_IF_ERROR(ReadWholeFile(io, StatePath(repo), &text));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("base") || !j["base"].is_string() || !j.contains("applied") ||
      !j["applied"].is_string() || !j.contains("ready") || !j["ready"].is_boolean()) {
    return Status::OK();  // unreadable state: treated as "no usable standby", it is rebuilt
  }
  state->base = j["base"].get<std::string>();
  state->applied = j["applied"].get<std::string>();
  state->ready = j["ready"].get<bool>();
  return Status::OK();
}

Status UpdateStandby(const EngineContext& ctx, Repository* repo, const std::string& backup_id) {
  std::vector<Manifest> chain;
  BDB_RETURN_IF_ERROR(repo->LoadChain(backup_id, &chain));
  StandbyState state;
  BDB_RETURN_IF_ERROR(ReadStandbyState(ctx.io, repo, &state));
  FileInfo standby;
  BDB_RETURN_IF_ERROR(ctx.io->Stat(repo->standby_dir(), &standby));
  if (state.ready && standby.exists && state.base == chain.front().id) {
    for (size_t i = 0; i + 1 < chain.size(); ++i) {
      if (chain[i].id == state.applied) return ApplyIncrementals(ctx, repo, chain, i + 1);
    }
    if (state.applied == chain.back().id) return Status::OK();
  }
  return Rebuild(ctx, repo, chain);
}

}  // namespace bdb
