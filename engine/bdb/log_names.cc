// Log file names, strict in both directions.
#include "engine/bdb/log_names.h"

#include <cstdio>
#include <limits>

namespace bdb {

std::string LogFileName(uint32_t number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "log.%010u", static_cast<unsigned>(number));
  return buf;
}

bool ParseLogFileName(const std::string& name, uint32_t* number) {
  constexpr size_t kPrefix = 4;  // "log."
  constexpr size_t kDigits = 10;
  if (name.size() != kPrefix + kDigits || name.compare(0, kPrefix, "log.") != 0) return false;
  uint64_t value = 0;
  for (size_t i = kPrefix; i < name.size(); ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value == 0 || value > std::numeric_limits<uint32_t>::max()) return false;
  *number = static_cast<uint32_t>(value);
  return true;
}

}  // namespace bdb
