// CheckEnvironmentSupported: configurations bdbackup refuses up front.
#include "engine/bdb/environment_support.h"

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

}  // namespace bdb
