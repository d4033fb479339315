// The repository's master key: loading, HKDF derivation, key check value.
#include "engine/repository/repository_key.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

namespace bdb {
namespace {

std::optional<RepositoryKey>& LoadedKey() {
  static std::optional<RepositoryKey> key;
  return key;
}

thread_local const RepositoryKey* t_override = nullptr;
thread_local bool t_overridden = false;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Hex(const unsigned char* p, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", p[i]);
  return out;
}

}  // namespace

Status ParseRepositoryKey(const std::string& contents, const std::string& file, RepositoryKey* key) {
  if (contents.size() == kRepositoryKeyBytes) {
    std::copy(contents.begin(), contents.end(), key->bytes.begin());
    return Status::OK();
  }
  std::string text = contents;
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  bool hex = text.size() == 2 * kRepositoryKeyBytes;
  for (size_t i = 0; hex && i < kRepositoryKeyBytes; ++i) {
    const int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    hex = hi >= 0 && lo >= 0;
    if (hex) key->bytes[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  if (!hex) {
    return Status::InvalidArgument("key file '" + file + "' is not a key: expected 32 raw bytes or 64 hex digits");
  }
  return Status::OK();
}

Status LoadRepositoryKey(const std::string& key_file) {
  std::string file = key_file;
  if (file.empty()) {
    const char* from_env = std::getenv("BDBACKUP_KEY_FILE");
    if (from_env == nullptr || *from_env == '\0') return Status::OK();
    file = from_env;
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::NotFound("key file '" + file + "' does not exist or cannot be read");
  }
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidArgument(fmt::format("key file '{}' is readable by group or other (mode {:04o}): chmod 600 it",
                                               file, st.st_mode & 07777));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::NotFound("key file '" + file + "' does not exist or cannot be read");
  std::ostringstream contents;
  contents << in.rdbuf();
  RepositoryKey key;
  BDB_RETURN_IF_ERROR(ParseRepositoryKey(contents.str(), file, &key));
  LoadedKey() = key;
  return Status::OK();
}

const RepositoryKey* CurrentRepositoryKey() {
  if (t_overridden) return t_override;
  return LoadedKey() ? &*LoadedKey() : nullptr;
}

ScopedThreadRepositoryKey::ScopedThreadRepositoryKey(const RepositoryKey* key)
    : has_(key != nullptr), previous_(t_overridden ? t_override : nullptr) {
  if (has_) key_ = *key;
  previous_overridden_ = t_overridden;
  t_override = has_ ? &key_ : nullptr;
  t_overridden = true;
}

ScopedThreadRepositoryKey::~ScopedThreadRepositoryKey() {
  t_override = previous_;
  t_overridden = previous_overridden_;
}

Status DeriveKey(const RepositoryKey& master, const unsigned char* salt, size_t salt_len, const std::string& info,
                 unsigned char* out, size_t out_len) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return Status::IOError("OpenSSL has no HKDF");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return Status::IOError("OpenSSL could not start HKDF");
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(master.bytes.data()),
                                                  master.bytes.size());
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size());
  if (salt_len > 0)
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<unsigned char*>(salt), salt_len);
  params[n] = OSSL_PARAM_construct_end();
  const int ok = EVP_KDF_derive(ctx, out, out_len, params);
  EVP_KDF_CTX_free(ctx);
  return ok == 1 ? Status::OK() : Status::IOError("OpenSSL HKDF failed");
}

Status KeyCheckValue(const RepositoryKey& key, std::string* hex) {
  unsigned char check_key[32];
  BDB_RETURN_IF_ERROR(DeriveKey(key, nullptr, 0, "bdbackup key check v1", check_key, sizeof(check_key)));
  static const char kText[] = "bdbackup repository key check";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), check_key, sizeof(check_key), reinterpret_cast<const unsigned char*>(kText),
           sizeof(kText) - 1, mac, &mac_len) == nullptr)
    return Status::IOError("OpenSSL HMAC failed");
  *hex = Hex(mac, mac_len);
  return Status::OK();
}

Status RandomBytes(unsigned char* out, size_t n) {
  return RAND_bytes(out, static_cast<int>(n)) == 1 ? Status::OK()
                                                  : Status::IOError("OpenSSL could not produce random bytes");
}

Status NewRandomKeyHex(std::string* hex) {
  unsigned char bytes[kRepositoryKeyBytes];
  BDB_RETURN_IF_ERROR(RandomBytes(bytes, sizeof(bytes)));
  *hex = Hex(bytes, sizeof(bytes));
  return Status::OK();
}

}  // namespace bdb
