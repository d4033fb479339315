// The encrypted environment's password, loaded once from a file or the environment.
#include "engine/bdb/environment_password.h"

#include <cstdlib>
#include <fstream>

namespace bdb {
namespace {

std::string& LoadedPassword() {
  static std::string password;
  return password;
}

thread_local const std::string* t_override = nullptr;  // ScopedThreadPassword

const std::string& Password() { return t_override != nullptr ? *t_override : LoadedPassword(); }

}  // namespace

ScopedThreadPassword::ScopedThreadPassword(std::string password)
    : password_(std::move(password)), previous_(t_override) {
  t_override = &password_;
}

ScopedThreadPassword::~ScopedThreadPassword() { t_override = previous_; }

const std::string& LoadedEnvironmentPassword() { return Password(); }

Status LoadEnvironmentPassword(const std::string& password_file) {
  if (password_file.empty()) {
    const char* from_env = std::getenv("BDBACKUP_PASSWORD");
    if (from_env != nullptr) LoadedPassword() = from_env;
    return Status::OK();
  }
  std::ifstream in(password_file, std::ios::binary);
  if (!in) return Status::NotFound("password file '" + password_file + "' does not exist or cannot be read");
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return Status::InvalidArgument("password file '" + password_file + "' is empty");
  LoadedPassword() = line;
  return Status::OK();
}

int ApplyEnvironmentPassword(DB_ENV* env) {
  if (Password().empty()) return 0;
  return env->set_encrypt(env, Password().c_str(), DB_ENCRYPT_AES);
}

bool HaveEnvironmentPassword() { return !Password().empty(); }

Status EnvironmentOpenFailure(const std::string& home, const std::string& why) {
  const std::string what = "unable to open environment '" + home + "': ";
  if (why.find("BDB0174") != std::string::npos) {
    return Status::InvalidArgument(what + why +
                                   "; the environment is encrypted: give its password with --password-file FILE or "
                                   "BDBACKUP_PASSWORD");
  }
  if (why.find("BDB0175") != std::string::npos) return Status::InvalidArgument(what + why);
  if (why.find("BDB0172") != std::string::npos) {
    return Status::InvalidArgument(what + why +
                                   "; the environment is not encrypted: drop --password-file and BDBACKUP_PASSWORD");
  }
  return Status::IOError(what + why);
}

Status CheckChainPassword(const std::vector<Manifest>& chain) {
  if (HaveEnvironmentPassword()) return Status::OK();
  for (const Manifest& m : chain) {
    if (m.encrypted) {
      return Status::InvalidArgument("backup '" + m.id +
                                     "' is of an encrypted environment: give its password with --password-file FILE "
                                     "or BDBACKUP_PASSWORD");
    }
  }
  return Status::OK();
}

}  // namespace bdb
