#include "base/crash_points.h"

#include <fiu-local.h>
#include <fiu.h>
#include <signal.h>

#include <algorithm>
#include <cassert>
#include <mutex>
#include <string>

namespace bdb {

void InitFaultPoints() {
  static std::once_flag once;
  std::call_once(once, [] { fiu_init(0); });
}

void CrashPoint(std::string_view name) {
  assert(std::find(kCrashPoints.begin(), kCrashPoints.end(), name) != kCrashPoints.end());
  InitFaultPoints();
  const std::string point = "bdbackup/crash/" + std::string(name);
  if (fiu_fail(point.c_str())) ::raise(SIGKILL);
}

}  // namespace bdb
