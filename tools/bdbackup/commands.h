// The bdbackup commands as functions from parsed options to a Status plus a
// result (a JSON document for --json, or lines of text). main() only parses
// the command line and turns the Status into an exit code.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/engine_context.h"

namespace bdb {

struct CommandOptions {
  std::string home, repo, mode = "hot", target, backup = "latest", until, live_logs;
  bool checkpoint = false, recover_as_you_go = false, force = false;
  bool skip_if_unchanged = false;  // backup --every: an idle environment gets no new backup
  bool hold_hotbackup = false;         // backup: keep the hot backup announced afterwards
  bool hot_if_refused = false;         // backup --mode incremental: a hot backup when the log cannot do
  bool take_over_log_removal = false;  // archive: turn DB_LOG_AUTO_REMOVE off and remove logs ourselves
  // expire, and backup --expire: the retention policy as given (parsed by the command).
  int64_t keep_full = 0;  // 0: not given
  bool keep_full_given = false;
  std::string keep_for, keep_pitr;  // durations; "" = not given
  std::vector<std::string> pins;
  std::vector<std::string> unpin;  // expire: release recorded pins
  bool dry_run = false;       // expire: report only
  bool expire_after = false;  // backup --expire
  // check: limits ("" = not checked) and the Prometheus textfile to write.
  std::string max_age, max_archive_lag, prometheus;
  std::string compress;  // backup, archive: "zstd" or "zstd:LEVEL"; "" raw
  double max_rate_mib_s = 0;  // backup: read at most this many MiB/s (0: no limit)
};

struct CommandResult {
  nlohmann::json json = nlohmann::json::object();
  std::string text;  // what a person reads on stdout
};

Status RunArchiveCommand(const EngineContext& ctx, const CommandOptions& o, CommandResult* r);
Status RunBackupCommand(const EngineContext& ctx, const CommandOptions& o, CommandResult* r);
Status RunListCommand(const EngineContext& ctx, const CommandOptions& o, CommandResult* r);
Status RunVerifyCommand(const EngineContext& ctx, const CommandOptions& o, CommandResult* r);
Status RunExpireCommand(const EngineContext& ctx, const CommandOptions& o, CommandResult* r);
Status RunCheckCommand(const EngineContext& ctx, const CommandOptions& o, CommandResult* r);
Status RunRestoreCommand(const EngineContext& ctx, const CommandOptions& o, CommandResult* r);

}  // namespace bdb
