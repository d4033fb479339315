#include "simulator/power_cut.h"

#include "simulator/power_loss_journal.h"

namespace bdb::sim {

Status ApplyPowerCut(const std::string& journal_path, const std::string& home, uint64_t seed, const std::string& mode,
                     std::string* description) {
  PowerLossMode parsed;
  BDB_RETURN_IF_ERROR(ParsePowerLossMode(mode, &parsed));
  PowerLossResult result;
  BDB_RETURN_IF_ERROR(ApplyPowerLoss(journal_path, home, seed, parsed, &result));
  *description = result.Describe();
  return Status::OK();
}

bool ShowsInjectedWorkloadFailure(const std::string& workload_stderr) {
  return workload_stderr.find(std::string(kInjectedFailureMarker) + "bdbsim/workload/io/") != std::string::npos;
}

}  // namespace bdb::sim
