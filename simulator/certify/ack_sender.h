// AckSender: the run's side of the ack protocol (ack_protocol.h). Connects to
// the listener, says hello with the run id and workload configuration, then
// sends one line per acknowledged commit (and measurement lines) without
// waiting; a reader thread counts the listener's "R <n>" replies, so the run
// knows how many acknowledgements are durably recorded off the device.
// Send* are for one thread; recorded(), error() and WaitAllRecorded are
// thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "simulator/certify/line_socket.h"

namespace bdb::sim::certify {

class AckSender {
 public:
  // Connects and completes the hello. IOError "unable to connect to ...";
  // CheckFailed "the listener refused the run: <why>".
  static Status Connect(const std::string& host, int port, const std::string& run_id, const std::string& config_json,
                        std::unique_ptr<AckSender>* out);
  ~AckSender();
  AckSender(const AckSender&) = delete;
  AckSender& operator=(const AckSender&) = delete;

  // The ack file the listener writes this run to (a path on the listener's machine).
  const std::string& ack_file() const { return ack_file_; }
  Status SendAck(uint64_t txn, int64_t unix_ms);
  Status SendMeasurement(const nlohmann::json& measurement);
  uint64_t sent() const { return sent_; }
  uint64_t recorded() const;
  // The first error of the connection (the listener closed it, refused a line), or OK.
  Status error() const;
  // Waits until the listener recorded every line sent. IOError naming what was
  // left unrecorded when the connection fails or the timeout passes.
  Status WaitAllRecorded(std::chrono::milliseconds timeout);

 private:
  AckSender() = default;
  void ReadReplies();
  Status Send(const std::string& line);

  LineSocket sock_;
  std::string ack_file_;
  std::atomic<uint64_t> sent_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t recorded_ = 0;
  Status error_;
  std::thread reader_;
};

}  // namespace bdb::sim::certify
