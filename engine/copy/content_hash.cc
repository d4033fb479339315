// Streaming XXH3-64 over xxHash's state API; bounded-memory file hashing.
#include "engine/copy/content_hash.h"

#include <xxhash.h>

#include <cinttypes>
#include <cstdio>
#include <vector>

namespace bdb {

struct ContentHash::State {
  State() : xxh(XXH3_createState()) { XXH3_64bits_reset(xxh); }
  ~State() { XXH3_freeState(xxh); }
  XXH3_state_t* xxh;
};

ContentHash::ContentHash() : state_(std::make_unique<State>()) {}
ContentHash::~ContentHash() = default;
ContentHash::ContentHash(ContentHash&&) noexcept = default;
ContentHash& ContentHash::operator=(ContentHash&&) noexcept = default;

void ContentHash::Update(const char* data, size_t n) {
  if (n > 0) XXH3_64bits_update(state_->xxh, data, n);
}

static std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string ContentHash::HexDigest() const { return Hex64(XXH3_64bits_digest(state_->xxh)); }

std::string HexDigestOf(const char* data, size_t n) { return Hex64(XXH3_64bits(data, n)); }

Status HashFile(FileIO* io, const std::string& path, std::string* hex, uint64_t* size) {
  constexpr size_t kChunkBytes = 1 << 20;
  std::unique_ptr<ReadableFile> file;
  BDB_RETURN_IF_ERROR(io->OpenForRead(path, &file));
  std::vector<char> buf(kChunkBytes);
  ContentHash hash;
  uint64_t offset = 0;
  for (;;) {
    size_t got = 0;
    BDB_RETURN_IF_ERROR(file->Pread(offset, buf.size(), buf.data(), &got));
    hash.Update(buf.data(), got);
    offset += got;
    if (got < buf.size()) break;
  }
  *hex = hash.HexDigest();
  *size = offset;
  return Status::OK();
}

}  // namespace bdb
