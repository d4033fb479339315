#include "simulator/workload/workload_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace bdb::sim {

std::string ExitInfo::Describe() const {
  if (exited) return fmt::format("exit code {}", code);
  return fmt::format("killed by signal {}", signal);
}

Status WorkloadProcess::Start(const std::string& binary, const std::string& config_path,
                              const std::string& stderr_path, std::unique_ptr<WorkloadProcess>* out) {
  auto fail = [&](int err) {
    return Status::IOError(fmt::format("unable to start workload '{}': {}", binary, std::strerror(err)));
  };
  if (::access(binary.c_str(), X_OK) != 0) return fail(errno);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(errno);
  int err_fd = -1;
  if (!stderr_path.empty()) {
    err_fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (err_fd < 0) {
      int e = errno;
      ::close(fds[0]);
      ::close(fds[1]);
      return fail(e);
    }
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    if (err_fd >= 0) ::close(err_fd);
    return fail(e);
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::dup2(fds[1], 1);
    if (err_fd >= 0) ::dup2(err_fd, 2);
    const char* argv[] = {binary.c_str(), "--config", config_path.c_str(), nullptr};
    ::execv(binary.c_str(), const_cast<char* const*>(argv));
    _exit(127);
  }
  ::close(fds[1]);
  if (err_fd >= 0) ::close(err_fd);
  std::unique_ptr<WorkloadProcess> p(new WorkloadProcess());
  p->pid_ = pid;
  p->read_fd_ = fds[0];
  p->reader_ = std::thread(&WorkloadProcess::ReadLoop, p.get());
  *out = std::move(p);
  return Status::OK();
}

WorkloadProcess::~WorkloadProcess() {
  Kill();
  if (reader_.joinable()) reader_.join();
  if (read_fd_ >= 0) ::close(read_fd_);
}

void WorkloadProcess::ReadLoop() {
  std::string pending;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(read_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, n);
    size_t start = 0, nl;
    while ((nl = pending.find('\n', start)) != std::string::npos) {
      ledger_.Consume(std::string_view(pending).substr(start, nl - start));  // errors kept in ledger_.error()
      start = nl + 1;
    }
    pending.erase(0, start);
  }
  // A partial last line (killed mid-write) is dropped: write(2) of < PIPE_BUF
  // bytes to a pipe is atomic, so this only happens if the protocol is broken.
  ledger_.Close();
}

Status WorkloadProcess::Awaited(bool ok, const std::string& what, std::chrono::milliseconds timeout) {
  if (ok) return Status::OK();
  if (ledger_.closed())
    return Status::CheckFailed(fmt::format("workload: ended while waiting for {}", what));
  return Status::CheckFailed(fmt::format("workload: timed out after {} ms waiting for {}", timeout.count(), what));
}

Status WorkloadProcess::WaitReady(std::chrono::milliseconds timeout) {
  bool ok = ledger_.WaitUntil(timeout, [&] { return ledger_.ready_locked(); });
  return Awaited(ok, "ready", timeout);
}

Status WorkloadProcess::WaitForAcks(uint64_t n, std::chrono::milliseconds timeout) {
  bool ok = ledger_.WaitUntil(timeout, [&] { return ledger_.acked_locked() >= n; });
  return Awaited(ok, fmt::format("{} acks (got {})", n, ledger_.AckedCount()), timeout);
}

Status WorkloadProcess::WaitDone(std::chrono::milliseconds timeout) {
  bool ok = ledger_.WaitUntil(timeout, [&] { return ledger_.done_locked(); });
  return Awaited(ok, "done", timeout);
}

Status WorkloadProcess::WaitPaused(std::chrono::milliseconds timeout) {
  bool ok = ledger_.WaitUntil(timeout, [&] { return ledger_.paused_locked() || ledger_.done_locked(); });
  return Awaited(ok, "writers to pause", timeout);
}

Status WorkloadProcess::WaitResumed(std::chrono::milliseconds timeout) {
  bool ok = ledger_.WaitUntil(timeout, [&] { return !ledger_.paused_locked() || ledger_.done_locked(); });
  return Awaited(ok, "writers to resume", timeout);
}

Status WorkloadProcess::Reap(bool block, bool* reaped) {
  *reaped = reaped_;
  if (reaped_) return Status::OK();
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return Status::FromErrno(errno, fmt::format("unable to wait for workload pid {}", pid_));
  if (r == 0) return Status::OK();
  reaped_ = *reaped = true;
  exit_.exited = WIFEXITED(status);
  exit_.code = exit_.exited ? WEXITSTATUS(status) : 0;
  exit_.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return Status::OK();
}

Status WorkloadProcess::Signal(int signal) {
  if (pid_ <= 0 || ::kill(pid_, signal) != 0)
    return Status::IOError(fmt::format("unable to signal the workload process {}: {}", pid_, std::strerror(errno)));
  return Status::OK();
}

void WorkloadProcess::Kill() {
  if (pid_ <= 0 || reaped_) return;
  ::kill(pid_, SIGKILL);
  bool reaped = false;
  Reap(/*block=*/true, &reaped);
}

Status WorkloadProcess::Wait(std::chrono::milliseconds timeout, ExitInfo* info) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool reaped = false;
  for (;;) {
    BDB_RETURN_IF_ERROR(Reap(/*block=*/false, &reaped));
    if (reaped) break;
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::CheckFailed(fmt::format("workload: still running after {} ms", timeout.count()));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // The pipe closes when the child is gone; the reader finishes promptly.
  if (reader_.joinable()) reader_.join();
  *info = exit_;
  return Status::OK();
}

}  // namespace bdb::sim
