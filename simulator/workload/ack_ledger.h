// AckLedger: the harness's record of what the workload process said on its
// protocol pipe, kept OUTSIDE the environment under test. Every line gets the
// next ledger sequence number as it arrives, so "acked before the backup
// started" is "ack_seq <= Cutoff() taken when the backup started".
// Protocol lines: "S <txn> [<unix_ms>]" (commit about to be called, at the
// workload's wall-clock time), "A <txn>" (commit returned 0; the ledger notes
// when it arrived), "X <txn>" (aborted on purpose), "W <n>" (the workload has
// written n database pages so far), "C" (checkpoint), "R" (ready),
// "D" (target reached), "P" (every writer paused by the pause file, no txn
// open), "U" (writers resumed). An application run as the workload
// (workload.command) reports only acknowledgements, "ack <n>" with n = 1, 2,
// 3, ... in order (ConsumeApplicationAck): its operations are numbered in
// commit order, and the first ack makes the ledger ready. Thread-safe: one reader thread feeds it while test or
// harness threads query and wait on it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace bdb::sim {

struct TxnRecord {
  uint64_t txn = 0;
  uint32_t thread = 0;
  uint64_t start_seq = 0;  // ledger seq of "S" (0: never seen)
  uint64_t ack_seq = 0;    // ledger seq of "A" (0: not acknowledged)
  bool aborted = false;    // "X" seen
  int64_t start_unix_ms = 0;  // the workload's clock when it called commit (0: not sent)
  int64_t ack_unix_ms = 0;    // the harness's clock when "A" arrived (0: not acknowledged)
};

class AckLedger {
 public:
  // Records one protocol line (without the newline). InvalidArgument
  // "bad workload protocol line '<line>'" for anything else; the line still
  // consumes a sequence number so ordering stays honest.
  Status Consume(std::string_view line);
  // Records one line of an application's ack file: "ack <n>", n the next
  // number. InvalidArgument "bad application ack line '<line>': expected
  // 'ack <n>'" for anything else (the line is not counted; error() keeps the
  // first). The n-th ack is the ledger's txn n.
  Status ConsumeApplicationAck(std::string_view line);
  // Marks the stream closed (the process exited or was killed); wakes waiters.
  void Close();

  // The current ledger sequence: every line consumed so far has seq <= it.
  uint64_t Cutoff() const;
  uint64_t AckedCount() const;
  uint64_t AbortedCount() const;
  uint64_t CheckpointCount() const;
  // Database page writes the workload reported ("W"), 0 before the first.
  uint64_t PageWrites() const;
  // Acknowledgements that arrived in [from_unix_ms, to_unix_ms] (the harness's clock).
  uint64_t AcksBetween(int64_t from_unix_ms, int64_t to_unix_ms) const;
  // The n-th acknowledgement in arrival order (1-based), or nullopt.
  std::optional<TxnRecord> NthAck(uint64_t n) const;
  // The last acknowledgement that arrived before unix_ms (the harness's clock), or nullopt.
  std::optional<TxnRecord> LastAckBefore(int64_t unix_ms) const;
  bool ready() const;
  bool done() const;
  bool paused() const;  // the last of P / U was P
  bool closed() const;
  // The first protocol error, if any.
  Status error() const;
  // Every txn seen, ordered by txn id.
  std::vector<TxnRecord> Snapshot() const;

  // Waits until pred(*this) holds (true), the stream closes or the timeout
  // passes (false, unless pred holds by then). pred runs under the lock and
  // must only call the *Locked accessors below.
  bool WaitUntil(std::chrono::milliseconds timeout, const std::function<bool()>& pred_locked);
  uint64_t acked_locked() const { return acked_; }
  bool ready_locked() const { return ready_; }
  bool done_locked() const { return done_; }
  bool paused_locked() const { return paused_; }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t seq_ = 0;
  uint64_t acked_ = 0;
  uint64_t aborted_ = 0;
  uint64_t checkpoints_ = 0;
  uint64_t page_writes_ = 0;
  std::vector<uint64_t> ack_order_;  // txn ids in the order their "A" arrived
  bool ready_ = false;
  bool done_ = false;
  bool paused_ = false;
  bool closed_ = false;
  Status error_;
  std::map<uint64_t, TxnRecord> txns_;
};

}  // namespace bdb::sim
