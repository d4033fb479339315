// CheckPageChecksum: BDB 5.3's own page checksum (DB_CHKSUM, unencrypted
// databases), so the copier can tell a torn read from a good page without a
// second read. The checksum is __ham_func4 (h = h * 33 + byte) over the page
// with its 4 checksum bytes zeroed: metadata pages keep it at byte 492 and
// sum only the first 512 bytes; other pages keep it at byte 28 and sum the
// whole page (db_conv.c __db_pgin, hmac.c __db_check_chksum, db_page.h).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/bdb/database_file.h"

namespace bdb {

enum class PageCheck {
  kValid,      // the stored checksum matches, or the page is all zeros (a file hole)
  kInvalid,    // the stored checksum does not match: torn or corrupt
  kUnchecked,  // nothing to check: the database has no checksums or they are HMACs
               // (encrypted), or BDB would skip it (zero LSN, pgno 0, type P_INVALID)
};

// BDB's __ham_func4 over n bytes.
uint32_t PageHash(const char* data, size_t n);

// Checks one whole page as read from the file.
// REQUIRES: page holds page_size bytes; page_size >= 512.
PageCheck CheckPageChecksum(const char* page, uint32_t page_size, const DatabaseFileInfo& info);

// True if a kValid result covers every byte of the page (false for metadata
// pages larger than 512 bytes, whose checksum covers only the first 512).
bool ChecksumCoversWholePage(const char* page, uint32_t page_size);

}  // namespace bdb
