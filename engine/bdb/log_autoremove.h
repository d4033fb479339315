// Log auto-removal (DB_LOG_AUTO_REMOVE), a value in the shared log region
// that every open re-applies from DB_CONFIG: detect it, take it over
// (archive), or pause it for a backup (AutoRemovalPause turns it off and back
// on; a SIGKILL leaves it off), and the messages that explain it.
// Thread-safety: one thread at a time, like the DB_ENV it uses.
#pragma once

#include <db.h>

#include <memory>
#include <string>

#include "base/status.h"

namespace bdb {

// Whether BDB removes this environment's logs itself.
Status LogAutoRemovalOn(DB_ENV* env, const std::string& home, bool* on);

// Turns auto-removal off for good (archive --take-over-log-removal).
Status TurnLogAutoRemovalOff(DB_ENV* env, const std::string& home);

// The line number of DB_CONFIG contents that turns auto-removal on
// ("set_flags DB_LOG_AUTOREMOVE", "log_set_config db_log_auto_remove", any
// case, not followed by "off"), or 0. Every DB_ENV->open applies DB_CONFIG to the shared region, so
// such a line turns it on again whenever any process opens the environment.
int DbConfigAutoRemovalLine(const std::string& db_config_contents);

class AutoRemovalPause {
 public:
  // Pauses auto-removal if it is on (*out stays null when it was off).
  static Status Begin(DB_ENV* env, const std::string& home, std::unique_ptr<AutoRemovalPause>* out);
  ~AutoRemovalPause();  // turns it back on (best effort)
  AutoRemovalPause(const AutoRemovalPause&) = delete;
  AutoRemovalPause& operator=(const AutoRemovalPause&) = delete;

 private:
  explicit AutoRemovalPause(DB_ENV* env) : env_(env) {}
  DB_ENV* env_;
};

// The why and the remedy appended to a log-gap message when BDB removed the log itself.
std::string AutoRemovalGapExplanation();

// archive's refusal on an environment that removes its own logs (InvalidArgument).
Status ArchiveRefusedForAutoRemoval(const std::string& home);
// archive --take-over-log-removal's refusal when DB_CONFIG line `line` turns it on (InvalidArgument).
Status TakeOverRefusedForDbConfig(const std::string& db_config, int line);

}  // namespace bdb
