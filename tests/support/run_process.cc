#include "tests/support/run_process.h"

#include "base/subprocess.h"

#include <cstdlib>

namespace bdb {

std::string DescribeRun(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + ", stderr: " + r.err + ", stdout: " + r.out.substr(0, 400);
}

ProcessResult RunBdbackup(std::vector<std::string> args) {
  args.insert(args.begin(), BDBACKUP_BIN);
  return RunProcess(args);
}

ProcessResult RunProcess(const std::vector<std::string>& argv) {
  ProcessResult result;
  SpawnSpec spec;
  spec.argv = argv;
  ProcessExit exit;
  Status s = RunProgram(spec, /*timeout_ms=*/-1, &exit, &result.out, &result.err);
  if (!s.ok()) {
    result.exit_code = 127;  // as the shell says of a program it cannot start
    result.err = s.message();
    return result;
  }
  result.exit_code = exit.ShellCode();
  return result;
}

bool Db53VerifyAccepts(const std::string& home, const std::string& db_file, std::string* output) {
  ProcessResult r = RunProcess({"db5.3_verify", "-h", home, db_file});
  if (output) *output = r.out + r.err;
  return r.exit_code == 0;
}

ProcessResult RunHeadlessChromium(const std::string& html, const std::string& profile_dir,
                                  const std::vector<std::string>& extra) {
  SpawnSpec spec;
  spec.argv = {"timeout", "50", kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--user-data-dir=" + profile_dir};
  spec.argv.insert(spec.argv.end(), extra.begin(), extra.end());
  spec.argv.push_back("file://" + html);
  spec.err = ChildOutput::DevNull();
  ProcessResult result;
  ProcessExit exit;
  std::string err;
  Status s = RunProgram(spec, /*timeout_ms=*/-1, &exit, &result.out, &err);
  if (!s.ok()) {
    result.exit_code = 127;
    result.err = s.message();
    return result;
  }
  result.exit_code = exit.ShellCode();
  return result;
}

}  // namespace bdb
