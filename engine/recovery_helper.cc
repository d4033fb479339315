// Spawning the recovery helper and decoding its JSON-lines answer.
#include "engine/recovery_helper.h"

#include "engine/environment_password.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

extern char** environ;

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

std::string LastLine(const std::string& text) {
  size_t end = text.find_last_not_of("\n\r ");
  if (end == std::string::npos) return "";
  size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// Reads both pipes to their end (the helper's output is small, but reading
// them together means neither can fill up and block it).
void ReadBoth(int out_fd, int err_fd, std::string* out, std::string* err) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  char buf[16384];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? out : err)->append(buf, static_cast<size_t>(n));
      }
    }
  }
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
  const std::string cannot_run = "unable to run the recovery helper '" + helper + "'";
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    answer.status = Status::IOError(cannot_run + ": " + ::strerror(errno));
    return answer;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    answer.status = Status::IOError(cannot_run + ": " + ::strerror(errno));
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return answer;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(helper.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The helper opens encrypted environments with this process's password:
  // it gets it in its environment, never on its command line.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("BDBACKUP_PASSWORD=", 0) != 0) env_strings.push_back(*e);
  }
  if (HaveEnvironmentPassword()) env_strings.push_back("BDBACKUP_PASSWORD=" + LoadedEnvironmentPassword());
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, helper.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    answer.status = Status::IOError(cannot_run + ": " + ::strerror(spawned));
    return answer;
  }
  std::string out, err;
  ReadBoth(out_pipe[0], err_pipe[0], &out, &err);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  answer.stderr_tail = LastLine(err);
  if (WIFSIGNALED(wstatus)) {
    answer.signal = WTERMSIG(wstatus);
    Decode(helper, 0, out, &answer);  // keeps the database it was on
    answer.status = Status::IOError("the recovery helper '" + helper + "' was killed by " + SignalName(answer.signal));
    return answer;
  }
  Decode(helper, WEXITSTATUS(wstatus), out, &answer);
  return answer;
}

}  // namespace bdb
