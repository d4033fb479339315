// Validation of relative paths that come from manifests or user input, so a
// crafted manifest can never make restore or verify read or write outside the
// directory it works in (no absolute paths, no "..", no symlinked components).
// Thread-safety: free functions without state; ResolveInside only reads
// through the given FileIO.
#pragma once

#include <string>

#include "base/file_io.h"
#include "base/status.h"

namespace bdb {

// Longest relative path accepted (PATH_MAX on Linux).
inline constexpr size_t kMaxRelativePathBytes = 4096;

// OK for "a.db", "data/a.db", "log/log.0000000001". InvalidArgument for an
// empty path, an absolute one, a NUL byte, more than kMaxRelativePathBytes,
// or an empty, "." or ".." component, e.g.
// "manifest path '../x' climbs out of the backup".
Status ValidateRelativePath(const std::string& rel);

// Validates rel, sets *abs = JoinPath(root, rel), and checks with lstat that
// no existing component below root (root itself is trusted) is a symbolic link:
// InvalidArgument "'<path>' is a symbolic link". Missing components are fine.
Status ResolveInside(FileIO* io, const std::string& root, const std::string& rel, std::string* abs);

}  // namespace bdb
