// BackupLayout: relative places for absolute directories, and DB_CONFIG rewritten to them.
#include "engine/backup/backup_layout.h"

#include <sstream>

#include "base/file_io.h"

namespace bdb {
namespace {

// The path of dir relative to home ("" for home itself), or "" with *inside false.
std::string InsideHome(const std::string& home, const std::string& dir, bool* inside) {
  *inside = true;
  if (dir == home) return "";
  const std::string prefix = home == "/" ? "/" : home + "/";
  if (dir.compare(0, prefix.size(), prefix) == 0) return dir.substr(prefix.size());
  *inside = false;
  return "";
}

std::string Absolute(const std::string& home, const std::string& value) {
  return NormalizePath(value.front() == '/' ? value : JoinPath(home, value));
}

}  // namespace

BackupLayout MapBackupLayout(const EnvironmentLayout& layout, const std::string& db_config) {
  BackupLayout map;
  bool inside = true;
  map.log_dir_rel = InsideHome(layout.home, layout.log_dir, &inside);
  if (!inside) map.log_dir_rel = "external/log";
  int external = 0;
  for (const auto& dir : layout.data_dirs) {
    std::string rel = InsideHome(layout.home, dir, &inside);
    if (!inside) rel = "external/" + std::to_string(external++);
    map.data_dirs.emplace_back(dir, rel);
  }
  std::istringstream in(db_config);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string name, value;
    words >> name >> value;
    const bool dir_line = name == "set_lg_dir" || name == "set_data_dir" || name == "add_data_dir";
    if (!dir_line || value.empty() || value.front() != '/') {
      out += line + "\n";
      continue;
    }
    map.config_rewritten = true;
    const std::string abs = Absolute(layout.home, value);
    std::string rel = abs == layout.log_dir && name == "set_lg_dir" ? map.log_dir_rel : "";
    if (name != "set_lg_dir") {
      for (const auto& [dir, mapped] : map.data_dirs) {
        if (dir == abs) rel = mapped;
      }
    }
    out += "# bdbackup: was " + name + " " + value + "\n" + name + " " + (rel.empty() ? "." : rel) + "\n";
  }
  map.db_config = map.config_rewritten ? out : db_config;
  return map;
}

std::string SourcePathOf(const std::string& home, const std::string& listed) {
  return listed.front() == '/' ? listed : JoinPath(home, listed);
}

std::string BackupPathOf(const BackupLayout& map, const std::string& home, const std::string& listed) {
  if (listed.front() != '/') return listed;  // inside the home: as in the environment
  for (const auto& [dir, rel] : map.data_dirs) {
    const std::string prefix = dir + "/";
    if (listed.compare(0, prefix.size(), prefix) == 0) return JoinPath(rel, listed.substr(prefix.size()));
  }
  (void)home;
  return listed;  // not under a data dir: refused by the manifest's path check, never silently misplaced
}

}  // namespace bdb
