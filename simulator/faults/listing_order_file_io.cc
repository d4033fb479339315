#include "simulator/faults/listing_order_file_io.h"

#include <algorithm>

#include "base/random.h"
#include "engine/bdb/log_names.h"

namespace bdb::sim {
namespace {

bool IsLogEntry(const std::string& name) {
  uint32_t number = 0;
  return name == "log" || ParseLogFileName(name, &number);
}

}  // namespace

void OrderListing(const std::string& dir, bool logs_first, uint64_t seed, std::vector<std::string>* names) {
  std::sort(names->begin(), names->end());  // the same start whatever the file system gave
  SeededRng rng(seed ^ Fnv1a64(dir));
  for (size_t i = names->size(); i > 1; --i) std::swap((*names)[i - 1], (*names)[rng.Below(i)]);
  if (logs_first) std::stable_partition(names->begin(), names->end(), IsLogEntry);
}

Status ListingOrderFileIO::ListDir(const std::string& path, std::vector<std::string>* names) {
  BDB_RETURN_IF_ERROR(target()->ListDir(path, names));
  OrderListing(path, logs_first_, seed_, names);
  return Status::OK();
}

}  // namespace bdb::sim
