#include "simulator/faults/recover_helper_journal.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/file_io.h"
#include "simulator/faults/journal_writer.h"
#include "simulator/faults/journaled_file_io.h"
#include "simulator/faults/power_loss_hooks.h"
#include "simulator/faults/power_loss_journal.h"
#include "simulator/faults/shared_cut_counter.h"

namespace bdb::sim {
namespace {

SharedCutCounter* g_counter = nullptr;  // the helper's, never freed: hooks may run until exit

// Counts a hooked operation of BDB toward the agent's cut; at the cut, leaves
// the marker line for the agent, says it on stderr too, and dies.
void CountHelperOperation(const char* op, const std::string& path) {
  const WritePhase phase = WritePhase::kRecovery;
  const uint64_t n = g_counter->Count(phase);
  if (n == 0) return;
  SharedCutState* state = g_counter->state();
  std::snprintf(state->marker, sizeof(state->marker), "%s%llu (%s): bdb %s '%s'",
                kAgentPowerCutMarker, static_cast<unsigned long long>(n), ToString(phase), op, path.c_str());
  state->helper_cut = 1;
  std::fprintf(stderr, "%s\n", state->marker);
  std::fflush(stderr);
  ::kill(::getpid(), SIGKILL);
  ::pause();
}

}  // namespace

void ExportRecoverHelperEnvironment(const std::string& journal_path, const std::string& counter_path) {
  ::setenv(kRecoverJournalEnv, journal_path.c_str(), 1);
  if (counter_path.empty()) {
    ::unsetenv(kRecoverCutCounterEnv);
  } else {
    ::setenv(kRecoverCutCounterEnv, counter_path.c_str(), 1);
  }
}

Status InstallRecoverHelperJournal(const std::string& home) {
  const char* journal = std::getenv(kRecoverJournalEnv);
  if (journal == nullptr || *journal == '\0') return Status::OK();
  FileInfo info;
  if (!DefaultFileIO()->Stat(home, &info).ok() || !info.exists || !info.is_dir) return Status::OK();
  // BDB's creates, renames and unlinks in the target follow the engine's
  // directory model: the target's durability is the engine's promise.
  std::unique_ptr<FileOpJournal> names;
  BDB_RETURN_IF_ERROR(FileOpJournal::Open(journal, "", std::string(journal) + ".kept", &names));
  IoHookOptions options;
  options.namespace_journal = names.release();  // never freed: hooks may run until exit
  options.home = home;
  options.journal_path = journal;
  options.append = true;
  options.absolute_paths = true;
  if (const char* counter = std::getenv(kRecoverCutCounterEnv); counter != nullptr && *counter != '\0') {
    std::unique_ptr<SharedCutCounter> attached;
    BDB_RETURN_IF_ERROR(SharedCutCounter::Attach(counter, &attached));
    g_counter = attached.release();
    options.on_operation = CountHelperOperation;
  }
  return InstallIoHooks(options);
}

std::string SimulatorRecoveryHelperPath() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "bdbsim-recover";
  const std::string exe(buf, static_cast<size_t>(n));
  return DirName(exe) + "/bdbsim-recover";
}

}  // namespace bdb::sim
