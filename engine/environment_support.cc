// CheckEnvironmentSupported: configurations bdbackup refuses up front.
#include "engine/environment_support.h"

#include <sstream>

namespace bdb {

Status CheckEnvironmentSupported(LiveEnvironment* env) {
  const std::string& home = env->layout().home;
  int in_memory = 0;
  int ret = env->env()->log_get_config(env->env(), DB_LOG_IN_MEMORY, &in_memory);
  if (ret != 0) return Status::IOError("unable to read the log configuration of '" + home + "': " + db_strerror(ret));
  if (in_memory != 0) {
    return Status::InvalidArgument("environment '" + home +
                                   "' keeps its log in memory (DB_LOG_IN_MEMORY): there are no log files to back up "
                                   "or archive, and no backup of it could be recovered; configure the application "
                                   "with log files");
  }
  return Status::OK();
}

Status CheckBackupLayoutSupported(const std::string& home, const std::string& db_config_contents) {
  std::istringstream in(db_config_contents);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string name, value;
    words >> name >> value;
    if (value.empty() || value.front() != '/') continue;
    if (name == "set_lg_dir") {
      return Status::InvalidArgument(
          "environment '" + home + "' names its log directory '" + value +
          "' by an absolute path in DB_CONFIG: recovery in a restored copy would use that directory, the live "
          "environment's; make set_lg_dir relative to the home (a symbolic link in the home may point elsewhere)");
    }
    if (name == "set_data_dir" || name == "add_data_dir") {
      return Status::InvalidArgument(
          "environment '" + home + "' names its data directory '" + value +
          "' by an absolute path in DB_CONFIG: a restored copy would open the live environment's databases "
          "there; make " + name + " relative to the home (a symbolic link in the home may point elsewhere)");
    }
  }
  return Status::OK();
}

}  // namespace bdb
