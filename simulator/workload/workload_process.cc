#include "simulator/workload/workload_process.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

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

WorkloadProcess::~WorkloadProcess() {
  Kill();
  if (reader_.joinable()) reader_.join();
  child_.reset();  // closes the pipe after the reader is done with it
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

void WorkloadProcess::Kill() { child_->Kill(); }

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
