// ListQueueExtents: "__dbq.<name>.<n>" files beside each queue database.
#include "engine/bdb/queue_extents.h"

#include <db.h>

#include <algorithm>
#include <cctype>

#include "engine/bdb/database_file.h"

namespace bdb {

Status ListQueueExtents(FileIO* io, const std::string& home, const std::vector<std::string>& rel_paths,
                        std::vector<QueueExtent>* extents) {
  extents->clear();
  for (const auto& rel : rel_paths) {
    DatabaseFileInfo info;
    const bool absolute = rel.front() == '/';  // in a data directory outside the home
    Status s = ReadDatabaseFileInfo(io, absolute ? rel : JoinPath(home, rel), &info);
    if (s.IsNotFound()) continue;  // removed since the listing
    BDB_RETURN_IF_ERROR(s);
    if (info.magic != DB_QAMMAGIC) continue;
    const std::string rel_dir = rel.find('/') == std::string::npos ? "" : DirName(rel);
    const std::string prefix = "__dbq." + BaseName(rel) + ".";
    std::vector<std::string> names;
    BDB_RETURN_IF_ERROR(io->ListDir(absolute ? rel_dir : JoinPath(home, rel_dir), &names));
    for (const auto& name : names) {
      if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string number = name.substr(prefix.size());
      if (!std::all_of(number.begin(), number.end(), [](unsigned char c) { return std::isdigit(c); })) continue;
      extents->push_back(QueueExtent{JoinPath(rel_dir, name), info.page_size});
    }
  }
  std::sort(extents->begin(), extents->end(), [](const QueueExtent& a, const QueueExtent& b) { return a.rel < b.rel; });
  return Status::OK();
}

}  // namespace bdb
