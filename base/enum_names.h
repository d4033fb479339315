// EnumNames: the one spelling of an enum's values, kept next to the enum as
// `inline const EnumNames<E> kEName = {{"name", E::kValue}, ...}` and used by
// every reader and writer of that enum (scenario files, the JSON between the
// simulator's processes, reports, messages). The table's order is the order
// in which messages list the names. Immutable after static initialisation:
// thread-safe to read.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bdb {

template <typename E>
using EnumNames = std::vector<std::pair<std::string_view, E>>;

// The name of v, "?" when the table lacks it.
template <typename E>
const char* NameOf(const EnumNames<E>& names, E v) {
  for (const auto& [name, value] : names) {
    if (value == v) return name.data();
  }
  return "?";
}

// False (and *out unchanged) when text is none of the names.
template <typename E>
bool ParseName(const EnumNames<E>& names, std::string_view text, E* out) {
  for (const auto& [name, value] : names) {
    if (name == text) {
      *out = value;
      return true;
    }
  }
  return false;
}

// The names for a message: "\"a\" or \"b\"", "\"a\", \"b\" or \"c\"".
template <typename E>
std::string NameList(const EnumNames<E>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += "\"";
    out += names[i].first;
    out += "\"";
  }
  return out;
}

// The table without one value (a key that accepts all but one spelling).
template <typename E>
EnumNames<E> NamesWithout(EnumNames<E> names, E v) {
  std::erase_if(names, [v](const auto& entry) { return entry.second == v; });
  return names;
}

}  // namespace bdb
