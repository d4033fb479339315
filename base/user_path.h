// Paths a user names (on the command line, in a config file, in an
// environment variable) are followed through symbolic links, as the shell
// and Berkeley DB's own utilities do: `/var/lib/app -> /srv/app` is the
// directory /srv/app. Paths inside a repository or a backup are not user
// paths: they are checked with safe_path.h, which refuses any link.
// Thread-safety: free functions without state (lstat and realpath only).
#pragma once

#include <string>

#include "base/status.h"

namespace bdb {

// *resolved = path when none of its existing components is a symbolic link
// (so messages keep naming what the user typed); otherwise the real path of
// its longest existing prefix followed by the components that do not exist
// yet. A link to something that does not exist yet (a file to be written
// through it) is replaced by its target, so the write goes where it points.
// IOError only when realpath fails for another reason than a missing file.
Status ResolveUserPath(const std::string& path, std::string* resolved);

// The same for the directory that will hold path (a restore target, a file
// to write): the parent is resolved, the last component kept, so a link at
// path itself is not followed.
Status ResolveUserPathParent(const std::string& path, std::string* resolved);

}  // namespace bdb
