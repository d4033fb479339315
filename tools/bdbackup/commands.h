// The bdbackup commands as functions from parsed options (one struct per
// command, filled by the command table's parser) to a Status plus a result (a
// JSON document for --json, or lines of text). The table's run functions
// (command_table.cc) turn the Status into output and an exit code.
// Thread-safety: each function runs on the calling thread only.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine_context.h"

namespace bdb {

// Options every command takes.
struct CommonOptions {
  bool json = false;               // one JSON document on stdout
  std::string config;              // TOML file supplying flags not given
  std::string env_timeout = "60";  // seconds a call into BDB may take (text: parsed once, with its own message)
};

// Commands that take the repository's lock (writers) or the readers' lock.
struct LockOptions {
  int lock_wait_seconds = 0;
};

// Commands that open an encrypted environment or read stored content.
struct SecretOptions {
  std::string password_file;  // encrypted environments; else BDBACKUP_PASSWORD
  std::string key_file;       // encrypted repositories; else the file BDBACKUP_KEY_FILE names
};

// expire, and backup --expire: the retention policy as given (parsed by the command).
struct RetentionOptions {
  std::optional<int64_t> keep_full;
  std::string keep_for, keep_pitr;  // durations; "" = not given
  std::vector<std::string> pins;
};

struct ArchiveOptions : CommonOptions, LockOptions, SecretOptions {
  std::string home, repo;
  bool checkpoint = false;
  bool take_over_log_removal = false;  // turn DB_LOG_AUTO_REMOVE off and remove logs ourselves
  std::string compress;                // "zstd" or "zstd:LEVEL"; "" raw
};

struct BackupOptions : CommonOptions, LockOptions, SecretOptions, RetentionOptions {
  std::string home, repo, mode = "hot";
  bool checkpoint = false, recover_as_you_go = false;
  bool skip_if_unchanged = false;  // --every: an idle environment gets no new backup
  bool hold_hotbackup = false;     // keep the hot backup announced afterwards
  bool hot_if_refused = false;     // --mode incremental: a hot backup when the log cannot do
  bool expire_after = false;       // --expire
  double max_rate_mib_s = 0;       // --max-rate: read at most this many MiB/s (0: no limit)
  std::string compress;
  std::optional<double> every_seconds;  // --every: repeat incrementals
  std::optional<int64_t> count;         // --count: turns of --every
};

struct ListOptions : CommonOptions {
  std::string repo;
};

struct VerifyOptions : CommonOptions, LockOptions, SecretOptions {
  std::string repo, backup = "latest";
};

struct RestoreOptions : CommonOptions, LockOptions, SecretOptions {
  std::string repo, target, backup = "latest", until, live_logs;
  bool force = false;
};

struct ExpireOptions : CommonOptions, LockOptions, RetentionOptions {
  std::string repo;
  std::vector<std::string> unpin;  // release recorded pins
  bool dry_run = false;            // report only
};

struct CheckOptions : CommonOptions, LockOptions, SecretOptions {
  std::string repo;
  std::string max_age, max_archive_lag;  // limits; "" = not checked
  std::string prometheus;                // textfile to write; "" = none
};

struct CommandResult {
  nlohmann::json json = nlohmann::json::object();
  std::string text;  // what a person reads on stdout
};

Status RunArchiveCommand(const EngineContext& ctx, const ArchiveOptions& o, CommandResult* r);
Status RunBackupCommand(const EngineContext& ctx, const BackupOptions& o, CommandResult* r);
Status RunListCommand(const EngineContext& ctx, const ListOptions& o, CommandResult* r);
Status RunVerifyCommand(const EngineContext& ctx, const VerifyOptions& o, CommandResult* r);
Status RunExpireCommand(const EngineContext& ctx, const ExpireOptions& o, CommandResult* r);
Status RunCheckCommand(const EngineContext& ctx, const CheckOptions& o, CommandResult* r);
Status RunRestoreCommand(const EngineContext& ctx, const RestoreOptions& o, CommandResult* r);

}  // namespace bdb
