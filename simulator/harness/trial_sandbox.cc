#include "simulator/harness/trial_sandbox.h"

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "base/file_io.h"
#include "simulator/report/trial_result.h"

namespace bdb::sim {

TrialSandbox::~TrialSandbox() {
  if (!path_.empty() && !keep_) RemoveTree(DefaultFileIO(), path_);
}

Status TrialSandbox::Create(const std::string& root, const std::string& scenario, int index, uint64_t seed) {
  std::string safe;
  for (char c : scenario) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  std::string templ = JoinPath(root, "bdbsim-" + safe + "-" + std::to_string(index) + "-" + SeedHex(seed) + "-XXXXXX");
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return Status::FromErrno(errno, "unable to create trial sandbox in '" + root + "'");
  path_ = buf.data();
  return Status::OK();
}

}  // namespace bdb::sim
