// The ack file: what `certify listen` keeps for one run, on a machine whose
// power is not cut, and what `certify check` judges the device against. Text,
// one record per line, appended and fsynced by the listener before it replies:
//   "# bdbsim certify acknowledgements, format 1"   first line
//   "H <run_id> <listener_unix_ms> <peer> <config JSON>"   each connection of the run
//   "M <listener_unix_ms> <json>"                    device measurements sent by the run
//   "A <txn> <device_unix_ms> <listener_unix_ms>"   an acknowledged commit
// A last line without its '\n' (the listener's own machine died mid-append) is
// ignored. AckFileWriter is used by one connection at a time; ReadAckFile is a
// plain function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace bdb::sim::certify {

inline constexpr const char* kAckFileHeader = "# bdbsim certify acknowledgements, format 1";

struct AckEntry {
  uint64_t txn = 0;
  int64_t device_unix_ms = 0;    // when commit returned, by the device's clock
  int64_t listener_unix_ms = 0;  // when the listener recorded it
};

struct AckFileContents {
  std::string run_id;
  std::string config_json;            // the workload configuration of the run (from the first H line)
  std::string peer;                   // where the run connected from
  int64_t hello_unix_ms = 0;
  int connections = 0;                // H lines
  std::vector<nlohmann::json> measurements;  // M lines, in order
  std::vector<AckEntry> acks;         // in the order they were recorded
  bool torn_last_line = false;
};

// Parses path. NotFound "unable to open ack file '<p>': ..."; Corruption
// "ack file '<p>' line <n>: <why>" for a line that is not one of the above.
Status ReadAckFile(const std::string& path, AckFileContents* out);

// Appends lines to an ack file and makes them durable.
class AckFileWriter {
 public:
  ~AckFileWriter();
  // Opens (creating, with the header line) path for appending.
  // IOError "unable to open ack file '<p>': <why>".
  Status Open(const std::string& path);
  // Appends text (whole lines) and fdatasyncs. IOError naming the file.
  Status AppendAndSync(const std::string& text);
  // The run id of the file's first H line, "" when it has none yet.
  static std::string BoundRunId(const std::string& path);

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace bdb::sim::certify
