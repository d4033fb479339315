// WatchedBdbCall: how the engine makes every call into Berkeley DB: under the
// process's watchdog (BdbWatchdog: a call that does not return ends the
// process with a message naming it) and with SIGINT/SIGTERM held until the
// call returns (deferred_stop.h), after which the caller gets an IOError and
// unwinds without publishing or removing anything.
// Thread-safety: one thread of the process calls BDB at a time.
#pragma once

#include <functional>

#include "engine/bdb/bdb_watchdog.h"
#include "base/status.h"

namespace bdb {

// Runs fn (one BDB call, returning its error code) and stores its result in
// *ret. IOError "interrupted by SIGTERM: stopped when <call> on environment
// '<home>' returned, before anything was published or removed" if a stop
// signal arrived during it; OK otherwise (whatever *ret is).
Status WatchedBdbCall(const BdbCallSite& site, const std::function<int()>& fn, int* ret);

}  // namespace bdb
