// ListQueueExtents: the extent files of queue databases (set_q_extentsize):
// "__dbq.<database file name>.<n>" beside the database, holding its record
// pages without a meta page, so the database-file scan (which looks for a
// meta page magic) does not find them. A backup copies them as kind
// "extent"; BDB creates and removes them as records are added and consumed.
// Thread-safety: a pure function of the directories it reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/file_io.h"

namespace bdb {

struct QueueExtent {
  std::string rel;         // beside its database: relative to home, or absolute like it
  uint32_t page_size = 0;  // the queue database's page size
};

// For each database in rel_paths (relative to home) that is a queue, its
// extent files, sorted by path.
Status ListQueueExtents(FileIO* io, const std::string& home, const std::vector<std::string>& rel_paths,
                        std::vector<QueueExtent>* extents);

}  // namespace bdb
