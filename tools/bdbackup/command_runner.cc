#include "tools/bdbackup/command_runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "engine/bdb/bdb_watchdog.h"
#include "engine/bdb/deferred_stop.h"
#include "engine/bdb/environment_password.h"
#include "engine/repository/repository_key.h"
#include "tools/bdbackup/repeat.h"
#include "tools/bdbackup/terminal_progress.h"

namespace bdb {
namespace {

nlohmann::json ErrorJson(const Status& s) {
  return {{"code", s.CodeName()}, {"message", s.message()}, {"exit_code", ExitCodeFor(s)}};
}

int Fail(const Status& s) {
  std::fprintf(stderr, "bdbackup: error: %s\n", s.message().c_str());
  return ExitCodeFor(s);
}

// A command that failed: its line, then, when a SIGINT/SIGTERM was held
// during a BDB call, the end by that signal (as without the hold).
int FailCommand(const Status& s) {
  const int code = Fail(s);
  DieByPendingStopSignal();
  return code;
}

// --env-timeout: a positive, finite number of seconds.
Status ParseEnvTimeout(const std::string& text, double* seconds) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !std::isfinite(v) || !(v > 0))
    return Status::InvalidArgument("bad usage: --env-timeout needs a positive number of seconds, not '" + text + "'");
  *seconds = v;
  return Status::OK();
}

// The watchdog's verdict on a call into BDB that did not return: the same one
// line (and JSON document) as any error, then exit 4 at once. The thread that
// called BDB is still inside it and never gets further (BdbWatchdog::Disarm),
// so nothing is published or removed; a .partial left behind is removed by
// the next run.
void InstallWatchdog(double seconds, bool json, const std::string& command) {
  BdbWatchdog::Install(seconds, [json, command](const Status& s) {
    if (json) {
      nlohmann::json doc = {{"command", command}, {"ok", false}, {"error", ErrorJson(s)}};
      std::fputs((doc.dump(2) + "\n").c_str(), stdout);
      std::fflush(stdout);
    }
    std::fprintf(stderr, "bdbackup: error: %s\n", s.message().c_str());
    std::fflush(stderr);
    ::_exit(ExitCodeFor(s));
  });
}

// Secrets and the watchdog, in this order: a bad password file, key file or
// --env-timeout is refused before anything else happens.
Status Prepare(const CommandSetup& setup) {
  BDB_RETURN_IF_ERROR(LoadEnvironmentPassword(setup.secrets ? setup.secrets->password_file : ""));
  // list and expire read no stored file, so a key (BDBACKUP_KEY_FILE set for
  // every command of a cron table) is neither read nor needed by them.
  if (setup.secrets) BDB_RETURN_IF_ERROR(LoadRepositoryKey(setup.secrets->key_file));
  double env_timeout = 0;
  BDB_RETURN_IF_ERROR(ParseEnvTimeout(setup.common->env_timeout, &env_timeout));
  InstallWatchdog(env_timeout, setup.common->json, setup.command);
  return Status::OK();
}

void PrintTurn(const BackupOptions& o, const RepeatTurn& turn) {
  if (o.json) {
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
                 static_cast<unsigned long long>(turn.number), *o.every_seconds, turn.status.message().c_str());
  }
}

void PrintRepeatSummary(const BackupOptions& o, const Status& s, const RepeatSummary& summary) {
  if (o.json) {
    nlohmann::json line = {{"command", "backup"},
                           {"ok", s.ok()},
                           {"repeat",
                            {{"every_seconds", *o.every_seconds},
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
}

}  // namespace

int FailBeforeCommand(const Status& s, bool json) {
  if (json) {
    nlohmann::json doc = {{"ok", false}, {"error", ErrorJson(s)}};
    std::cout << doc.dump(2) << std::endl;
  }
  return Fail(s);
}

int RunEngineCommand(const CommandSetup& setup,
                     const std::function<Status(const EngineContext&, CommandResult*)>& work) {
  const bool json = setup.common->json;
  if (Status s = Prepare(setup); !s.ok()) return FailBeforeCommand(s, json);
  TerminalProgress progress(!json && ::isatty(STDERR_FILENO));
  EngineContext ctx = DefaultEngineContext();
  ctx.progress = &progress;
  ctx.lock_wait_seconds = setup.lock ? setup.lock->lock_wait_seconds : 0;
  CommandResult result;
  const Status s = work(ctx, &result);
  progress.Finish();
  if (json) {
    result.json["ok"] = s.ok();
    if (!s.ok()) result.json["error"] = ErrorJson(s);
    std::cout << result.json.dump(2) << std::endl;
  } else if (s.ok()) {
    std::cout << result.text << std::flush;
  }
  return s.ok() ? 0 : FailCommand(s);
}

int RunRepeatedBackupCommand(const BackupOptions& o) {
  const CommandSetup setup{"backup", &o, &o, &o};
  if (Status s = Prepare(setup); !s.ok()) return FailBeforeCommand(s, o.json);
  if (Status usage = ValidateRepeat(o); !usage.ok()) return FailBeforeCommand(usage, o.json);
  TerminalProgress progress(!o.json && ::isatty(STDERR_FILENO));
  EngineContext ctx = DefaultEngineContext();
  ctx.progress = &progress;
  ctx.lock_wait_seconds = o.lock_wait_seconds;
  auto report = [&](const RepeatTurn& turn) {
    progress.Finish();  // the turn's line replaces its progress line
    PrintTurn(o, turn);
  };
  RepeatSummary summary;
  const Status s = RunRepeatedBackups(ctx, o, report, &summary);
  PrintRepeatSummary(o, s, summary);
  return s.ok() ? 0 : FailCommand(s);
}

}  // namespace bdb
