// The master key of an encrypted repository (encrypted_file.h): 32 bytes
// read from a key file (--encrypt-key-file, or the file named by
// BDBACKUP_KEY_FILE), never from the command line. The file holds either the
// 32 raw bytes or 64 hex digits (one trailing newline allowed), and must not
// be readable or writable by group or other (as ssh refuses such a private
// key). The master key itself never encrypts anything: HKDF-SHA256 derives a
// key per stored file (from its random salt) and one for the key check value
// that the repository marker records, so a wrong key is refused up front.
// Loaded once at start-up, read-only afterwards (then thread-safe); the
// simulator, whose trials of different repositories share a process, gives
// each thread its own with ScopedThreadRepositoryKey (as environment_password.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace bdb {

inline constexpr size_t kRepositoryKeyBytes = 32;

struct RepositoryKey {
  std::array<unsigned char, kRepositoryKeyBytes> bytes{};
};

// Parses a key file's contents: 32 raw bytes, or 64 hex digits with at most
// one trailing "\n" or "\r\n". InvalidArgument "key file '<f>' is not a key:
// expected 32 raw bytes or 64 hex digits" otherwise.
Status ParseRepositoryKey(const std::string& contents, const std::string& file, RepositoryKey* key);

// Reads the key from key_file or, when that is "", from the file named by
// BDBACKUP_KEY_FILE (no key when neither is given). NotFound "key file '<f>'
// does not exist or cannot be read"; InvalidArgument "key file '<f>' is
// readable by group or other (mode 0NNN): chmod 600 it" and the parse errors.
Status LoadRepositoryKey(const std::string& key_file);

// The key in force on this thread (a ScopedThreadRepositoryKey's, else the
// loaded one); nullptr when none was given.
const RepositoryKey* CurrentRepositoryKey();

// For the life of this object, CurrentRepositoryKey() on this thread is `key`
// (nullptr = no key). Construct and destroy on the same thread.
class ScopedThreadRepositoryKey {
 public:
  explicit ScopedThreadRepositoryKey(const RepositoryKey* key);
  ~ScopedThreadRepositoryKey();
  ScopedThreadRepositoryKey(const ScopedThreadRepositoryKey&) = delete;
  ScopedThreadRepositoryKey& operator=(const ScopedThreadRepositoryKey&) = delete;

 private:
  bool has_;
  RepositoryKey key_;
  const RepositoryKey* previous_;
  bool previous_overridden_ = false;
};

// HKDF-SHA256 of the master key with `salt` and `info`, out_len bytes.
Status DeriveKey(const RepositoryKey& master, const unsigned char* salt, size_t salt_len, const std::string& info,
                 unsigned char* out, size_t out_len);

// 64 lowercase hex digits: HMAC-SHA256 of a fixed text under a key derived
// from the master key (info "bdbackup key check v1"). Reveals nothing of the
// key; equal for equal keys.
Status KeyCheckValue(const RepositoryKey& key, std::string* hex);

// 32 random bytes from OpenSSL's RAND_bytes, as 64 hex digits (for tests and
// the simulator, which write key files).
Status NewRandomKeyHex(std::string* hex);

// Cryptographically random bytes (RAND_bytes).
Status RandomBytes(unsigned char* out, size_t n);

}  // namespace bdb
