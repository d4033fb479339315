#include "base/safe_path.h"

#include <string_view>

namespace bdb {
namespace {

// The path as it can be shown in a one-line message (NUL bytes made visible).
std::string Printable(const std::string& rel) {
  std::string out;
  for (char c : rel) {
    if (c == '\0') {
      out += "\\0";
    } else {
      out += c;
    }
  }
  return out;
}

Status Refuse(const std::string& rel, const std::string& why) {
  return Status::InvalidArgument("manifest path '" + Printable(rel) + "' " + why);
}

}  // namespace

Status ValidateRelativePath(const std::string& rel) {
  if (rel.empty()) return Status::InvalidArgument("manifest path '' is empty");
  if (rel.size() > kMaxRelativePathBytes) {
    return Status::InvalidArgument("manifest path '" + Printable(rel.substr(0, 32)) + "...' is longer than " +
                                   std::to_string(kMaxRelativePathBytes) + " bytes");
  }
  if (rel.find('\0') != std::string::npos) return Refuse(rel, "contains a NUL byte");
  if (rel.front() == '/') return Refuse(rel, "is absolute");
  size_t start = 0;
  while (true) {
    size_t slash = rel.find('/', start);
    std::string_view part(rel.data() + start, (slash == std::string::npos ? rel.size() : slash) - start);
    if (part == "..") return Refuse(rel, "climbs out of the backup");
    if (part == ".") return Refuse(rel, "has a '.' component");
    if (part.empty()) return Refuse(rel, "has an empty component");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return Status::OK();
}

Status ResolveInside(FileIO* io, const std::string& root, const std::string& rel, std::string* abs) {
  BDB_RETURN_IF_ERROR(ValidateRelativePath(rel));
  std::string current = root;
  size_t start = 0;
  while (true) {
    size_t slash = rel.find('/', start);
    size_t end = slash == std::string::npos ? rel.size() : slash;
    current = JoinPath(current, rel.substr(start, end - start));
    FileInfo info;
    BDB_RETURN_IF_ERROR(io->Stat(current, &info));
    if (info.is_symlink) return Status::InvalidArgument("'" + current + "' is a symbolic link");
    // Below a missing component nothing can exist, so nothing can be a link.
    if (!info.exists || slash == std::string::npos) break;
    start = slash + 1;
  }
  *abs = JoinPath(root, rel);
  return Status::OK();
}

}  // namespace bdb
