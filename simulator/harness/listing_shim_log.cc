#include "simulator/harness/listing_shim_log.h"

#include <fmt/format.h>

#include <map>
#include <sstream>

namespace bdb::sim {

Status ParseShimLog(const std::string& text, ShimObservations* out) {
  *out = ShimObservations();
  std::map<std::string, int64_t> open_count;
  std::istringstream lines(text);
  std::string line;
  for (int n = 1; std::getline(lines, line); ++n) {
    std::istringstream fields(line);
    std::string verb, path;
    int64_t number = 0;
    if (!(fields >> verb >> number) || number < 0 || !std::getline(fields >> std::ws, path) || path.empty() ||
        (verb != "list" && verb != "open" && verb != "close")) {
      return Status::InvalidArgument(fmt::format("listing shim log line {} is malformed: '{}'", n, line));
    }
    if (verb == "list") {
      ++out->listings;
    } else if (verb == "open") {
      ++out->opens;
      ++open_count[path];
      if (out->first_open_ms == 0 || number < out->first_open_ms) out->first_open_ms = number;
    } else {
      --open_count[path];
      out->last_close_ms = std::max(out->last_close_ms, number);
    }
  }
  for (const auto& [path, count] : open_count) out->unclosed |= count > 0;
  return Status::OK();
}

}  // namespace bdb::sim
