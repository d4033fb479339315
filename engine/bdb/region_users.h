// Which processes have an environment's region files (home/__db.*) mapped,
// read from /proc/*/maps: the processes that can hold its BDB mutexes and
// locks. Used to name them when a call into BDB does not return.
// Thread-safety: free functions; safe from any thread (no BDB calls, no
// allocation-free guarantee: not for signal handlers).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bdb {

// (pid, how many of its mappings match), ascending by pid, for every process
// (this one included) with at least one mapping whose file path matches.
std::vector<std::pair<pid_t, int>> CountMappings(const std::function<bool(std::string_view mapped_path)>& match);

// PIDs (ascending) of the processes, this one included, that map any
// home/__db.* file; home is resolved with realpath first.
std::vector<pid_t> ProcessesMappingRegions(const std::string& home);

// "pids 12, 40 (stopped)" / "pid 12" for the given pids without `self`
// ("(stopped)" for a process in state T: SIGSTOP or a debugger), or "no
// other process" when none is left.
std::string DescribeOtherPids(const std::vector<pid_t>& pids, pid_t self);

}  // namespace bdb
