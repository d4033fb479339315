// Shard membership and the --shard argument.
#include "simulator/report/shard.h"

#include <fmt/format.h>

#include <charconv>

#include "simulator/report/trial_result.h"

namespace bdb::sim {

bool InShard(int k, int n, const std::string& scenario, int trial_index) {
  uint64_t slot = (Fnv1a64(scenario) % static_cast<uint64_t>(n) + static_cast<uint64_t>(trial_index)) %
                  static_cast<uint64_t>(n);
  return slot == static_cast<uint64_t>(k - 1);
}

namespace {

// A positive decimal number made of digits only (no sign, no spaces).
bool ParsePositive(const std::string& text, int* out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= 1;
}

}  // namespace

Status ParseShard(const std::string& text, int* k, int* n) {
  size_t slash = text.find('/');
  int parsed_k = 0, parsed_n = 0;
  if (slash == std::string::npos || !ParsePositive(text.substr(0, slash), &parsed_k) ||
      !ParsePositive(text.substr(slash + 1), &parsed_n) || parsed_k > parsed_n) {
    return Status::InvalidArgument(fmt::format("--shard must be K/N with 1 <= K <= N, got '{}'", text));
  }
  *k = parsed_k;
  *n = parsed_n;
  return Status::OK();
}

std::string ShardName(int k, int n) { return fmt::format("{}/{}", k, n); }

}  // namespace bdb::sim
