#include "engine/repository/stored_file.h"

#include <sys/stat.h>
#include <zstd.h>

#include <cstring>
#include <vector>

#include "engine/repository/encrypted_file.h"
#include "engine/repository/framed_writable_file.h"

namespace bdb {
namespace {

constexpr size_t kStoredMagicBytes = 8, kTrailerBytes = 16;

void PutU64(char* at, uint64_t v) {
  for (int i = 0; i < 8; ++i) at[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint64_t GetU64(const char* at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(at[i]);
  return v;
}

class CompressingFile : public FramedWritableFile {
 public:
  CompressingFile(std::unique_ptr<WritableFile> out, int level)
      : FramedWritableFile(std::move(out), "compressed"), cctx_(ZSTD_createCCtx()) {
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
    buffer_.resize(ZSTD_CStreamOutSize());
  }
  ~CompressingFile() override { ZSTD_freeCCtx(cctx_); }

 private:
  Status AppendEncoded(const char* data, size_t n) override {
    ZSTD_inBuffer in{data, n, 0};
    while (in.pos < in.size) BDB_RETURN_IF_ERROR(Pump(&in, ZSTD_e_continue));
    original_ += n;
    return Status::OK();
  }

  Status WriteHeader() override { return out()->Append(kStoredMagic, kStoredMagicBytes); }
  Status Finish() override {
    ZSTD_inBuffer in{nullptr, 0, 0};
    size_t left = 1;
    while (left != 0) BDB_RETURN_IF_ERROR(Pump(&in, ZSTD_e_end, &left));
    char trailer[kTrailerBytes];
    PutU64(trailer, original_);
    std::memcpy(trailer + 8, kStoredTrailerMagic, 8);
    return out()->Append(trailer, sizeof(trailer));
  }
  Status Pump(ZSTD_inBuffer* in, ZSTD_EndDirective mode, size_t* left = nullptr) {
    ZSTD_outBuffer out{buffer_.data(), buffer_.size(), 0};
    const size_t r = ZSTD_compressStream2(cctx_, &out, in, mode);
    if (ZSTD_isError(r)) return Status::IOError("unable to compress '" + path() + "': " + ZSTD_getErrorName(r));
    if (left != nullptr) *left = r;
    return out.pos == 0 ? Status::OK() : this->out()->Append(buffer_.data(), out.pos);
  }

  ZSTD_CCtx* cctx_;
  std::vector<char> buffer_;
  uint64_t original_ = 0;
};

class DecodingFile : public ReadableFile {
 public:
  DecodingFile(std::unique_ptr<ReadableFile> in, uint64_t stored_size, uint64_t original_size)
      : in_(std::move(in)), frame_end_(stored_size - kTrailerBytes), original_(original_size),
        dctx_(ZSTD_createDCtx()) {
    input_.resize(ZSTD_DStreamInSize());
  }
  ~DecodingFile() override { ZSTD_freeDCtx(dctx_); }

  Status Pread(uint64_t offset, size_t n, char* buf, size_t* got) override {
    *got = 0;
    if (offset < pos_) Restart();
    if (offset >= original_) return Status::OK();
    n = static_cast<size_t>(std::min<uint64_t>(n, original_ - offset));
    std::vector<char> skip;
    while (pos_ < offset) {  // decode and drop up to offset
      skip.resize(static_cast<size_t>(std::min<uint64_t>(offset - pos_, 1 << 20)));
      size_t produced = 0;
      BDB_RETURN_IF_ERROR(Decode(skip.data(), skip.size(), &produced));
      if (produced == 0) return Damaged("ends before its recorded size");
    }
    while (*got < n) {
      size_t produced = 0;
      BDB_RETURN_IF_ERROR(Decode(buf + *got, n - *got, &produced));
      if (produced == 0) return Damaged("ends before its recorded size");
      *got += produced;
    }
    return Status::OK();
  }
  Status Size(uint64_t* size) override {
    *size = original_;
    return Status::OK();
  }
  const std::string& path() const override { return in_->path(); }

 private:
  Status Damaged(const std::string& why) const {
    return Status::Corruption("compressed file '" + path() + "' is damaged: " + why);
  }
  void Restart() {
    ZSTD_DCtx_reset(dctx_, ZSTD_reset_session_only);
    read_at_ = kStoredMagicBytes;
    in_buf_ = ZSTD_inBuffer{input_.data(), 0, 0};
    pos_ = 0;
  }
  // Produces up to n original bytes at pos_ (0 only at the end of the frame).
  Status Decode(char* out, size_t n, size_t* produced) {
    ZSTD_outBuffer o{out, n, 0};
    while (o.pos == 0) {
      if (in_buf_.pos == in_buf_.size) {
        if (read_at_ >= frame_end_) break;
        size_t got = 0;
        const size_t want = static_cast<size_t>(std::min<uint64_t>(input_.size(), frame_end_ - read_at_));
        BDB_RETURN_IF_ERROR(in_->Pread(read_at_, want, input_.data(), &got));
        if (got == 0) return Damaged("shorter than when it was written");
        read_at_ += got;
        in_buf_ = ZSTD_inBuffer{input_.data(), got, 0};
      }
      const size_t r = ZSTD_decompressStream(dctx_, &o, &in_buf_);
      if (ZSTD_isError(r)) return Damaged(ZSTD_getErrorName(r));
      if (r == 0 && o.pos == 0 && in_buf_.pos == in_buf_.size && read_at_ >= frame_end_) break;
    }
    *produced = o.pos;
    pos_ += o.pos;
    if (pos_ > original_) return Damaged("holds more than its recorded size");
    return Status::OK();
  }

  std::unique_ptr<ReadableFile> in_;
  uint64_t frame_end_, original_;
  ZSTD_DCtx* dctx_;
  std::vector<char> input_;
  ZSTD_inBuffer in_buf_{nullptr, 0, 0};
  uint64_t read_at_ = kStoredMagicBytes, pos_ = 0;
};

// Reads the container's original size from its trailer.
Status ReadTrailer(ReadableFile* file, uint64_t stored_size, uint64_t* original) {
  char trailer[kTrailerBytes];
  size_t got = 0;
  if (stored_size < kStoredMagicBytes + kTrailerBytes)
    return Status::Corruption("compressed file '" + file->path() + "' is damaged: too short for its trailer");
  BDB_RETURN_IF_ERROR(file->Pread(stored_size - kTrailerBytes, kTrailerBytes, trailer, &got));
  if (got != kTrailerBytes || std::memcmp(trailer + 8, kStoredTrailerMagic, 8) != 0)
    return Status::Corruption("compressed file '" + file->path() +
                              "' is damaged: no trailer (cut short, or written by a killed run)");
  *original = GetU64(trailer);
  return Status::OK();
}

}  // namespace

Status ParseCompression(const std::string& text, int* level) {
  *level = 0;
  if (text.empty() || text == "none") return Status::OK();
  const Status bad = Status::InvalidArgument("bad usage: --compress '" + text +
                                             "': expected zstd or zstd:LEVEL with LEVEL 1 to 19");
  if (text == "zstd") {
    *level = kDefaultZstdLevel;
    return Status::OK();
  }
  if (text.rfind("zstd:", 0) != 0 || text.size() < 6 || text.size() > 7) return bad;
  int v = 0;
  for (size_t i = 5; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return bad;
    v = v * 10 + (text[i] - '0');
  }
  if (v < 1 || v > 19) return bad;
  *level = v;
  return Status::OK();
}

std::string CompressionName(int level) { return level == 0 ? "" : "zstd:" + std::to_string(level); }

Status CompressingFileIO::CreateForWrite(const std::string& path, mode_t mode, std::unique_ptr<WritableFile>* out) {
  std::unique_ptr<WritableFile> raw;
  BDB_RETURN_IF_ERROR(target()->CreateForWrite(path, mode, &raw));
  *out = std::make_unique<CompressingFile>(std::move(raw), level_);
  return Status::OK();
}

Status IsStoredContainer(FileIO* io, const std::string& path, bool* yes) {
  *yes = false;
  std::unique_ptr<ReadableFile> file;
  BDB_RETURN_IF_ERROR(io->OpenForRead(path, &file));
  char magic[kStoredMagicBytes];
  size_t got = 0;
  BDB_RETURN_IF_ERROR(file->Pread(0, kStoredMagicBytes, magic, &got));
  *yes = (got == kStoredMagicBytes && std::memcmp(magic, kStoredMagic, kStoredMagicBytes) == 0) || HasEncryptedMagic(magic, got);
  return Status::OK();
}

Status StoredFileIO::OpenForRead(const std::string& path, std::unique_ptr<ReadableFile>* out) {
  std::unique_ptr<ReadableFile> raw;
  BDB_RETURN_IF_ERROR(target()->OpenForRead(path, &raw));
  char magic[kStoredMagicBytes];
  size_t got = 0;
  BDB_RETURN_IF_ERROR(raw->Pread(0, kStoredMagicBytes, magic, &got));
  if (HasEncryptedMagic(magic, got)) {  // encrypted_file.h; what it holds may be a container
    std::unique_ptr<ReadableFile> plain;
    BDB_RETURN_IF_ERROR(OpenDecrypting(std::move(raw), CurrentRepositoryKey(), &plain));
    raw = std::move(plain);
    BDB_RETURN_IF_ERROR(raw->Pread(0, kStoredMagicBytes, magic, &got));
  }
  if (got != kStoredMagicBytes || std::memcmp(magic, kStoredMagic, kStoredMagicBytes) != 0) {
    *out = std::move(raw);
    return Status::OK();
  }
  uint64_t stored = 0, original = 0;
  BDB_RETURN_IF_ERROR(raw->Size(&stored));
  BDB_RETURN_IF_ERROR(ReadTrailer(raw.get(), stored, &original));
  *out = std::make_unique<DecodingFile>(std::move(raw), stored, original);
  return Status::OK();
}

StoredWriteIO::StoredWriteIO(FileIO* target, int compress_level, const RepositoryKey* key)
    : encrypting_(target, key), compressing_(key != nullptr ? &encrypting_ : target, compress_level) {
  io_ = compress_level > 0 ? static_cast<FileIO*>(&compressing_)
                           : key != nullptr ? static_cast<FileIO*>(&encrypting_) : target;
}

Status OriginalSize(FileIO* io, const std::string& path, uint64_t* size) {
  std::unique_ptr<ReadableFile> file;
  BDB_RETURN_IF_ERROR(io->OpenForRead(path, &file));
  return file->Size(size);
}

Status CopyDecoded(const std::string& src, const std::string& dst) {
  std::unique_ptr<ReadableFile> in;
  BDB_RETURN_IF_ERROR(DefaultStoredFileIO()->OpenForRead(src, &in));
  std::unique_ptr<WritableFile> out;
  BDB_RETURN_IF_ERROR(DefaultFileIO()->CreateForWrite(dst, 0600, &out));
  std::vector<char> chunk(1 << 20);
  for (uint64_t at = 0;;) {
    size_t got = 0;
    BDB_RETURN_IF_ERROR(in->Pread(at, chunk.size(), chunk.data(), &got));
    if (got == 0) break;
    BDB_RETURN_IF_ERROR(out->Append(chunk.data(), got));
    at += got;
  }
  return out->Close();
}

FileIO* DefaultStoredFileIO() {
  static StoredFileIO* io = new StoredFileIO(DefaultFileIO());
  return io;
}

}  // namespace bdb
