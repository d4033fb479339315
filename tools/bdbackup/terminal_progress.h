// TerminalProgress: renders engine progress on stderr when it is a terminal
// (phase, current file, bytes, rate), redrawing one line at most ten times a
// second; prints nothing otherwise, so logs and pipes stay clean.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "base/progress.h"

namespace bdb {

class TerminalProgress : public Progress {
 public:
  explicit TerminalProgress(bool enabled);
  ~TerminalProgress() override;
  void Phase(const std::string& name, uint64_t total_bytes) override;
  void StartFile(const std::string& path, uint64_t size_bytes) override;
  void AddBytes(uint64_t n) override;
  // Clears the progress line (before the final output).
  void Finish();

 private:
  void Draw(bool force);
  bool enabled_;
  std::mutex mu_;
  std::string phase_, file_;
  uint64_t bytes_ = 0, total_ = 0, files_ = 0;
  std::chrono::steady_clock::time_point started_, last_draw_;
  bool drawn_ = false;
};

}  // namespace bdb
