#include "simulator/faults/fault_schedule.h"

#include <algorithm>
#include <set>

namespace bdb::sim {

SeededRng FaultSchedule::Stream(std::string_view name) const {
  return NamedStream(seed_, name);
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
  events_.push_back(LoggedFault{ms, std::move(kind), std::move(detail)});
}

std::vector<LoggedFault> FaultLog::Events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

size_t FaultLog::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_.size();
}

}  // namespace bdb::sim
