#include "tools/bdbackup/command_table.h"

#include "tools/bdbackup/command_runner.h"
#include "tools/bdbackup/commands.h"
#include "version.h"

namespace bdb {
namespace {

using cli::CommandBuilder;
using cli::OptionDef;
using cli::ValueType;

// ---------------------------------------------------------------- options, each written once

const OptionDef kHome{
    .name = "--home", .value = "DIR", .type = ValueType::kPath, .help = "the environment's home directory"};
const OptionDef kRepo{.name = "--repo",
                      .value = "DIR",
                      .type = ValueType::kPath,
                      .help = "repository directory (created by the first backup or archive)"};
const OptionDef kJson{.name = "--json",
                      .type = ValueType::kFlag,
                      .help = "print one JSON document on stdout, also on error",
                      .shared = true};
const OptionDef kConfig{.name = "--config",
                        .value = "FILE",
                        .type = ValueType::kPath,
                        .help =
                            "TOML file supplying the flags not given: keys named like them, at the top level or in a "
                            "[command] table",
                        .shared = true};
const OptionDef kEnvTimeout{.name = "--env-timeout",
                            .value = "SECONDS",
                            .type = ValueType::kNumber,
                            .help = "seconds a call into Berkeley DB may take before bdbackup gives up with exit 4",
                            .shared = true};
const OptionDef kLockWait{.name = "--lock-wait",
                          .value = "SECONDS",
                          .type = ValueType::kInteger,
                          .help =
                              "seconds to wait for the repository lock this command needs (archive, backup and expire "
                              "exclude each other; verify, restore and check wait only for an expire) before exit 3",
                          .shared = true};
const OptionDef kPasswordFile{
    .name = "--password-file",
    .value = "FILE",
    .type = ValueType::kPath,
    .help = "encrypted environment (DB_ENCRYPT_AES): read its password from this file's first line",
    .default_text = "the BDBACKUP_PASSWORD environment variable",
    .shared = true};
const OptionDef kKeyFile{
    .name = "--encrypt-key-file",
    .value = "FILE",
    .type = ValueType::kPath,
    .help =
        "encrypted repository (AES-256-GCM): its 32-byte key, raw or as 64 hex digits, in a file only "
        "its owner may read; a new repository made with it is encrypted",
    .default_text = "the file named by BDBACKUP_KEY_FILE",
    .shared = true};
const OptionDef kCompress{
    .name = "--compress",
    .value = "zstd[:LEVEL]",
    .type = ValueType::kString,
    .help = "store the copied database and log files compressed: zstd or zstd:LEVEL (1-19, default 3)"};
const OptionDef kArchiveCheckpoint{
    .name = "--checkpoint",
    .type = ValueType::kFlag,
    .help = "force a checkpoint first (default: rely on the application's own checkpoints)"};
const OptionDef kBackupCheckpoint{
    .name = "--checkpoint", .type = ValueType::kFlag, .help = "checkpoint the environment first"};
const OptionDef kTakeOver{
    .name = "--take-over-log-removal",
    .type = ValueType::kFlag,
    .help = "turn the environment's DB_LOG_AUTO_REMOVE off; archive removes logs once they are safe"};
const OptionDef kMode{
    .name = "--mode", .value = "cold|hot|incremental", .type = ValueType::kString, .help = "the kind of backup"};
const OptionDef kRecoverAsYouGo{.name = "--recover-as-you-go",
                                .type = ValueType::kFlag,
                                .help = "also bring REPO/standby up to date by catastrophic recovery"};
const OptionDef kHoldHotbackup{.name = "--hold-hotbackup",
                               .type = ValueType::kFlag,
                               .help =
                                   "hot/incremental: keep the hot backup announced afterwards, so DB_TXN_BULK "
                                   "transactions stay logged and the next incremental is safe"};
const OptionDef kHotIfRefused{.name = "--hot-if-refused",
                              .type = ValueType::kFlag,
                              .help =
                                  "incremental only: when the log cannot rebuild the environment (a gap, unlogged "
                                  "DB_TXN_BULK inserts, a lost announcement), take a hot backup instead"};
const OptionDef kEvery{.name = "--every",
                       .value = "SECONDS",
                       .type = ValueType::kNumber,
                       .help =
                           "incremental only: take one now, then one every SECONDS (none while nothing is new) until "
                           "--count turns or SIGINT/SIGTERM"};
const OptionDef kMaxRate{.name = "--max-rate",
                         .value = "MIB_PER_SECOND",
                         .type = ValueType::kNumber,
                         .help = "read the environment's files at most this many MiB a second (slow disks; 0: no limit)"};
const OptionDef kCount{
    .name = "--count", .value = "N", .type = ValueType::kInteger, .help = "with --every: stop after this many turns"};
const OptionDef kExpireAfter{.name = "--expire",
                             .type = ValueType::kFlag,
                             .help =
                                 "after a successful publish, apply the retention policy (--keep-full/--keep-for/"
                                 "--keep-pitr)"};
const OptionDef kKeepFull{.name = "--keep-full",
                          .value = "N",
                          .type = ValueType::kInteger,
                          .help = "keep the newest N full backups with their incremental chains"};
const OptionDef kKeepFor{.name = "--keep-for",
                         .value = "DURATION",
                         .type = ValueType::kDuration,
                         .help = "keep every backup that started within DURATION (90s, 15m, 36h, 7d)"};
const OptionDef kKeepPitr{.name = "--keep-pitr",
                          .value = "DURATION",
                          .type = ValueType::kDuration,
                          .help = "keep the backups and archived logs a restore to any time within DURATION needs"};
const OptionDef kPin{
    .name = "--pin",
    .value = "ID",
    .type = ValueType::kString,
    .help =
        "keep this backup (and its chain) whatever the policy, from now on: the pin is recorded in the "
        "repository until expire --unpin; repeatable",
    .repeatable = true};
const OptionDef kUnpin{.name = "--unpin",
                       .value = "ID",
                       .type = ValueType::kString,
                       .help = "release a pin an earlier --pin recorded in the repository; repeatable",
                       .repeatable = true};
const OptionDef kDryRun{
    .name = "--dry-run", .type = ValueType::kFlag, .help = "print what would be removed; remove nothing"};
const OptionDef kBackupId{.name = "--backup", .value = "ID|latest", .type = ValueType::kString, .help = "the backup"};
const OptionDef kTarget{.name = "--target",
                        .value = "DIR",
                        .type = ValueType::kPath,
                        .help = "empty directory to restore into (created if missing)",
                        .links = cli::Links::kFollowParent};
const OptionDef kUntil{.name = "--until",
                       .value = "TIME",
                       .type = ValueType::kString,
                       .help = "point in time, UTC, to the second (2026-11-23T18:15:00Z)"};
const OptionDef kLiveLogs{.name = "--live-logs",
                          .value = "HOME",
                          .type = ValueType::kPath,
                          .help = "also roll forward through this live environment's logs"};
const OptionDef kForce{.name = "--force", .type = ValueType::kFlag, .help = "overwrite a non-empty target"};
const OptionDef kMaxAge{.name = "--max-age",
                        .value = "DURATION",
                        .type = ValueType::kDuration,
                        .help = "the newest backup may be at most DURATION old (90s, 15m, 36h, 7d)"};
const OptionDef kMaxArchiveLag{.name = "--max-archive-lag",
                               .value = "DURATION",
                               .type = ValueType::kDuration,
                               .help = "the newest archived log may be at most DURATION old"};
const OptionDef kPrometheus{.name = "--prometheus",
                            .value = "FILE",
                            .type = ValueType::kPath,
                            .help =
                                "also write the figures to FILE (Prometheus text format, for node_exporter's textfile "
                                "collector), atomically"};

// ---------------------------------------------------------------- shared rows

template <class O>
void AddShared(CommandBuilder<O>* b) {
  b->Add(kJson, &CommonOptions::json)
      .Add(kConfig, &CommonOptions::config)
      .Add(kEnvTimeout, &CommonOptions::env_timeout);
  if constexpr (std::is_base_of_v<LockOptions, O>) b->Add(kLockWait, &LockOptions::lock_wait_seconds);
  if constexpr (std::is_base_of_v<SecretOptions, O>)
    b->Add(kPasswordFile, &SecretOptions::password_file).Add(kKeyFile, &SecretOptions::key_file);
}

template <class O>
void AddRetention(CommandBuilder<O>* b) {
  b->Add(kKeepFull, &RetentionOptions::keep_full)
      .Add(kKeepFor, &RetentionOptions::keep_for)
      .Add(kKeepPitr, &RetentionOptions::keep_pitr)
      .Add(kPin, &RetentionOptions::pins);
}

// The table's run function of a command that is one engine call.
template <class O>
std::function<int(O&, const cli::Invocation&)> Engine(const char* name,
                                                      Status (*work)(const EngineContext&, const O&, CommandResult*)) {
  return [name, work](O& o, const cli::Invocation&) {
    const LockOptions* lock = nullptr;
    const SecretOptions* secrets = nullptr;
    if constexpr (std::is_base_of_v<LockOptions, O>) lock = &o;
    if constexpr (std::is_base_of_v<SecretOptions, O>) secrets = &o;
    return RunEngineCommand({name, &o, lock, secrets},
                            [&o, work](const EngineContext& ctx, CommandResult* r) { return work(ctx, o, r); });
  };
}

// ---------------------------------------------------------------- commands

cli::Command Archive() {
  CommandBuilder<ArchiveOptions> b("archive", "move finished log files into the repository archive");
  b.Describe(
       "Copies every log file no transaction needs any more (as Berkeley DB's log_archive lists them after "
       "the application's latest checkpoint) into REPO/archive, fsyncs it, checks the copy's checksum, "
       "records it, and only then removes it from the environment. Re-running after a crash at any point "
       "completes the job.")
      .Add(kHome, &ArchiveOptions::home)
      .Required()
      .Add(kRepo, &ArchiveOptions::repo)
      .Required()
      .Add(kArchiveCheckpoint, &ArchiveOptions::checkpoint)
      .Add(kTakeOver, &ArchiveOptions::take_over_log_removal)
      .Add(kCompress, &ArchiveOptions::compress);
  AddShared(&b);
  b.Example("archive --home /srv/app --repo /backup/app", "archive what the application's checkpoints have freed")
      .Example("archive --config /etc/bdbackup/app.toml", "the same, home and repository from a config file");
  return b.Build(Engine<ArchiveOptions>("archive", RunArchiveCommand));
}

int RunBackup(BackupOptions& o, const cli::Invocation&) {
  if (o.every_seconds) return RunRepeatedBackupCommand(o);
  return RunEngineCommand({"backup", &o, &o, &o},
                          [&o](const EngineContext& ctx, CommandResult* r) { return RunBackupCommand(ctx, o, r); });
}

cli::Command Backup() {
  CommandBuilder<BackupOptions> b("backup", "take a cold, hot or incremental backup");
  b.Describe(
       "cold: refuses while another process has the environment open, then copies every database file and "
       "the last log. hot: writers keep running; every page is verified as it is copied, then the logs up "
       "to the end read before the copy. incremental: the logs written since the latest backup. A backup "
       "becomes visible only once every file is fsynced and its directory renamed into place.")
      .Add(kHome, &BackupOptions::home)
      .Required()
      .Add(kRepo, &BackupOptions::repo)
      .Required()
      .Add(kMode, &BackupOptions::mode)
      .Required()
      .Add(kBackupCheckpoint, &BackupOptions::checkpoint)
      .Add(kRecoverAsYouGo, &BackupOptions::recover_as_you_go)
      .Add(kHotIfRefused, &BackupOptions::hot_if_refused)
      .Add(kHoldHotbackup, &BackupOptions::hold_hotbackup)
      .Add(kEvery, &BackupOptions::every_seconds)
      .Add(kCount, &BackupOptions::count)
      .Needs(kEvery)
      .Add(kExpireAfter, &BackupOptions::expire_after)
      .Add(kMaxRate, &BackupOptions::max_rate_mib_s);
  AddRetention(&b);
  b.Add(kCompress, &BackupOptions::compress);
  AddShared(&b);
  b.Example("backup --home /srv/app --repo /backup/app --mode hot", "a hot backup while the application runs")
      .Example("backup --config /etc/bdbackup/app.toml --mode hot --expire --keep-full 2 --keep-pitr 7d",
               "a nightly hot backup, then expire what the policy no longer keeps")
      .Example("backup --home /srv/app --repo /backup/app --mode incremental --every 300 --recover-as-you-go",
               "an incremental every 5 minutes, keeping REPO/standby recovered (a hot failover)");
  return b.Build(RunBackup);
}

cli::Command List() {
  CommandBuilder<ListOptions> b("list", "list backups and archived logs");
  b.Describe(
       "One line per backup (id, mode, parent, size, log range, start; pinned ones marked) and a line for "
       "the archive.")
      .Add(kRepo, &ListOptions::repo)
      .Required();
  AddShared(&b);
  b.Example("list --repo /backup/app", "what the repository holds");
  return b.Build(Engine<ListOptions>("list", RunListCommand));
}

cli::Command Verify() {
  CommandBuilder<VerifyOptions> b("verify", "check a backup and prove it restores");
  b.Describe(
       "Checks every file of the backup's chain against its manifest, that the logs have no gap, then "
       "restores it into a scratch directory with catastrophic recovery and runs DB->verify on every "
       "database. The verdict is recorded in REPO/verify.json for check.")
      .Add(kRepo, &VerifyOptions::repo)
      .Required()
      .Add(kBackupId, &VerifyOptions::backup);
  AddShared(&b);
  b.Example("verify --repo /backup/app", "verify the latest backup");
  return b.Build(Engine<VerifyOptions>("verify", RunVerifyCommand));
}

cli::Command Restore() {
  CommandBuilder<RestoreOptions> b("restore", "rebuild an environment from a backup");
  b.Describe(
       "Copies the backup, its incremental chain and the archived logs it needs into an empty target, "
       "every file checked against its recorded checksum, then runs catastrophic recovery to the end of the "
       "logs or to --until. The source is never touched; a restore that fails takes back what it wrote.")
      .Add(kRepo, &RestoreOptions::repo)
      .Required()
      .Add(kTarget, &RestoreOptions::target)
      .Required()
      .Add(kBackupId, &RestoreOptions::backup)
      .Add(kUntil, &RestoreOptions::until)
      .Add(kLiveLogs, &RestoreOptions::live_logs)
      .Add(kForce, &RestoreOptions::force);
  AddShared(&b);
  b.Example("restore --repo /backup/app --target /srv/app-restored", "the latest backup, recovered to its end")
      .Example("restore --repo /backup/app --target /srv/app-restored --until 2026-11-23T18:15:00Z",
               "point-in-time restore");
  return b.Build(Engine<RestoreOptions>("restore", RunRestoreCommand));
}

cli::Command Expire() {
  CommandBuilder<ExpireOptions> b("expire", "remove backups and archived logs the retention policy no longer keeps");
  b.Describe(
       "Keeps the newest backup always, and what --keep-full, --keep-for, --keep-pitr and the pins keep, "
       "with the whole chain of every kept backup and the archived logs their restores need; removes the "
       "rest, crash-safely (a removed backup is renamed out of sight first). At least one rule is required, "
       "unless only --pin or --unpin is given.")
      .Add(kRepo, &ExpireOptions::repo)
      .Required()
      .Add(kDryRun, &ExpireOptions::dry_run);
  AddRetention(&b);
  b.Add(kUnpin, &ExpireOptions::unpin);
  AddShared(&b);
  b.Example("expire --repo /backup/app --keep-full 2 --keep-pitr 7d --dry-run", "what a policy would remove")
      .Example("expire --repo /backup/app --pin 20261123T181500Z-hot", "keep one backup until it is unpinned");
  return b.Build(Engine<ExpireOptions>("expire", RunExpireCommand));
}

cli::Command Check() {
  CommandBuilder<CheckOptions> b("check", "report whether the newest backup is good and recent (exit 0 or 1)");
  b.Describe(
       "For monitoring: the newest backup's age, the newest archived log's age, whether the latest "
       "backup's chain is complete, the recovery point and the last verify's result, as one line (OK: ... "
       "or CRITICAL: ...) and, with --prometheus, as gauges for node_exporter's textfile collector. Reads "
       "only.")
      .Add(kRepo, &CheckOptions::repo)
      .Required()
      .Add(kMaxAge, &CheckOptions::max_age)
      .Add(kMaxArchiveLag, &CheckOptions::max_archive_lag)
      .Add(kPrometheus, &CheckOptions::prometheus);
  AddShared(&b);
  b.Example(
       "check --repo /backup/app --max-age 36h --max-archive-lag 15m "
       "--prometheus /var/lib/prometheus/node-exporter/bdbackup.prom",
       "every few minutes from cron or a timer")
      .ExitCodes({{0, "the repository is healthy (one line, OK: ...)"},
                  {1, "a check failed (CRITICAL: <problems> | <figures>)"},
                  {2, "bad usage or bad input"},
                  {3, "busy: an expire holds the repository"},
                  {4, "I/O or environment failure"}});
  return b.Build(Engine<CheckOptions>("check", RunCheckCommand));
}

cli::Program MakeProgram() {
  cli::Program p;
  p.name = "bdbackup";
  p.version = BDBACKUP_VERSION;
  p.summary = "backups for Berkeley DB 5.3 transactional environments";
  p.description =
      "Log archiving, cold, hot and incremental backups, restore by catastrophic recovery (to the end or to a point "
      "in time), verify, retention and monitoring, in a repository of checksummed, atomically published backups. "
      "Errors are one line on stderr, `bdbackup: error: <what>: <why>`.";
  p.exit_codes = {{0, "success"},
                  {1, "a check failed: verify found a problem, a log gap, damaged backup data"},
                  {2, "bad usage or bad input (missing home, not a BDB environment, non-empty target, bad --until)"},
                  {3, "busy: environment in use for a cold backup, repository locked"},
                  {4, "I/O or environment failure (also a call into Berkeley DB that outlived --env-timeout)"}};
  p.commands = {Archive(), Backup(), List(), Verify(), Restore(), Expire(), Check()};
  p.notes = {"DURATION is a whole number and a unit: 90s, 15m, 36h, 7d."};
  return p;
}

}  // namespace

const cli::Program& BdbackupProgram() {
  static const cli::Program program = MakeProgram();
  return program;
}

}  // namespace bdb
