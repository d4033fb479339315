#include "tools/bdbackup/terminal_progress.h"

#include <fmt/format.h>

#include <cstdio>

namespace bdb {

TerminalProgress::TerminalProgress(bool enabled)
    : enabled_(enabled), started_(std::chrono::steady_clock::now()), last_draw_(started_) {}

TerminalProgress::~TerminalProgress() { Finish(); }

void TerminalProgress::Phase(const std::string& name, uint64_t total_bytes) {
  std::lock_guard<std::mutex> l(mu_);
  phase_ = name;
  total_ = total_bytes;
  Draw(true);
}

void TerminalProgress::StartFile(const std::string& path, uint64_t) {
  std::lock_guard<std::mutex> l(mu_);
  file_ = path;
  ++files_;
  Draw(false);
}

void TerminalProgress::AddBytes(uint64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  bytes_ += n;
  Draw(false);
}

void TerminalProgress::Draw(bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(now - started_).count();
  double mib = bytes_ / 1048576.0;
  std::string line = fmt::format("{}: {} files, {:.1f} MiB, {:.1f} MiB/s  {}", phase_, files_, mib,
                                 secs > 0 ? mib / secs : 0.0, file_);
  if (line.size() > 110) line = line.substr(0, 107) + "...";
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void TerminalProgress::Finish() {
  std::lock_guard<std::mutex> l(mu_);
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace bdb
