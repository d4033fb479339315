// Plain TCP sockets that carry '\n'-terminated lines: listening and
// connecting (IPv4 and IPv6), sending whole buffers without SIGPIPE, and a
// buffered line reader with a length limit and a receive timeout. Used by the
// certify listener and the run's ack sender. A LineSocket is owned by one
// reading thread; Send may be called from another thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace bdb::sim::certify {

// Binds and listens on port (0: an ephemeral port) on every address;
// *bound_port is the port actually bound. IOError "unable to listen on port <p>: <why>".
Status ListenTcp(int port, int* fd, int* bound_port);

// "HOST:PORT" ("[::1]:PORT" for IPv6) -> host, port. InvalidArgument
// "--ack-to must be HOST:PORT, got '<text>'".
Status ParseHostPort(const std::string& text, std::string* host, int* port);

class LineSocket {
 public:
  explicit LineSocket(int fd = -1) : fd_(fd) {}
  ~LineSocket();
  LineSocket(const LineSocket&) = delete;
  LineSocket& operator=(const LineSocket&) = delete;

  // IOError "unable to connect to <host>:<port>: <why>".
  static Status Connect(const std::string& host, int port, LineSocket* out);

  int fd() const { return fd_; }
  // "address:port" of the other end, or "?".
  std::string PeerName() const;
  // Sends all of data. IOError "connection lost: <why>" (never SIGPIPE).
  Status Send(const std::string& data);
  // Receive timeout for ReadLine (0: none).
  void SetReadTimeout(std::chrono::milliseconds timeout);
  // The next line without its '\n'. NotFound "connection closed" at end of
  // stream (with *partial_bytes the bytes of an unfinished line);
  // InvalidArgument "line longer than <n> bytes"; IOError "timed out" or the
  // socket error.
  Status ReadLine(std::string* line, size_t* partial_bytes = nullptr);
  // Bytes already received that form complete lines (so a batch can be handled at once).
  bool HasBufferedLine() const;
  // Half-closes for writing (the peer sees end of stream) and wakes a reader blocked in ReadLine.
  void Shutdown();
  void Close();

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace bdb::sim::certify
