// The terminal summary bdbsim run prints after its progress bar: one row per
// scenario (trials, outcome counts, expectation, verdict), then the replay
// line of every failing trial (with where its sandbox is kept, or why it was
// dropped) and of the first caught trials of "caught" scenarios, then one
// line on the kept sandboxes. Stateless functions; thread-compatible.
#pragma once

#include <string>

#include "simulator/report/trial_result.h"

namespace bdb::sim {

// At most this many caught trials of one "caught" scenario are listed under the
// table (failing trials of "pass" scenarios are all listed).
inline constexpr int kCaughtTrialsListed = 5;

// The table and the replay lines, ending in a newline. color: ANSI colours
// for verdicts and LOSS counts (only on a terminal); otherwise plain text.
std::string RenderTable(const RunReport& report, bool color);

// True when output to fd should be coloured: fd is a TTY, $NO_COLOR is unset
// and $TERM is not "dumb".
bool ShouldUseColor(int fd);

}  // namespace bdb::sim
