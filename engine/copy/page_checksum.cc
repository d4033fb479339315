// BDB 5.3 page checksums; see page_checksum.h for the layout and sources.
#include "engine/copy/page_checksum.h"

#include <algorithm>
#include <cstring>

namespace bdb {
namespace {

constexpr uint8_t kPageTypeInvalid = 0;  // P_INVALID

bool AllZero(const char* p, size_t n) {
  return std::all_of(p, p + n, [](char c) { return c == 0; });
}

// BDB's test for a file hole: zero LSN (bytes 0-7), pgno 0 (8-11), P_INVALID.
bool LooksLikeHole(const char* page) {
  return AllZero(page, 12) && static_cast<uint8_t>(page[kPageTypeOffset]) == kPageTypeInvalid;
}

}  // namespace

namespace {

// Continues h = h * 33 + byte over n more bytes. Written as
// h' = h * 33^8 + sum(k[i] * 33^(7-i)) for 8 bytes a step (arithmetic mod 2^32,
// so the same function), which leaves one multiply per 8 bytes on the
// dependency chain: ~2x the byte loop (tests/bench/page_hash_speed.cc).
uint32_t ContinueHash(uint32_t h, const uint8_t* k, size_t n) {
  constexpr uint32_t p1 = 33, p2 = p1 * 33, p3 = p2 * 33, p4 = p3 * 33, p5 = p4 * 33, p6 = p5 * 33, p7 = p6 * 33,
                     p8 = p7 * 33;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint32_t step = k[i] * p7 + k[i + 1] * p6 + k[i + 2] * p5 + k[i + 3] * p4 + k[i + 4] * p3 +
                          k[i + 5] * p2 + k[i + 6] * p1 + k[i + 7];
    h = h * p8 + step;
  }
  for (; i < n; ++i) h = (h << 5) + h + k[i];
  return h;
}

}  // namespace

uint32_t PageHash(const char* data, size_t n) { return ContinueHash(0, reinterpret_cast<const uint8_t*>(data), n); }

PageCheck CheckPageChecksum(const char* page, uint32_t page_size, const DatabaseFileInfo& info) {
  if (AllZero(page, page_size)) return PageCheck::kValid;
  if (!info.checksummed || info.encrypted) return PageCheck::kUnchecked;
  if (LooksLikeHole(page)) return PageCheck::kUnchecked;
  const bool meta = IsMetaPageType(static_cast<uint8_t>(page[kPageTypeOffset]));
  const size_t offset = meta ? kMetaChecksumOffset : kPageChecksumOffset;
  const size_t summed = meta ? kMetaPageBytes : page_size;
  uint32_t stored;
  std::memcpy(&stored, page + offset, sizeof(stored));
  if (info.byte_swapped) stored = __builtin_bswap32(stored);
  // Hash with the checksum bytes taken as zero, without copying the page:
  // h(prefix), then 4 zero bytes, then the rest.
  const auto* k = reinterpret_cast<const uint8_t*>(page);
  static constexpr uint8_t kZeros[4] = {0, 0, 0, 0};
  uint32_t h = ContinueHash(0, k, offset);
  h = ContinueHash(h, kZeros, sizeof(kZeros));
  h = ContinueHash(h, k + offset + 4, summed - offset - 4);
  return h == stored ? PageCheck::kValid : PageCheck::kInvalid;
}

bool ChecksumCoversWholePage(const char* page, uint32_t page_size) {
  return page_size <= kMetaPageBytes || !IsMetaPageType(static_cast<uint8_t>(page[kPageTypeOffset]));
}

}  // namespace bdb
