// The scenario loader's second pass: every rule that ties one key to another
// (a setting that needs another setting, a fault that needs a step to act on,
// the order of the schedule, a bound taken from another key), checked in one
// place after every key was read and typed. The first pass (scenario.cc)
// checks each key alone: its name, type and range.
#pragma once

#include <toml++/toml.h>

#include "simulator/plan/scenario.h"
#include "simulator/plan/toml_key_reader.h"

namespace bdb::sim {

// Records every broken rule in `r` with the line of the key it names (looked
// up in `top`, the parsed file, or the step's own line).
// REQUIRES: the first pass recorded no error; `s.steps` is the explicit or
// the implicit schedule.
void CheckScenarioRules(const Scenario& s, const toml::table& top, KeyReader& r);

}  // namespace bdb::sim
