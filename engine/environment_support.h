// CheckEnvironmentSupported: refuses, before anything is copied or removed,
// an environment whose configuration no file-level backup can serve (today:
// in-memory logs, DB_LOG_IN_MEMORY, read from the shared log region). The
// message names the cause and the remedy. Thread-safety: one thread at a
// time, like the LiveEnvironment it reads.
#pragma once

#include "engine/bdb_environment.h"
#include "engine/status.h"

namespace bdb {

// InvalidArgument "environment '<home>' keeps its log in memory ...".
Status CheckEnvironmentSupported(LiveEnvironment* env);

// For backups: InvalidArgument when DB_CONFIG names a log or data directory
// by an absolute path. The backup carries DB_CONFIG as it is, so recovery in
// a restored copy would read and write that directory: the live one.
// db_config_contents: DB_CONFIG's text ("" when there is none).
Status CheckBackupLayoutSupported(const std::string& home, const std::string& db_config_contents);

}  // namespace bdb
