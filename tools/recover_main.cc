// bdbackup-recover: the helper process in which bdbackup, bdbsim and the tests
// run Berkeley DB recovery and DB->verify (engine/recovery/recovery_helper.h has the
// protocol), so that a crash inside BDB kills only this process. Not for
// users: its answer is JSON lines on stdout; exit 0 whenever it answered,
// 2 for bad usage. Single-threaded; one request per process.
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/recovery/recovery_helper_main.h"

#if defined(__SANITIZE_ADDRESS__)
// In a sanitizer build a crash inside BDB must still end the helper by its
// signal (as in production), not by AddressSanitizer's report and exit 1.
extern "C" const char* __asan_default_options() {
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0";
}
#endif

namespace {

// Test builds only: BDBACKUP_RECOVER_TEST_CRASH=<stage>:<signal>, stage
// "recover" or "verify", signal SIGSEGV, SIGABRT, SIGKILL or SIGSTOP (a
// helper stuck inside BDB), raised from inside BDB (its feedback callback)
// during that stage.
bdb::InsideBdbHook TestCrashHook(const std::string& stage) {
#ifdef BDBACKUP_TEST_HOOKS
  const char* spec = std::getenv("BDBACKUP_RECOVER_TEST_CRASH");
  if (spec == nullptr) return {};
  const std::string s = spec;
  if (s.rfind(stage + ":", 0) != 0) return {};
  const std::string name = s.substr(stage.size() + 1);
  int sig = 0;
  for (int candidate : {SIGSEGV, SIGABRT, SIGKILL, SIGSTOP}) {
    if (name == std::string("SIG") + ::sigabbrev_np(candidate)) sig = candidate;
  }
  if (sig == 0) return {};
  return [sig] {
    struct rlimit no_core = {0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    if (sig == SIGABRT) std::fputs("free(): invalid pointer (BDBACKUP_RECOVER_TEST_CRASH)\n", stderr);
    if (sig != SIGSTOP && sig != SIGKILL) ::signal(sig, SIG_DFL);
    ::raise(sig);
  };
#else
  (void)stage;
  return {};
#endif
}

}  // namespace

int main(int argc, char** argv) {
  bdb::PrepareRecoveryHelperProcess();
  return bdb::RecoveryHelperMain(argc, argv, TestCrashHook);
}
