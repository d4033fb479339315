#include "tools/bdbackup/repeat.h"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace bdb {
namespace {

volatile sig_atomic_t g_stop_requested = 0;

void RequestStop(int) { g_stop_requested = 1; }

// SIGINT and SIGTERM set g_stop_requested while an instance lives. SA_RESTART:
// the engine's I/O carries on; only the loop's own sleep is cut short.
class StopSignals {
 public:
  StopSignals() {
    g_stop_requested = 0;
    struct sigaction sa = {};
    sa.sa_handler = RequestStop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ = {}, old_term_ = {};
};

using Clock = std::chrono::steady_clock;

// Sleeps until `until` in slices of at most 100 ms, so a stop request is
// noticed within that even if it arrived just before a slice began.
void SleepUntil(Clock::time_point until) {
  while (!g_stop_requested) {
    auto left = until - Clock::now();
    if (left <= Clock::duration::zero()) return;
    auto slice = std::min<Clock::duration>(left, std::chrono::milliseconds(100));
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(slice).count();
    struct timespec ts = {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
    nanosleep(&ts, nullptr);  // EINTR on a signal: the loop looks at the flag
  }
}

}  // namespace

Status ValidateRepeat(const BackupOptions& o) {
  if (o.count && *o.count < 1) return Status::InvalidArgument("bad usage: --count needs a positive number of backups");
  const double every = o.every_seconds.value_or(0);
  if (!(every > 0) || !std::isfinite(every))
    return Status::InvalidArgument("bad usage: --every needs a positive number of seconds");
  BackupMode mode = BackupMode::kHot;
  if (!ParseBackupMode(o.mode, &mode).ok() || mode != BackupMode::kIncremental)
    return Status::InvalidArgument(
        "bad usage: --every repeats incremental backups: use it with --mode incremental (take "
        "the full backup first)");
  return Status::OK();
}

Status RunRepeatedBackups(const EngineContext& ctx, const BackupOptions& o,
                          const std::function<void(const RepeatTurn&)>& report, RepeatSummary* summary) {
  *summary = RepeatSummary();
  BDB_RETURN_IF_ERROR(ValidateRepeat(o));
  const uint64_t count = o.count ? static_cast<uint64_t>(*o.count) : 0;  // 0: until a signal
  BackupOptions each = o;
  each.skip_if_unchanged = true;
  StopSignals signals;
  const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*o.every_seconds));
  for (uint64_t number = 1;; ++number) {
    const Clock::time_point start = Clock::now();
    RepeatTurn turn;
    turn.number = number;
    turn.status = RunBackupCommand(ctx, each, &turn.result);
    turn.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    turn.skipped = turn.status.IsBusy();
    turn.unchanged = turn.status.ok() && turn.result.json.value("unchanged", false);
    report(turn);
    if (turn.skipped) {
      ++summary->skipped;
    } else if (!turn.status.ok()) {
      summary->stopped_by = "error";
      return turn.status;
    } else if (turn.unchanged) {
      ++summary->unchanged;
    } else {
      ++summary->published;
    }
    if (count > 0 && number >= count) {
      summary->stopped_by = "count";
      return Status::OK();
    }
    SleepUntil(start + period);
    if (g_stop_requested) {
      summary->stopped_by = "signal";
      return Status::OK();
    }
  }
}

}  // namespace bdb
