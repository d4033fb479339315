// BdbWatchdog: a deadline over every call into Berkeley DB. A call that does
// not return within the timeout (typically waiting on a mutex or lock that a
// stopped or dead process holds) makes the watchdog's own thread hand an
// IOError naming the call, the processes with the environment's regions
// mapped and the remedy to the expiry handler, which must end the process
// (bdbackup prints it, then _exit(4)). Once the deadline has passed, the
// calling thread never leaves Disarm: nothing after the call (a publish, a
// removal) can run, even if the call returns while the handler prints.
// Process-wide; Arm/Disarm from one thread at a time; inert until Install.
#pragma once

#include <functional>
#include <string>

#include "engine/status.h"

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
