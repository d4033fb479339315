#include "base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

extern char** environ;

namespace bdb {
namespace {

// Closes the descriptors it holds unless released.
struct FdCloser {
  std::vector<int> fds;
  ~FdCloser() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
};

std::string NameOf(const std::string& assignment) { return assignment.substr(0, assignment.find('=')); }

// This process's environment with spec's changes.
std::vector<std::string> ChildEnvironment(const SpawnSpec& spec) {
  std::vector<std::string> removed = spec.env_unset;
  for (const auto& a : spec.env_set) removed.push_back(NameOf(a));
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    bool drop = false;
    for (const auto& name : removed) drop |= NameOf(entry) == name;
    if (!drop) env.push_back(entry);
  }
  env.insert(env.end(), spec.env_set.begin(), spec.env_set.end());
  return env;
}

}  // namespace

std::string LastOutputLine(const std::string& output) {
  const size_t end = output.find_last_not_of("\n\r ");
  if (end == std::string::npos) return "";
  const size_t newline = output.rfind('\n', end);
  const size_t start = newline == std::string::npos ? 0 : newline + 1;
  return output.substr(start, end - start + 1);
}

std::string ProcessExit::Describe() const {
  if (timed_out) return "timed out and was killed";
  if (exited) return fmt::format("exit code {}", code);
  return fmt::format("killed by signal {}", signal);
}

Status Subprocess::Start(const SpawnSpec& spec, std::unique_ptr<Subprocess>* out) {
  const std::string program = spec.argv.empty() ? "" : spec.argv[0];
  auto fail = [&](int err) { return Status::IOError(fmt::format("unable to start '{}': {}", program, std::strerror(err))); };
  if (spec.argv.empty()) return Status::InvalidArgument("unable to start a program: no command given");
  FdCloser parent_ends, child_ends;
  int read_ends[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const ChildOutput* outputs[2] = {&spec.out, &spec.err};
  for (int i = 0; i < 2; ++i) {
    const int target = i + 1;
    const ChildOutput& o = *outputs[i];
    switch (o.kind) {
      case ChildOutput::Kind::kPipe: {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
          posix_spawn_file_actions_destroy(&actions);
          return fail(errno);
        }
        read_ends[i] = fds[0];
        parent_ends.fds.push_back(fds[0]);
        child_ends.fds.push_back(fds[1]);
        posix_spawn_file_actions_adddup2(&actions, fds[1], target);
        break;
      }
      case ChildOutput::Kind::kFile: {
        const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (o.append ? O_APPEND : O_TRUNC);
        const int fd = ::open(o.path.c_str(), flags, 0600);
        if (fd < 0) {
          const int e = errno;
          posix_spawn_file_actions_destroy(&actions);
          return Status::IOError(
              fmt::format("unable to start '{}': unable to open file '{}': {}", program, o.path, std::strerror(e)));
        }
        child_ends.fds.push_back(fd);
        posix_spawn_file_actions_adddup2(&actions, fd, target);
        break;
      }
      case ChildOutput::Kind::kDevNull:
        posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0);
        break;
      case ChildOutput::Kind::kInherit:
        break;
    }
  }
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = ChildEnvironment(spec);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return fail(spawned);
  std::unique_ptr<Subprocess> p(new Subprocess());
  p->pid_ = pid;
  p->out_fd_ = read_ends[0];
  p->err_fd_ = read_ends[1];
  parent_ends.fds.clear();  // now owned by p
  *out = std::move(p);
  return Status::OK();
}

Subprocess::~Subprocess() {
  Kill();
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

bool Subprocess::Reap(bool block) {
  if (reaped_) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  reaped_ = true;
  if (r > 0 && WIFEXITED(status)) {
    exit_.exited = true;
    exit_.code = WEXITSTATUS(status);
  } else if (r > 0 && WIFSIGNALED(status)) {
    exit_.signal = WTERMSIG(status);
  }
  return true;
}

bool Subprocess::Running() { return !Reap(/*block=*/false); }

bool Subprocess::Wait(int timeout_ms, ProcessExit* exit) {
  if (timeout_ms < 0) {
    Reap(/*block=*/true);
  } else {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!Reap(/*block=*/false)) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  if (exit != nullptr) *exit = exit_;
  return true;
}

Status Subprocess::Signal(int signal) {
  if (reaped_) return Status::IOError(fmt::format("unable to signal process {}: it has ended", pid_));
  if (::kill(pid_, signal) != 0)
    return Status::IOError(fmt::format("unable to signal process {}: {}", pid_, std::strerror(errno)));
  return Status::OK();
}

void Subprocess::Kill() {
  if (pid_ <= 0 || reaped_) return;
  ::kill(pid_, SIGKILL);
  Reap(/*block=*/true);
}

ProcessExit Subprocess::Communicate(int timeout_ms, std::string* out, std::string* err) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  struct pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  std::string* sinks[2] = {out, err};
  int open_fds = (out_fd_ >= 0) + (err_fd_ >= 0);
  bool timed_out = false;
  char buf[65536];
  while (open_fds > 0) {
    int wait_ms = -1;
    if (timeout_ms >= 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(left);
    }
    const int rc = ::poll(fds, 2, wait_ms);
    if (rc < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open_fds;
      } else if (sinks[i] != nullptr) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (timed_out) Kill();
  Wait(-1, nullptr);
  ProcessExit result = exit_;
  result.timed_out = timed_out;
  return result;
}

Status RunProgram(const SpawnSpec& spec, int timeout_ms, ProcessExit* exit, std::string* out, std::string* err) {
  std::unique_ptr<Subprocess> child;
  BDB_RETURN_IF_ERROR(Subprocess::Start(spec, &child));
  *exit = child->Communicate(timeout_ms, out, err);
  return Status::OK();
}

}  // namespace bdb
