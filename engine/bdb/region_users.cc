#include "engine/bdb/region_users.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>

namespace bdb {

std::vector<std::pair<pid_t, int>> CountMappings(const std::function<bool(std::string_view mapped_path)>& match) {
  std::vector<std::pair<pid_t, int>> out;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return out;
  while (struct dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid <= 0) continue;
    std::ifstream maps(std::string("/proc/") + e->d_name + "/maps");
    std::string line;
    int count = 0;
    while (std::getline(maps, line)) {
      const size_t slash = line.find('/');
      if (slash != std::string::npos && match(std::string_view(line).substr(slash))) ++count;
    }
    if (count > 0) out.emplace_back(static_cast<pid_t>(pid), count);
  }
  ::closedir(proc);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pid_t> ProcessesMappingRegions(const std::string& home) {
  char resolved[PATH_MAX];
  const std::string prefix = std::string(::realpath(home.c_str(), resolved) != nullptr ? resolved : home) + "/__db.";
  std::vector<pid_t> out;
  for (const auto& [pid, count] :
       CountMappings([&](std::string_view path) { return path.substr(0, prefix.size()) == prefix; }))
    out.push_back(pid);
  return out;
}

namespace {

// " (stopped)" for a process in state T or t (/proc/<pid>/stat), else "".
std::string StoppedNote(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const size_t paren = line.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos || paren + 2 >= line.size()) return "";
  const char state = line[paren + 2];
  return state == 'T' || state == 't' ? " (stopped)" : "";
}

}  // namespace

std::string DescribeOtherPids(const std::vector<pid_t>& pids, pid_t self) {
  std::string list;
  int n = 0;
  for (pid_t p : pids) {
    if (p == self) continue;
    list += (n++ == 0 ? "" : ", ") + std::to_string(p) + StoppedNote(p);
  }
  if (n == 0) return "no other process";
  return (n == 1 ? "pid " : "pids ") + list;
}

}  // namespace bdb
