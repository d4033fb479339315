// Placeholders in the argv of a program a scenario names (an external backup
// program, an application run as the workload and its oracle's commands):
// "{home}", "{dest}", "{ack}", "{n}", "{bin}" replaced by their values in
// every argument, wherever they appear in it. Pure functions; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace bdb::sim {

using Placeholders = std::vector<std::pair<std::string, std::string>>;  // {"{home}", "/path"}, ...

// argv with every placeholder replaced (a value is not scanned again).
std::vector<std::string> ExpandArgv(const std::vector<std::string>& argv, const Placeholders& values);

// The directory of a binary's path ("/x/bin/bdbsim" -> "/x/bin"; "." for a bare name).
std::string DirectoryOf(const std::string& path);

}  // namespace bdb::sim
