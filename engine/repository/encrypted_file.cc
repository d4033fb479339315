// AES-256-GCM framed files: the writer seals chunks as bytes stream in, the
// reader opens the chunks a positional read touches.
#include "engine/repository/encrypted_file.h"
#include "engine/repository/framed_writable_file.h"

#include <openssl/evp.h>

#include <cstring>
#include <vector>

namespace bdb {
namespace {

constexpr size_t kMagicBytes = 8, kSaltBytes = 16, kPrefixBytes = 4, kTagBytes = 16, kNonceBytes = 12;
constexpr size_t kHeaderBytes = kMagicBytes + 4 + 4 + kSaltBytes + kPrefixBytes;  // 36
constexpr char kFileKeyInfo[] = "bdbackup file v1";
constexpr uint32_t kMinChunk = 1024, kMaxChunk = 16u << 20;

void PutU32(unsigned char* at, uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<unsigned char>((v >> (8 * i)) & 0xff);
}
uint32_t GetU32(const unsigned char* at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | at[i];
  return v;
}

// The name a file is sealed under: its base name, without a writer's ".tmp".
std::string BoundName(const std::string& path) {
  std::string name = BaseName(path);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) name.resize(name.size() - 4);
  return name;
}

// One file's sealing state: its key, header and name; seals and opens chunks.
class ChunkCipher {
 public:
  ChunkCipher() : ctx_(EVP_CIPHER_CTX_new()) {}
  ~ChunkCipher() { EVP_CIPHER_CTX_free(ctx_); }
  ChunkCipher(const ChunkCipher&) = delete;
  ChunkCipher& operator=(const ChunkCipher&) = delete;

  Status Init(const RepositoryKey& master, const unsigned char* header, const std::string& name) {
    if (ctx_ == nullptr) return Status::IOError("OpenSSL could not allocate a cipher context");
    std::memcpy(header_, header, kHeaderBytes);
    name_ = name;
    return DeriveKey(master, header_ + 16, kSaltBytes, kFileKeyInfo, key_, sizeof(key_));
  }
  uint32_t chunk_bytes() const { return GetU32(header_ + 12); }
  const unsigned char* header() const { return header_; }

  // Encrypts n bytes of `in` as chunk `index` into out (n bytes + tag).
  bool Seal(uint64_t index, bool final, const unsigned char* in, size_t n, unsigned char* out) {
    unsigned char nonce[kNonceBytes];
    Nonce(index, nonce);
    int len = 0;
    if (EVP_EncryptInit_ex(ctx_, EVP_aes_256_gcm(), nullptr, key_, nonce) != 1) return false;
    if (!Aad(final, /*encrypt=*/true)) return false;
    if (n > 0 && EVP_EncryptUpdate(ctx_, out, &len, in, static_cast<int>(n)) != 1) return false;
    int tail = 0;
    if (EVP_EncryptFinal_ex(ctx_, out + len, &tail) != 1) return false;
    return EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_GET_TAG, kTagBytes, out + n) == 1;
  }
  // Decrypts chunk `index` (n ciphertext bytes, then the tag) into out; false
  // when the tag does not match.
  bool Open(uint64_t index, bool final, const unsigned char* in, size_t n, unsigned char* out) {
    unsigned char nonce[kNonceBytes];
    Nonce(index, nonce);
    int len = 0;
    if (EVP_DecryptInit_ex(ctx_, EVP_aes_256_gcm(), nullptr, key_, nonce) != 1) return false;
    if (!Aad(final, /*encrypt=*/false)) return false;
    if (n > 0 && EVP_DecryptUpdate(ctx_, out, &len, in, static_cast<int>(n)) != 1) return false;
    unsigned char tag[kTagBytes];
    std::memcpy(tag, in + n, kTagBytes);
    if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) != 1) return false;
    int tail = 0;
    return EVP_DecryptFinal_ex(ctx_, out + len, &tail) == 1;
  }

 private:
  void Nonce(uint64_t index, unsigned char* nonce) const {
    std::memcpy(nonce, header_ + 16 + kSaltBytes, kPrefixBytes);
    for (int i = 0; i < 8; ++i) nonce[kPrefixBytes + i] = static_cast<unsigned char>(index >> (8 * (7 - i)));
  }
  bool Aad(bool final, bool encrypt) {
    const unsigned char flag = final ? 1 : 0;
    int len = 0;
    auto update = [&](const unsigned char* p, size_t n) {
      return (encrypt ? EVP_EncryptUpdate(ctx_, nullptr, &len, p, static_cast<int>(n))
                      : EVP_DecryptUpdate(ctx_, nullptr, &len, p, static_cast<int>(n))) == 1;
    };
    return update(header_, kHeaderBytes) && update(&flag, 1) &&
           update(reinterpret_cast<const unsigned char*>(name_.data()), name_.size());
  }

  EVP_CIPHER_CTX* ctx_;
  unsigned char header_[kHeaderBytes] = {};
  unsigned char key_[32] = {};
  std::string name_;
};

class EncryptingFile : public FramedWritableFile {
 public:
  explicit EncryptingFile(std::unique_ptr<WritableFile> out) : FramedWritableFile(std::move(out), "encrypted") {}

  Status Init(const RepositoryKey& key) {
    unsigned char header[kHeaderBytes];
    std::memcpy(header, kEncryptedMagic, kMagicBytes);
    PutU32(header + 8, kEncryptedFormatVersion);
    PutU32(header + 12, kEncryptedChunkBytes);
    BDB_RETURN_IF_ERROR(RandomBytes(header + 16, kSaltBytes + kPrefixBytes));
    BDB_RETURN_IF_ERROR(cipher_.Init(key, header, BoundName(path())));
    pending_.reserve(kEncryptedChunkBytes);
    sealed_.resize(kEncryptedChunkBytes + kTagBytes);
    return Status::OK();
  }

 private:
  Status AppendEncoded(const char* data, size_t n) override {
    while (n > 0) {
      if (pending_.size() == kEncryptedChunkBytes) BDB_RETURN_IF_ERROR(SealPending(/*final=*/false));
      const size_t take = std::min(n, kEncryptedChunkBytes - pending_.size());
      pending_.insert(pending_.end(), data, data + take);
      data += take;
      n -= take;
    }
    return Status::OK();
  }

  Status WriteHeader() override {
    return out()->Append(reinterpret_cast<const char*>(cipher_.header()), kHeaderBytes);
  }
  Status Finish() override { return SealPending(/*final=*/true); }
  Status SealPending(bool final) {
    if (!cipher_.Seal(index_, final, pending_.data(), pending_.size(), sealed_.data()))
      return Status::IOError("unable to encrypt '" + path() + "': OpenSSL AES-256-GCM failed");
    BDB_RETURN_IF_ERROR(out()->Append(reinterpret_cast<const char*>(sealed_.data()), pending_.size() + kTagBytes));
    ++index_;
    pending_.clear();
    return Status::OK();
  }

  ChunkCipher cipher_;
  std::vector<unsigned char> pending_, sealed_;
  uint64_t index_ = 0;
};

class DecryptingFile : public ReadableFile {
 public:
  DecryptingFile(std::unique_ptr<ReadableFile> in, uint64_t chunks, uint32_t final_bytes)
      : in_(std::move(in)), chunks_(chunks), final_bytes_(final_bytes) {}

  Status Init(const RepositoryKey& key, const unsigned char* header) {
    BDB_RETURN_IF_ERROR(cipher_.Init(key, header, BoundName(in_->path())));
    chunk_ = cipher_.chunk_bytes();
    sealed_.resize(chunk_ + kTagBytes);
    plain_.resize(chunk_);
    return Status::OK();
  }

  Status Pread(uint64_t offset, size_t n, char* buf, size_t* got) override {
    *got = 0;
    const uint64_t size = PlainSize();
    while (*got < n && offset < size) {
      const uint64_t index = offset / chunk_;
      BDB_RETURN_IF_ERROR(Load(index));
      const size_t at = static_cast<size_t>(offset - index * chunk_);
      const size_t take = std::min(n - *got, loaded_bytes_ - at);
      std::memcpy(buf + *got, plain_.data() + at, take);
      *got += take;
      offset += take;
    }
    return Status::OK();
  }
  Status Size(uint64_t* size) override {
    *size = PlainSize();
    return Status::OK();
  }
  const std::string& path() const override { return in_->path(); }

 private:
  uint64_t PlainSize() const { return (chunks_ - 1) * chunk_ + final_bytes_; }
  Status Load(uint64_t index) {
    if (loaded_ == index) return Status::OK();
    loaded_ = UINT64_MAX;
    const bool final = index + 1 == chunks_;
    const size_t n = final ? final_bytes_ : chunk_;
    size_t got = 0;
    BDB_RETURN_IF_ERROR(in_->Pread(kHeaderBytes + index * (chunk_ + kTagBytes), n + kTagBytes,
                                   reinterpret_cast<char*>(sealed_.data()), &got));
    if (got != n + kTagBytes)
      return Status::Corruption("encrypted file '" + path() + "' is damaged: shorter than when it was opened");
    if (!cipher_.Open(index, final, sealed_.data(), n, plain_.data())) {
      return Status::Corruption("encrypted file '" + path() + "' is damaged: chunk " + std::to_string(index) + " of " +
                                std::to_string(chunks_) +
                                " does not authenticate (a modified, truncated, reordered or swapped file, or not "
                                "this repository's key)");
    }
    loaded_ = index;
    loaded_bytes_ = n;
    return Status::OK();
  }

  std::unique_ptr<ReadableFile> in_;
  uint64_t chunks_;
  uint32_t final_bytes_;
  uint32_t chunk_ = 0;
  ChunkCipher cipher_;
  std::vector<unsigned char> sealed_, plain_;
  uint64_t loaded_ = UINT64_MAX;
  size_t loaded_bytes_ = 0;
};

}  // namespace

bool HasEncryptedMagic(const char* data, size_t n) {
  return n >= kMagicBytes && std::memcmp(data, kEncryptedMagic, kMagicBytes) == 0;
}

Status EncryptingFileIO::CreateForWrite(const std::string& path, mode_t mode, std::unique_ptr<WritableFile>* out) {
  std::unique_ptr<WritableFile> raw;
  BDB_RETURN_IF_ERROR(target()->CreateForWrite(path, mode, &raw));
  auto file = std::make_unique<EncryptingFile>(std::move(raw));
  BDB_RETURN_IF_ERROR(file->Init(*key_));
  *out = std::move(file);
  return Status::OK();
}

Status OpenDecrypting(std::unique_ptr<ReadableFile> raw, const RepositoryKey* key,
                      std::unique_ptr<ReadableFile>* out) {
  const std::string path = raw->path();
  if (key == nullptr) {
    return Status::InvalidArgument("file '" + path +
                                   "' is encrypted: give the repository's key with --encrypt-key-file FILE or "
                                   "BDBACKUP_KEY_FILE");
  }
  auto damaged = [&](const std::string& why) {
    return Status::Corruption("encrypted file '" + path + "' is damaged: " + why);
  };
  unsigned char header[kHeaderBytes];
  size_t got = 0;
  BDB_RETURN_IF_ERROR(raw->Pread(0, kHeaderBytes, reinterpret_cast<char*>(header), &got));
  if (got != kHeaderBytes) return damaged("too short for its header");
  const uint32_t version = GetU32(header + 8), chunk = GetU32(header + 12);
  if (version != kEncryptedFormatVersion)
    return damaged("format version " + std::to_string(version) + " is not one this bdbackup reads (1)");
  if (chunk < kMinChunk || chunk > kMaxChunk) return damaged("chunk size " + std::to_string(chunk) + " is not valid");
  uint64_t stored = 0;
  BDB_RETURN_IF_ERROR(raw->Size(&stored));
  // body = (chunks - 1) * (chunk + tag) + final + tag, with final in 0..chunk.
  if (stored < kHeaderBytes + kTagBytes) return damaged("cut short: no final chunk");
  const uint64_t rest = stored - kHeaderBytes - kTagBytes;
  const uint64_t chunks = rest / (chunk + kTagBytes) + 1;
  const uint64_t final_bytes = rest % (chunk + kTagBytes);
  if (final_bytes > chunk) return damaged("its size is not a whole number of chunks (cut short?)");
  auto file = std::make_unique<DecryptingFile>(std::move(raw), chunks, static_cast<uint32_t>(final_bytes));
  BDB_RETURN_IF_ERROR(file->Init(*key, header));
  *out = std::move(file);
  return Status::OK();
}

}  // namespace bdb
