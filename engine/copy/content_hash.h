// ContentHash: a streaming XXH3-64 digest of file contents, printed as 16
// lowercase hex digits ("%016llx"). The copier feeds it while copying, so a
// file's checksum costs no second pass; HashFile re-reads a file to check it.
// Ownership: owns its XXH3 state. Thread-safety: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/file_io.h"
#include "base/status.h"

namespace bdb {

class ContentHash {
 public:
  ContentHash();
  ~ContentHash();
  ContentHash(ContentHash&&) noexcept;
  ContentHash& operator=(ContentHash&&) noexcept;
  ContentHash(const ContentHash&) = delete;
  ContentHash& operator=(const ContentHash&) = delete;

  // Adds n bytes to the digest.
  void Update(const char* data, size_t n);
  // The digest of everything added so far (the hash stays usable).
  std::string HexDigest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// XXH3-64 hex of bytes in memory (for tests and small files).
std::string HexDigestOf(const char* data, size_t n);

// Reads path through io in bounded chunks; sets *hex and *size.
Status HashFile(FileIO* io, const std::string& path, std::string* hex, uint64_t* size);

}  // namespace bdb
