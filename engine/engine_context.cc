#include "engine/engine_context.h"

#include <chrono>

#include "engine/recovery/recovery_helper.h"
#include "engine/repository/stored_file.h"

namespace bdb {

int64_t WallClockUnixMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

EngineContext DefaultEngineContext() {
  EngineContext ctx;
  ctx.io = DefaultStoredFileIO();  // reads compressed repository files as their original bytes
  ctx.progress = NullProgress();
  ctx.copy_database = CopyDatabaseFile;
  ctx.now_unix_ms = WallClockUnixMs;
  ctx.recovery_helper = DefaultRecoveryHelperPath();
  return ctx;
}

}  // namespace bdb
