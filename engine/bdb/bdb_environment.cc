// LiveEnvironment and InspectEnvironment: the engine's view of a live BDB home.
#include "engine/bdb/bdb_environment.h"

#include "engine/bdb/region_users.h"

#include <dirent.h>
#include <signal.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/bdb/bdb_call.h"
#include "engine/bdb/environment_password.h"
#include "engine/bdb/log_names.h"

namespace bdb {
namespace {


std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string AbsoluteIn(const std::string& home, const std::string& dir) {
  return NormalizePath(dir.front() == '/' ? dir : JoinPath(home, dir));
}

// Reads DB_CONFIG's directory lines into layout (home already set).
Status ParseDbConfig(const std::string& path, const std::string& contents, EnvironmentLayout* layout) {
  std::istringstream in(contents);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.find_first_of(" \t");
    std::string name = line.substr(0, space);
    if (name != "set_lg_dir" && name != "set_data_dir" && name != "add_data_dir") continue;
    std::string value = space == std::string::npos ? "" : Trim(line.substr(space));
    if (value.empty()) {
      return Status::InvalidArgument("unable to parse " + Quote(path) + " line " + std::to_string(line_no) +
                                     ": " + name + " needs a directory");
    }
    if (name == "set_lg_dir") {
      layout->log_dir = AbsoluteIn(layout->home, value);
    } else {
      layout->data_dirs.push_back(AbsoluteIn(layout->home, value));
    }
  }
  return Status::OK();
}

bool HasLogFiles(FileIO* io, const std::string& dir) {
  std::vector<std::string> names;
  if (!io->ListDir(dir, &names).ok()) return false;
  uint32_t n = 0;
  return std::any_of(names.begin(), names.end(), [&](const std::string& s) { return ParseLogFileName(s, &n); });
}

uint32_t ByteSwap(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

// The path of `abs` relative to home, or abs itself if it is outside home.
std::string RelativeToHome(const std::string& home, const std::string& abs) {
  std::string prefix = home == "/" ? "/" : home + "/";
  if (abs.compare(0, prefix.size(), prefix) == 0) return abs.substr(prefix.size());
  return abs;
}

std::string Plural(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string NormalizePath(const std::string& path) {
  std::string full = path;
  if (full.empty() || full.front() != '/') {
    char cwd[PATH_MAX];
    std::string base = ::getcwd(cwd, sizeof(cwd)) != nullptr ? cwd : "/";
    full = base + "/" + full;
  }
  std::vector<std::string> parts;
  std::istringstream in(full);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

Status InspectEnvironment(FileIO* io, const std::string& home, EnvironmentLayout* layout) {
  FileInfo info;
  BDB_RETURN_IF_ERROR(io->Stat(home, &info));
  if (!info.exists) return Status::NotFound("environment home " + Quote(home) + " does not exist");
  if (!info.is_dir) return Status::InvalidArgument("environment home " + Quote(home) + " is not a directory");
  EnvironmentLayout result;
  result.home = NormalizePath(home);
  const std::string config = JoinPath(result.home, "DB_CONFIG");
  FileInfo config_info;
  BDB_RETURN_IF_ERROR(io->Stat(config, &config_info));
  if (config_info.exists) {
    result.has_db_config = true;
    std::string contents;
    BDB_RETURN_IF_ERROR(ReadWholeFile(io, config, &contents));
    BDB_RETURN_IF_ERROR(ParseDbConfig(config, contents, &result));
  }
  if (result.log_dir.empty()) result.log_dir = result.home;
  if (result.data_dirs.empty()) result.data_dirs.push_back(result.home);
  FileInfo region;
  BDB_RETURN_IF_ERROR(io->Stat(JoinPath(result.home, "__db.001"), &region));
  if (!region.exists && !HasLogFiles(io, result.log_dir)) {
    return Status::InvalidArgument(Quote(home) + " is not a Berkeley DB environment: no region files and no log files");
  }
  *layout = std::move(result);
  return Status::OK();
}

bool HasDatabaseMagic(const char* head, size_t n) {
  constexpr size_t kMagicOffset = 12;
  if (n < kMagicOffset + 4) return false;
  uint32_t magic;
  std::memcpy(&magic, head + kMagicOffset, sizeof(magic));
  for (uint32_t m : {magic, ByteSwap(magic)}) {
    if (m == DB_BTREEMAGIC || m == DB_HASHMAGIC || m == DB_QAMMAGIC || m == DB_HEAPMAGIC) return true;
  }
  return false;
}

// --- BdbErrorText ---

void BdbErrorText::Attach(DB_ENV* env) {
  env->app_private = this;
  env->set_errcall(env, &BdbErrorText::OnError);
}

void BdbErrorText::OnError(const DB_ENV* env, const char* /*prefix*/, const char* msg) {
  auto* self = static_cast<BdbErrorText*>(env->app_private);
  if (self == nullptr || msg == nullptr) return;
  std::lock_guard<std::mutex> lock(self->mu_);
  self->messages_.emplace_back(msg);
}

void BdbErrorText::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  messages_.clear();
}

std::string BdbErrorText::Take(int ret) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string generic = db_strerror(ret);
  auto ends_with_generic = [&](const std::string& m) {
    return m.size() >= generic.size() && m.compare(m.size() - generic.size(), generic.size(), generic) == 0;
  };
  std::vector<std::string> kept;
  for (const auto& m : messages_) {
    if (m.find("PANIC:") != std::string::npos) break;  // what follows a panic is its consequence
    if (std::find(kept.begin(), kept.end(), m) == kept.end()) kept.push_back(m);
  }
  if (ret < 0 && kept.size() > 1) {  // "<file>: BDB0090 DB_VERIFY_BAD: ..." adds nothing to the specific messages
    kept.erase(std::remove_if(kept.begin(), kept.end(), ends_with_generic), kept.end());
  }
  if (kept.empty() && !messages_.empty()) kept.push_back(messages_.front());
  messages_.clear();
  if (kept.empty()) return generic;
  constexpr size_t kMaxMessages = 3;
  std::string text;
  for (size_t i = 0; i < kept.size() && i < kMaxMessages; ++i) text += (i == 0 ? "" : "; ") + kept[i];
  if (kept.size() > kMaxMessages) text += " (and " + std::to_string(kept.size() - kMaxMessages) + " more)";
  return text;
}

// --- LiveEnvironment ---

LiveEnvironment::LiveEnvironment(EnvironmentLayout layout, DB_ENV* env, std::unique_ptr<BdbErrorText> errors)
    : layout_(std::move(layout)), env_(env), errors_(std::move(errors)) {}

LiveEnvironment::~LiveEnvironment() {
  if (env_ == nullptr) return;
  int ret = 0;
  WatchedBdbCall({"DB_ENV->close", layout_.home}, [&] { return env_->close(env_, 0); }, &ret);  // nothing to unwind
}

Status LiveEnvironment::Call(const char* call, const std::function<int()>& fn, int* ret) {
  errors_->Clear();
  return WatchedBdbCall({call, layout_.home}, fn, ret);
}

namespace {

// DB_ENV->set_isalive: a process is alive if it exists and is not a zombie
// (a killed process its parent has not reaped yet). Threads of a live process
// are taken as alive: failchk must never condemn a live holder.
int ProcessIsAlive(DB_ENV*, pid_t pid, db_threadid_t, uint32_t) {
  if (::kill(pid, 0) != 0 && errno != EPERM) return 0;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

// Creates a handle and opens home with flags. On failure *why holds BDB's
// text and *ret its code.
Status OpenHandle(const std::string& home, uint32_t flags, DB_ENV** env, std::unique_ptr<BdbErrorText>* errors,
                  int* ret, std::string* why) {
  *env = nullptr;
  *ret = db_env_create(env, 0);
  if (*ret != 0) return Status::IOError("unable to open environment " + Quote(home) + ": " + db_strerror(*ret));
  *errors = std::make_unique<BdbErrorText>();
  (*errors)->Attach(*env);
  DB_ENV* handle = *env;
  *ret = ApplyEnvironmentPassword(handle);
  if (*ret == 0) {
    BDB_RETURN_IF_ERROR(WatchedBdbCall({"DB_ENV->open", home},
                                       [&] { return handle->open(handle, home.c_str(), flags, 0); }, ret));
  }
  if (*ret != 0) {
    *why = (*errors)->Take(*ret);
    int ignored = 0;
    WatchedBdbCall({"DB_ENV->close", home}, [&] { return handle->close(handle, 0); }, &ignored);
    *env = nullptr;
  }
  return Status::OK();
}

}  // namespace

Status LiveEnvironment::Open(FileIO* io, const std::string& home, std::unique_ptr<LiveEnvironment>* out) {
  EnvironmentLayout layout;
  BDB_RETURN_IF_ERROR(InspectEnvironment(io, home, &layout));
  FileInfo region;
  BDB_RETURN_IF_ERROR(io->Stat(JoinPath(layout.home, "__db.001"), &region));
  const uint32_t flags = region.exists ? DB_JOINENV
                                       : DB_CREATE | DB_INIT_MPOOL | DB_INIT_LOG | DB_INIT_TXN | DB_INIT_LOCK | DB_THREAD;
  DB_ENV* env = nullptr;
  std::unique_ptr<BdbErrorText> errors;
  int ret = 0;
  std::string why;
  BDB_RETURN_IF_ERROR(OpenHandle(layout.home, flags, &env, &errors, &ret, &why));
  if (ret != 0) return EnvironmentOpenFailure(home, why);
  // After the open, set_isalive succeeds only when the environment has a
  // thread table (its creator called set_thread_count); otherwise it returns
  // EINVAL without touching the regions, and BDB cannot tell dead processes.
  const bool failchk = region.exists && env->set_isalive(env, ProcessIsAlive) == 0;
  errors->Clear();
  out->reset(new LiveEnvironment(std::move(layout), env, std::move(errors)));
  (*out)->io_ = io;
  (*out)->failchk_ = failchk;
  if (failchk) BDB_RETURN_IF_ERROR((*out)->CheckForDeadProcesses());
  return Status::OK();
}

Status LiveEnvironment::CheckForDeadProcesses() {
  int ret = 0;
  BDB_RETURN_IF_ERROR(Call("DB_ENV->failchk", [&] { return env_->failchk(env_, 0); }, &ret));
  if (ret == 0) return Status::OK();
  return Status::IOError("environment " + Quote(layout_.home) +
                         " needs recovery: a process died inside Berkeley DB holding it (DB_ENV->failchk: " +
                         errors_->Take(ret) +
                         "); the application must run recovery: stop every process using the environment, then "
                         "run db5.3_recover -h " + Quote(layout_.home));
}

Status LiveEnvironment::Checkpoint() {
  int ret = 0;
  BDB_RETURN_IF_ERROR(Call("DB_ENV->txn_checkpoint", [&] { return env_->txn_checkpoint(env_, 0, 0, DB_FORCE); }, &ret));
  if (ret != 0) return Status::IOError("unable to checkpoint environment " + Quote(layout_.home) + ": " + errors_->Take(ret));
  return Status::OK();
}

Status LiveEnvironment::FlushLog() {
  int ret = 0;
  BDB_RETURN_IF_ERROR(Call("DB_ENV->log_flush", [&] { return env_->log_flush(env_, nullptr); }, &ret));
  if (ret != 0) return Status::IOError("unable to flush the log of " + Quote(layout_.home) + ": " + errors_->Take(ret));
  return Status::OK();
}

Status LiveEnvironment::ListLogs(uint32_t flags, const char* what, std::vector<uint32_t>* numbers) {
  char** list = nullptr;
  int ret = 0;
  BDB_RETURN_IF_ERROR(Call("DB_ENV->log_archive", [&] { return env_->log_archive(env_, &list, flags); }, &ret));
  if (ret != 0) {
    return Status::IOError(std::string("unable to list ") + what + " of " + Quote(layout_.home) + ": " +
                           errors_->Take(ret));
  }
  numbers->clear();
  Status status;
  for (char** p = list; p != nullptr && *p != nullptr; ++p) {
    uint32_t n = 0;
    if (!ParseLogFileName(BaseName(*p), &n)) {
      status = Status::IOError(std::string("unable to list ") + what + " of " + Quote(layout_.home) +
                               ": unexpected log file name " + Quote(*p));
      break;
    }
    numbers->push_back(n);
  }
  ::free(list);  // one allocation holds the array and the strings
  std::sort(numbers->begin(), numbers->end());
  return status;
}

Status LiveEnvironment::ListAllLogs(std::vector<uint32_t>* numbers) {
  return ListLogs(DB_ARCH_LOG, "log files", numbers);
}

Status LiveEnvironment::ListRemovableLogs(std::vector<uint32_t>* numbers) {
  return ListLogs(0, "removable log files", numbers);
}

Status LiveEnvironment::ListDatabaseFiles(std::vector<std::string>* rel_paths) {
  std::set<std::string> found;
  std::vector<std::string> dirs = {layout_.home};
  for (const auto& d : layout_.data_dirs) {
    if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
  }
  for (const auto& dir : dirs) {
    FileInfo dir_info;
    BDB_RETURN_IF_ERROR(io_->Stat(dir, &dir_info));
    // BDB creates data dirs lazily; a data dir may be a symbolic link in the home (followed).
    if (!dir_info.exists || (!dir_info.is_dir && !dir_info.is_symlink)) continue;
    std::vector<std::string> names;
    BDB_RETURN_IF_ERROR(io_->ListDir(dir, &names));
    for (const auto& name : names) {
      uint32_t n = 0;
      if (name.rfind("__db.", 0) == 0 || name == "DB_CONFIG" || ParseLogFileName(name, &n)) continue;
      const std::string path = JoinPath(dir, name);
      FileInfo info;
      BDB_RETURN_IF_ERROR(io_->Stat(path, &info));
      if (!info.exists || info.is_dir || info.is_symlink) continue;
      std::unique_ptr<ReadableFile> file;
      Status s = io_->OpenForRead(path, &file);
      if (s.IsNotFound()) continue;  // removed since the listing
      BDB_RETURN_IF_ERROR(s);
      char head[16];
      size_t got = 0;
      BDB_RETURN_IF_ERROR(file->Pread(0, sizeof(head), head, &got));
      if (HasDatabaseMagic(head, got)) found.insert(RelativeToHome(layout_.home, path));
    }
  }
  rel_paths->assign(found.begin(), found.end());
  return Status::OK();
}

Status LiveEnvironment::CurrentLsn(Lsn* lsn) {
  Lsn synced;
  return LogPositions(lsn, &synced);
}

Status LiveEnvironment::LogPositions(Lsn* current, Lsn* synced) {
  DB_LOG_STAT* stat = nullptr;
  int ret = 0;
  BDB_RETURN_IF_ERROR(Call("DB_ENV->log_stat", [&] { return env_->log_stat(env_, &stat, 0); }, &ret));
  if (ret != 0) return Status::IOError("unable to read the log position of " + Quote(layout_.home) + ": " + errors_->Take(ret));
  *current = Lsn{stat->st_cur_file, stat->st_cur_offset};
  *synced = Lsn{stat->st_disk_file, stat->st_disk_offset};
  ::free(stat);
  return Status::OK();
}

Status LiveEnvironment::RegionReferences(int* refs) {
  // stat_print reports through the msgcall; we capture into a thread-local buffer.
  static thread_local std::string* sink = nullptr;
  std::string output;
  sink = &output;
  auto on_message = [](const DB_ENV*, const char* msg) {
    if (sink != nullptr && msg != nullptr) sink->append(msg).append("\n");
  };
  env_->set_msgcall(env_, on_message);
  int ret = 0;
  Status called = Call("DB_ENV->stat_print", [&] { return env_->stat_print(env_, 0); }, &ret);
  env_->set_msgcall(env_, nullptr);
  sink = nullptr;
  BDB_RETURN_IF_ERROR(called);
  if (ret != 0) {
    return Status::IOError("unable to read the region reference count of " + Quote(layout_.home) + ": " +
                           errors_->Take(ret));
  }
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos || line.compare(tab + 1, std::string::npos, "References") != 0) continue;
    *refs = std::atoi(line.substr(0, tab).c_str());
    return Status::OK();
  }
  return Status::IOError("unable to read the region reference count of " + Quote(layout_.home) +
                         ": stat_print printed no References line");
}

Status LiveEnvironment::CountOtherHandles(int* others) {
  int refs = 0;
  BDB_RETURN_IF_ERROR(RegionReferences(&refs));
  *others = std::max(refs - 1, 0);
  return Status::OK();
}

Status LiveEnvironment::CountOtherUsers(int* others, std::string* detail) {
  int refs = 0;
  BDB_RETURN_IF_ERROR(RegionReferences(&refs));
  *others = std::max(refs - 1, 0);
  char resolved[PATH_MAX];
  std::string region = JoinPath(layout_.home, "__db.001");
  if (::realpath(region.c_str(), resolved) != nullptr) region = resolved;
  const pid_t self = ::getpid();
  std::vector<pid_t> pids;
  int live_handles = 0;
  for (const auto& [pid, count] : CountMappings([&](std::string_view path) { return path == region; })) {
    int handles = pid == self ? count - 1 : count;  // one mapping is our own handle
    if (handles <= 0) continue;
    pids.push_back(pid);
    live_handles += handles;
  }
  std::string pid_list;
  for (pid_t p : pids) pid_list += (pid_list.empty() ? "" : ", ") + std::to_string(p);
  const std::string who = " (" + std::string(pids.size() == 1 ? "pid " : "pids ") + pid_list + ")";
  const int stale = *others - live_handles;
  if (*others == 0) {
    *detail = "no other process";
  } else if (stale <= 0) {
    *detail = Plural(*others, "other process", "other processes") + who;
  } else if (live_handles == 0) {
    *detail = Plural(stale, "stale region reference", "stale region references") +
              " and no process maps the regions; run db5.3_recover";
  } else {
    *detail = Plural(live_handles, "other process", "other processes") + who + " and " +
              Plural(stale, "stale region reference", "stale region references") + "; run db5.3_recover";
  }
  return Status::OK();
}

}  // namespace bdb
