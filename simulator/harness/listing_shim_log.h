// What the listing shim (simulator/shim/listing_shim.cc) saw in an external
// backup program, parsed from the lines it appended to its log: how many
// listings of the home it ordered, and when the program first opened and
// last closed a database file of the home (its database-copy window).
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace bdb::sim {

struct ShimObservations {
  uint64_t listings = 0;      // directories of the home the shim ordered
  uint64_t opens = 0;         // opens of database files of the home
  int64_t first_open_ms = 0;  // CLOCK_REALTIME ms; 0 = none
  int64_t last_close_ms = 0;  // 0 = none
  bool unclosed = false;      // a database file was still open when the program ended
};

// InvalidArgument "listing shim log line N is malformed: '<line>'".
Status ParseShimLog(const std::string& text, ShimObservations* out);

}  // namespace bdb::sim
