#include "simulator/workload/workload_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/file_io.h"

namespace bdb::sim {

Status WorkloadProcess::Start(const std::string& binary, const std::string& config_path,
                              const std::string& stderr_path, std::unique_ptr<WorkloadProcess>* out) {
  SpawnSpec spec;
  spec.argv = {binary, "--config", config_path};
  spec.out = ChildOutput::Pipe();  // the protocol
  spec.err = stderr_path.empty() ? ChildOutput::Inherit() : ChildOutput::File(stderr_path, /*append=*/true);
  if (binary.find('/') == std::string::npos) spec.argv[0] = "./" + binary;  // a path, never a PATH lookup
  std::unique_ptr<Subprocess> child;
  if (Status started = Subprocess::Start(spec, &child); !started.ok()) {
    return Status::IOError(fmt::format("unable to start workload '{}': {}", binary,
                                       started.message().substr(("unable to start '" + spec.argv[0] + "': ").size())));
  }
  std::unique_ptr<WorkloadProcess> p(new WorkloadProcess());
  p->child_ = std::move(child);
  p->pid_ = p->child_->pid();
  p->read_fd_ = p->child_->out_fd();
  p->reader_ = std::thread(&WorkloadProcess::ReadLoop, p.get());
  *out = std::move(p);
  return Status::OK();
}

Status WorkloadProcess::StartApplication(const ApplicationLaunch& launch, std::unique_ptr<WorkloadProcess>* out) {
  const int ack_fd = ::open(launch.ack_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (ack_fd < 0) return Status::FromErrno(errno, fmt::format("unable to create file '{}'", launch.ack_path));
  ::close(ack_fd);
  SpawnSpec spec;
  spec.argv = launch.argv;
  spec.env_set = launch.env_set;
  spec.out = ChildOutput::File(launch.stdout_path, /*append=*/true);
  spec.err = ChildOutput::File(launch.stderr_path, /*append=*/true);
  std::unique_ptr<Subprocess> child;
  if (Status started = Subprocess::Start(spec, &child); !started.ok()) {
    return Status::IOError(fmt::format("unable to start workload '{}': {}", spec.argv[0],
                                       started.message().substr(("unable to start '" + spec.argv[0] + "': ").size())));
  }
  // Not yet reaped (only Wait and Kill reap it), so the pid is still the child's.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child->pid(), 0));
  if (pidfd < 0) return Status::FromErrno(errno, fmt::format("unable to watch workload process {}", child->pid()));
  std::unique_ptr<WorkloadProcess> p(new WorkloadProcess());
  p->child_ = std::move(child);
  p->pid_ = p->child_->pid();
  p->application_ = true;
  p->pidfd_ = pidfd;
  p->reader_ = std::thread(&WorkloadProcess::TailLoop, p.get(), launch.ack_path);
  *out = std::move(p);
  return Status::OK();
}

WorkloadProcess::~WorkloadProcess() {
  Kill();
  if (reader_.joinable()) reader_.join();
  child_.reset();  // closes the pipe after the reader is done with it
  if (pidfd_ >= 0) ::close(pidfd_);
}

void WorkloadProcess::TailLoop(std::string ack_path) {
  const int fd = ::open(ack_path.c_str(), O_RDONLY | O_CLOEXEC);
  std::string pending;
  char buf[4096];
  for (bool ended = false;;) {
    if (!ended) {
      struct pollfd pfd = {pidfd_, POLLIN, 0};
      ended = ::poll(&pfd, 1, 2) > 0;
    }
    ssize_t n = 0;
    while (fd >= 0 && (n = ::read(fd, buf, sizeof(buf))) > 0) {
      pending.append(buf, static_cast<size_t>(n));
      size_t start = 0, nl;
      while ((nl = pending.find('\n', start)) != std::string::npos) {
        ledger_.ConsumeApplicationAck(std::string_view(pending).substr(start, nl - start));  // errors kept
        start = nl + 1;
      }
      pending.erase(0, start);
    }
    // Once the process has ended, the read above went to the end of the file.
    if (ended) break;
  }
  // A partial last line is an ack the application had not finished writing: not an ack.
  if (fd >= 0) ::close(fd);
  ledger_.Close();
}

Status WorkloadProcess::ArmCrash(const std::string& arm_file, uint64_t writes) {
  BDB_RETURN_IF_ERROR(WriteFileAtomically(DefaultFileIO(), arm_file, std::to_string(writes) + "\n", 0600));
  return application_ ? Status::OK() : Signal(SIGUSR1);
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
  return Status::TimedOut(fmt::format("workload: timed out after {} ms waiting for {}", timeout.count(), what));
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
  if (application_) {
    if (!ledger_.WaitUntil(timeout, [] { return false; }) && !ledger_.closed())
      return Status::TimedOut(fmt::format("workload: timed out after {} ms waiting for the application to exit",
                                          timeout.count()));
    ExitInfo exit;
    BDB_RETURN_IF_ERROR(Wait(std::chrono::milliseconds(10000), &exit));
    if (exit.Succeeded()) return Status::OK();
    return Status::CheckFailed(fmt::format("workload: ended ({}) while waiting for done", exit.Describe()));
  }
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

Status WorkloadProcess::Signal(int signal) {
  Status s = child_->Signal(signal);
  if (s.ok()) return s;
  const std::string why = s.message().substr(fmt::format("unable to signal process {}: ", pid_).size());
  return Status::IOError(fmt::format("unable to signal the workload process {}: {}", pid_, why));
}

void WorkloadProcess::Kill() {
  child_->Kill();
  // The tail reader sees the end through the pidfd and drains the file.
  if (application_ && reader_.joinable()) reader_.join();
}

Status WorkloadProcess::Wait(std::chrono::milliseconds timeout, ExitInfo* info) {
  ProcessExit exit;
  if (!child_->Wait(static_cast<int>(timeout.count()), &exit))
    return Status::CheckFailed(fmt::format("workload: still running after {} ms", timeout.count()));
  // The pipe closes when the child is gone; the reader finishes promptly.
  if (reader_.joinable()) reader_.join();
  *info = exit;
  return Status::OK();
}

}  // namespace bdb::sim
