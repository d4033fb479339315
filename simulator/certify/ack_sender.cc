#include "simulator/certify/ack_sender.h"

#include <charconv>

#include <fmt/format.h>

#include "simulator/certify/ack_protocol.h"

namespace bdb::sim::certify {

Status AckSender::Connect(const std::string& host, int port, const std::string& run_id,
                          const std::string& config_json, std::unique_ptr<AckSender>* out) {
  std::unique_ptr<AckSender> s(new AckSender());
  BDB_RETURN_IF_ERROR(LineSocket::Connect(host, port, &s->sock_));
  BDB_RETURN_IF_ERROR(s->sock_.Send(FormatHello(run_id, config_json))
                          .WithContext(fmt::format("listener {}:{}", host, port)));
  s->sock_.SetReadTimeout(std::chrono::milliseconds(30000));
  std::string reply;
  Status r = s->sock_.ReadLine(&reply);
  if (!r.ok())
    return Status::IOError(fmt::format("listener {}:{} did not answer the hello: {}", host, port, r.message()));
  BDB_RETURN_IF_ERROR(ParseHelloReply(reply, &s->ack_file_));
  s->sock_.SetReadTimeout(std::chrono::milliseconds(0));
  s->reader_ = std::thread(&AckSender::ReadReplies, s.get());
  *out = std::move(s);
  return Status::OK();
}

AckSender::~AckSender() {
  sock_.Shutdown();
  if (reader_.joinable()) reader_.join();
}

void AckSender::ReadReplies() {
  std::string line;
  for (;;) {
    Status s = sock_.ReadLine(&line);
    std::lock_guard<std::mutex> lock(mu_);
    if (!s.ok()) {
      if (error_.ok())
        error_ = Status::IOError(s.IsNotFound() ? "the listener closed the connection"
                                                : "connection to the listener lost: " + s.message());
      cv_.notify_all();
      return;
    }
    uint64_t n = 0;
    if (line.size() > 2 && line.compare(0, 2, "R ") == 0 &&
        std::from_chars(line.data() + 2, line.data() + line.size(), n).ec == std::errc()) {
      recorded_ = std::max(recorded_, n);
    } else if (error_.ok()) {
      error_ = Status::IOError(fmt::format("the listener refused a line: {}", Printable(line)));
    }
    cv_.notify_all();
  }
}

Status AckSender::Send(const std::string& line) {
  Status s = sock_.Send(line);
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.ok()) return error_;
    return Status::IOError("connection to the listener lost: " + s.message());
  }
  ++sent_;
  return Status::OK();
}

Status AckSender::SendAck(uint64_t txn, int64_t unix_ms) { return Send(FormatAck(txn, unix_ms)); }

Status AckSender::SendMeasurement(const nlohmann::json& m) { return Send("M " + m.dump() + "\n"); }

uint64_t AckSender::recorded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return recorded_;
}

Status AckSender::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

Status AckSender::WaitAllRecorded(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t want = sent_;
  cv_.wait_for(lock, timeout, [&] { return recorded_ >= want || !error_.ok(); });
  if (recorded_ >= want) return Status::OK();
  const std::string why = error_.ok() ? fmt::format("no reply within {} ms", timeout.count()) : error_.message();
  return Status::IOError(
      fmt::format("the listener recorded {} of {} lines sent ({} not recorded): {}", recorded_, want, want - recorded_, why));
}

}  // namespace bdb::sim::certify
