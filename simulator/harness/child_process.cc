#include "simulator/harness/child_process.h"

namespace bdb::sim {

Status RunChild(const std::vector<std::string>& argv, int timeout_ms, ChildResult* result,
                const std::vector<std::string>& env_set) {
  *result = ChildResult();
  SpawnSpec spec;
  spec.argv = argv;
  spec.env_set = env_set;
  ProcessExit exit;
  BDB_RETURN_IF_ERROR(RunProgram(spec, timeout_ms, &exit, &result->out, &result->err));
  static_cast<ProcessExit&>(*result) = exit;
  return Status::OK();
}

}  // namespace bdb::sim
