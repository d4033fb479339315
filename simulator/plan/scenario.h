// Scenario: one scenario file (TOML, documented in scenarios/README.md) as typed
// values with every default applied and its schedule of steps made explicit.
// The loader is strict: unknown keys, wrong types, out-of-range values and
// impossible schedules are InvalidArgument errors naming file, line and key.
// Thread-safety: a Scenario is a plain value; the loader functions are reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/enum_names.h"
#include "base/status.h"
#include "engine/repository/backup_mode_name.h"
#include "simulator/faults/power_loss_journal.h"
#include "simulator/faults/durability_shortcut_file_io.h"
#include "simulator/faults/io_error_injector.h"
#include "simulator/faults/torn_read_file_io.h"
#include "simulator/faults/write_phase.h"
#include "simulator/workload/workload_config.h"

namespace bdb::sim {

// An inclusive range [min, max] from which a trial's seed draws one value.
struct Range {
  int64_t min = 0;
  int64_t max = 0;
  bool operator==(const Range&) const = default;
};

// Each enum with its one spelling (scenario files, the agent's JSON, reports).
enum class Expect { kPass, kCaught };
inline const EnumNames<Expect> kExpectNames = {{"pass", Expect::kPass}, {"caught", Expect::kCaught}};
// How the workload commits: the workload's own enum and spelling.
using Durability = CommitDurability;
enum class BackupMethod { kEngine, kCommand };
inline const EnumNames<BackupMethod> kBackupMethodNames = {{"engine", BackupMethod::kEngine},
                                                           {"command", BackupMethod::kCommand}};
// The engine's own, spelled as its command line and manifests spell it.
using BackupMode = ::bdb::BackupMode;
enum class Copier { kVerified, kUnverified, kMmap };
inline const EnumNames<Copier> kCopierNames = {
    {"verified", Copier::kVerified}, {"unverified", Copier::kUnverified}, {"mmap", Copier::kMmap}};
enum class CrashTarget { kWorkload, kBackup, kArchive };
inline const EnumNames<CrashTarget> kCrashTargetNames = {
    {"workload", CrashTarget::kWorkload}, {"backup", CrashTarget::kBackup}, {"archive", CrashTarget::kArchive}};
// PowerLossMode (all | none | subset) is the power-loss journal's own.
// The torn-read injector's order and the I/O error injector's call, with their spellings.
using TornOrder = TearOrder;
using IoPoint = IoOp;

// The spelling used in scenario files, e.g. "write_nosync"; for reports.
const char* ToString(Expect v);
const char* ToString(Durability v);
const char* ToString(BackupMethod v);
const char* ToString(BackupMode v);
const char* ToString(Copier v);
const char* ToString(CrashTarget v);
const char* ToString(PowerLossMode v);
const char* ToString(TornOrder v);
const char* ToString(IoPoint v);
const char* ToString(DurabilityShortcut v);

// workload.command and its oracle: an application runs as the workload and
// is judged by the exact prefix oracle (simulator/harness/app_oracle.h).
// Each is an argv with placeholders left as is ("{home}", "{ack}", "{dest}",
// "{n}", "{bin}"); a relative program path containing '/' is resolved
// against the scenario file's directory by the loader.
struct ApplicationSpec {
  std::vector<std::string> command;  // runs the application: "{home}", "{ack}"
  std::vector<std::string> replay;   // builds the state after the first "{n}" operations in "{dest}"
  std::vector<std::string> dump;     // prints a canonical dump of "{home}"
  std::vector<std::string> count;    // prints how many operations "{home}" holds
};

struct WorkloadSpec {
  // Set: the workload is this application, not the built-in one, and none
  // of the built-in workload's keys below but txns applies.
  std::optional<ApplicationSpec> application;
  int64_t txns = 1000;                 // acknowledged-commit target per trial
  int threads = 2;
  Range value_bytes{16, 4096};
  Range keys_per_txn{1, 4};
  int abort_percent = 10;
  uint32_t page_size = 4096;
  bool checksums = true;               // DB_CHKSUM
  int64_t cache_bytes = 262144;
  int64_t checkpoint_every_txns = 50;  // 0: never
  int64_t log_file_bytes = 262144;
  Durability durability = Durability::kSync;
  bool bulk = false;             // DB_TXN_BULK on every txn
  bool log_auto_remove = false;  // DB_CONFIG set_flags DB_LOG_AUTO_REMOVE
  std::string data_dir;          // DB_CONFIG set_data_dir; "" = databases at the top of the home
  bool encrypt = false;          // DB_ENCRYPT_AES with a password made per trial
  bool queue = false;            // also a queue database with extent files
  bool close_nosync = false;     // databases closed with DB_NOSYNC: dirty pages stay in the region's cache
  // Load past `txns` (while a backup, archive or check runs) lasts at most
  // this many seconds each time the harness turns it on; 0 = for as long as
  // the step runs.
  int64_t load_seconds = 0;
};

struct BackupSpec {
  BackupMethod method = BackupMethod::kEngine;
  BackupMode mode = BackupMode::kHot;
  int64_t start_after_txns = 0;        // default: workload.txns / 2
  bool checkpoint = false;
  Copier copier = Copier::kVerified;
  bool recover_as_you_go = false;
  bool hold_hotbackup = false;  // --hold-hotbackup on every hot backup and incremental
  // false: a negative control, the engine copies without announcing the hot
  // backup (no DB_HOTBACKUP_IN_PROGRESS); only the simulator's agent sets it.
  bool announce_hotbackup = true;
  DurabilityShortcut durability_shortcut = DurabilityShortcut::kNone;
  // backup.compress: "zstd" or "zstd:LEVEL" on every engine backup and
  // archive (--compress), parsed to a level; 0 = raw.
  int compress_level = 0;
  // backup.encrypt: every engine backup and archive writes an encrypted
  // repository (--encrypt-key-file) under a fresh random key per trial, which
  // verify and restore then need.
  bool encrypt = false;
  // The share of trials in which every listing of a directory of the home
  // (the program's, through the listing shim, or the engine's) puts log files
  // and the log directory first; the other trials get a seeded shuffle.
  double logs_first_share = 0.5;
  // method = command: argv with "{home}" and "{dest}" placeholders left as is;
  // a relative program path containing '/' is resolved against the scenario
  // file's directory by the loader.
  std::vector<std::string> command;
};

struct CrashFault {
  CrashTarget target = CrashTarget::kWorkload;
  Range at{1, 1};  // the n-th write (workload) or n-th page copied (backup, archive)
};
struct PowerLossFault {
  PowerLossMode mode = PowerLossMode::kSubset;
};
struct TornReadFault {
  int64_t boundary_bytes = 512;
  TornOrder order = TornOrder::kSeeded;
  Range pages{1, 4};  // how many page reads of one backup are torn
};
struct MmapFault {
  Range pages{1, 4};  // torn at 4096-byte boundaries
};
struct IoErrorFault {
  std::vector<IoPoint> points;
  int error_number = 0;  // EIO or ENOSPC
  double probability = 0.05;
  // The n-th call at the drawn point fails, n drawn from `at`; without it, from
  // [1, ceil(1 / probability)].
  std::optional<Range> at;
};

// An I/O error under BDB in the workload process (libfiu in its I/O hooks):
// the n-th write or fsync of an environment file fails.
struct WorkloadIoErrorFault {
  std::vector<IoPoint> points;  // "write" and/or "fsync"; one is drawn per trial
  int error_number = 0;         // EIO or ENOSPC (ENOSPC: half the writes store half their bytes first)
  Range at{1, 1};               // the n-th call of the drawn point
};

// A power cut on the backup side (a step's power_cut): the agent is
// SIGKILLed before its n-th journaled file-system operation counted from the
// first one in phase `from` (n drawn from `at`), or right after it exits if it
// has fewer, and the machine's unsynced writes and directory changes are lost
// per `mode`.
struct AgentPowerCut {
  WritePhase from = WritePhase::kSetup;
  Range at{1, 1};
  PowerLossMode mode = PowerLossMode::kSubset;
  bool operator==(const AgentPowerCut&) const = default;
};

struct FaultSpec {
  std::optional<CrashFault> crash;
  std::optional<PowerLossFault> power_loss;
  std::optional<TornReadFault> torn_read;
  std::optional<MmapFault> mmap_fault;
  std::optional<IoErrorFault> io_error;
  std::optional<WorkloadIoErrorFault> workload_io_error;
};

// One step of the schedule. Fields not used by an action keep their defaults.
struct Step {
  enum class Action {
    kWaitTxns,        // txns: wait until this many commits were acknowledged in all
    kBackup,          // mode, checkpoint
    kArchive,
    kCrash,           // target, at: workload killed now; backup/archive: arms the next one
    kPowerLoss,       // mode: the machine loses power now; unsynced writes dropped
    kRestoreCheck,    // backup_index, until_txn, live_logs
    kRecoverCheck,    // normal recovery of the crashed live environment, then the oracle
    kPromoteStandby,  // restore from standby/ and check
    kQuiesce,         // writers pause and the workload closes the environment
    kResume,
    kWorkloadDone,    // wait until the workload finished every txn and exited
    kExpire,          // keep_full, pin: bdbackup expire, then every backup still listed must verify
  };
  Action action = Action::kWaitTxns;
  int line = 0;                         // line of the [[steps]] table in the file
  int64_t txns = 0;                     // wait_txns
  BackupMode mode = BackupMode::kHot;   // backup
  bool checkpoint = false;              // backup
  CrashTarget target = CrashTarget::kWorkload;  // crash
  Range at{1, 1};                       // crash
  PowerLossMode power_loss_mode = PowerLossMode::kSubset;  // power_loss
  int backup_index = 0;                 // restore_check: 0 = latest, else 1-based backup step
  std::optional<int64_t> until_txn;     // restore_check: point in time right after txn N's ack
  bool live_logs = false;               // restore_check: also apply the live environment's logs
  int64_t keep_full = 0;                // expire: --keep-full
  int64_t pin = 0;                      // expire: --pin the backup of this 1-based backup step (0: none)
  std::optional<AgentPowerCut> power_cut;  // backup, archive, restore_check: cut power in its write path
  // backup: the engine must refuse this backup, publishing nothing, with a
  // Status of this code whose message contains this phrase.
  struct Refusal {
    Status::Code code = Status::Code::kCheckFailed;
    std::string phrase;  // a key phrase of the documented cause
    bool operator==(const Refusal&) const = default;
  };
  std::optional<Refusal> refused;
};

inline const EnumNames<Step::Action> kStepActionNames = {{"wait_txns", Step::Action::kWaitTxns},
                                                         {"backup", Step::Action::kBackup},
                                                         {"archive", Step::Action::kArchive},
                                                         {"crash", Step::Action::kCrash},
                                                         {"power_loss", Step::Action::kPowerLoss},
                                                         {"restore_check", Step::Action::kRestoreCheck},
                                                         {"recover_check", Step::Action::kRecoverCheck},
                                                         {"promote_standby", Step::Action::kPromoteStandby},
                                                         {"quiesce", Step::Action::kQuiesce},
                                                         {"resume", Step::Action::kResume},
                                                         {"workload_done", Step::Action::kWorkloadDone},
                                                         {"expire", Step::Action::kExpire}};
const char* ToString(Step::Action v);

struct Scenario {
  std::string source_path;  // as given to the loader
  std::string name;
  std::string description;
  Expect expect = Expect::kPass;
  int64_t trials = 10;
  std::optional<uint64_t> seed;  // base seed; bdbsim --seed overrides
  // expect = "pass": the share of trials whose named faults all fired
  // (exercised) must be at least this, or the scenario fails.
  double min_exercised = 0.8;
  // expect = "caught": the catch rate the control claims; the scenario fails
  // when the 95% interval of the measured rate lies wholly below it.
  double min_catch_rate = 0.5;
  WorkloadSpec workload;
  BackupSpec backup;
  FaultSpec faults;
  // [file_system] bdb_names: what a power cut does to BDB's own creates,
  // renames and unlinks in the live environment (power_loss_journal.h).
  BdbNames bdb_names = BdbNames::kDurable;
  std::vector<Step> steps;       // explicit, or the implicit schedule
  bool implicit_steps = false;   // true when the file has no [[steps]]
};

// Reads and validates one scenario file.
Status LoadScenarioFile(const std::string& path, Scenario* out);
// Validates `toml`; messages name `path_for_messages`; relative command paths
// resolve against its directory.
Status LoadScenarioString(const std::string& toml, const std::string& path_for_messages,
                          Scenario* out);
// Expands files and directories (every *.toml inside, in subdirectories too:
// a directory's own files by name, then each subdirectory's) and loads each; scenario names must be unique. Stops at the first error.
Status LoadScenarios(const std::vector<std::string>& paths, std::vector<Scenario>* out);

}  // namespace bdb::sim
