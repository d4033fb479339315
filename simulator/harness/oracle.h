// The oracle: decides whether a recovered environment (restored from a backup,
// or the live one after a crash and recovery) kept every acknowledged commit.
// It opens the environment itself (private, read-only use), reads every record
// of a.db and b.db with cursors, regenerates every expected value from the
// WorkloadConfig and checks the four rules of docs/contracts.md against the AckLedger.
// Stateless free function; thread-safe for different homes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/workload/ack_ledger.h"
#include "simulator/workload/workload_config.h"

namespace bdb::sim {

// One broken rule. rule: 1 acked txn missing or wrong, 2 something visible that
// should not be (aborted / never committed / partial txn / not a payload),
// 3 hole in commit order, 4 DB->verify (or the environment cannot be read).
struct OracleViolation {
  int rule = 0;
  uint64_t txn = 0;      // 0 when not about one txn
  std::string database;  // "a.db", "b.db" or ""
  std::string key;       // printable, or ""
  std::string detail;
  std::string Describe() const;  // "rule 1: txn 4294967299 a.db 'f/...': <detail>"
};

struct OracleReport {
  static constexpr size_t kMaxViolations = 100;
  bool ok = true;
  std::vector<OracleViolation> violations;  // the first kMaxViolations
  uint64_t violations_omitted = 0;          // the rest, counted
  uint64_t records = 0;  // records read from both databases
  uint64_t present = 0;  // txns with any record visible
  uint64_t acked = 0;    // txns acknowledged at or before the cutoff
  uint64_t missing = 0;  // of those, not present at all
  uint64_t extra = 0;    // present but not acknowledged before the cutoff (allowed)
  uint64_t lost_suffix = 0;  // missing acked txns accepted under allow_lost_suffix
  uint64_t after_point = 0;  // txns that began after a restore point (each checked absent)
  // Not serialized: the oracle's reader process outlived its time limit and
  // was killed (the harness reports HANG, not a rule violation).
  bool timed_out = false;
  void Add(OracleViolation v);
  // One line: "ok: 480 acked, 0 missing, ..." or "FAILED: 3 violations (first: ...)".
  std::string Summary() const;
};

// Checks the environment at recovered_home (already recovered, no process
// using it). cutoff_seq: rule 1 covers txns whose A line has ledger seq <= it.
// allow_lost_suffix (nosync / write_nosync durability): acked txns may be
// missing as long as the present set stays prefix-closed (rule 3), i.e. only a
// suffix of the commit order was lost; their number is reported as lost_suffix.
// absent_from_unix_ms (point-in-time restores; 0 = none): every txn whose
// commit began at or after it (workload clock, "S" line) must be absent.
// acks_only (bdbsim certify: the ledger is an ack file kept on another
// machine, which only knows acknowledgements): a visible txn with no S line is
// not a violation unless it is a deliberate abort; its commit may have
// returned after the last acknowledgement that reached the ledger (counted in
// extra). Every other rule applies as usual.
// A database that cannot be opened or read is a rule 4 violation, and rules
// 1-3 still run over what the others hold, so its commits count as missing
// (a LOSS), unless skip_rules_if_unreadable (the live environment after a
// power cut, where a torn page BDB refuses is the documented damage): then
// only the rule 4 violation is reported.
// already_verified: databases (paths relative to the home, as VerifyDatabases
// takes them) DB->verify already passed in this very directory, as recovered
// (bdbackup verify's kept trial restore): rule 4 does not run DB->verify on
// them again. Every other database is verified as usual.
OracleReport CheckEnvironment(const std::string& recovered_home, const AckLedger& ledger, uint64_t cutoff_seq,
                              const WorkloadConfig& config, bool allow_lost_suffix,
                              int64_t absent_from_unix_ms = 0, bool acks_only = false,
                              bool skip_rules_if_unreadable = false);
// The same, from a snapshot of the ledger (AckLedger::Snapshot()).
OracleReport CheckEnvironment(const std::string& recovered_home, const std::vector<TxnRecord>& ledger,
                              uint64_t cutoff_seq, const WorkloadConfig& config, bool allow_lost_suffix,
                              int64_t absent_from_unix_ms = 0, bool acks_only = false,
                              bool skip_rules_if_unreadable = false,
                              const std::vector<std::string>& already_verified = {});

}  // namespace bdb::sim
