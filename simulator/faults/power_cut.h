// A narrow entry to the power-loss journal and its I/O hooks for the trial
// runner: applies a power cut to a dead workload's environment by mode name,
// and recognizes the hooks' injected-failure line.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "simulator/faults/power_loss_journal.h"

namespace bdb::sim {

// ApplyPowerLoss, with *description: one line for the fault timeline.
Status ApplyPowerCut(const std::string& journal_path, const std::string& home, uint64_t seed, PowerLossMode mode,
                     std::string* description);

// True if the workload's stderr shows one of its hooks' libfiu points fired.
bool ShowsInjectedWorkloadFailure(const std::string& workload_stderr);

}  // namespace bdb::sim
