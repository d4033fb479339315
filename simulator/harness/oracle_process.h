// The oracle in its own process: Berkeley DB reading a damaged restored
// environment (or DB->verify on a corrupt page) can crash the reader, and a
// crash in bdbsim itself would end every trial of the campaign. The harness
// writes an OracleRequest to a file, runs `bdbsim __oracle REQUEST` and reads
// the OracleReport back as JSON; a reader that dies or hangs becomes a rule 4
// violation naming how it ended.
// Thread-safety: CheckEnvironmentInChild may run on many threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "simulator/harness/oracle.h"

namespace bdb::sim {

// Everything CheckEnvironment needs, as one value.
struct OracleRequest {
  std::string home;
  std::vector<TxnRecord> ledger;  // AckLedger::Snapshot()
  uint64_t cutoff_seq = 0;
  WorkloadConfig config;  // carries the environment's password, so the file is 0600
  bool allow_lost_suffix = false;
  int64_t absent_from_unix_ms = 0;
  bool acks_only = false;  // CheckEnvironment's acks_only (bdbsim certify)
  bool skip_rules_if_unreadable = false;  // CheckEnvironment's, for the live environment after a cut
  std::vector<std::string> already_verified = {};  // CheckEnvironment's: DB->verify passed them here already
};

// The JSON codec of the request and the report (one document each).
std::string OracleRequestToJson(const OracleRequest& request);
// InvalidArgument "invalid oracle request: <why>".
Status OracleRequestFromJson(const std::string& json, OracleRequest* request);
std::string OracleReportToJson(const OracleReport& report);
// InvalidArgument "invalid oracle report: <why>".
Status OracleReportFromJson(const std::string& json, OracleReport* report);

// Runs the oracle in `bdbsim_binary __oracle request_path` (the request is
// written there first) with a time limit. Whatever goes wrong around the
// reader (it cannot start, dies by a signal, times out, prints no report) is
// a failed report with one rule 4 violation saying so.
OracleReport CheckEnvironmentInChild(const std::string& bdbsim_binary, const std::string& request_path,
                                     const OracleRequest& request, int timeout_ms);

// `bdbsim __oracle REQUEST`: runs CheckEnvironment, prints the report's JSON
// on stdout; exit 0, or 2 with one line on stderr for a bad request.
int OracleMain(const std::string& request_path);

}  // namespace bdb::sim
