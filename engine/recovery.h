// Recovery and verification of a restored copy of an environment: NOT a live
// environment; the caller guarantees nobody else uses the directory. Each call
// opens its own private DB_ENV (no region files), honours the home's DB_CONFIG,
// closes it, and removes any __db.* region files so the directory is a clean,
// ready environment (db5.3_verify and db5.3_dump work on it as is).
// Thread-safety: free functions; concurrent calls must use different homes.
//
// BDB facts relied on (checked against db 5.3.28):
// - DB_RECOVER / DB_RECOVER_FATAL with DB_PRIVATE keep the regions in heap memory: no __db.* file is
//   created; stale __db.* files copied in with a backup are left alone, so we remove them (DB_ENV->remove).
// - Recovery writes a checkpoint at the end of the log: the log grows, nothing else is added.
// - set_tx_timestamp must be called before DB_ENV->open; seconds since the Epoch, compared with the
//   seconds-resolution timestamps of commit records; transactions committed after it are rolled back.
// - set_tx_timestamp earlier than the first log's first commit fails the open with EINVAL (BDB says so).
// - DB->verify reports problems through the errcall ("Page 7: ..."), returns DB_VERIFY_BAD, and destroys
//   the DB handle whatever the outcome.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/status.h"

namespace bdb {

// Catastrophic recovery (DB_RECOVER_FATAL) over every log file present; with
// until_unix_seconds, point-in-time (DB_ENV->set_tx_timestamp). IOError
// "catastrophic recovery failed in '<home>': <BDB text>".
Status RecoverCatastrophic(const std::string& home, std::optional<int64_t> until_unix_seconds);

// Normal recovery (DB_RECOVER) from the last checkpoint; IOError
// "normal recovery failed in '<home>': <BDB text>".
Status RecoverNormal(const std::string& home);

// DB->verify of every database (paths relative to home) in the recovered
// environment at home. CheckFailed "database 'a.db' failed verification:
// <BDB text>" (BDB's text names the page); IOError if the environment cannot
// be opened.
Status VerifyDatabases(const std::string& home, const std::vector<std::string>& rel_paths);

}  // namespace bdb
