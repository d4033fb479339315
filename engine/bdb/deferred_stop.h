// Deferred SIGINT/SIGTERM: a process killed half-way through a BDB call can
// leave a mutex in the shared regions held for good. Once installed, a stop
// signal arriving between EnterBdbCall and LeaveBdbCall is held until the call
// returns; outside calls it ends the process at once, as without a handler.
// Process-wide; Enter/Leave from the thread calling BDB; async-signal-safe.
#pragma once

namespace bdb {

// Installs the SIGINT and SIGTERM handlers (call once, early in main).
void InstallDeferredStopSignals();
// Marks the start and the end of a call into BDB. LeaveBdbCall returns the
// signal that arrived during the call (0 if none); it stays pending.
void EnterBdbCall();
int LeaveBdbCall();
// The deferred signal the process has yet to act on, 0 if none.
int PendingStopSignal();
// Ends the process by the pending signal with its default action (exit
// status 128 + signal, as without deferral). No-op if none is pending.
void DieByPendingStopSignal();

}  // namespace bdb
