// RunProcess: runs a program (no shell) to completion for tests, capturing
// its exit code, stdout and stderr. Used to drive bdbackup, bdbsim and BDB's
// own db5.3_* utilities exactly as a user would.
#pragma once

#include <string>
#include <vector>

namespace bdb {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out, err;
};

ProcessResult RunProcess(const std::vector<std::string>& argv);

// The bdbackup binary of this build with args, as a user runs it.
ProcessResult RunBdbackup(std::vector<std::string> args);

// db5.3_verify on one database file of a home (run from inside the home).
bool Db53VerifyAccepts(const std::string& home, const std::string& db_file, std::string* output);

}  // namespace bdb
