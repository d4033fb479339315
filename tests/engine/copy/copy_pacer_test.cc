// CopyPacer: the read rate of a backup with --max-rate. Pace returns only
// once the bytes reported so far fit the rate since the first report, and a
// copy that keeps below the rate never waits.
#include "engine/copy/copy_pacer.h"

#include <gtest/gtest.h>

#include <chrono>

namespace bdb {
namespace {

using Clock = std::chrono::steady_clock;

TEST(CopyPacerTest, BytesAheadOfTheRateWaitUntilTheyFitIt) {
  CopyPacer pacer(100.0 * (1 << 20));  // 100 MiB/s
  const Clock::time_point before = Clock::now();
  pacer.Pace(1 << 20);  // 1 MiB: due 10 ms after the first report
  pacer.Pace(1 << 20);  // 2 MiB: due 20 ms after it
  // The first report is at or after `before`, so 2 MiB cannot be done earlier.
  EXPECT_GE(Clock::now() - before, std::chrono::milliseconds(20));
  EXPECT_GT(pacer.slept(), std::chrono::nanoseconds(0));
}

TEST(CopyPacerTest, ACopySlowerThanTheRateNeverWaits) {
  CopyPacer pacer(1e15);  // far above any disk: every report is already late
  for (int i = 0; i < 100; ++i) pacer.Pace(1 << 20);
  EXPECT_EQ(pacer.slept(), std::chrono::nanoseconds(0));
}

}  // namespace
}  // namespace bdb
