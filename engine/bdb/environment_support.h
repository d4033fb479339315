// CheckEnvironmentSupported: refuses, before anything is copied or removed,
// an environment whose configuration no file-level backup can serve (today:
// in-memory logs, DB_LOG_IN_MEMORY, read from the shared log region). The
// message names the cause and the remedy. Thread-safety: one thread at a
// time, like the LiveEnvironment it reads.
#pragma once

#include "engine/bdb/bdb_environment.h"
#include "base/status.h"

namespace bdb {

// InvalidArgument "environment '<home>' keeps its log in memory ...".
Status CheckEnvironmentSupported(LiveEnvironment* env);


}  // namespace bdb
