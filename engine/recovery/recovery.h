// Recovery and verification of a restored copy of an environment: NOT a live
// environment; the caller guarantees nobody else uses the directory. Each call
// runs in the bdbackup-recover helper process (recovery_helper.h), so a crash
// inside Berkeley DB becomes an error, never the caller's death; there is no
// in-process path. In the helper, each call opens its own private DB_ENV
// (DB_PRIVATE: no region files), honours the home's DB_CONFIG, closes it, and
// removes any __db.* region files so the directory is a clean, ready
// environment (db5.3_verify and db5.3_dump work on it as is).
// Every function returns NotFound "environment home '<dir>' does not exist" if
// home is not a directory, and IOError "unable to run the recovery helper
// '<path>': <why>" if the helper cannot be started.
// Thread-safety: free functions; concurrent calls must use different homes.
//
// BDB facts relied on (checked against db 5.3.28):
// - DB_RECOVER / DB_RECOVER_FATAL remove stale __db.* files found in the home (copied in with a
//   backup) even with DB_PRIVATE, and with DB_PRIVATE create none; DB_ENV->remove(DB_FORCE) afterwards
//   is a cheap guarantee that none are left.
// - Recovery appends to the last log file (a checkpoint) and leaves databases, DB_CONFIG and logs in place.
// - Log files are extended to their full set_lg_max size at creation (sparse): size is not content.
// - set_tx_timestamp must be called before DB_ENV->open; seconds since the Epoch, compared with the
//   seconds-resolution timestamps of commit records; transactions committed after it are rolled back.
// - set_tx_timestamp earlier than the logs reach fails the open: "BDB1509 Invalid recovery timestamp
//   <time>; earliest time is <time>" (local time), then a PANIC of the private environment.
// - DB->verify reports problems through the errcall ("Page 7: ..."), returns DB_VERIFY_BAD, and destroys
//   the DB handle whatever the outcome.
// - Catastrophic recovery of database files copied before DB_TXN_BULK transactions, with the log written
//   after them (which lacks the contents of the pages those transactions allocated), dies with SIGSEGV;
//   db5.3_recover -c does too. Hence the helper process.
// - DB_ENV->set_feedback and DB->set_feedback callbacks run during recovery and DB->verify (the helper's
//   test hook crashes there, inside BDB's call stack).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace bdb {

// How a call runs: which helper executable, and what a crash message names.
struct RecoveryRun {
  std::string helper;   // "" = DefaultRecoveryHelperPath() (next to the running executable)
  std::string subject;  // "backup '<ID>'"; "" = "environment '<home>'"
};

// When the helper dies of a signal, the recovery functions return CheckFailed
// "recovery of <subject> crashed inside Berkeley DB: SIGSEGV" (SIGSEGV, SIGBUS,
// SIGABRT, SIGILL, SIGFPE, SIGTRAP, SIGSYS; " (<its last stderr line>)" is
// appended when it printed one, e.g. glibc's heap-corruption message), or
// IOError "recovery of <subject> was killed by SIGKILL" for any other signal.
// CheckFailed comes from nothing else.

// Catastrophic recovery (DB_RECOVER_FATAL) over every log file present; with
// until_unix_seconds, point-in-time (DB_ENV->set_tx_timestamp). IOError
// "catastrophic recovery failed in '<home>': <BDB text>".
Status RecoverCatastrophic(const std::string& home, std::optional<int64_t> until_unix_seconds,
                           const RecoveryRun& run = {});

// Normal recovery (DB_RECOVER) from the last checkpoint; IOError
// "normal recovery failed in '<home>': <BDB text>".
Status RecoverNormal(const std::string& home, const RecoveryRun& run = {});

// DB->verify of every database (paths relative to home) in the recovered
// environment at home. CheckFailed "database 'a.db' failed verification:
// <BDB text>" (BDB's text names the page), stopping at the first bad one;
// NotFound "database 'x.db' failed verification: <path>: No such file or
// directory"; IOError "unable to open environment '<home>': <BDB text>".
// A crash: CheckFailed "DB->verify of database 'a.db' crashed inside Berkeley
// DB: SIGSEGV" (as above; "DB->verify crashed ..." before the first database,
// "was killed by" for other signals). run.subject is not used.
Status VerifyDatabases(const std::string& home, const std::vector<std::string>& rel_paths,
                       const RecoveryRun& run = {});

}  // namespace bdb
