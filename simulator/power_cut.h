// A narrow entry to the power-loss journal for the trial runner: applies a
// power cut to a dead workload's environment by mode name. (The journal's own
// header and the scenario header both name a PowerLossMode; this keeps the
// runner from needing both.)
#pragma once

#include <cstdint>
#include <string>

#include "engine/status.h"

namespace bdb::sim {

// mode: "all" | "none" | "subset". *description: one line for the fault timeline.
Status ApplyPowerCut(const std::string& journal_path, const std::string& home, uint64_t seed, const std::string& mode,
                     std::string* description);

}  // namespace bdb::sim
