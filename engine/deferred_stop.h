// Deferred SIGINT and SIGTERM around calls into Berkeley DB: a process killed
// half-way through a BDB call can leave a mutex in the environment's shared
// regions held for good, freezing the application. Once installed, a SIGINT
// or SIGTERM arriving inside a call (between EnterBdbCall and LeaveBdbCall)
// is held until the call returns; outside calls it acts as if no handler were
// installed (the process dies by it, as before). Process-wide; Enter/Leave
// from the one thread that calls BDB; the handler is async-signal-safe.
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
