// The backup agent: runs one engine procedure (backup or archive) in its own
// process (`bdbsim __agent REQUEST.json`) under the trial's copy-side faults,
// so a crash of the backup is a real SIGKILL and the harness's own state is
// never at risk. The request carries its step's part of the trial plan; the
// request codec is plan_codec.h.
// The response (one JSON document on stdout) carries the status, the
// published backup id and the faults that fired.
#pragma once

#include "simulator/agent/copy_window_file_io.h"

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "simulator/plan/scenario.h"
#include "simulator/plan/trial_plan.h"

namespace bdb::sim {

enum class AgentOp { kBackup, kArchive, kRestore };
inline const EnumNames<AgentOp> kAgentOpNames = {
    {"backup", AgentOp::kBackup}, {"archive", AgentOp::kArchive}, {"restore", AgentOp::kRestore}};

struct AgentRequest {
  AgentOp op = AgentOp::kBackup;
  std::string home, repo;
  BackupMode mode = BackupMode::kHot;
  bool checkpoint = false;
  bool recover_as_you_go = false;
  Copier copier = Copier::kVerified;
  bool hold_hotbackup = false;     // BackupRequest::hold_hotbackup
  bool announce_hotbackup = true;  // false: negative control (EngineContext::announce_hotbackup)
  std::string password;            // the encrypted environment's ("" = none); the request file is 0600
  DurabilityShortcut durability_shortcut = DurabilityShortcut::kNone;  // negative controls only
  std::string restore_target;      // kRestore: the target directory
  std::string restore_backup;      // kRestore: the backup id
  int compress_level = 0;          // BackupRequest/ArchiveRequest::compress_level (0 = raw)
  std::string repository_key;      // encrypted repository: its key as 64 hex digits ("" = none); the file is 0600
  AgentFaultPlan faults;  // this step's part of the trial plan
  // The workload's power-loss journal, "" = none. The agent (AgentMain only:
  // the hooks are process-wide) appends its own writes and fsyncs of the
  // environment to it, so a power cut after its checkpoint keeps what that
  // checkpoint made durable.
  std::string power_journal;
};

struct AgentEvent {
  int64_t at_ms = 0;
  std::string kind, detail;
};

// A file (and page) that a fault which fired changed: what a detection must
// name to be explained by it.
struct AgentTouch {
  FaultKind kind = FaultKind::kTornRead;  // kTornRead, kMmapFault or kIoError
  std::string file;                       // the path as the agent saw it
  int64_t page = -1;                      // torn page, -1 when not about a page
};

struct AgentResponse {
  bool ok = false;
  Status::Code code = Status::Code::kOk;  // when !ok
  std::string message;                    // Status message when !ok
  std::string backup_id;
  uint64_t page_rereads = 0;
  std::vector<AgentEvent> faults;
  std::vector<AgentTouch> touched;
  uint64_t journaled_ops = 0;      // file-system operations of the engine journaled
  bool reached_cut_phase = false;  // an operation of the planned cut's phase ran
  // When the engine read the live environment's database files and logs.
  CopyWindow database_reads, log_reads;
};

std::string AgentResponseToJson(const AgentResponse& r);
Status AgentResponseFromJson(const std::string& json, AgentResponse* r);

// Starts the stderr line of an agent killed at its planned read:
// "<marker><n> of '<path>'".
inline constexpr const char* kAgentCrashMarker = "bdbsim agent: crash at read #";

// Runs the request in this process (the agent's main). Never throws.
// cut_counter_path: with a power journal, where to create the cut counter
// shared with the recovery helper, which is then bdbsim-recover (its
// environment set by the caller: ExportRecoverHelperEnvironment); "" = the
// default helper, BDB's recovery writes not journaled.
AgentResponse RunAgentRequest(const AgentRequest& request, const std::string& cut_counter_path = "");

// The agent's entry point: reads the request file, prints the response.
int AgentMain(const std::string& request_path);

}  // namespace bdb::sim
