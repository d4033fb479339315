// How the repository stores a copied file: raw (the original bytes), or
// compressed with zstd in bdbackup's container (and, in an encrypted
// repository, either of them sealed in encrypted_file.h's format):
//   "BDBKZST1" (8 bytes) | one zstd frame (with its content checksum) |
//   original size (u64, little endian) | "BDBKZEND" (8 bytes)
// The copier hashes and verifies the ORIGINAL bytes and appends them to a
// CompressingFileIO's file, which compresses as they stream through; every
// reader goes through StoredFileIO, which recognises the container by its
// magic and hands out the original bytes (and their size, in the reader's
// Size and OriginalSize; Stat stays the size on disk), so restore,
// verify, the standby, archive and check read compressed and raw files alike.
// The magic cannot begin a BDB file: a database starts with page 0's LSN and
// a log with its first record's header, neither of which can hold these bytes
// (an LSN file number of 0x4B424442 would be the 1.26 billionth log file).
// Thread-safety: as FileIO; a reader or writer is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/repository/encrypted_file.h"
#include "base/file_io.h"
#include "engine/repository/repository_key.h"

namespace bdb {

inline constexpr char kStoredMagic[] = "BDBKZST1";
inline constexpr char kStoredTrailerMagic[] = "BDBKZEND";
inline constexpr int kDefaultZstdLevel = 3;

// "zstd" or "zstd:LEVEL" (1..19); "" or "none" is no compression (level 0).
// InvalidArgument "bad usage: --compress '<text>': expected zstd or zstd:LEVEL
// with LEVEL 1 to 19" otherwise.
Status ParseCompression(const std::string& text, int* level);
// "zstd:3", or "" for level 0.
std::string CompressionName(int level);

// Writes every created file in the container, compressed at `level`; reads,
// renames and the rest go to the target unchanged. A file's container is
// complete once Sync() returned OK (Sync ends the frame and writes the
// trailer; Append after it fails).
class CompressingFileIO : public FileIOWrapper {
 public:
  CompressingFileIO(FileIO* target, int level) : FileIOWrapper(target), level_(level) {}
  Status CreateForWrite(const std::string& path, mode_t mode, std::unique_ptr<WritableFile>* out) override;

 private:
  int level_;
};

// Reads stored files as their original bytes: an encrypted file
// (encrypted_file.h) is decrypted under CurrentRepositoryKey() first, then
// what it holds read as below. OpenForRead of a container
// gives a reader of the decompressed bytes (positional reads are served in
// order; a read before the current position starts decoding again; its Size
// is the original size). Everything else passes through: Stat gives the size
// on disk (OriginalSize gives the original's, without a second open per Stat
// of every live file). A container that is damaged (bad trailer, zstd error,
// or decoded size not the recorded one) is Corruption naming the file.
class StoredFileIO : public FileIOWrapper {
 public:
  explicit StoredFileIO(FileIO* target) : FileIOWrapper(target) {}
  Status OpenForRead(const std::string& path, std::unique_ptr<ReadableFile>* out) override;
};

// Where the copier writes a stored file: through CompressingFileIO (level >
// 0) into EncryptingFileIO (key given, encrypted_file.h) into target, so
// compression comes first and encryption last; just target when neither.
// key must outlive this.
class StoredWriteIO {
 public:
  StoredWriteIO(FileIO* target, int compress_level, const RepositoryKey* key);
  StoredWriteIO(const StoredWriteIO&) = delete;
  StoredWriteIO& operator=(const StoredWriteIO&) = delete;
  FileIO* io() const { return io_; }

 private:
  EncryptingFileIO encrypting_;
  CompressingFileIO compressing_;
  FileIO* io_;
};

// The process-wide StoredFileIO over DefaultFileIO(). Never destroyed.
FileIO* DefaultStoredFileIO();

// The size of a stored file's original bytes (a container's recorded size,
// a raw file's size), read through io (a StoredFileIO for containers).
Status OriginalSize(FileIO* io, const std::string& path, uint64_t* size);

// Writes the original bytes of the stored file src (raw or a container) to
// dst (created 0600, not fsynced: for scratch copies that BDB itself reads).
Status CopyDecoded(const std::string& src, const std::string& dst);

// True when the file at path (read through io, raw) starts with kStoredMagic
// or kEncryptedMagic: not a file BDB can read as it is.
Status IsStoredContainer(FileIO* io, const std::string& path, bool* yes);

}  // namespace bdb
