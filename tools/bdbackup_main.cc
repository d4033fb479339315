// bdbackup: the engine's command line (docs/contracts.md). Parses flags and the
// optional --config file, runs one command, prints its result (text or one
// JSON document) and maps its Status to the exit code.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "engine/bdb/bdb_watchdog.h"
#include "base/crash_points.h"
#include "engine/bdb/deferred_stop.h"
#include "engine/bdb/environment_password.h"
#include "engine/repository/repository_key.h"
#include "tools/bdbackup/commands.h"
#include "tools/bdbackup/config_file.h"
#include "tools/bdbackup/repeat.h"
#include "tools/bdbackup/terminal_progress.h"
#include "version.h"

namespace {

nlohmann::json ErrorJson(const bdb::Status& s) {
  return {{"code", s.CodeName()}, {"message", s.message()}, {"exit_code", bdb::ExitCodeFor(s)}};
}

int Fail(const bdb::Status& s) {
  std::fprintf(stderr, "bdbackup: error: %s\n", s.message().c_str());
  return bdb::ExitCodeFor(s);
}

// An error before any command ran (bad usage, bad --config): with --json the
// one JSON document on stdout still describes it.
int FailBeforeCommand(const bdb::Status& s, bool json) {
  if (json) {
    nlohmann::json doc = {{"ok", false}, {"error", ErrorJson(s)}};
    std::cout << doc.dump(2) << std::endl;
  }
  return Fail(s);
}

struct Parsed {
  bdb::CommandOptions options;
  bool json = false;
  std::string config;
  std::string env_timeout = "60";  // seconds every call into BDB may take (--env-timeout)
  int lock_wait_seconds = 0;
  std::string password_file;  // encrypted environments; else BDBACKUP_PASSWORD
  std::string key_file;       // encrypted repositories; else the file BDBACKUP_KEY_FILE names
  bdb::RepeatOptions repeat;  // backup --every / --count
};

// `backup --every`: one line per backup as it is published (one JSON document
// per line with --json), then a summary line.
int RunRepeated(const bdb::EngineContext& ctx, const Parsed& p, bdb::TerminalProgress* progress) {
  auto report = [&](const bdb::RepeatTurn& turn) {
    progress->Finish();  // the turn's line replaces its progress line
    if (p.json) {
      nlohmann::json line = turn.status.ok() ? turn.result.json : nlohmann::json{{"command", "backup"}};
      line["ok"] = turn.status.ok();
      line["turn"] = turn.number;
      line["duration_ms"] = std::round(turn.duration_ms * 10) / 10;
      if (!turn.status.ok()) line["error"] = ErrorJson(turn.status);
      if (turn.skipped) line["skipped"] = true;
      std::cout << line.dump() << std::endl;
    } else if (turn.status.ok()) {
      std::string text = turn.result.text;
      text.insert(text.find('\n'), fmt::format(" ({:.0f} ms)", turn.duration_ms));
      std::cout << text << std::flush;
    } else if (turn.skipped) {
      std::fprintf(stderr, "bdbackup: warning: backup %llu skipped, trying again in %g s: %s\n",
                   static_cast<unsigned long long>(turn.number), p.repeat.every_seconds, turn.status.message().c_str());
    }
  };
  bdb::RepeatSummary summary;
  bdb::Status s = bdb::RunRepeatedBackups(ctx, p.options, p.repeat, report, &summary);
  if (p.json) {
    nlohmann::json line = {{"command", "backup"},
                           {"ok", s.ok()},
                           {"repeat",
                            {{"every_seconds", p.repeat.every_seconds},
                             {"published", summary.published},
                             {"unchanged", summary.unchanged},
                             {"skipped", summary.skipped},
                             {"stopped_by", summary.stopped_by}}}};
    if (!s.ok()) line["error"] = ErrorJson(s);
    std::cout << line.dump() << std::endl;
  } else if (s.ok()) {
    std::cout << fmt::format("{} incremental backups published, {} turns with nothing new, {} skipped; stopped by {}\n",
                             summary.published, summary.unchanged, summary.skipped,
                             summary.stopped_by == "count" ? "--count" : "a signal")
              << std::flush;
  }
  if (!s.ok()) {
    const int code = Fail(s);
    bdb::DieByPendingStopSignal();  // SIGINT/SIGTERM held during a BDB call: end by it, as without the hold
    return code;
  }
  return 0;
}

// Flags each command accepts; --config may only supply these.
void AddCommon(CLI::App* cmd, Parsed* p) {
  cmd->add_flag("--json", p->json, "print one JSON document on stdout");
  cmd->add_option("--config", p->config, "TOML file with defaults for these flags");
  cmd->add_option("--env-timeout", p->env_timeout,
                  "seconds a call into Berkeley DB may take before bdbackup gives up with exit 4 (default 60)");
}

// --env-timeout: a positive, finite number of seconds.
bdb::Status ParseEnvTimeout(const std::string& text, double* seconds) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !std::isfinite(v) || !(v > 0))
    return bdb::Status::InvalidArgument("bad usage: --env-timeout needs a positive number of seconds, not '" + text +
                                        "'");
  *seconds = v;
  return bdb::Status::OK();
}

// The watchdog's verdict on a call into BDB that did not return: the same one
// line (and JSON document) as any error, then exit 4 at once. The thread that
// called BDB is still inside it and never gets further (BdbWatchdog::Disarm),
// so nothing is published or removed; a .partial left behind is removed by
// the next run.
void InstallWatchdog(double seconds, bool json, const std::string& command) {
  bdb::BdbWatchdog::Install(seconds, [json, command](const bdb::Status& s) {
    if (json) {
      nlohmann::json doc = {{"command", command}, {"ok", false}, {"error", ErrorJson(s)}};
      std::fputs((doc.dump(2) + "\n").c_str(), stdout);
      std::fflush(stdout);
    }
    std::fprintf(stderr, "bdbackup: error: %s\n", s.message().c_str());
    std::fflush(stderr);
    ::_exit(bdb::ExitCodeFor(s));
  });
}

std::vector<std::string> FlagNames(CLI::App* cmd) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : cmd->get_options()) {
    for (const auto& n : opt->get_lnames()) names.push_back("--" + n);
  }
  return names;
}

// Names an unknown command (CLI11 would only say one is required), then
// inserts the flags the --config file supplies right after the command,
// before parsing, so the file can supply required flags too.
bdb::Status CheckCommandAndApplyConfig(const std::vector<CLI::App*>& commands, std::vector<std::string>* args) {
  auto sub = std::find_if(args->begin(), args->end(), [](const std::string& a) { return a.empty() || a[0] != '-'; });
  if (sub == args->end()) return bdb::Status::OK();
  auto cmd = std::find_if(commands.begin(), commands.end(), [&](CLI::App* c) { return c->get_name() == *sub; });
  std::vector<std::string> names, all_flags, repeatable;
  for (CLI::App* c : commands) {
    names.push_back(c->get_name());
    for (const std::string& flag : FlagNames(c)) all_flags.push_back(flag);
    for (const CLI::Option* opt : c->get_options())
      if (opt->get_items_expected_max() > 1)
        for (const auto& n : opt->get_lnames()) repeatable.push_back("--" + n);
  }
  if (cmd == commands.end()) {
    std::string expected;
    for (size_t i = 0; i < names.size(); ++i)
      expected += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return bdb::Status::InvalidArgument("bad usage: unknown command '" + *sub + "': expected " + expected);
  }
  std::string config;
  bool found = false;
  for (auto it = sub + 1; it != args->end(); ++it) {
    if (*it == "--config" && it + 1 != args->end()) {
      config = *(it + 1);
      found = true;
    } else if (it->rfind("--config=", 0) == 0) {
      config = it->substr(9);
      found = true;
    }
  }
  if (!found) return bdb::Status::OK();
  if (config.empty()) return bdb::Status::InvalidArgument("bad usage: --config needs a file name");
  std::vector<std::string> given(sub + 1, args->end()), extra;
  const bdb::ConfigVocabulary vocabulary{names, all_flags, repeatable};
  BDB_RETURN_IF_ERROR(
      bdb::ArgsFromConfigFile(config, (*cmd)->get_name(), FlagNames(*cmd), vocabulary, given, &extra));
  args->insert(sub + 1, extra.begin(), extra.end());
  return bdb::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  bdb::InitFaultPoints();
  bdb::InstallDeferredStopSignals();
  Parsed p;
  CLI::App app{"bdbackup " BDBACKUP_VERSION ": backups for Berkeley DB 5.3 transactional environments", "bdbackup"};
  app.set_version_flag("--version", BDBACKUP_VERSION);
  app.require_subcommand(1);
  auto& o = p.options;

  CLI::App* archive = app.add_subcommand("archive", "move finished log files into the repository archive");
  archive->add_option("--home", o.home, "environment home")->required();
  archive->add_option("--repo", o.repo, "repository directory")->required();
  archive->add_option("--lock-wait", p.lock_wait_seconds, "seconds to wait for the repository lock");
  archive->add_flag("--checkpoint", o.checkpoint,
                    "force a checkpoint first (default: rely on the application's own checkpoints)");
  archive->add_flag("--take-over-log-removal", o.take_over_log_removal,
                    "turn the environment's DB_LOG_AUTO_REMOVE off; archive removes logs once they are safe");

  CLI::App* backup = app.add_subcommand("backup", "take a cold, hot or incremental backup");
  backup->add_option("--home", o.home, "environment home")->required();
  backup->add_option("--repo", o.repo, "repository directory")->required();
  backup->add_option("--mode", o.mode, "cold | hot | incremental")->required();
  backup->add_flag("--checkpoint", o.checkpoint, "checkpoint the environment first");
  backup->add_flag("--recover-as-you-go", o.recover_as_you_go, "also bring REPO/standby up to date");
  backup->add_flag("--hot-if-refused", o.hot_if_refused,
                   "incremental only: when the log cannot rebuild the environment (a gap, unlogged DB_TXN_BULK "
                   "inserts, a lost announcement), take a hot backup instead");
  backup->add_flag("--hold-hotbackup", o.hold_hotbackup,
                   "hot/incremental: keep the hot backup announced afterwards, so DB_TXN_BULK transactions stay "
                   "logged and the next incremental is safe");
  backup->add_option("--lock-wait", p.lock_wait_seconds, "seconds to wait for the repository lock");
  backup->add_option("--max-rate", o.max_rate_mib_s, "read the environment's files at most this many MiB/s (slow disks)");
  CLI::Option* every = backup->add_option(
      "--every", p.repeat.every_seconds,
      "incremental only: take one now, then one every SECONDS (none while nothing is new) until --count turns or "
      "SIGINT/SIGTERM");
  int64_t count_arg = 0;
  CLI::Option* count = backup->add_option("--count", count_arg, "with --every: stop after this many turns")->needs(every);

  CLI::App* list = app.add_subcommand("list", "list backups and archived logs");
  list->add_option("--repo", o.repo, "repository directory")->required();

  CLI::App* verify = app.add_subcommand("verify", "check a backup and prove it restores");
  verify->add_option("--repo", o.repo, "repository directory")->required();
  verify->add_option("--backup", o.backup, "backup id or 'latest'");

  CLI::App* restore = app.add_subcommand("restore", "rebuild an environment from a backup");
  restore->add_option("--repo", o.repo, "repository directory")->required();
  restore->add_option("--target", o.target, "empty directory to restore into")->required();
  restore->add_option("--backup", o.backup, "backup id or 'latest'");
  restore->add_option("--until", o.until, "point in time (UTC, e.g. 2026-11-23T18:15:00Z)");
  restore->add_option("--live-logs", o.live_logs, "also roll forward through this live environment's logs");
  restore->add_flag("--force", o.force, "overwrite a non-empty target");

  CLI::App* expire = app.add_subcommand("expire", "remove backups and archived logs the retention policy no longer keeps");
  expire->add_option("--repo", o.repo, "repository directory")->required();
  expire->add_flag("--dry-run", o.dry_run, "print what would be removed; remove nothing");
  expire->add_option("--lock-wait", p.lock_wait_seconds, "seconds to wait for the repository lock");
  expire->add_option("--unpin", o.unpin, "release a pin an earlier --pin recorded in the repository; repeatable");
  backup->add_flag("--expire", o.expire_after,
                   "after a successful publish, apply the retention policy (--keep-full/--keep-for/--keep-pitr)");
  for (CLI::App* cmd : {expire, backup}) {
    CLI::Option* keep_full = cmd->add_option("--keep-full", o.keep_full,
                                             "keep the newest N full backups with their incremental chains");
    keep_full->each([&o](const std::string&) { o.keep_full_given = true; });
    cmd->add_option("--keep-for", o.keep_for, "keep every backup that started within DURATION (90s, 15m, 36h, 7d)");
    cmd->add_option("--keep-pitr", o.keep_pitr,
                    "keep the backups and archived logs a restore to any time within DURATION needs");
    cmd->add_option("--pin", o.pins,
                    "keep this backup (and its chain) whatever the policy, from now on: the pin is recorded in the "
                    "repository until expire --unpin; repeatable");
  }

  CLI::App* check = app.add_subcommand("check", "report whether the newest backup is good and recent (exit 0 or 1)");
  for (CLI::App* cmd : {verify, restore, check}) {
    cmd->add_option("--lock-wait", p.lock_wait_seconds,
                    "seconds to wait while an expire holds the repository (readers share it with each other)");
  }
  check->add_option("--repo", o.repo, "repository directory")->required();
  check->add_option("--max-age", o.max_age, "the newest backup may be at most DURATION old (90s, 15m, 36h, 7d)");
  check->add_option("--max-archive-lag", o.max_archive_lag, "the newest archived log may be at most DURATION old");
  check->add_option("--prometheus", o.prometheus,
                    "also write the figures to FILE (Prometheus text format, for node_exporter's textfile collector)");

  for (CLI::App* cmd : {archive, backup}) {
    cmd->add_option("--compress", o.compress,
                    "store the copied database and log files compressed: zstd or zstd:LEVEL (1-19, default 3)");
  }
  const std::vector<CLI::App*> commands = {archive, backup, list, verify, restore, expire, check};
  for (CLI::App* cmd : commands) AddCommon(cmd, &p);
  for (CLI::App* cmd : {archive, backup, verify, restore, check}) {
    cmd->add_option("--password-file", p.password_file,
                    "encrypted environment (DB_ENCRYPT_AES): read its password from this file's first line "
                    "(default: the BDBACKUP_PASSWORD environment variable)");
    cmd->add_option("--encrypt-key-file", p.key_file,
                    "encrypted repository (AES-256-GCM): its 32-byte key, raw or as 64 hex digits, in a file only "
                    "its owner may read; a new repository made with it is encrypted (default: the file named by "
                    "BDBACKUP_KEY_FILE)");
  }

  std::vector<std::string> args(argv + 1, argv + argc);
  bool json_wanted = std::find(args.begin(), args.end(), "--json") != args.end();
  bdb::Status config_status = CheckCommandAndApplyConfig(commands, &args);
  if (!config_status.ok()) return FailBeforeCommand(config_status, json_wanted);
  json_wanted = std::find(args.begin(), args.end(), "--json") != args.end();  // the file may ask for it
  std::vector<const char*> cargs = {argv[0]};
  for (const auto& a : args) cargs.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(cargs.size()), const_cast<char**>(cargs.data()));
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return FailBeforeCommand(bdb::Status::InvalidArgument(std::string("bad usage: ") + e.what()), json_wanted);
  }

  bdb::Status password = bdb::LoadEnvironmentPassword(p.password_file);
  if (!password.ok()) return FailBeforeCommand(password, p.json);
  CLI::App* chosen = app.get_subcommands().front();
  // list and expire read no stored file, so a key (BDBACKUP_KEY_FILE set for
  // every command of a cron table) is neither read nor needed by them.
  if (chosen != list && chosen != expire) {
    bdb::Status key = bdb::LoadRepositoryKey(p.key_file);
    if (!key.ok()) return FailBeforeCommand(key, p.json);
  }
  double env_timeout = 0;
  bdb::Status timeout_status = ParseEnvTimeout(p.env_timeout, &env_timeout);
  if (!timeout_status.ok()) return FailBeforeCommand(timeout_status, p.json);
  InstallWatchdog(env_timeout, p.json, chosen->get_name());

  bdb::TerminalProgress progress(!p.json && ::isatty(STDERR_FILENO));
  bdb::EngineContext ctx = bdb::DefaultEngineContext();
  ctx.progress = &progress;
  ctx.lock_wait_seconds = p.lock_wait_seconds;
  bdb::CommandResult result;
  bdb::Status s;
  if (chosen == backup && every->count() > 0) {
    if (count->count() > 0 && count_arg < 1)
      return FailBeforeCommand(bdb::Status::InvalidArgument("bad usage: --count needs a positive number of backups"),
                               p.json);
    p.repeat.count = static_cast<uint64_t>(count_arg);
    bdb::Status usage = bdb::ValidateRepeat(o, p.repeat);
    if (!usage.ok()) return FailBeforeCommand(usage, p.json);
    return RunRepeated(ctx, p, &progress);
  }
  if (chosen == archive) s = bdb::RunArchiveCommand(ctx, o, &result);
  if (chosen == backup) s = bdb::RunBackupCommand(ctx, o, &result);
  if (chosen == list) s = bdb::RunListCommand(ctx, o, &result);
  if (chosen == verify) s = bdb::RunVerifyCommand(ctx, o, &result);
  if (chosen == restore) s = bdb::RunRestoreCommand(ctx, o, &result);
  if (chosen == expire) s = bdb::RunExpireCommand(ctx, o, &result);
  if (chosen == check) s = bdb::RunCheckCommand(ctx, o, &result);
  progress.Finish();
  if (p.json) {
    result.json["ok"] = s.ok();
    if (!s.ok()) result.json["error"] = ErrorJson(s);
    std::cout << result.json.dump(2) << std::endl;
  } else if (s.ok()) {
    std::cout << result.text << std::flush;
  }
  if (!s.ok()) {
    const int code = Fail(s);
    bdb::DieByPendingStopSignal();  // SIGINT/SIGTERM held during a BDB call: end by it, as without the hold
    return code;
  }
  return 0;
}
