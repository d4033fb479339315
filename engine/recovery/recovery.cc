// Recovery and verification of restored environments, each in the
// bdbackup-recover helper process; here only the request and the messages.
#include "engine/recovery/recovery.h"

#include <signal.h>

#include "engine/bdb/bdb_call.h"
#include "engine/recovery/recovery_helper.h"

namespace bdb {
namespace {

// Signals a process raises on itself when something inside it breaks, as
// opposed to a kill from outside (SIGKILL from the OOM killer, SIGTERM).
bool IsCrashSignal(int signal) {
  switch (signal) {
    case SIGSEGV:
    case SIGBUS:
    case SIGABRT:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
    case SIGSYS:
      return true;
    default:
      return false;
  }
}

// The answer as a Status; `what` names the work for a message about a signal.
Status Interpret(const HelperAnswer& answer, const std::string& what) {
  if (answer.signal == 0) return answer.status;
  if (!IsCrashSignal(answer.signal)) return Status::IOError(what + " was killed by " + SignalName(answer.signal));
  return Status::CheckFailed(what + " crashed inside Berkeley DB: " + SignalName(answer.signal) +
                             (answer.stderr_tail.empty() ? "" : " (" + answer.stderr_tail + ")"));
}

std::string Helper(const RecoveryRun& run) { return run.helper.empty() ? DefaultRecoveryHelperPath() : run.helper; }

std::string Subject(const RecoveryRun& run, const std::string& home) {
  return run.subject.empty() ? "environment '" + home + "'" : run.subject;
}

// Runs the helper under the process's watchdog (bdb_call.h): a helper stuck
// inside BDB ends bdbackup past --env-timeout like any call into BDB that
// does not return, and takes the helper with it (it dies with its parent).
HelperAnswer RunWatched(const std::string& call, const std::string& home, const RecoveryRun& run,
                        const std::vector<std::string>& args) {
  HelperAnswer answer;
  int ignored = 0;
  Status stopped = WatchedBdbCall(
      {call + " (bdbackup-recover)", home, false},
      [&] {
        answer = RunRecoveryHelper(Helper(run), args);
        return 0;
      },
      &ignored);
  if (!stopped.ok() && answer.status.ok() && answer.signal == 0) answer.status = stopped;
  return answer;
}

}  // namespace

Status RecoverCatastrophic(const std::string& home, std::optional<int64_t> until_unix_seconds, const RecoveryRun& run) {
  std::vector<std::string> args = {"catastrophic", home};
  if (until_unix_seconds.has_value()) args.push_back(std::to_string(*until_unix_seconds));
  return Interpret(RunWatched("catastrophic recovery", home, run, args), "recovery of " + Subject(run, home));
}

Status RecoverNormal(const std::string& home, const RecoveryRun& run) {
  return Interpret(RunWatched("normal recovery", home, run, {"normal", home}), "recovery of " + Subject(run, home));
}

Status VerifyDatabases(const std::string& home, const std::vector<std::string>& rel_paths, const RecoveryRun& run) {
  std::vector<std::string> args = {"verify", home};
  args.insert(args.end(), rel_paths.begin(), rel_paths.end());
  HelperAnswer answer = RunWatched("DB->verify", home, run, args);
  return Interpret(answer, answer.database.empty() ? "DB->verify" : "DB->verify of database '" + answer.database + "'");
}

}  // namespace bdb
