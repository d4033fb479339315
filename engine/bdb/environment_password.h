// The password of an encrypted environment (DB_ENCRYPT_AES), for every
// DB_ENV the engine opens: the live environment, recovery and verify of a
// restored copy, the log scan. It comes from a file (--password-file) or the
// BDBACKUP_PASSWORD environment variable, never from the command line, as
// db_hotbackup -P would expose it. Set once at start-up, before any thread
// opens an environment; read-only afterwards (then thread-safe). The
// simulator, which runs trials of different environments on several threads
// of one process, gives each thread its own with ScopedThreadPassword.
#pragma once

#include <db.h>

#include <string>

#include <vector>

#include "engine/repository/manifest.h"
#include "base/status.h"

namespace bdb {

// Reads the password from password_file (its first line) or, when that is
// "", from BDBACKUP_PASSWORD (if set). NotFound "password file '<f>' does
// not exist"; InvalidArgument "password file '<f>' is empty".
Status LoadEnvironmentPassword(const std::string& password_file);

// Sets the loaded password on a DB_ENV before its open (nothing if none was
// given). Returns BDB's error code.
int ApplyEnvironmentPassword(DB_ENV* env);

// Whether a password was given.
bool HaveEnvironmentPassword();

// For the life of this object, every function here answers on this thread
// with `password` ("" = no password) instead of the loaded one; the previous
// override comes back when it ends. Not copyable; construct and destroy on
// the same thread.
class ScopedThreadPassword {
 public:
  explicit ScopedThreadPassword(std::string password);
  ~ScopedThreadPassword();
  ScopedThreadPassword(const ScopedThreadPassword&) = delete;
  ScopedThreadPassword& operator=(const ScopedThreadPassword&) = delete;

 private:
  std::string password_;
  const std::string* previous_;
};

// The loaded password, for a helper process this one starts (it gets it as
// BDBACKUP_PASSWORD in its environment, never on its command line).
const std::string& LoadedEnvironmentPassword();

// The Status for a failed DB_ENV->open of home with BDB's text `why`:
// InvalidArgument (bad input, exit 2) when BDB says the encryption key is
// missing (BDB0174, remedy appended) or wrong (BDB0175); IOError otherwise.
Status EnvironmentOpenFailure(const std::string& home, const std::string& why);

// Before verify or restore touches anything: InvalidArgument "backup '<id>'
// is of an encrypted environment: give its password ..." when a backup of
// the chain is encrypted and no password was given.
Status CheckChainPassword(const std::vector<Manifest>& chain);

}  // namespace bdb
