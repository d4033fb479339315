// RunProcess: runs a program (no shell) to completion for tests, capturing
// its exit code, stdout and stderr. Used to drive bdbackup, bdbsim and BDB's
// own db5.3_* utilities exactly as a user would, and headless Chromium.
#pragma once

#include <string>
#include <vector>

namespace bdb {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out, err;
};

ProcessResult RunProcess(const std::vector<std::string>& argv);

// "exit N, stderr: ..., stdout: ..." (stdout cut at 400 bytes), for a failed
// expectation's message.
std::string DescribeRun(const ProcessResult& r);

// The bdbackup binary of this build with args, as a user runs it.
ProcessResult RunBdbackup(std::vector<std::string> args);

// db5.3_verify on one database file of a home (run from inside the home).
bool Db53VerifyAccepts(const std::string& home, const std::string& db_file, std::string* output);

// The browser the report tests render in, when installed.
inline constexpr const char* kChromium = "/usr/bin/chromium";

// Headless kChromium on the page file html (killed by `timeout 50` if it runs
// longer), with its profile in profile_dir and the extra flags: its stdout
// and exit code. Its stderr is discarded (err says only why it could not be
// started).
ProcessResult RunHeadlessChromium(const std::string& html, const std::string& profile_dir,
                                  const std::vector<std::string>& extra);

}  // namespace bdb
