// Formatting shared by the bdbackup commands' reports: sizes, log ranges, and
// the expire report that both `expire` and `backup --expire` print.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/upkeep/expire.h"
#include "tools/bdbackup/commands.h"

namespace bdb {

// "1.5 MiB", "512 B".
std::string Size(uint64_t bytes);
// "1 backup", "0 backups", "3 archived logs": a count and its noun.
std::string Counted(uint64_t n, const std::string& noun);
// "log.0000000003..0000000005", "log.0000000003", or "-" for 0.
std::string LogRange(uint32_t first, uint32_t last);

// The retention policy the flags give. InvalidArgument (bad usage, one line,
// naming `command`) for a bad --keep-full, a bad duration, or no rule at all
// unless pins_only (expire --pin/--unpin alone only change the pins).
Status RetentionPolicyFromOptions(const RetentionOptions& o, const std::string& command, bool pins_only,
                                  RetentionPolicy* policy);

// The report of one expire run, dry or not.
void DescribeExpire(const ExpireOutcome& out, bool dry_run, nlohmann::json* json, std::string* text);

}  // namespace bdb
