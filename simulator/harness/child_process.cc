#include "simulator/harness/child_process.h"

#include "engine/subprocess.h"

namespace bdb::sim {

std::string ChildResult::Describe() const {
  ProcessExit exit;
  exit.exited = exited;
  exit.code = exit_code;
  exit.signal = signal;
  exit.timed_out = timed_out;
  return exit.Describe();
}

Status RunChild(const std::vector<std::string>& argv, int timeout_ms, ChildResult* result) {
  *result = ChildResult();
  SpawnSpec spec;
  spec.argv = argv;
  ProcessExit exit;
  BDB_RETURN_IF_ERROR(RunProgram(spec, timeout_ms, &exit, &result->out, &result->err));
  result->exited = exit.exited;
  result->exit_code = exit.exited ? exit.code : -1;
  result->signal = exit.signal;
  result->timed_out = exit.timed_out;
  return Status::OK();
}

}  // namespace bdb::sim
