// The project's one pseudo-random generator and one string hash, so every
// seeded decision (trial seeds, fault streams, workload payloads, listing
// orders) is the same on every platform and standard library (std
// distributions are not). SplitMix64 is Steele, Lea and Flood's splitmix64;
// Fnv1a64 is FNV-1a over bytes. Pure functions; a SeededRng is a value type,
// not thread-safe (copies continue independently).
#pragma once

#include <cstdint>
#include <string_view>

namespace bdb {

// The splitmix64 output function applied to x + the golden gamma.
uint64_t SplitMix64(uint64_t x);

// FNV-1a, 64 bits, over the bytes of s.
uint64_t Fnv1a64(std::string_view s);

// The splitmix64 generator: Next() is SplitMix64 of the advancing state.
class SeededRng {
 public:
  explicit SeededRng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, bound). REQUIRES: bound > 0. Rejection sampling: no modulo bias.
  uint64_t Below(uint64_t bound);
  // True with probability numerator/denominator. REQUIRES: denominator > 0.
  bool Chance(uint64_t numerator, uint64_t denominator);

 private:
  uint64_t state_;
};

// An independent stream for `name` under `seed`: FNV-1a of the name mixed
// with the seed through one splitmix64 step. Adding draws to one named stream
// never shifts another's.
SeededRng NamedStream(uint64_t seed, std::string_view name);

}  // namespace bdb
