#include "engine/repository/backup_id.h"

#include <fmt/format.h>

#include <cassert>
#include <cctype>

namespace bdb {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month, day, hour, minute, second, ms;
};

Civil CivilFromUnixMs(int64_t unix_ms) {
  int64_t days = unix_ms / kMsPerDay;
  int64_t ms_of_day = unix_ms % kMsPerDay;
  if (ms_of_day < 0) {
    ms_of_day += kMsPerDay;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  Civil c;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<int64_t>(yoe) + era * 400 + (c.month <= 2);
  c.hour = static_cast<unsigned>(ms_of_day / 3'600'000);
  c.minute = static_cast<unsigned>(ms_of_day / 60'000 % 60);
  c.second = static_cast<unsigned>(ms_of_day / 1000 % 60);
  c.ms = static_cast<unsigned>(ms_of_day % 1000);
  return c;
}

unsigned DaysInMonth(int64_t year, unsigned month) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Reads exactly n digits at text[*pos]; false if any is not a digit.
bool ReadDigits(const std::string& text, size_t* pos, size_t n, unsigned* value) {
  if (*pos + n > text.size()) return false;
  *value = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    *value = *value * 10 + static_cast<unsigned>(c - '0');
  }
  *pos += n;
  return true;
}

bool Expect(const std::string& text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// Date and time fields -> unix ms; false if a field is out of range.
bool ToUnixMs(unsigned year, unsigned month, unsigned day, unsigned hour, unsigned minute, unsigned second,
              unsigned ms, int64_t* unix_ms) {
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  *unix_ms = DaysFromCivil(year, month, day) * kMsPerDay + hour * 3'600'000LL + minute * 60'000LL +
             second * 1000LL + ms;
  return true;
}

// Parses "YYYYMMDDTHHMMSSZ" (the time part of an ID).
bool ParseIdSecond(const std::string& text, int64_t* unix_ms) {
  size_t pos = 0;
  unsigned y, mo, d, h, mi, s;
  if (!ReadDigits(text, &pos, 4, &y) || !ReadDigits(text, &pos, 2, &mo) || !ReadDigits(text, &pos, 2, &d) ||
      !Expect(text, &pos, 'T') || !ReadDigits(text, &pos, 2, &h) || !ReadDigits(text, &pos, 2, &mi) ||
      !ReadDigits(text, &pos, 2, &s) || !Expect(text, &pos, 'Z') || pos != text.size()) {
    return false;
  }
  return ToUnixMs(y, mo, d, h, mi, s, 0, unix_ms);
}

constexpr size_t kIdSecondBytes = 16;  // "20261123T181500Z"

}  // namespace

std::string FormatUtcTimestamp(int64_t unix_ms) {
  const Civil c = CivilFromUnixMs(unix_ms);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", c.year, c.month, c.day, c.hour, c.minute,
                     c.second, c.ms);
}

std::string FormatUtcSeconds(int64_t unix_seconds) {
  const Civil c = CivilFromUnixMs(unix_seconds * 1000);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", c.year, c.month, c.day, c.hour, c.minute, c.second);
}

Status ParseUtcTimestamp(const std::string& text, int64_t* unix_ms) {
  auto invalid = [&] {
    return Status::InvalidArgument("invalid time '" + text +
                                   "': expected YYYY-MM-DDTHH:MM:SS[.mmm]Z or 'YYYY-MM-DD HH:MM:SS' (UTC)");
  };
  size_t pos = 0;
  unsigned y, mo, d, h, mi, s, ms = 0;
  if (!ReadDigits(text, &pos, 4, &y) || !Expect(text, &pos, '-') || !ReadDigits(text, &pos, 2, &mo) ||
      !Expect(text, &pos, '-') || !ReadDigits(text, &pos, 2, &d)) {
    return invalid();
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != ' ')) return invalid();
  const bool iso = text[pos++] == 'T';
  if (!ReadDigits(text, &pos, 2, &h) || !Expect(text, &pos, ':') || !ReadDigits(text, &pos, 2, &mi) ||
      !Expect(text, &pos, ':') || !ReadDigits(text, &pos, 2, &s)) {
    return invalid();
  }
  if (iso) {
    if (Expect(text, &pos, '.')) {
      size_t digits = 0;
      unsigned scale = 100;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        ms += static_cast<unsigned>(text[pos] - '0') * scale;
        scale /= 10;
        ++digits;
        ++pos;
      }
      if (digits == 0 || digits > 9) return invalid();
    }
    if (!Expect(text, &pos, 'Z')) return invalid();
  }
  if (pos != text.size()) return invalid();
  if (!ToUnixMs(y, mo, d, h, mi, s, ms, unix_ms)) return invalid();
  return Status::OK();
}

std::string MakeBackupId(int64_t unix_ms, BackupMode mode, int uniquifier) {
  assert(uniquifier >= 0 && uniquifier <= kMaxBackupIdUniquifier);
  const Civil c = CivilFromUnixMs(unix_ms);
  std::string id = fmt::format("{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z", c.year, c.month, c.day, c.hour, c.minute,
                               c.second);
  if (uniquifier > 0) id += fmt::format(".{:03d}", uniquifier);
  return id + "-" + BackupModeName(mode);
}

bool IsValidBackupId(const std::string& id) {
  if (id.size() < kIdSecondBytes + 2) return false;
  int64_t unused;
  if (!ParseIdSecond(id.substr(0, kIdSecondBytes), &unused)) return false;
  size_t pos = kIdSecondBytes;
  if (id[pos] == '.') {
    ++pos;
    unsigned uniquifier;
    if (!ReadDigits(id, &pos, 3, &uniquifier) || uniquifier == 0) return false;
  }
  if (!Expect(id, &pos, '-')) return false;
  BackupMode mode;
  return ParseName(kBackupModeNames, id.substr(pos), &mode);
}

BackupIdParts SplitBackupId(const std::string& id) {
  assert(IsValidBackupId(id));
  BackupIdParts parts;
  parts.second = id.substr(0, kIdSecondBytes);
  size_t pos = kIdSecondBytes;
  if (id[pos] == '.') {
    parts.uniquifier = std::stoi(id.substr(pos + 1, 3));
    pos += 4;
  }
  ParseName(kBackupModeNames, id.substr(pos + 1), &parts.mode);  // valid: IsValidBackupId
  return parts;
}

}  // namespace bdb
