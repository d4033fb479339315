// BackupLayout: where a backup puts directories DB_CONFIG names by absolute
// paths (their path inside the home, or external/<n> and external/log), and
// the DB_CONFIG rewritten to them that the backup carries, so recovery of a
// restored copy never uses the live directories.
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/bdb/bdb_environment.h"
#include "base/status.h"

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
