// DB_LOG_AUTO_REMOVE: detect it, pause it for a backup, or take it over.
#include "engine/bdb/log_autoremove.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "engine/bdb/bdb_environment.h"

namespace bdb {
namespace {

std::string Why(DB_ENV* env, int ret) {
  auto* errors = static_cast<BdbErrorText*>(env->app_private);
  return errors != nullptr ? errors->Take(ret) : db_strerror(ret);
}

Status SetAutoRemoval(DB_ENV* env, const std::string& home, int on) {
  if (auto* errors = static_cast<BdbErrorText*>(env->app_private)) errors->Clear();
  int ret = env->log_set_config(env, DB_LOG_AUTO_REMOVE, on);
  if (ret != 0) {
    return Status::IOError(std::string("unable to turn log auto-removal ") + (on ? "on" : "off") + " in '" + home +
                           "': " + Why(env, ret));
  }
  return Status::OK();
}

}  // namespace

Status LogAutoRemovalOn(DB_ENV* env, const std::string& home, bool* on) {
  int value = 0;
  int ret = env->log_get_config(env, DB_LOG_AUTO_REMOVE, &value);
  if (ret != 0) return Status::IOError("unable to read the log configuration of '" + home + "': " + Why(env, ret));
  *on = value != 0;
  return Status::OK();
}

Status TurnLogAutoRemovalOff(DB_ENV* env, const std::string& home) { return SetAutoRemoval(env, home, 0); }

int DbConfigAutoRemovalLine(const std::string& db_config_contents) {
  std::istringstream in(db_config_contents);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    std::transform(line.begin(), line.end(), line.begin(), [](unsigned char c) { return std::tolower(c); });
    std::istringstream words(line);
    std::string name, value, on;
    words >> name >> value >> on;
    if (on == "off") continue;
    if ((name == "set_flags" && value == "db_log_autoremove") ||
        (name == "log_set_config" && value == "db_log_auto_remove"))
      return number;
  }
  return 0;
}

Status AutoRemovalPause::Begin(DB_ENV* env, const std::string& home, std::unique_ptr<AutoRemovalPause>* out) {
  out->reset();
  bool on = false;
  BDB_RETURN_IF_ERROR(LogAutoRemovalOn(env, home, &on));
  if (!on) return Status::OK();
  BDB_RETURN_IF_ERROR(SetAutoRemoval(env, home, 0));
  out->reset(new AutoRemovalPause(env));
  return Status::OK();
}

AutoRemovalPause::~AutoRemovalPause() { (void)env_->log_set_config(env_, DB_LOG_AUTO_REMOVE, 1); }

std::string AutoRemovalGapExplanation() {
  return "; the environment removes its own log files (DB_LOG_AUTO_REMOVE is on), so logs written since the "
         "last backup are gone: take a hot backup, and to keep incrementals possible turn auto-removal off "
         "(remove it from DB_CONFIG or the application) and let 'bdbackup archive' remove logs";
}

Status ArchiveRefusedForAutoRemoval(const std::string& home) {
  return Status::InvalidArgument(
      "cannot archive the logs of '" + home +
      "': the environment removes its own log files (DB_LOG_AUTO_REMOVE is on), so a log could be gone "
      "before it is archived; turn auto-removal off (remove it from DB_CONFIG or the application) or run "
      "'bdbackup archive --take-over-log-removal'");
}

}  // namespace bdb

namespace bdb {

Status TakeOverRefusedForDbConfig(const std::string& db_config, int line) {
  return Status::InvalidArgument("cannot take over log removal: '" + db_config + "' line " + std::to_string(line) +
                                 " turns DB_LOG_AUTO_REMOVE on, and every process that opens the environment "
                                 "turns it on again; remove that line, then run archive again");
}

}  // namespace bdb
