// WorkloadProcess: the harness's handle on the trial's workload process, the
// built-in one or an application (workload.command), behind one interface.
// The built-in bdbsim-workload (a bdb::Subprocess, stdout on a pipe) speaks
// the ledger's protocol there; a reader thread feeds every line to the
// process's AckLedger. An application appends "ack <n>" lines to a regular
// file the harness made (not a FIFO: a writer never blocks on a slow reader,
// the lines outlive a SIGKILL, and any language can append to a file); a
// reader thread tails it (every 2 ms) and, when the process has ended (a
// pidfd, which does not reap it), reads it to its end and closes the ledger,
// so after a kill the ledger holds every ack written before it. Every wait is bounded by a timeout; the destructor
// SIGKILLs a child still running and reaps it, so no test or trial leaks one.
// Thread-safety: the ledger is thread-safe; the other methods are for the one
// thread that owns the handle.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/subprocess.h"
#include "simulator/workload/ack_ledger.h"

namespace bdb::sim {

// How the child ended: exited with a code, or killed by a signal.
using ExitInfo = ProcessExit;

// How an application runs as the workload.
struct ApplicationLaunch {
  std::vector<std::string> argv;     // placeholders replaced; argv[0] a path or a name in PATH
  std::vector<std::string> env_set;  // "NAME=value" on top of this process's (the BDB hooks' preload)
  std::string ack_path;              // created empty here; the application appends "ack <n>" lines
  std::string stdout_path, stderr_path;  // appended
};

class WorkloadProcess {
 public:
  // Starts `binary --config config_path`; stderr goes to stderr_path (appended;
  // "" = inherit). IOError "unable to start workload '<binary>': <why>".
  static Status Start(const std::string& binary, const std::string& config_path, const std::string& stderr_path,
                      std::unique_ptr<WorkloadProcess>* out);
  // Starts an application. IOError "unable to start workload '<argv0>':
  // <why>", or naming the ack file it could not make.
  static Status StartApplication(const ApplicationLaunch& launch, std::unique_ptr<WorkloadProcess>* out);
  ~WorkloadProcess();
  WorkloadProcess(const WorkloadProcess&) = delete;
  WorkloadProcess& operator=(const WorkloadProcess&) = delete;

  AckLedger& ledger() { return ledger_; }
  pid_t pid() const { return pid_; }

  // Each returns OK when the condition holds, else CheckFailed naming what was
  // awaited ("workload: timed out after 5000 ms waiting for 100 acks (got 12)"
  // or "... workload ended ..." if the pipe closed first).
  // Ready: the built-in workload said "R"; an application acknowledged its
  // first operation (its environment exists and it is committing).
  Status WaitReady(std::chrono::milliseconds timeout);
  Status WaitForAcks(uint64_t n, std::chrono::milliseconds timeout);
  // Done: the built-in workload said "D"; an application exited with code 0
  // (else CheckFailed "workload: ended (<how>) while waiting for done").
  Status WaitDone(std::chrono::milliseconds timeout);
  // After the harness created the pause file: every writer is paused with no
  // txn open ("P"), or the workload is done.
  Status WaitPaused(std::chrono::milliseconds timeout);
  // After the harness removed the pause file: writers resumed ("U") or done.
  Status WaitResumed(std::chrono::milliseconds timeout);

  // SIGKILL (a real crash); then reaps the child (an application's ack file
  // is then read to its end before this returns). Safe to call twice.
  void Kill();
  // Arms a SIGKILL at the workload's n-th hooked write from now: writes n to
  // arm_file, which the built-in workload reads on SIGUSR1 and the BDB hooks
  // preloaded into an application watch.
  Status ArmCrash(const std::string& arm_file, uint64_t writes);
  bool application() const { return application_; }
  // Sends `signal` to the running process. IOError when it cannot be signalled.
  Status Signal(int signal);
  // Waits for the child to end and the reader to drain the pipe. CheckFailed
  // "workload: still running after <n> ms" on timeout (the child keeps running).
  Status Wait(std::chrono::milliseconds timeout, ExitInfo* info);

 private:
  WorkloadProcess() = default;
  void ReadLoop();
  // An application's ack file, tailed until the process ends (pidfd_).
  void TailLoop(std::string ack_path);
  Status Awaited(bool ok, const std::string& what, std::chrono::milliseconds timeout);

  std::unique_ptr<Subprocess> child_;
  pid_t pid_ = -1;
  int read_fd_ = -1;  // child_'s stdout pipe, read by reader_
  bool application_ = false;
  int pidfd_ = -1;  // an application's: readable once it ended
  std::thread reader_;
  AckLedger ledger_;
};

}  // namespace bdb::sim
