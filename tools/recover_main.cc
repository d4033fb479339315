// bdbackup-recover: the helper process in which bdbackup, bdbsim and the tests
// run Berkeley DB recovery and DB->verify (engine/recovery_helper.h has the
// protocol), so that a crash inside BDB kills only this process. Not for
// users: its answer is JSON lines on stdout; exit 0 whenever it answered,
// 2 for bad usage. Single-threaded; one request per process.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/environment_password.h"
#include "engine/recovery_work.h"

#if defined(__SANITIZE_ADDRESS__)
// In a sanitizer build a crash inside BDB must still end the helper by its
// signal (as in production), not by AddressSanitizer's report and exit 1.
extern "C" const char* __asan_default_options() {
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0";
}
#endif

namespace {

void PrintLine(const nlohmann::json& j) {
  const std::string line = j.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);  // before BDB runs: a crash must not lose what was said
}

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

int Usage() {
  PrintLine({{"code", "InvalidArgument"},
             {"message", "usage: bdbackup-recover catastrophic HOME [UNTIL_UNIX_SECONDS] | normal HOME | "
                         "verify HOME DB..."}});
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Never outlive the caller (a killed bdbackup takes its recovery with it;
  // a caller dead before this line leaves a helper that finishes and exits).
  // SIGINT and SIGTERM sent to the whole process group (Ctrl-C, systemd's
  // stop) are for the caller, which decides whether to wait for this call.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);
  // Descriptors a multi-threaded caller leaked into the spawn (a pipe another
  // thread opened without O_CLOEXEC) are not ours to keep open.
  ::close_range(3, ~0U, 0);
  if (argc < 3) return Usage();
  const std::string op = argv[1], home = argv[2];
  // An encrypted environment's password comes from the caller as BDBACKUP_PASSWORD.
  bdb::Status s = bdb::LoadEnvironmentPassword("");
  if (!s.ok()) {
    PrintLine({{"code", s.CodeName()}, {"message", s.message()}});
    return 0;
  }
  if (op == "catastrophic" || op == "normal") {
    std::optional<int64_t> until;
    if (argc > 4 || (op == "normal" && argc > 3)) return Usage();
    if (argc == 4) {
      char* end = nullptr;
      until = std::strtoll(argv[3], &end, 10);
      if (end == argv[3] || *end != '\0') return Usage();
    }
    s = bdb::RecoverInThisProcess(home, op == "catastrophic" ? bdb::RecoveryKind::kCatastrophic : bdb::RecoveryKind::kNormal,
                                  until, TestCrashHook("recover"));
  } else if (op == "verify") {
    const std::vector<std::string> dbs(argv + 3, argv + argc);
    s = bdb::VerifyInThisProcess(
        home, dbs, [](const std::string& rel) { PrintLine({{"database", rel}}); }, TestCrashHook("verify"));
  } else {
    return Usage();
  }
  PrintLine({{"code", s.CodeName()}, {"message", s.message()}});
  return 0;
}
