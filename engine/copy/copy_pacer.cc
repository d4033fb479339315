#include "engine/copy/copy_pacer.h"

#include <thread>

namespace bdb {

void CopyPacer::Pace(uint64_t bytes) {
  const auto now = std::chrono::steady_clock::now();
  bytes_ += bytes;
  const auto due = start_ + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::duration<double>(static_cast<double>(bytes_) / bytes_per_second_));
  if (due <= now) return;
  std::this_thread::sleep_until(due);
  slept_ += std::chrono::steady_clock::now() - now;
}

}  // namespace bdb
