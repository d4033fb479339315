// The last verify's result, kept in REPO/verify.json so `check` can report
// it: which backup, when, whether it passed and, if not, why. Written
// atomically (a uniquely named temporary file, fsync, rename, directory
// fsync), so concurrent verifies never leave a torn record: the last rename wins.
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/file_io.h"
#include "engine/repository/repository.h"
#include "base/status.h"

namespace bdb {

inline constexpr char kVerifyRecordName[] = "verify.json";

struct VerifyRecord {
  std::string backup_id;
  int64_t at_unix_ms = 0;  // when the verify finished
  bool ok = false;
  std::string problem;  // "" when ok
  bool operator==(const VerifyRecord&) const = default;
};

Status WriteVerifyRecord(FileIO* io, Repository* repo, const VerifyRecord& record);
// *record is nullopt when no verify was recorded. Corruption naming the file
// when it does not parse.
Status ReadVerifyRecord(FileIO* io, Repository* repo, std::optional<VerifyRecord>* record);

}  // namespace bdb
