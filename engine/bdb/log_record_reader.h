// LogRecordReader: reads the records of a directory of Berkeley DB log files
// through a private, log-only environment and one DB_LOGC (an encrypted
// environment's password applied), and closes both when destroyed. The two
// scans of log contents use it: unlogged bulk inserts (bulk_log_scan.h) and
// the newest commit a restore reaches (recovery_point.h).
// Thread-safety: one thread at a time, like the DB_LOGC it holds.
#pragma once

#include <db.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/bdb/bdb_environment.h"
#include "base/status.h"

namespace bdb {

// The u32 at byte `at` of a log record, 0 past its end (record layouts are
// in BDB 5.3's *.src files; every record starts with rectype u32, txnid u32).
uint32_t LogRecordU32(const DBT& rec, size_t at);

// __txn_regop: the record of a transaction's commit or abort.
inline constexpr uint32_t kTxnRegopRecord = 10;
inline constexpr uint32_t kTxnRegopCommit = 1;  // opcode@16; timestamp@20, int32 seconds

class LogRecordReader {
 public:
  // IOError "unable to read the logs in '<dir>': <why>".
  static Status Open(const std::string& log_dir, std::unique_ptr<LogRecordReader>* out);
  ~LogRecordReader();
  LogRecordReader(const LogRecordReader&) = delete;
  LogRecordReader& operator=(const LogRecordReader&) = delete;

  // flag: DB_FIRST, DB_NEXT, DB_LAST or DB_PREV. False at either end of the
  // log or on an error, which status() then names.
  bool Get(uint32_t flag, DB_LSN* lsn, DBT* rec);
  // OK unless a read failed: IOError "unable to read the logs in '<dir>': <why>".
  Status status();

 private:
  explicit LogRecordReader(std::string log_dir) : log_dir_(std::move(log_dir)) {}
  std::string log_dir_;
  DB_ENV* env_ = nullptr;
  DB_LOGC* cursor_ = nullptr;
  BdbErrorText errors_;
  int ret_ = 0;
};

}  // namespace bdb
