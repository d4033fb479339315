#include "engine/restore/recovery_point.h"

#include <db.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "engine/bdb/bdb_environment.h"
#include "engine/bdb/environment_password.h"
#include "engine/bdb/log_record_reader.h"

namespace bdb {

Status NewestCommitInLogs(const std::string& log_dir, std::optional<int64_t>* unix_seconds) {
  unix_seconds->reset();
  std::unique_ptr<LogRecordReader> reader;
  BDB_RETURN_IF_ERROR(LogRecordReader::Open(log_dir, &reader));
  DB_LSN lsn;
  DBT rec;
  std::memset(&rec, 0, sizeof(rec));
  for (uint32_t flag = DB_LAST; reader->Get(flag, &lsn, &rec); flag = DB_PREV) {
    if (LogRecordU32(rec, 0) == kTxnRegopRecord && LogRecordU32(rec, 16) == kTxnRegopCommit) {
      *unix_seconds = static_cast<int32_t>(LogRecordU32(rec, 20));
      break;
    }
  }
  return reader->status();
}

Status FindRecoveryPoint(const EngineContext& outer, const RestorePlan& plan, const std::string& scratch_parent,
                         std::optional<int64_t>* unix_seconds) {
  unix_seconds->reset();
  EngineContext ctx = outer;
  ctx.progress = NullProgress();  // a few small copies: no progress line
  std::vector<PlannedFile> logs;
  for (const PlannedFile& f : plan.files)
    if (f.kind == "log") logs.push_back(f);
  if (logs.empty()) return Status::OK();
  for (size_t count = 1;; count = std::min(logs.size(), size_t{kMaxLogsSearched})) {
    std::string scratch;
    BDB_RETURN_IF_ERROR(MakeScratchDir(scratch_parent, "bdbackup-check", &scratch));
    RestorePlan last;
    for (size_t i = logs.size() - count; i < logs.size(); ++i) {
      PlannedFile f = logs[i];
      f.rel = BaseName(f.rel);  // the logs alone, at the top of the scratch directory
      last.files.push_back(f);
    }
    Status s = ExecuteRestorePlan(ctx, last, scratch, RestoreDurability::kScratch);  // removed below
    if (s.ok()) s = NewestCommitInLogs(scratch, unix_seconds);
    RemoveTree(ctx.io, scratch);  // best effort
    BDB_RETURN_IF_ERROR(s);
    if (unix_seconds->has_value() || count >= std::min(logs.size(), size_t{kMaxLogsSearched})) return Status::OK();
  }
}

}  // namespace bdb
