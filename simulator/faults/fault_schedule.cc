#include "simulator/faults/fault_schedule.h"

#include <algorithm>
#include <set>

namespace bdb::sim {

uint64_t SeededRng::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t SeededRng::Below(uint64_t bound) {
  // Reject the top partial copy of [0, bound) so every value is equally likely.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
  for (;;) {
    uint64_t x = Next();
    if (x < limit) return x % bound;
  }
}

bool SeededRng::Chance(uint64_t numerator, uint64_t denominator) { return Below(denominator) < numerator; }

SeededRng FaultSchedule::Stream(std::string_view name) const {
  // FNV-1a of the name, mixed with the seed through one splitmix64 step.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ULL;
  SeededRng mix(seed_ ^ h);
  return SeededRng(mix.Next());
}

std::vector<uint64_t> FaultSchedule::DrawDistinct(SeededRng* rng, uint64_t count, uint64_t limit) {
  count = std::min(count, limit);
  std::set<uint64_t> picked;
  // Floyd's algorithm: exactly `count` draws, each bounded.
  for (uint64_t j = limit - count; j < limit; ++j) {
    uint64_t t = rng->Below(j + 1);
    if (!picked.insert(t).second) picked.insert(j);
  }
  return std::vector<uint64_t>(picked.begin(), picked.end());
}

void FaultLog::Record(std::string kind, std::string detail) {
  const auto now = std::chrono::steady_clock::now();
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - start_).count();
  std::lock_guard<std::mutex> lock(mu_);
  events_.push_back(FaultEvent{ms, std::move(kind), std::move(detail)});
}

std::vector<FaultEvent> FaultLog::Events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

size_t FaultLog::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_.size();
}

}  // namespace bdb::sim
