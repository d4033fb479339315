// CopyPacer: the read rate of a backup with --max-rate. Pace returns only
// once the bytes reported so far fit the rate since the pacer was made, and a
// copy that keeps below the rate never waits.
#include "engine/copy/copy_pacer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace bdb {
namespace {

using Clock = std::chrono::steady_clock;

TEST(CopyPacerTest, BytesAheadOfTheRateWaitUntilTheyFitIt) {
  const Clock::time_point before = Clock::now();
  CopyPacer pacer(100.0 * (1 << 20));  // 100 MiB/s
  pacer.Pace(1 << 20);  // 1 MiB: due 10 ms after the pacer was made
  pacer.Pace(1 << 20);  // 2 MiB: due 20 ms after it
  // The pacer was made at or after `before`, so 2 MiB cannot be done earlier.
  EXPECT_GE(Clock::now() - before, std::chrono::milliseconds(20));
  EXPECT_GT(pacer.slept(), std::chrono::nanoseconds(0));
}

TEST(CopyPacerTest, ACopySlowerThanTheRateNeverWaits) {
  CopyPacer pacer(1e12);  // 1 MiB is due about 1 us after the pacer was made
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the copy reads slower than that
    pacer.Pace(1 << 20);
  }
  EXPECT_EQ(pacer.slept(), std::chrono::nanoseconds(0));
}

}  // namespace
}  // namespace bdb
