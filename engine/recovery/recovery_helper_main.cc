// The recovery helper's request handling, shared by its two executables.
#include "engine/recovery/recovery_helper_main.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "engine/bdb/environment_password.h"

namespace bdb {
namespace {

void PrintLine(const nlohmann::json& j) {
  const std::string line = j.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);  // before BDB runs: a crash must not lose what was said
}

int Usage() {
  PrintLine({{"code", "InvalidArgument"},
             {"message", "usage: bdbackup-recover catastrophic HOME [UNTIL_UNIX_SECONDS] | normal HOME | "
                         "verify HOME DB..."}});
  return 2;
}

InsideBdbHook HookFor(const StageHook& stage_hook, const std::string& stage) {
  return stage_hook ? stage_hook(stage) : InsideBdbHook();
}

}  // namespace

void PrepareRecoveryHelperProcess() {
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
}

int RecoveryHelperMain(int argc, char** argv, const StageHook& stage_hook) {
  if (argc < 3) return Usage();
  const std::string op = argv[1], home = argv[2];
  // An encrypted environment's password comes from the caller as BDBACKUP_PASSWORD.
  Status s = LoadEnvironmentPassword("");
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
    s = RecoverInThisProcess(home, op == "catastrophic" ? RecoveryKind::kCatastrophic : RecoveryKind::kNormal, until,
                             HookFor(stage_hook, "recover"));
  } else if (op == "verify") {
    const std::vector<std::string> dbs(argv + 3, argv + argc);
    s = VerifyInThisProcess(
        home, dbs, [](const std::string& rel) { PrintLine({{"database", rel}}); }, HookFor(stage_hook, "verify"));
  } else {
    return Usage();
  }
  PrintLine({{"code", s.CodeName()}, {"message", s.message()}});
  return 0;
}

}  // namespace bdb
