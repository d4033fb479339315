#include "base/duration.h"

#include <cctype>
#include <limits>

namespace bdb {
namespace {

constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;

int64_t UnitMs(char unit) {
  switch (unit) {
    case 's': return kSecond;
    case 'm': return kMinute;
    case 'h': return kHour;
    case 'd': return kDay;
    default: return 0;
  }
}

}  // namespace

Status ParseDuration(const std::string& text, const std::string& flag, int64_t* ms) {
  const Status bad = Status::InvalidArgument("bad usage: " + flag + " '" + text +
                                             "' is not a duration: expected a whole number followed by s, m, h or d "
                                             "(90s, 15m, 36h, 7d)");
  if (text.size() < 2) return bad;
  const int64_t unit = UnitMs(text.back());
  if (unit == 0) return bad;
  int64_t count = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad;
    if (count > (std::numeric_limits<int64_t>::max() / unit - 9) / 10) return bad;  // would overflow
    count = count * 10 + (text[i] - '0');
  }
  if (count == 0) return bad;
  *ms = count * unit;
  return Status::OK();
}

std::string FormatDuration(int64_t ms) {
  if (ms < 0) return "-" + FormatDuration(-ms);
  for (auto [unit, name] : {std::pair{kDay, 'd'}, {kHour, 'h'}, {kMinute, 'm'}}) {
    if (ms != 0 && ms % unit == 0) return std::to_string(ms / unit) + name;
  }
  return std::to_string(ms / kSecond) + "s";
}

std::string FormatAge(int64_t ms) {
  if (ms < 0) return "-" + FormatAge(-ms);
  if (ms >= kDay) return std::to_string(ms / kDay) + "d " + std::to_string(ms % kDay / kHour) + "h";
  if (ms >= kHour) return std::to_string(ms / kHour) + "h " + std::to_string(ms % kHour / kMinute) + "m";
  if (ms >= kMinute) return std::to_string(ms / kMinute) + "m " + std::to_string(ms % kMinute / kSecond) + "s";
  return std::to_string(ms / kSecond) + "s";
}

}  // namespace bdb
