// DatabaseFileInfo: facts about a Berkeley DB database file read from its
// metadata page (page 0): page size, whether pages carry checksums
// (DB_CHKSUM), encryption, byte order and access method. The copier uses them
// to read whole pages and to verify each page as it is copied.
// Thread-safety: plain functions and values; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/file_io.h"
#include "base/status.h"

namespace bdb {

// Bytes of page 0 that hold the metadata (BDB's DBMETASIZE; smallest page size).
inline constexpr size_t kMetaPageBytes = 512;

struct DatabaseFileInfo {
  uint32_t page_size = 0;
  bool checksummed = false;   // DBMETA_CHKSUM: every page carries a checksum
  bool encrypted = false;     // encrypt_alg != 0: checksums are HMACs we cannot verify
  bool byte_swapped = false;  // written on a host of the other byte order
  std::string access_method;  // "btree" (also recno), "hash", "queue", "heap"
  uint32_t magic = 0;         // in host order
  uint32_t version = 0;       // access-method format version
};

// Reads page 0 of path through io.
// InvalidArgument "'<path>' is not a Berkeley DB database: <why>" if it is not one.
Status ReadDatabaseFileInfo(FileIO* io, const std::string& path, DatabaseFileInfo* info);

// Same from an in-memory first page; needs at least kMetaPageBytes bytes.
// InvalidArgument "<why>" (no path) if the bytes are not a BDB metadata page.
Status ParseMetaPage(const char* data, size_t n, DatabaseFileInfo* info);

// Offsets into BDB 5.3 pages shared by the checksum code and tests (db_page.h).
inline constexpr size_t kPageTypeOffset = 25;         // PAGE.type / DBMETA.type
inline constexpr size_t kMetaChecksumOffset = 492;    // BTMETA/HMETA/QMETA/HEAPMETA.chksum
inline constexpr size_t kPageChecksumOffset = 28;     // SIZEOF_PAGE (26) + 2 bytes alignment
inline constexpr uint8_t kPageTypeHashMeta = 8;       // P_HASHMETA
inline constexpr uint8_t kPageTypeBtreeMeta = 9;      // P_BTREEMETA
inline constexpr uint8_t kPageTypeQueueMeta = 10;     // P_QAMMETA
inline constexpr uint8_t kPageTypeHeapMeta = 14;      // P_HEAPMETA

// True if the page type byte names a metadata page.
bool IsMetaPageType(uint8_t type);

}  // namespace bdb
