// The Berkeley DB part of recovery and verification, run ONLY inside the
// bdbackup-recover helper process (tools/recover_main.cc): a crash inside BDB
// then kills the helper, never bdbackup or bdbsim. The engine reaches this
// code through recovery.h, which runs the helper; nothing else calls it.
// Thread-safety: one call at a time per process (the feedback hook is global).
// The BDB facts relied on are listed in recovery.h.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace bdb {

enum class RecoveryKind { kCatastrophic, kNormal };

// Called from inside BDB's own call stack (its DB_ENV / DB feedback callback)
// while recovery or DB->verify runs; lets a test build crash there. May be empty.
using InsideBdbHook = std::function<void()>;

// DB_RECOVER_FATAL (with until_unix_seconds: point in time) or DB_RECOVER on a
// private environment at home, then its region files removed. Errors as
// RecoverCatastrophic / RecoverNormal in recovery.h.
Status RecoverInThisProcess(const std::string& home, RecoveryKind kind, std::optional<int64_t> until_unix_seconds,
                            const InsideBdbHook& hook);

// DB->verify of each database; on_database(rel) is called before each one.
// Errors as VerifyDatabases in recovery.h.
Status VerifyInThisProcess(const std::string& home, const std::vector<std::string>& rel_paths,
                           const std::function<void(const std::string&)>& on_database, const InsideBdbHook& hook);

}  // namespace bdb
