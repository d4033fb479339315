// Seeded fault decisions and the fault timeline of one trial.
// SeededRng (base/random.h) is splitmix64 with its own bounded draw, so a seed
// yields the same numbers on every platform and standard library.
// FaultSchedule hands out one independent stream per named injector, so adding
// draws to one injector never shifts another's. FaultLog is the thread-safe
// list of faults that fired, shown in the trial report as the fault timeline.
#pragma once

#include "base/random.h"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace bdb::sim {

// The per-trial source of all fault decisions. Thread-safety: const methods only.
class FaultSchedule {
 public:
  explicit FaultSchedule(uint64_t seed) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  // An independent stream for the injector called `name` ("torn_read", "io_error").
  SeededRng Stream(std::string_view name) const;
  // `count` distinct values drawn from [0, limit), sorted. count is capped at limit.
  static std::vector<uint64_t> DrawDistinct(SeededRng* rng, uint64_t count, uint64_t limit);

 private:
  uint64_t seed_;
};

// One entry of a FaultLog (the report's FaultEvent is what a trial keeps of it).
struct LoggedFault {
  int64_t at_ms = 0;  // milliseconds since the log was created (steady clock)
  std::string kind;   // "torn_read", "mmap_fault", "io_error", ...
  std::string detail;
};

// Thread-safe, append-only.
class FaultLog {
 public:
  FaultLog() : start_(std::chrono::steady_clock::now()) {}
  void Record(std::string kind, std::string detail);
  // A copy of the events in the order they were recorded.
  std::vector<LoggedFault> Events() const;
  size_t Size() const;

 private:
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  std::vector<LoggedFault> events_;
};

}  // namespace bdb::sim
