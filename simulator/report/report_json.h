// report.json: the machine-readable record of a bdbsim run, and its strict
// reader (bdbsim merge reads the shards' reports back). Derived fields
// (verdict, counts, catch_rate, all_met) are written for readers and checked
// against the trials when read. Stateless functions; thread-compatible.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/file_io.h"
#include "simulator/report/trial_result.h"

namespace bdb::sim {

// The report as JSON: {"format_version", "scenarios": [...], "settings",
// "versions", "timings": {"wall_ms", "started_at"}, "all_met"}. Trial seeds
// are 16-hex-digit strings (exact in every JSON reader).
nlohmann::json ReportToJson(const RunReport& report);
// Strict inverse of ReportToJson: every key present with its type, known
// outcomes, seeds in hex, derived fields consistent with the trials.
// Errors are InvalidArgument "<json path>: <why>", e.g. "scenarios[0].name: missing".
Status ReportFromJson(const nlohmann::json& json, RunReport* report);

// Writes ReportToJson (pretty-printed) to path atomically.
Status WriteReportJson(const RunReport& report, const std::string& path, FileIO* io = DefaultFileIO());
// Reads and parses path; errors name it: "invalid report '<path>': <why>".
Status ReadReportJson(const std::string& path, RunReport* report, FileIO* io = DefaultFileIO());

}  // namespace bdb::sim
