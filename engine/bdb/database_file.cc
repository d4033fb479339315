// Parsing of BDB 5.3's generic metadata header (DBMETA, db_page.h):
// magic at 12, version at 16, pagesize at 20, encrypt_alg at 24, type at 25,
// metaflags at 26. These fields are never encrypted and keep their place in
// every access method, so one parser serves btree, hash, queue and heap.
#include "engine/bdb/database_file.h"

#include <db.h>

#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace bdb {
namespace {

constexpr size_t kMagicOffset = 12;
constexpr size_t kVersionOffset = 16;
constexpr size_t kPageSizeOffset = 20;
constexpr size_t kEncryptAlgOffset = 24;
constexpr size_t kMetaFlagsOffset = 26;
constexpr uint8_t kMetaFlagChecksum = 0x01;  // DBMETA_CHKSUM

uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

const char* AccessMethodFor(uint32_t magic) {
  switch (magic) {
    case DB_BTREEMAGIC: return "btree";
    case DB_HASHMAGIC: return "hash";
    case DB_QAMMAGIC: return "queue";
    case DB_HEAPMAGIC: return "heap";
  }
  return nullptr;
}

}  // namespace

bool IsMetaPageType(uint8_t type) {
  return type == kPageTypeHashMeta || type == kPageTypeBtreeMeta || type == kPageTypeQueueMeta ||
         type == kPageTypeHeapMeta;
}

Status ParseMetaPage(const char* data, size_t n, DatabaseFileInfo* info) {
  if (n < kMetaPageBytes) {
    return Status::InvalidArgument(fmt::format("file is {} bytes, shorter than a metadata page ({} bytes)", n,
                                               kMetaPageBytes));
  }
  DatabaseFileInfo out;
  uint32_t magic = Load32(data + kMagicOffset);
  if (AccessMethodFor(magic) == nullptr && AccessMethodFor(__builtin_bswap32(magic)) != nullptr) {
    out.byte_swapped = true;
    magic = __builtin_bswap32(magic);
  }
  const char* method = AccessMethodFor(magic);
  if (method == nullptr) return Status::InvalidArgument(fmt::format("unknown magic number 0x{:08x}", magic));
  auto host = [&](uint32_t v) { return out.byte_swapped ? __builtin_bswap32(v) : v; };
  out.magic = magic;
  out.access_method = method;
  out.version = host(Load32(data + kVersionOffset));
  out.page_size = host(Load32(data + kPageSizeOffset));
  if (out.page_size < 512 || out.page_size > 65536 || (out.page_size & (out.page_size - 1)) != 0) {
    return Status::InvalidArgument(
        fmt::format("page size {} is not a power of two from 512 to 65536", out.page_size));
  }
  const uint8_t type = static_cast<uint8_t>(data[kPageTypeOffset]);
  if (!IsMetaPageType(type)) {
    return Status::InvalidArgument(fmt::format("page 0 has type {}, not a metadata page", type));
  }
  out.encrypted = data[kEncryptAlgOffset] != 0;
  out.checksummed = (static_cast<uint8_t>(data[kMetaFlagsOffset]) & kMetaFlagChecksum) != 0;
  *info = std::move(out);
  return Status::OK();
}

Status ReadDatabaseFileInfo(FileIO* io, const std::string& path, DatabaseFileInfo* info) {
  std::unique_ptr<ReadableFile> file;
  BDB_RETURN_IF_ERROR(io->OpenForRead(path, &file));
  std::vector<char> meta(kMetaPageBytes);
  size_t got = 0;
  BDB_RETURN_IF_ERROR(file->Pread(0, meta.size(), meta.data(), &got));
  Status s = ParseMetaPage(meta.data(), got, info);
  if (!s.ok()) return Status::InvalidArgument("'" + path + "' is not a Berkeley DB database: " + s.message());
  return Status::OK();
}

}  // namespace bdb
