// Spawning the recovery helper and decoding its JSON-lines answer.
#include "engine/recovery/recovery_helper.h"

#include "engine/bdb/environment_password.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/subprocess.h"

namespace bdb {
namespace {

Status StatusFromAnswer(const std::string& code, const std::string& message) {
  if (code == "OK") return Status::OK();
  if (code == "InvalidArgument") return Status::InvalidArgument(message);
  if (code == "NotFound") return Status::NotFound(message);
  if (code == "Corruption") return Status::Corruption(message);
  if (code == "CheckFailed") return Status::CheckFailed(message);
  if (code == "Busy") return Status::Busy(message);
  if (code == "NoSpace") return Status::NoSpace(message);
  return Status::IOError(message);
}

// Decodes the answer lines of a helper that exited normally.
void Decode(const std::string& helper, int exit_code, const std::string& out, HelperAnswer* answer) {
  size_t pos = 0;
  while (pos < out.size()) {
    size_t end = out.find('\n', pos);
    if (end == std::string::npos) end = out.size();
    nlohmann::json j = nlohmann::json::parse(out.substr(pos, end - pos), nullptr, /*allow_exceptions=*/false);
    pos = end + 1;
    if (!j.is_object()) continue;
    if (j.contains("database") && j["database"].is_string()) answer->database = j["database"].get<std::string>();
    if (j.contains("code") && j["code"].is_string()) {
      const std::string message = j.contains("message") && j["message"].is_string() ? j["message"].get<std::string>() : "";
      answer->status = StatusFromAnswer(j["code"].get<std::string>(), message);
      return;
    }
  }
  answer->status = Status::IOError("the recovery helper '" + helper + "' exited with status " +
                                   std::to_string(exit_code) + " without an answer" +
                                   (answer->stderr_tail.empty() ? "" : ": " + answer->stderr_tail));
}

}  // namespace

std::string SignalName(int signal) {
  const char* abbrev = ::sigabbrev_np(signal);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

std::string DefaultRecoveryHelperPath() {
  const char* env = std::getenv("BDBACKUP_RECOVER_HELPER");
  if (env != nullptr && *env != '\0') return env;
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "bdbackup-recover";
  std::string exe(buf, static_cast<size_t>(n));
  size_t slash = exe.rfind('/');
  return (slash == std::string::npos ? std::string(".") : exe.substr(0, slash)) + "/bdbackup-recover";
}

HelperAnswer RunRecoveryHelper(const std::string& helper, const std::vector<std::string>& args) {
  HelperAnswer answer;
  SpawnSpec spec;
  spec.argv.push_back(helper);
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  // The helper opens encrypted environments with this process's password:
  // it gets it in its environment, never on its command line.
  spec.env_unset.push_back("BDBACKUP_PASSWORD");
  if (HaveEnvironmentPassword()) spec.env_set.push_back("BDBACKUP_PASSWORD=" + LoadedEnvironmentPassword());
  std::unique_ptr<Subprocess> child;
  if (Status started = Subprocess::Start(spec, &child); !started.ok()) {
    const std::string why = started.message().substr(("unable to start '" + helper + "': ").size());
    answer.status = Status::IOError("unable to run the recovery helper '" + helper + "': " + why);
    return answer;
  }
  // Both pipes are read together, so neither can fill up and block it; the
  // watchdog, not a time limit here, bounds how long it may take.
  std::string out, err;
  const ProcessExit exit = child->Communicate(/*timeout_ms=*/-1, &out, &err);
  answer.stderr_tail = LastOutputLine(err);
  if (!exit.exited) {
    answer.signal = exit.signal;
    Decode(helper, 0, out, &answer);  // keeps the database it was on
    answer.status = Status::IOError("the recovery helper '" + helper + "' was killed by " + SignalName(answer.signal));
    return answer;
  }
  Decode(helper, exit.code, out, &answer);
  return answer;
}

}  // namespace bdb
