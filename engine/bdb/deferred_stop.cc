#include "engine/bdb/deferred_stop.h"

#include <signal.h>

namespace bdb {
namespace {

volatile sig_atomic_t g_in_bdb_call = 0;
volatile sig_atomic_t g_pending_signal = 0;

void OnStopSignal(int sig) {
  if (g_in_bdb_call) {
    g_pending_signal = sig;
    return;
  }
  signal(sig, SIG_DFL);  // outside a call: die by it now, as without this handler
  raise(sig);            // delivered when the handler returns (the signal is blocked inside it)
}

}  // namespace

void InstallDeferredStopSignals() {
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // the BDB call carries on
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void EnterBdbCall() { g_in_bdb_call = 1; }

int LeaveBdbCall() {
  g_in_bdb_call = 0;
  return g_pending_signal;
}

int PendingStopSignal() { return g_pending_signal; }

void DieByPendingStopSignal() {
  const int sig = g_pending_signal;
  if (sig == 0) return;
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace bdb
