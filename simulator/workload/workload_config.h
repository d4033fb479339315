// WorkloadConfig: everything the bdbsim-workload process needs to run one
// trial's transactional workload, written by the harness as a JSON file and
// read back by the workload (and by the oracle, which regenerates expected
// values from it). A plain value; copies are independent.
#pragma once

#include <cstdint>
#include <string>

#include "base/enum_names.h"
#include "base/status.h"

namespace bdb::sim {

// How a commit reaches the disk: DB_TXN_SYNC (the default), DB_TXN_WRITE_NOSYNC
// or DB_TXN_NOSYNC. Spelled "sync", "write_nosync", "nosync" in the JSON.
enum class CommitDurability { kSync, kWriteNoSync, kNoSync };
inline const EnumNames<CommitDurability> kCommitDurabilityNames = {{"sync", CommitDurability::kSync},
                                                                   {"write_nosync", CommitDurability::kWriteNoSync},
                                                                   {"nosync", CommitDurability::kNoSync}};
const char* CommitDurabilityName(CommitDurability d);
// The environment call an injected I/O error fails: "write" or "fsync".
enum class WorkloadIoOp { kWrite, kFsync };
inline const EnumNames<WorkloadIoOp> kWorkloadIoOpNames = {{"write", WorkloadIoOp::kWrite},
                                                           {"fsync", WorkloadIoOp::kFsync}};
const char* WorkloadIoOpName(WorkloadIoOp op);

struct WorkloadConfig {
  uint64_t seed = 1;
  std::string home;                     // environment directory (created if missing)
  uint64_t txns = 1000;                 // acknowledged-commit target
  uint32_t threads = 2;
  uint32_t keys_per_txn_min = 1;        // fresh keys per txn (plus one slot key per database)
  uint32_t keys_per_txn_max = 4;
  uint32_t value_bytes_min = 16;        // raised to the payload header size if smaller
  uint32_t value_bytes_max = 512;
  uint32_t abort_percent = 10;          // txns aborted on purpose
  uint32_t page_size = 4096;
  bool checksums = true;                // DB_CHKSUM
  uint64_t cache_bytes = 262144;
  uint64_t checkpoint_every_txns = 50;  // 0: never
  uint64_t log_file_bytes = 262144;
  CommitDurability durability = CommitDurability::kSync;
  std::string journal_path;             // "" = no power-loss recording
  uint64_t crash_at_write = 0;          // 0 = none; else SIGKILL self at the n-th hooked write
  bool hold_after_done = false;         // stay alive after "D" until killed
  std::string pause_file;               // while it exists, writers pause before each txn
  // While load_file exists the writers keep committing past `txns` (up to
  // txns_max, 0 = 20 x txns), and a writer at the target waits for it instead
  // of finishing: the harness keeps load on for as long as a backup runs.
  std::string load_file;
  uint64_t txns_max = 0;
  uint64_t load_pace_us = 0;  // past `txns`, each writer sleeps this long after each txn
  // Past `txns`, load lasts at most this long after the load file was made
  // (its mtime), however long the harness keeps it; 0 = as long as it exists.
  uint64_t load_max_ms = 0;
  // SIGUSR1 arms a crash: the workload reads a count n from crash_arm_file and
  // SIGKILLs itself at its n-th hooked write from then on.
  std::string crash_arm_file;
  uint64_t txn_pause_us = 0;            // each writer sleeps this long after each txn (an application's pace)
  // An I/O error under BDB (libfiu, see power_loss_journal.h): the io_error_nth
  // write or fsync of an environment file fails with io_error_errno. 0 = none.
  WorkloadIoOp io_error_op = WorkloadIoOp::kWrite;
  uint64_t io_error_nth = 0;
  int io_error_errno = 5;               // EIO
  bool io_error_short_write = false;    // write only: half the bytes land first
  // Application settings the engine must cope with:
  bool bulk = false;             // every txn begins with DB_TXN_BULK
  bool log_auto_remove = false;  // DB_CONFIG: set_flags DB_LOG_AUTO_REMOVE
  bool queue = false;            // also q.db: a queue database with extent files (payload.h)
  bool close_nosync = false;     // DB->close(DB_NOSYNC): dirty pages stay in the environment's cache
  std::string data_dir;          // DB_CONFIG: set_data_dir <data_dir> ("" = databases at the top)
  // DB_ENCRYPT_AES with this password ("" = not encrypted); the harness makes
  // one per trial (the file is the trial sandbox's, mode 0600).
  std::string password;
};

// Serializes to a JSON document (keys_per_txn and value_bytes as [min, max];
// enums by their names, which the reader maps back and refuses if unknown).
std::string WorkloadConfigToJson(const WorkloadConfig& config);

// Parses JSON; missing keys keep their defaults. InvalidArgument
// "invalid workload config: <why>" on bad JSON, types or values.
Status WorkloadConfigFromJson(const std::string& json, WorkloadConfig* config);

// Checks ranges and names: InvalidArgument "invalid workload config: <why>".
Status ValidateWorkloadConfig(const WorkloadConfig& config);

// Writes / reads the JSON file. IOError "unable to write file '<p>': <why>",
// NotFound "unable to open file '<p>': No such file or directory".
Status SaveWorkloadConfig(const WorkloadConfig& config, const std::string& path);
Status LoadWorkloadConfig(const std::string& path, WorkloadConfig* config);

}  // namespace bdb::sim
