// page_hash_speed: measures the page checksum BDB 5.3 uses for DB_CHKSUM on
// unencrypted databases (h = h * 33 + byte, as engine/copy/page_checksum.cc
// computes it) against an equivalent 8-bytes-a-step form, and against XXH3
// and memcpy for scale. Evidence for reports/reference/benchmarks.md; not part
// of the CMake build (run_bench.sh compiles it with g++ -O2 like RelWithDebInfo).
//
//   page_hash_speed [MiB]      hashes MiB (default 256) of random 4 KiB pages
#include <xxhash.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

// The engine's loop: one byte at a time, each step depends on the previous one.
uint32_t SerialHash(const uint8_t* k, size_t n) {
  uint32_t h = 0;
  for (size_t i = 0; i < n; ++i) h = (h << 5) + h + k[i];
  return h;
}

// The same function: h(n) = sum k[i] * 33^(n-1-i), 8 bytes per step, so the
// dependency chain is one multiply per 8 bytes (arithmetic mod 2^32 as above).
uint32_t EightWayHash(const uint8_t* k, size_t n) {
  constexpr uint32_t p1 = 33, p2 = p1 * 33, p3 = p2 * 33, p4 = p3 * 33, p5 = p4 * 33, p6 = p5 * 33, p7 = p6 * 33,
                     p8 = p7 * 33;
  uint32_t h = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint32_t s = k[i] * p7 + k[i + 1] * p6 + k[i + 2] * p5 + k[i + 3] * p4 + k[i + 4] * p3 + k[i + 5] * p2 +
                 k[i + 6] * p1 + k[i + 7];
    h = h * p8 + s;
  }
  for (; i < n; ++i) h = (h << 5) + h + k[i];
  return h;
}

template <typename F>
double MiBPerSec(const std::vector<uint8_t>& buf, size_t page, F f, uint64_t* sink) {
  auto t0 = std::chrono::steady_clock::now();
  for (size_t off = 0; off < buf.size(); off += page) *sink += f(buf.data() + off, page);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return buf.size() / 1048576.0 / s;
}

}  // namespace

int main(int argc, char** argv) {
  size_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 256;
  const size_t page = 4096;
  std::vector<uint8_t> buf(mib << 20), dst(mib << 20);
  uint64_t x = 88172645463325252ull;
  for (auto& b : buf) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    b = static_cast<uint8_t>(x);
  }
  for (size_t off = 0; off < buf.size(); off += page) {
    if (SerialHash(&buf[off], page) != EightWayHash(&buf[off], page)) {
      std::fprintf(stderr, "page_hash_speed: the two hashes differ at offset %zu\n", off);
      return 1;
    }
  }
  uint64_t sink = 0;
  double serial = MiBPerSec(buf, page, SerialHash, &sink);
  double eight = MiBPerSec(buf, page, EightWayHash, &sink);
  double xxh = MiBPerSec(buf, page, [](const uint8_t* p, size_t n) { return XXH3_64bits(p, n); }, &sink);
  auto t0 = std::chrono::steady_clock::now();
  std::memcpy(dst.data(), buf.data(), buf.size());
  double cp = mib / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("serial_hash_mibs\t%.0f\neightway_hash_mibs\t%.0f\nxxh3_mibs\t%.0f\nmemcpy_mibs\t%.0f\nsink\t%llu\n",
              serial, eight, xxh, cp, static_cast<unsigned long long>(sink & 1));
  return 0;
}
