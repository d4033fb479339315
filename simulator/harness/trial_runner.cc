#include "simulator/harness/trial_runner.h"

#include <unistd.h>

#include <cstdlib>

#include "simulator/harness/trial.h"

namespace bdb::sim {

std::string DefaultSandboxRoot() {
  if (::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

TrialResult RunTrial(const Scenario& scenario, uint64_t seed, int index, const RunnerOptions& options) {
  internal::Trial trial(scenario, seed, index, options);
  return trial.Run();
}

}  // namespace bdb::sim
