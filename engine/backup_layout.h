// BackupLayout: where a backup puts the files of an environment whose
// DB_CONFIG names directories by absolute paths (set_lg_dir, set_data_dir,
// add_data_dir). Each directory gets a path relative to the backup root: its
// path inside the home, or "external/<n>" (data) and "external/log" for one
// outside it; the backup then carries a DB_CONFIG rewritten to those relative
// paths, so recovery of a restored copy never reads or writes the live
// directories. Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/bdb_environment.h"
#include "engine/status.h"

namespace bdb {

struct BackupLayout {
  std::string log_dir_rel;                                   // "" when the logs are in the home
  std::vector<std::pair<std::string, std::string>> data_dirs;  // absolute dir -> relative dir ("" for home)
  bool config_rewritten = false;  // DB_CONFIG named a directory by an absolute path
  std::string db_config;          // what the backup stores as DB_CONFIG (rewritten or as read)
};

// layout: from InspectEnvironment; db_config: DB_CONFIG's text ("" if none).
BackupLayout MapBackupLayout(const EnvironmentLayout& layout, const std::string& db_config);

// The path in the backup of a file ListDatabaseFiles named (relative to the
// home, or absolute when in a data directory outside it).
std::string BackupPathOf(const BackupLayout& map, const std::string& home, const std::string& listed);

// The absolute source path of a file ListDatabaseFiles named.
std::string SourcePathOf(const std::string& home, const std::string& listed);

}  // namespace bdb
