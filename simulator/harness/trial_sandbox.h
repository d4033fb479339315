// TrialSandbox: the private directory of one trial (its environment, repository,
// restores, journals, logs). Removed when the trial ends unless Keep() was
// called, so failing trials can be inspected and passing ones leave nothing.
// Not thread-safe; one per trial.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace bdb::sim {

class TrialSandbox {
 public:
  TrialSandbox() = default;
  ~TrialSandbox();
  TrialSandbox(const TrialSandbox&) = delete;
  TrialSandbox& operator=(const TrialSandbox&) = delete;

  // Creates <root>/bdbsim-<scenario>-<index>-<seed hex>-XXXXXX.
  Status Create(const std::string& root, const std::string& scenario, int index, uint64_t seed);
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& rel) const { return path_ + "/" + rel; }
  void Keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

}  // namespace bdb::sim
