#include "simulator/faults/power_cut.h"
#include "simulator/faults/power_loss_hooks.h"

namespace bdb::sim {

Status ApplyPowerCut(const std::string& journal_path, const std::string& home, uint64_t seed, PowerLossMode mode,
                     std::string* description) {
  PowerLossResult result;
  BDB_RETURN_IF_ERROR(ApplyPowerLoss(journal_path, home, seed, mode, &result));
  *description = result.Describe();
  return Status::OK();
}

bool ShowsInjectedWorkloadFailure(const std::string& workload_stderr) {
  return workload_stderr.find(std::string(kInjectedFailureMarker) + "bdbsim/workload/io/") != std::string::npos;
}

}  // namespace bdb::sim
