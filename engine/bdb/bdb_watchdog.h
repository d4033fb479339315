// BdbWatchdog: a deadline over every call into Berkeley DB. Past it, the
// watchdog's thread hands an IOError naming the call, the processes mapping the
// regions and the remedy to the expiry handler, which ends the process
// (bdbackup: print, _exit(4)); the caller never leaves Disarm, so nothing after
// the call (a publish, a removal) runs. Process-wide; inert until Install;
// Arm/Disarm from one thread at a time.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"

namespace bdb {

// One call into BDB, as the watchdog names it.
struct BdbCallSite {
  std::string call;     // e.g. "DB_ENV->txn_checkpoint"
  std::string home;     // the environment's home
  bool shared = true;   // false: a private environment (DB_PRIVATE) no other process joins
};

class BdbWatchdog {
 public:
  // Must not return (if it does, the process aborts).
  using ExpiryHandler = std::function<void(const Status&)>;

  // Starts the watchdog thread (once per process; a second call only changes
  // the timeout and handler). timeout_seconds > 0.
  static void Install(double timeout_seconds, ExpiryHandler handler);
  // Starts the deadline for a call about to be made; no-op before Install.
  static void Arm(const BdbCallSite& site);
  // The call returned in time: clears the deadline. If the deadline already
  // expired, blocks forever (the handler is ending the process).
  static void Disarm();

  // The IOError the handler receives (exposed for tests of its wording):
  // "<call> on environment '<home>' did not return within <t> s: ...".
  static Status ExpiryStatus(const BdbCallSite& site, double timeout_seconds);
};

}  // namespace bdb
