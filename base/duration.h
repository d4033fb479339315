// Durations on the command line and in messages: "90s", "15m", "36h", "7d"
// (a positive whole number and one unit). Used by expire's retention policy
// and check's age limits.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace bdb {

// Parses text into milliseconds. InvalidArgument "bad usage: <flag> '<text>' is
// not a duration: expected a whole number followed by s, m, h or d (90s, 15m,
// 36h, 7d)" for anything else (no unit, zero, negative, overflow).
Status ParseDuration(const std::string& text, const std::string& flag, int64_t* ms);

// The largest unit that divides ms exactly, else seconds rounded down:
// 604800000 -> "7d", 5400000 -> "90m", 1500 -> "1s"; negative values get a '-'.
std::string FormatDuration(int64_t ms);

// A coarse age for messages: "3d 4h", "2h 5m", "42s".
std::string FormatAge(int64_t ms);

}  // namespace bdb
