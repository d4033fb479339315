// libbdbsim-bdb-hooks.so: preloaded (LD_PRELOAD) into an application that runs
// as a trial's workload (workload.command). Its constructor installs the
// built-in workload's own I/O hooks (power_loss_hooks.h: InstallIoHooks,
// through BDB's db_env_set_func_* calls) in the process's Berkeley DB, so the
// application's BDB writes, fsyncs, creates, renames and unlinks in its home
// reach the trial's power-loss journal, its n-th write can SIGKILL it, and a
// write or fsync can fail by libfiu, exactly as for the built-in workload.
// This works where the application links libdb-5.3.so dynamically (C, C++,
// Python's bsddb3): the hooks are set in that one shared library. A program
// with BDB linked in statically, or one that sets db_env_set_func_* itself,
// never calls them (the harness notices an empty journal).
// Configured by the environment (all but the first optional):
//   BDBSIM_HOOKS_HOME         the environment's home (nothing happens without it)
//   BDBSIM_HOOKS_JOURNAL      the power-loss journal, appended to
//   BDBSIM_HOOKS_CRASH_AT_WRITE  SIGKILL before the n-th hooked write
//   BDBSIM_HOOKS_CRASH_ARM    a file the harness writes n into later: a thread
//                             checks it every 2 ms and arms a SIGKILL at the
//                             n-th write from then (no signal: the
//                             application's own signal handling stays as is)
//   BDBSIM_HOOKS_IO_ERROR     "<write|fsync>:<n>:<errno>:<short 0|1>": the n-th
//                             such call fails (the workload's libfiu points)
// A failure to install prints one line on stderr and ends the process
// (exit 70) before its main runs: a trial never runs unhooked by mistake.
// Thread-safety: the hooks are process-global and thread-safe.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "simulator/faults/io_error_injector.h"
#include "simulator/faults/power_loss_hooks.h"
#include "simulator/faults/power_loss_journal.h"

namespace {

using bdb::Status;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

[[noreturn]] void Refuse(const std::string& why) {
  std::fprintf(stderr, "bdbsim-bdb-hooks: error: %s\n", why.c_str());
  std::fflush(stderr);
  _exit(70);
}

uint64_t Number(const std::string& text, const char* what) {
  char* end = nullptr;
  const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || end == nullptr || *end != '\0') Refuse(std::string(what) + " is not a number: '" + text + "'");
  return n;
}

// Waits for the harness to write a write count into `path`, then arms it.
void WatchCrashArm(const std::string& path) {
  for (;;) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && st.st_size > 0) {
      FILE* f = std::fopen(path.c_str(), "r");
      unsigned long long n = 0;
      const bool read = f != nullptr && std::fscanf(f, "%llu", &n) == 1;
      if (f != nullptr) std::fclose(f);
      if (read && n > 0) {
        bdb::sim::ArmCrashAfterWrites(n);
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// "<write|fsync>:<n>:<errno>:<short>" armed on the hooks' libfiu point.
void ArmIoError(const std::string& spec) {
  char op[16] = {};
  unsigned long long nth = 0;
  int error = 0, short_write = 0;
  if (std::sscanf(spec.c_str(), "%15[a-z]:%llu:%d:%d", op, &nth, &error, &short_write) != 4 || nth == 0 ||
      (std::strcmp(op, "write") != 0 && std::strcmp(op, "fsync") != 0))
    Refuse("BDBSIM_HOOKS_IO_ERROR must be <write|fsync>:<n>:<errno>:<0|1>, got '" + spec + "'");
  const bool write = std::strcmp(op, "write") == 0;
  bdb::sim::IoFault fault;
  fault.op = write ? bdb::sim::IoOp::kWrite : bdb::sim::IoOp::kFsync;
  fault.nth_call = nth;
  fault.error = error;
  fault.short_write = write && short_write != 0;
  // Lives as long as the process: the point stays armed until it exits.
  auto* injector = new bdb::sim::IoErrorInjector();
  Status s = injector->ArmPoint(write ? bdb::sim::kWorkloadWritePoint : bdb::sim::kWorkloadFsyncPoint, fault);
  if (!s.ok()) Refuse(s.message());
}

__attribute__((constructor)) void InstallFromEnvironment() {
  bdb::sim::IoHookOptions options;
  options.home = Env("BDBSIM_HOOKS_HOME");
  if (options.home.empty()) return;
  options.journal_path = Env("BDBSIM_HOOKS_JOURNAL");
  options.append = true;  // every process of the application writes one journal
  const std::string crash_at = Env("BDBSIM_HOOKS_CRASH_AT_WRITE");
  if (!crash_at.empty()) options.crash_at_write = Number(crash_at, "BDBSIM_HOOKS_CRASH_AT_WRITE");
  Status s = bdb::sim::InstallIoHooks(options);
  if (!s.ok()) Refuse(s.message());
  if (const std::string io = Env("BDBSIM_HOOKS_IO_ERROR"); !io.empty()) ArmIoError(io);
  if (const std::string arm = Env("BDBSIM_HOOKS_CRASH_ARM"); !arm.empty()) std::thread(WatchCrashArm, arm).detach();
}

}  // namespace
