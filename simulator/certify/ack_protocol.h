// The wire protocol between `bdbsim certify run` (on the device under test)
// and `bdbsim certify listen` (on a second machine): one line per message,
// '\n'-terminated, at most kMaxLineBytes. The client speaks first:
//   client  "BDBCERT/1 HELLO <run_id> <workload config JSON on one line>"
//   server  "BDBCERT/1 OK <ack file path>"   or   "BDBCERT/1 ERR <why>" (then closes)
//   client  "A <txn> <unix_ms>"   a commit the device acknowledged (commit returned) at unix_ms
//   client  "M <json>"            device measurements (fsync latency, bandwidth, commit rate)
//   server  "R <n>"               the run's first n A/M lines are in the ack file and fsynced
//   server  "ERR <why>"           a malformed line: the server closes the connection
// The magic names the protocol and its version, so a stray client (a port
// scanner, an HTTP request) or a newer run is refused with a message.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace bdb::sim::certify {

inline constexpr const char* kProtocolMagic = "BDBCERT";
inline constexpr int kProtocolVersion = 1;
inline constexpr size_t kMaxLineBytes = 64 * 1024;

// "BDBCERT/1 HELLO <run_id> <json>".
std::string FormatHello(const std::string& run_id, const std::string& config_json);
// Parses a hello. InvalidArgument "not a bdbsim certify client (first line '<printable start>')"
// without the magic, "unsupported protocol version <v> (this listener speaks 1)",
// "bad hello: <why>" otherwise.
Status ParseHello(std::string_view line, std::string* run_id, std::string* config_json);

// A run id names the run and its ack file: 1..64 of [A-Za-z0-9._-], not starting with '.'.
bool IsValidRunId(std::string_view run_id);

// "BDBCERT/1 OK <path>" / "BDBCERT/1 ERR <why>"; ParseHelloReply returns the
// path, or CheckFailed "the listener refused the run: <why>", or
// InvalidArgument "the listener's reply is not a bdbsim certify reply: '<line>'".
std::string FormatHelloOk(const std::string& ack_file);
std::string FormatHelloError(const std::string& why);
Status ParseHelloReply(std::string_view line, std::string* ack_file);

// One acknowledgement line, "A <txn> <unix_ms>"; and its parser
// (InvalidArgument "bad acknowledgement line '<line>'").
std::string FormatAck(uint64_t txn, int64_t unix_ms);
Status ParseAck(std::string_view line, uint64_t* txn, int64_t* unix_ms);

// A line a peer may send as text in messages: control bytes as \xNN, cut at 80 characters.
std::string Printable(std::string_view text);

}  // namespace bdb::sim::certify
