// Recovery and verification of restored environments, each in the
// bdbackup-recover helper process; here only the request and the messages.
#include "engine/recovery/recovery.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <thread>
#include <utility>

#include "engine/bdb/bdb_call.h"
#include "engine/bdb/environment_password.h"
#include "base/file_io.h"
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

// Below this many bytes of databases in all, one helper verifies them all: a
// second one costs a process start (about 10 ms of CPU on the 2-core VMs we
// measure on), more than it saves on databases this small (DB->verify of 16
// MiB takes about 0.1 s).
constexpr uint64_t kSplitVerifyBytes = 16 << 20;

// The databases in two shares of about equal bytes (largest first, each to
// the lighter share), each share in the order given; all in the first share
// when they hold less than kSplitVerifyBytes in all.
void SplitBySize(const std::string& home, const std::vector<std::string>& rel_paths, std::vector<std::string> shares[2]) {
  std::vector<std::pair<uint64_t, size_t>> by_size;  // (bytes, index)
  uint64_t total = 0;
  for (size_t i = 0; i < rel_paths.size(); ++i) {
    struct stat st;
    const std::string path = JoinPath(home, rel_paths[i]);
    by_size.emplace_back(::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0, i);
    total += by_size.back().first;
  }
  if (total < kSplitVerifyBytes) {
    shares[0] = rel_paths;
    return;
  }
  std::sort(by_size.begin(), by_size.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  uint64_t load[2] = {0, 0};
  std::vector<size_t> picked[2];
  for (const auto& [bytes, index] : by_size) {
    const int lighter = load[1] < load[0] ? 1 : 0;
    load[lighter] += bytes;
    picked[lighter].push_back(index);
  }
  for (int k = 0; k < 2; ++k) {
    std::sort(picked[k].begin(), picked[k].end());
    for (size_t i : picked[k]) shares[k].push_back(rel_paths[i]);
  }
}

HelperAnswer RunVerifyHelper(const RecoveryRun& run, const std::string& home, const std::vector<std::string>& rel_paths) {
  std::vector<std::string> args = {"verify", home};
  args.insert(args.end(), rel_paths.begin(), rel_paths.end());
  return RunRecoveryHelper(Helper(run), args);
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
  // Two helpers, each verifying its share of the databases, at once: DB->verify
  // is CPU-bound, and each helper reads only (its own private environment, no
  // region files), so two cores verify two databases in the time of one.
  std::vector<std::string> shares[2];
  SplitBySize(home, rel_paths, shares);
  HelperAnswer answers[2];
  // The helper gets the calling thread's password (a simulator trial sets its own).
  const std::string password = LoadedEnvironmentPassword();
  int ignored = 0;
  Status stopped = WatchedBdbCall(
      {"DB->verify (bdbackup-recover)", home, false},
      [&] {
        std::thread second;
        if (!shares[1].empty()) {
          second = std::thread([&] {
            ScopedThreadPassword same_password(password);
            answers[1] = RunVerifyHelper(run, home, shares[1]);
          });
        }
        answers[0] = RunVerifyHelper(run, home, shares[0]);
        if (second.joinable()) second.join();
        return 0;
      },
      &ignored);
  // The first database, in the order given, that failed names the problem.
  Status first_failure;
  size_t first_index = rel_paths.size();
  for (const HelperAnswer& answer : answers) {
    Status s = Interpret(answer, answer.database.empty() ? "DB->verify"
                                                         : "DB->verify of database '" + answer.database + "'");
    if (s.ok()) continue;
    const size_t index = std::find(rel_paths.begin(), rel_paths.end(), answer.database) - rel_paths.begin();
    if (first_failure.ok() || index < first_index) {
      first_failure = s;
      first_index = index;
    }
  }
  if (!first_failure.ok()) return first_failure;
  return stopped;
}

}  // namespace bdb
