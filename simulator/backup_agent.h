// The backup agent: runs one engine procedure (backup or archive) in its own
// process (`bdbsim __agent REQUEST.json`) under the trial's copy-side faults,
// so a crash of the backup is a real SIGKILL and the harness's own state is
// never at risk. The request says which faults to inject; every decision is
// drawn from the trial seed, so the same request replays the same faults.
// The response (one JSON document on stdout) carries the status, the
// published backup id and the faults that fired.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/status.h"

namespace bdb::sim {

struct AgentRequest {
  std::string op = "backup";  // "backup" | "archive"
  std::string home, repo;
  std::string mode = "hot";   // backup mode
  bool checkpoint = false;
  bool recover_as_you_go = false;
  std::string copier = "verified";  // verified | unverified | mmap
  uint64_t seed = 0;
  // Torn reads (boundary 512) and mmap-style faults (boundary 4096): pages torn, 0 = none.
  uint64_t torn_pages = 0;
  uint32_t torn_boundary_bytes = 512;
  std::string torn_order = "seeded";  // old_new | new_old | seeded
  uint64_t mmap_fault_pages = 0;
  // I/O error: the n-th call of `io_point` fails with io_errno; io_nth = 0 = none.
  std::string io_point;  // read | write | fsync | rename | open
  uint64_t io_nth = 0;
  int io_errno = 0;
  bool io_short_write = false;
  uint64_t crash_at_read = 0;  // SIGKILL at the n-th file read of the procedure; 0 = never
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

struct AgentResponse {
  bool ok = false;
  std::string code;     // Status code name when !ok
  std::string message;  // Status message when !ok
  std::string backup_id;
  uint64_t page_rereads = 0;
  std::vector<AgentEvent> faults;
};

std::string AgentRequestToJson(const AgentRequest& r);
Status AgentRequestFromJson(const std::string& json, AgentRequest* r);
std::string AgentResponseToJson(const AgentResponse& r);
Status AgentResponseFromJson(const std::string& json, AgentResponse* r);

// Runs the request in this process (the agent's main). Never throws.
AgentResponse RunAgentRequest(const AgentRequest& request);

// The agent's entry point: reads the request file, prints the response.
int AgentMain(const std::string& request_path);

}  // namespace bdb::sim
