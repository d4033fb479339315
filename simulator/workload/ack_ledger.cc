#include "simulator/workload/ack_ledger.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "simulator/workload/payload.h"

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
    if (line.size() < 3 || line[1] != ' ' || std::string_view("SAXW").find(line[0]) == std::string_view::npos)
      return bad();
    const char* const last = line.data() + line.size();
    uint64_t txn = 0;
    auto [end, ec] = std::from_chars(line.data() + 2, last, txn);
    if (ec != std::errc()) return bad();
    int64_t start_unix_ms = 0;  // "S <txn> <unix_ms>": the optional third field
    if (line[0] == 'S' && end != last && *end == ' ') {
      auto [end2, ec2] = std::from_chars(end + 1, last, start_unix_ms);
      if (ec2 != std::errc()) return bad();
      end = end2;
    }
    if (end != last) return bad();
    if (line[0] == 'W') {
      page_writes_ = std::max(page_writes_, txn);
      cv_.notify_all();
      return Status::OK();
    }
    TxnRecord& r = txns_[txn];
    r.txn = txn;
    r.thread = TxnThread(txn);
    switch (line[0]) {
      case 'S':
        r.start_seq = seq;
        r.start_unix_ms = start_unix_ms;
        break;
      case 'A':
        if (r.ack_seq == 0) {
          ++acked_;
          ack_order_.push_back(txn);
          r.ack_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
        }
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

Status AckLedger::ConsumeApplicationAck(std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t want = acked_ + 1;
  uint64_t n = 0;
  const char* const last = line.data() + line.size();
  const bool prefixed = line.size() > 4 && line.substr(0, 4) == "ack ";
  const auto [end, ec] = prefixed ? std::from_chars(line.data() + 4, last, n) : std::from_chars(last, last, n);
  if (!prefixed || ec != std::errc() || end != last || n != want) {
    Status s = Status::InvalidArgument(
        fmt::format("bad application ack line '{}': expected 'ack {}'", line.substr(0, 80), want));
    if (error_.ok()) error_ = s;
    return s;
  }
  const uint64_t seq = ++seq_;
  TxnRecord& r = txns_[n];
  r.txn = n;
  r.ack_seq = seq;
  r.ack_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  ++acked_;
  ack_order_.push_back(n);
  ready_ = true;
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
uint64_t AckLedger::AcksBetween(int64_t from_unix_ms, int64_t to_unix_ms) const {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t n = 0;
  // Acknowledgements arrive in time order: walk back from the newest.
  for (auto it = ack_order_.rbegin(); it != ack_order_.rend(); ++it) {
    const int64_t at = txns_.at(*it).ack_unix_ms;
    if (at < from_unix_ms) break;
    if (at <= to_unix_ms) ++n;
  }
  return n;
}

uint64_t AckLedger::PageWrites() const { std::lock_guard<std::mutex> l(mu_); return page_writes_; }
bool AckLedger::ready() const { std::lock_guard<std::mutex> l(mu_); return ready_; }
bool AckLedger::done() const { std::lock_guard<std::mutex> l(mu_); return done_; }
bool AckLedger::paused() const { std::lock_guard<std::mutex> l(mu_); return paused_; }
bool AckLedger::closed() const { std::lock_guard<std::mutex> l(mu_); return closed_; }
Status AckLedger::error() const { std::lock_guard<std::mutex> l(mu_); return error_; }

std::optional<TxnRecord> AckLedger::NthAck(uint64_t n) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (n == 0 || n > ack_order_.size()) return std::nullopt;
  return txns_.at(ack_order_[n - 1]);
}

std::optional<TxnRecord> AckLedger::LastAckBefore(int64_t unix_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  // Acknowledgements arrive in time order: walk back from the newest.
  for (auto it = ack_order_.rbegin(); it != ack_order_.rend(); ++it) {
    if (txns_.at(*it).ack_unix_ms < unix_ms) return txns_.at(*it);
  }
  return std::nullopt;
}

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
