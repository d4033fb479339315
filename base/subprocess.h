// Subprocess: the project's one way to start a program. bdbackup starts its
// recovery helper with it, the simulator its workload, backup agent and
// external backup programs, and the tests bdbackup, bdbsim, BDB's utilities
// and the other programs they run (tests/support/run_process.h). Tests fork
// without exec only to run their own code in a second process (a lock holder,
// a process killed mid-call), never to start a program.
//
// A child is started with posix_spawn (no shell): stdin from /dev/null, stdout
// and stderr each to a pipe the parent reads, a file, /dev/null or the
// parent's own. Every descriptor made here is close-on-exec, so a child started
// by one thread never holds another child's pipe open (the reason this is not
// Boost.Process 1.74, whose pipes are inheritable and which cannot limit what a
// child inherits). The environment is this process's, with named variables set
// or removed (a password goes to a child this way, never on its command line).
//
// Thread-safety: Start may be called from any thread; one Subprocess is used
// by one thread at a time (a reader thread may read out_fd() meanwhile).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace bdb {

// Where a child's stdout or stderr goes.
struct ChildOutput {
  enum class Kind { kPipe, kFile, kDevNull, kInherit };
  Kind kind = Kind::kPipe;
  std::string path;     // kFile
  bool append = false;  // kFile: append instead of truncating

  static ChildOutput Pipe() { return {}; }
  static ChildOutput File(std::string path, bool append) { return {Kind::kFile, std::move(path), append}; }
  static ChildOutput DevNull() { return {Kind::kDevNull, "", false}; }
  static ChildOutput Inherit() { return {Kind::kInherit, "", false}; }
};

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0]: a path, or a name looked up in PATH
  ChildOutput out, err;
  std::vector<std::string> env_set;    // "NAME=value", replacing any NAME of this process
  std::vector<std::string> env_unset;  // NAMEs the child does not inherit
};

// How a child ended.
struct ProcessExit {
  bool exited = false;  // exit() with a code (else killed by a signal)
  int code = -1;
  int signal = 0;
  bool timed_out = false;  // killed because it outlived its time limit
  // "exit code 1", "killed by signal 9", "timed out and was killed".
  std::string Describe() const;
  // The shell's $?: the code, or 128 + the signal.
  int ShellCode() const { return exited ? code : 128 + signal; }
  // Exited with code 0.
  bool Succeeded() const { return exited && code == 0; }
};

// The last line of a program's output that is not blank, without its line
// end ("" if there is none): what a failed program said last.
std::string LastOutputLine(const std::string& output);

class Subprocess {
 public:
  // IOError "unable to start '<argv0>': <why>" (a missing or non-executable
  // program, an output file that cannot be opened, no free descriptors).
  static Status Start(const SpawnSpec& spec, std::unique_ptr<Subprocess>* out);
  // SIGKILLs a child still running and reaps it; closes the pipes.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  // The read ends of piped outputs; -1 when not ChildOutput::kPipe.
  int out_fd() const { return out_fd_; }
  int err_fd() const { return err_fd_; }

  // Reads the piped outputs to their end, then reaps the child. timeout_ms < 0:
  // no limit; past it the child is SIGKILLed and timed_out is set.
  ProcessExit Communicate(int timeout_ms, std::string* out, std::string* err);
  // Reaps the child if it ends within timeout_ms (< 0: waits for ever); false
  // if it is still running. After the child was reaped, returns its exit again.
  bool Wait(int timeout_ms, ProcessExit* exit);
  // Not yet ended (never blocks).
  bool Running();
  // kill(2). IOError "unable to signal process <pid>: <why>"; after the child
  // was reaped, IOError too (its pid may belong to another process by now).
  Status Signal(int signal);
  // SIGKILL (a crash, not a shutdown) and reap. Safe to call twice.
  void Kill();

 private:
  Subprocess() = default;
  bool Reap(bool block);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool reaped_ = false;
  ProcessExit exit_;
};

// Start + Communicate: runs a program to completion, capturing what it
// prints on piped outputs. IOError as for Start.
Status RunProgram(const SpawnSpec& spec, int timeout_ms, ProcessExit* exit, std::string* out, std::string* err);

}  // namespace bdb
