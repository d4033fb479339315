#include "simulator/ack_ledger.h"

#include <charconv>

#include <fmt/format.h>

#include "simulator/payload.h"

namespace bdb::sim {

Status AckLedger::Consume(std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t seq = ++seq_;
  auto bad = [&]() {
    Status s = Status::InvalidArgument(fmt::format("bad workload protocol line '{}'", line));
    if (error_.ok()) error_ = s;
    return s;
  };
  if (line == "R") ready_ = true;
  else if (line == "D") done_ = true;
  else if (line == "C") ++checkpoints_;
  else if (line == "P") paused_ = true;
  else if (line == "U") paused_ = false;
  else {
    if (line.size() < 3 || line[1] != ' ' || (line[0] != 'S' && line[0] != 'A' && line[0] != 'X')) return bad();
    uint64_t txn = 0;
    auto [end, ec] = std::from_chars(line.data() + 2, line.data() + line.size(), txn);
    if (ec != std::errc() || end != line.data() + line.size()) return bad();
    TxnRecord& r = txns_[txn];
    r.txn = txn;
    r.thread = TxnThread(txn);
    switch (line[0]) {
      case 'S':
        r.start_seq = seq;
        break;
      case 'A':
        if (r.ack_seq == 0) ++acked_;
        r.ack_seq = seq;
        break;
      default:  // 'X'
        if (!r.aborted) ++aborted_;
        r.aborted = true;
        break;
    }
  }
  cv_.notify_all();
  return Status::OK();
}

void AckLedger::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

uint64_t AckLedger::Cutoff() const { std::lock_guard<std::mutex> l(mu_); return seq_; }
uint64_t AckLedger::AckedCount() const { std::lock_guard<std::mutex> l(mu_); return acked_; }
uint64_t AckLedger::AbortedCount() const { std::lock_guard<std::mutex> l(mu_); return aborted_; }
uint64_t AckLedger::CheckpointCount() const { std::lock_guard<std::mutex> l(mu_); return checkpoints_; }
bool AckLedger::ready() const { std::lock_guard<std::mutex> l(mu_); return ready_; }
bool AckLedger::done() const { std::lock_guard<std::mutex> l(mu_); return done_; }
bool AckLedger::paused() const { std::lock_guard<std::mutex> l(mu_); return paused_; }
bool AckLedger::closed() const { std::lock_guard<std::mutex> l(mu_); return closed_; }
Status AckLedger::error() const { std::lock_guard<std::mutex> l(mu_); return error_; }

std::vector<TxnRecord> AckLedger::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TxnRecord> out;
  out.reserve(txns_.size());
  for (const auto& [id, r] : txns_) out.push_back(r);
  return out;
}

bool AckLedger::WaitUntil(std::chrono::milliseconds timeout, const std::function<bool()>& pred_locked) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return pred_locked() || closed_; });
  return pred_locked();
}

}  // namespace bdb::sim
