#include "engine/bdb/bdb_watchdog.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fmt/format.h>
#include <mutex>
#include <thread>

#include "engine/bdb/region_users.h"

namespace bdb {
namespace {

using Clock = std::chrono::steady_clock;

struct WatchdogState {
  std::mutex mu;
  std::condition_variable cv;
  bool installed = false;
  double timeout_seconds = 0;
  BdbWatchdog::ExpiryHandler handler;
  bool armed = false;
  bool fired = false;
  uint64_t generation = 0;  // bumped by every Arm and Disarm
  Clock::time_point deadline;
  BdbCallSite site;
};

// Never destroyed: the detached thread may still wait on it while main returns.
WatchdogState& State() {
  static WatchdogState* state = new WatchdogState;
  return *state;
}

void WatchdogLoop() {
  sigset_t all;  // signals are for the thread calling BDB (deferred stops)
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  WatchdogState& s = State();
  std::unique_lock<std::mutex> lock(s.mu);
  for (;;) {
    s.cv.wait(lock, [&] { return s.armed; });
    const uint64_t generation = s.generation;
    if (s.cv.wait_until(lock, s.deadline, [&] { return !s.armed || s.generation != generation; })) continue;
    s.fired = true;  // from here on Disarm never returns
    const BdbCallSite site = s.site;
    const double timeout = s.timeout_seconds;
    BdbWatchdog::ExpiryHandler handler = s.handler;
    lock.unlock();
    handler(BdbWatchdog::ExpiryStatus(site, timeout));
    std::abort();
  }
}

}  // namespace

void BdbWatchdog::Install(double timeout_seconds, ExpiryHandler handler) {
  WatchdogState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  s.timeout_seconds = timeout_seconds;
  s.handler = std::move(handler);
  if (!s.installed) {
    s.installed = true;
    std::thread(WatchdogLoop).detach();
  }
}

void BdbWatchdog::Arm(const BdbCallSite& site) {
  WatchdogState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.installed) return;
  s.site = site;
  s.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(s.timeout_seconds));
  s.armed = true;
  ++s.generation;
  s.cv.notify_all();
}

void BdbWatchdog::Disarm() {
  WatchdogState& s = State();
  std::unique_lock<std::mutex> lock(s.mu);
  if (s.fired) {
    lock.unlock();
    for (;;) ::pause();
  }
  s.armed = false;
  ++s.generation;
  s.cv.notify_all();
}

Status BdbWatchdog::ExpiryStatus(const BdbCallSite& site, double timeout_seconds) {
  const std::string what = fmt::format("{} on environment '{}' did not return within {:g} s", site.call, site.home,
                                       timeout_seconds);
  if (!site.shared) {
    return Status::IOError(what + ": a private environment no other process shares; if it only needs longer, raise "
                                  "--env-timeout");
  }
  const std::string who = DescribeOtherPids(ProcessesMappingRegions(site.home), ::getpid());
  return Status::IOError(what + ": the environment is wedged (a Berkeley DB mutex or lock is held by a stopped "
                                "process or by one that died inside Berkeley DB); processes with its regions "
                                "mapped: " + who +
                         "; the application must run recovery: stop every process using the environment, then run "
                         "db5.3_recover -h '" + site.home + "'");
}

}  // namespace bdb
