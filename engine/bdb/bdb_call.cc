#include "engine/bdb/bdb_call.h"

#include <string.h>

#include "engine/bdb/deferred_stop.h"

namespace bdb {

Status WatchedBdbCall(const BdbCallSite& site, const std::function<int()>& fn, int* ret) {
  EnterBdbCall();
  BdbWatchdog::Arm(site);
  *ret = fn();
  BdbWatchdog::Disarm();
  const int sig = LeaveBdbCall();
  if (sig == 0) return Status::OK();
  const char* abbrev = ::sigabbrev_np(sig);
  return Status::IOError("interrupted by SIG" + std::string(abbrev != nullptr ? abbrev : "?") + ": stopped when " +
                         site.call + " on environment '" + site.home +
                         "' returned, before anything was published or removed");
}

}  // namespace bdb
