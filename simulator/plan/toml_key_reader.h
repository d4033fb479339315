// KeyReader: typed, strict reads of keys out of toml++ tables for the
// scenario loader. Every read checks the key's type and range and records an
// error naming the file, the line and the key; the earliest error (by line,
// then column) becomes the loader's Status. Also the helpers its messages use
// (a choice table's names, a value as the user wrote it). Not thread-safe:
// one reader per file being loaded.
#pragma once

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "base/enum_names.h"
#include "base/status.h"

namespace bdb::sim {

// The spellings a key accepts: an enum's one table (base/enum_names.h), or
// a table of the loader's own (errno names).
template <typename E>
using Choices = EnumNames<E>;

// "\"a\" or \"b\"" / "\"a\", \"b\" or \"c\"".
template <typename E>
std::string ChoiceList(const Choices<E>& choices) {
  return NameList(choices);
}

// The value as the user wrote it, for "got ..." in messages.
inline std::string Shown(const toml::node& node) {
  if (auto s = node.as_string()) return fmt::format("\"{}\"", s->get());
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (auto b = node.as_boolean()) return b->get() ? "true" : "false";
  if (node.is_table()) return "a table";
  if (node.is_array()) {
    std::ostringstream text;
    text << *node.as_array();
    return text.str();
  }
  return "a date or time";
}

struct KeyError {
  uint32_t line = 0;  // 0: no line (a missing top-level key); sorts last
  uint32_t column = 0;
  size_t order = 0;
  std::string text;
};

// Reads typed keys out of toml tables, remembering every error.
class KeyReader {
 public:
  explicit KeyReader(std::string path) : path_(std::move(path)) {}

  void Fail(const toml::source_region& where, const std::string& key, const std::string& what) {
    errors_.push_back({where.begin.line, where.begin.column, errors_.size(),
                       fmt::format("{}:{}: key '{}' {}", path_, where.begin.line, key, what)});
  }
  void FailNoLine(const std::string& key, const std::string& what) {
    errors_.push_back({0, 0, errors_.size(), fmt::format("{}: key '{}' {}", path_, key, what)});
  }
  void FailAt(uint32_t line, const std::string& key, const std::string& what) {
    if (line == 0) return FailNoLine(key, what);
    errors_.push_back({line, 0, errors_.size(), fmt::format("{}:{}: key '{}' {}", path_, line, key, what)});
  }
  bool has_errors() const { return !errors_.empty(); }

  Status Result() const {
    if (errors_.empty()) return Status::OK();
    auto first = std::min_element(errors_.begin(), errors_.end(), [](const KeyError& a, const KeyError& b) {
      auto rank = [](const KeyError& e) {
        return std::make_tuple(e.line == 0 ? UINT32_MAX : e.line, e.column, e.order);
      };
      return rank(a) < rank(b);
    });
    return Status::InvalidArgument(first->text);
  }

  // Every key of `table` must be in `known`.
  void CheckKnown(const toml::table& table, const std::string& prefix,
                  const std::vector<std::string_view>& known, const std::string& suffix = "") {
    for (const auto& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
      Fail(key.source(), prefix + std::string(key.str()), "is not a known key" + suffix);
    }
  }

  // A sub-table; null (no error) when absent, null with an error when not a table.
  const toml::table* Table(const toml::table& parent, const std::string& prefix, std::string_view key) {
    const toml::node* node = parent.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      Fail(node->source(), prefix + std::string(key), "must be a table, got " + Shown(*node));
      return nullptr;
    }
    return node->as_table();
  }

  // Returns the node for `key`, or null (recording "is required" if required).
  const toml::node* Get(const toml::table& table, const std::string& prefix, std::string_view key,
                        bool required) {
    const toml::node* node = table.get(key);
    if (node == nullptr && required) {
      if (prefix.empty()) {
        FailNoLine(std::string(key), "is required");
      } else {
        Fail(table.source(), prefix + std::string(key), "is required");
      }
    }
    return node;
  }

  bool Int(const toml::table& table, const std::string& prefix, std::string_view key, int64_t lo,
           int64_t hi, int64_t* out, bool required = false, const std::string& note = "") {
    const toml::node* node = Get(table, prefix, key, required);
    if (node == nullptr) return false;
    auto value = node->as_integer();
    if (value == nullptr || value->get() < lo || value->get() > hi) {
      Fail(node->source(), prefix + std::string(key),
           fmt::format("must be an integer from {} to {}{}, got {}", lo, hi, note, Shown(*node)));
      return false;
    }
    *out = value->get();
    return true;
  }

  bool Bool(const toml::table& table, const std::string& prefix, std::string_view key, bool* out) {
    const toml::node* node = Get(table, prefix, key, false);
    if (node == nullptr) return false;
    if (!node->is_boolean()) {
      Fail(node->source(), prefix + std::string(key), "must be true or false, got " + Shown(*node));
      return false;
    }
    *out = node->as_boolean()->get();
    return true;
  }

  bool Probability(const toml::table& table, const std::string& prefix, std::string_view key,
                   double* out) {
    const toml::node* node = Get(table, prefix, key, false);
    if (node == nullptr) return false;
    std::optional<double> value;
    if (auto f = node->as_floating_point()) value = f->get();
    if (auto i = node->as_integer()) value = static_cast<double>(i->get());
    if (!value || !(*value >= 0.0 && *value <= 1.0)) {
      Fail(node->source(), prefix + std::string(key),
           "must be a number from 0.0 to 1.0, got " + Shown(*node));
      return false;
    }
    *out = *value;
    return true;
  }

  // A one-line string of at most `max_chars` characters.
  bool Text(const toml::table& table, const std::string& prefix, std::string_view key, size_t max_chars,
            std::string* out, bool required) {
    const toml::node* node = Get(table, prefix, key, required);
    if (node == nullptr) return false;
    auto value = node->as_string();
    if (value == nullptr || value->get().empty() || value->get().size() > max_chars ||
        value->get().find('\n') != std::string::npos) {
      Fail(node->source(), prefix + std::string(key),
           fmt::format("must be a one-line string of 1 to {} characters, got {}", max_chars,
                       Shown(*node)));
      return false;
    }
    *out = value->get();
    return true;
  }

  template <typename E>
  bool EnumNode(const toml::node& node, const std::string& name, const Choices<E>& choices, E* out) {
    if (auto value = node.as_string()) {
      for (const auto& [text, v] : choices) {
        if (value->get() == text) {
          *out = v;
          return true;
        }
      }
    }
    Fail(node.source(), name, "must be " + ChoiceList(choices) + ", got " + Shown(node));
    return false;
  }

  template <typename E>
  bool Enum(const toml::table& table, const std::string& prefix, std::string_view key,
            const Choices<E>& choices, E* out, bool required = false) {
    const toml::node* node = Get(table, prefix, key, required);
    if (node == nullptr) return false;
    return EnumNode(*node, prefix + std::string(key), choices, out);
  }

  bool RangeKey(const toml::table& table, const std::string& prefix, std::string_view key, int64_t lo,
                int64_t hi, Range* out, bool required = false) {
    const toml::node* node = Get(table, prefix, key, required);
    if (node == nullptr) return false;
    auto array = node->as_array();
    bool good = array != nullptr && array->size() == 2 && array->get(0)->is_integer() &&
                array->get(1)->is_integer();
    Range r;
    if (good) {
      r = {array->get(0)->as_integer()->get(), array->get(1)->as_integer()->get()};
      good = lo <= r.min && r.min <= r.max && r.max <= hi;
    }
    if (!good) {
      Fail(node->source(), prefix + std::string(key),
           fmt::format("must be [min, max] with {} <= min <= max <= {}, got {}", lo, hi, Shown(*node)));
      return false;
    }
    *out = r;
    return true;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<KeyError> errors_;
};

}  // namespace bdb::sim
