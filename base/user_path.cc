#include "base/user_path.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/file_io.h"

namespace bdb {
namespace {

// The prefixes of path that end at a component boundary, shortest first:
// "a/b/c" -> "a", "a/b", "a/b/c"; "/x/y" -> "/x", "/x/y".
std::vector<std::string> Prefixes(const std::string& path) {
  std::vector<std::string> out;
  for (size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') out.push_back(path.substr(0, i));
  return out;
}

bool IsLink(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// A link whose target does not exist yet (a file about to be written through
// it) is replaced by its target, relative to the link's directory.
std::string FollowDanglingLinks(std::string path) {
  for (int hops = 0; hops < 40 && IsLink(path) && !Exists(path); ++hops) {
    char target[PATH_MAX];
    const ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    if (n <= 0) break;
    target[n] = '\0';
    const size_t slash = path.rfind('/');
    path = target[0] == '/' || slash == std::string::npos ? std::string(target) : path.substr(0, slash + 1) + target;
  }
  return path;
}

}  // namespace

Status ResolveUserPath(const std::string& given, std::string* resolved) {
  *resolved = given;
  const std::string path = FollowDanglingLinks(given);
  const std::vector<std::string> prefixes = Prefixes(path);
  bool linked = path != given;
  for (const std::string& p : prefixes) linked = linked || IsLink(p);
  if (!linked) return Status::OK();
  // The longest prefix that exists (following links) is resolved; the rest
  // of the path is appended as given.
  for (auto it = prefixes.rbegin(); it != prefixes.rend(); ++it) {
    if (!Exists(*it)) continue;
    char real[PATH_MAX];
    if (::realpath(it->c_str(), real) == nullptr)
      return Status::FromErrno(errno, "unable to resolve the path '" + given + "'");
    *resolved = std::string(real) + path.substr(it->size());
    return Status::OK();
  }
  *resolved = path;  // nothing exists: the caller reports it missing
  return Status::OK();
}

Status ResolveUserPathParent(const std::string& path, std::string* resolved) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const size_t slash = trimmed.rfind('/');
  if (slash == std::string::npos) {
    *resolved = path;
    return Status::OK();
  }
  std::string parent;
  BDB_RETURN_IF_ERROR(ResolveUserPath(slash == 0 ? "/" : trimmed.substr(0, slash), &parent));
  *resolved = JoinPath(parent, trimmed.substr(slash + 1));
  return Status::OK();
}

}  // namespace bdb
