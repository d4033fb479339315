// How an encrypted repository stores a file: AES-256-GCM (OpenSSL EVP) in
// bdbackup's framed format, version 1:
//   header (36 bytes): "BDBKAES1" | format version (u32 LE, 1) |
//     chunk size C (u32 LE, plaintext bytes per chunk, 65536) |
//     salt (16 random bytes) | nonce prefix (4 random bytes)
//   then chunks: ciphertext | 16-byte GCM tag. Every chunk but the last holds
//   exactly C bytes; the last (flagged final) holds 0..C, so a file always
//   ends with a final chunk, and its plaintext size follows from its size.
// Chunk i is sealed with the file key HKDF-SHA256(master key, salt,
// "bdbackup file v1"), nonce = prefix | i (u64 big endian), and additional
// authenticated data = the whole header | final flag (1 byte) | the file's
// name. So a modified byte (header included), a chunk moved within the file
// or from another file (other salt, other key), a file cut at a chunk
// boundary (its new last chunk was not sealed final), a renamed or swapped
// file (another name) and a wrong key all fail the tag: Corruption naming the
// file. The name bound is the stored file's base name ("a.db",
// "log.0000000003"); a writer's ".tmp" suffix is dropped, as the file is
// renamed to that name. A whole file replaced by the same-named file of
// another backup authenticates, and is caught by the manifest checksum of the
// original bytes, as verify and restore always check it.
// Encryption wraps what compression wrote (stored_file.h): compress first,
// then encrypt; the copier hashes and verifies the original bytes before both.
// Thread-safety: as FileIO; a reader or writer is used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "base/file_io.h"
#include "engine/repository/repository_key.h"

namespace bdb {

inline constexpr char kEncryptedMagic[] = "BDBKAES1";
inline constexpr uint32_t kEncryptedFormatVersion = 1;
inline constexpr uint32_t kEncryptedChunkBytes = 64 * 1024;
inline constexpr char kRepositoryEncryption[] = "aes-256-gcm";  // the marker's "encryption" value

// Writes every created file encrypted under `key` (which must outlive this);
// everything else goes to the target unchanged. A file is complete once
// Sync() returned OK (it seals the final chunk; Append after it fails).
class EncryptingFileIO : public FileIOWrapper {
 public:
  EncryptingFileIO(FileIO* target, const RepositoryKey* key) : FileIOWrapper(target), key_(key) {}
  Status CreateForWrite(const std::string& path, mode_t mode, std::unique_ptr<WritableFile>* out) override;

 private:
  const RepositoryKey* key_;
};

// True when the first bytes read are kEncryptedMagic.
bool HasEncryptedMagic(const char* data, size_t n);

// A reader of the plaintext of the encrypted file `raw` (whose first bytes are
// kEncryptedMagic), under `key`. Each read authenticates the chunks it
// touches; Size is the plaintext size. Corruption naming the file when the
// header or layout is damaged (here or on a read) or a chunk fails its tag;
// InvalidArgument when key is nullptr.
Status OpenDecrypting(std::unique_ptr<ReadableFile> raw, const RepositoryKey* key,
                      std::unique_ptr<ReadableFile>* out);

}  // namespace bdb
