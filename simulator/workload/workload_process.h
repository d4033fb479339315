// WorkloadProcess: the harness's handle on one bdbsim-workload child process
// (a bdb::Subprocess, stdout on a pipe). A reader thread feeds every protocol line to
// the process's AckLedger. Every wait is bounded by a timeout; the destructor
// SIGKILLs a child still running and reaps it, so no test or trial leaks one.
// Thread-safety: the ledger is thread-safe; the other methods are for the one
// thread that owns the handle.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "base/status.h"
#include "base/subprocess.h"
#include "simulator/workload/ack_ledger.h"

namespace bdb::sim {

// How the child ended: exited with a code, or killed by a signal.
using ExitInfo = ProcessExit;

class WorkloadProcess {
 public:
  // Starts `binary --config config_path`; stderr goes to stderr_path (appended;
  // "" = inherit). IOError "unable to start workload '<binary>': <why>".
  static Status Start(const std::string& binary, const std::string& config_path, const std::string& stderr_path,
                      std::unique_ptr<WorkloadProcess>* out);
  ~WorkloadProcess();
  WorkloadProcess(const WorkloadProcess&) = delete;
  WorkloadProcess& operator=(const WorkloadProcess&) = delete;

  AckLedger& ledger() { return ledger_; }
  pid_t pid() const { return pid_; }

  // Each returns OK when the condition holds, else CheckFailed naming what was
  // awaited ("workload: timed out after 5000 ms waiting for 100 acks (got 12)"
  // or "... workload ended ..." if the pipe closed first).
  Status WaitReady(std::chrono::milliseconds timeout);
  Status WaitForAcks(uint64_t n, std::chrono::milliseconds timeout);
  Status WaitDone(std::chrono::milliseconds timeout);
  // After the harness created the pause file: every writer is paused with no
  // txn open ("P"), or the workload is done.
  Status WaitPaused(std::chrono::milliseconds timeout);
  // After the harness removed the pause file: writers resumed ("U") or done.
  Status WaitResumed(std::chrono::milliseconds timeout);

  // SIGKILL (a real crash); then reaps the child. Safe to call twice.
  void Kill();
  // Sends `signal` to the running process. IOError when it cannot be signalled.
  Status Signal(int signal);
  // Waits for the child to end and the reader to drain the pipe. CheckFailed
  // "workload: still running after <n> ms" on timeout (the child keeps running).
  Status Wait(std::chrono::milliseconds timeout, ExitInfo* info);

 private:
  WorkloadProcess() = default;
  void ReadLoop();
  Status Awaited(bool ok, const std::string& what, std::chrono::milliseconds timeout);

  std::unique_ptr<Subprocess> child_;
  pid_t pid_ = -1;
  int read_fd_ = -1;  // child_'s stdout pipe, read by reader_
  std::thread reader_;
  AckLedger ledger_;
};

}  // namespace bdb::sim
