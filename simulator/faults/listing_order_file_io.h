// ListingOrderFileIO: a FileIOWrapper that serves every directory listing in
// an order drawn from the trial's seed instead of the order the file system
// (or PosixFileIO's sort) gives: log files and the log directory first, the
// rest shuffled ("logs first"), or everything shuffled. The backup agent puts
// it under the engine so that no verdict depends on listing order; the
// listing shim (simulator/shim/) does the same for external programs.
// Thread-safe: the order is a pure function of the seed and the directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/file_io.h"

namespace bdb::sim {

// Orders `names` (entries of directory `dir`) as described above.
void OrderListing(const std::string& dir, bool logs_first, uint64_t seed, std::vector<std::string>* names);

class ListingOrderFileIO : public FileIOWrapper {
 public:
  ListingOrderFileIO(FileIO* target, bool logs_first, uint64_t seed)
      : FileIOWrapper(target), logs_first_(logs_first), seed_(seed) {}
  Status ListDir(const std::string& path, std::vector<std::string>* names) override;

 private:
  const bool logs_first_;
  const uint64_t seed_;
};

}  // namespace bdb::sim
