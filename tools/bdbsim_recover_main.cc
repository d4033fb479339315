// bdbsim-recover: the recovery helper as the simulator's backup agent runs it
// when a trial may lose power. The same request code as bdbackup-recover
// (engine/recovery/recovery_helper_main.h); first, Berkeley DB's writes to the
// request's home are journaled into the agent's power-loss journal and may
// cut power (simulator/faults/recover_helper_journal.h). Never reachable
// from bdbackup's command line: the agent names it in its EngineContext.
#include <cstdio>
#include <string>

#include "engine/recovery/recovery_helper_main.h"
#include "simulator/faults/recover_helper_journal.h"

int main(int argc, char** argv) {
  bdb::PrepareRecoveryHelperProcess();
  if (argc >= 3) {
    const bdb::Status s = bdb::sim::InstallRecoverHelperJournal(argv[2]);
    if (!s.ok()) {
      // A trial whose journal misses BDB's writes would be meaningless.
      std::fprintf(stderr, "bdbsim-recover: %s\n", s.message().c_str());
      return 70;
    }
  }
  return bdb::RecoveryHelperMain(argc, argv, {});
}
