// The two pieces the certification's line formats (the BDBCERT/1 protocol
// and the ack file) are read with: the next space-separated word of a line,
// and a whole decimal number. Pure; thread-safe.
#pragma once

#include <charconv>
#include <string_view>

namespace bdb::sim::certify {

// Splits off the first space-separated word of *rest (the rest after its space).
inline std::string_view SplitWord(std::string_view* rest) {
  const size_t sp = rest->find(' ');
  const std::string_view w = rest->substr(0, sp);
  *rest = sp == std::string_view::npos ? std::string_view() : rest->substr(sp + 1);
  return w;
}

// True when all of `text` is one decimal number that fits T.
template <typename T>
bool ParseWholeNumber(std::string_view text, T* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace bdb::sim::certify
