#include "base/random.h"

namespace bdb {

namespace {
constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;
}  // namespace

uint64_t SplitMix64(uint64_t x) {
  uint64_t z = x + kGoldenGamma;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

uint64_t SeededRng::Next() {
  const uint64_t out = SplitMix64(state_);
  state_ += kGoldenGamma;
  return out;
}

uint64_t SeededRng::Below(uint64_t bound) {
  // Reject the top partial copy of [0, bound) so every value is equally likely.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
  for (;;) {
    const uint64_t x = Next();
    if (x < limit) return x % bound;
  }
}

SeededRng NamedStream(uint64_t seed, std::string_view name) { return SeededRng(SplitMix64(seed ^ Fnv1a64(name))); }

bool SeededRng::Chance(uint64_t numerator, uint64_t denominator) { return Below(denominator) < numerator; }

}  // namespace bdb
