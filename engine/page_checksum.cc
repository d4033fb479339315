// BDB 5.3 page checksums; see page_checksum.h for the layout and sources.
#include "engine/page_checksum.h"

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

uint32_t PageHash(const char* data, size_t n) {
  uint32_t h = 0;
  const auto* k = reinterpret_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) h = (h << 5) + h + k[i];
  return h;
}

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
  uint32_t h = PageHash(page, offset);
  for (int i = 0; i < 4; ++i) h = (h << 5) + h;
  const auto* k = reinterpret_cast<const uint8_t*>(page);
  for (size_t i = offset + 4; i < summed; ++i) h = (h << 5) + h + k[i];
  return h == stored ? PageCheck::kValid : PageCheck::kInvalid;
}

bool ChecksumCoversWholePage(const char* page, uint32_t page_size) {
  return page_size <= kMetaPageBytes || !IsMetaPageType(static_cast<uint8_t>(page[kPageTypeOffset]));
}

}  // namespace bdb
