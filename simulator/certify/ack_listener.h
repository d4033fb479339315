// AckListener: the server side of `bdbsim certify listen`, run on a machine
// whose power is not cut. Accepts runs on a TCP port (ack_protocol.h); each
// run's acknowledgements are appended to its ack file (ack_file.h) and
// fsynced before the listener replies, so whatever a run was told is recorded
// survives the listener's machine too. A malformed or vanishing peer is
// dropped with one message and never stops the listener; runs are served
// concurrently, each in its own thread and its own ack file.
// Ack files: the first run to use FILE owns it (its id is on FILE's first H
// line); a run with another id gets FILE.<run_id>. A run reconnecting with the
// same id appends to its file. Thread-safe; Stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "base/status.h"

namespace bdb::sim::certify {

class LineSocket;  // line_socket.h

struct ListenerOptions {
  int port = 0;  // 0: an ephemeral port (tests)
  std::string ack_file;
  // Where messages go (one line each, no newline); default: stderr.
  std::function<void(const std::string&)> log;
  std::chrono::milliseconds hello_timeout{10000};  // a peer silent this long after connecting is dropped
  std::chrono::milliseconds report_every{10000};   // each run's progress is logged this often
};

class AckListener {
 public:
  // Binds the port and starts accepting. IOError "unable to listen on port ...";
  // InvalidArgument when ack_file is empty or its directory does not exist.
  static Status Start(const ListenerOptions& options, std::unique_ptr<AckListener>* out);
  ~AckListener();  // Stop()
  AckListener(const AckListener&) = delete;
  AckListener& operator=(const AckListener&) = delete;

  int port() const { return port_; }
  // Stops accepting, closes every connection, joins every thread.
  void Stop();
  // Peers dropped for a protocol error so far (tests).
  uint64_t dropped() const { return dropped_; }
  // Runs whose connection ended (cleanly or not) so far.
  uint64_t finished() const { return finished_; }

 private:
  AckListener() = default;
  void AcceptLoop();
  void Serve(int fd);
  // The hello: the run's id, its ack file (claimed) and the line that opens
  // that file, or false when the
  // connection was dropped (counted, logged, the peer told why).
  bool Greet(LineSocket& sock, const std::string& peer, std::string* run_id, std::string* path,
             std::string* hello);
  // Records the run's acknowledgements in its ack file until the connection
  // ends, one fsync and one reply per batch of received lines.
  void Record(LineSocket& sock, const std::string& run_id, const std::string& peer, const std::string& path,
              const std::string& hello);
  void Log(const std::string& line);
  // Registers run_id as connected and picks its ack file; InvalidArgument when
  // the id is already connected.
  Status Claim(const std::string& run_id, std::string* path);
  void Release(const std::string& run_id);

  ListenerOptions options_;
  int listen_fd_ = -1;
  int port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  std::thread acceptor_;
  std::mutex mu_;  // guards everything below and log output
  std::list<std::thread> connections_;
  std::set<int> open_fds_;
  std::set<std::string> active_runs_;
  std::string file_owner_;  // the run id that owns options_.ack_file ("" = not known yet)
  bool stopping_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> finished_{0};
};

}  // namespace bdb::sim::certify
