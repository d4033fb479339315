#include "simulator/certify/ack_protocol.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "simulator/certify/line_words.h"

namespace bdb::sim::certify {
namespace {

std::string Prefix() { return fmt::format("{}/{}", kProtocolMagic, kProtocolVersion); }


}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 80)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
  }
  if (text.size() > 80) out += "...";
  return out;
}

bool IsValidRunId(std::string_view id) {
  if (id.empty() || id.size() > 64 || id[0] == '.') return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

std::string FormatHello(const std::string& run_id, const std::string& config_json) {
  return fmt::format("{} HELLO {} {}\n", Prefix(), run_id, config_json);
}

Status ParseHello(std::string_view line, std::string* run_id, std::string* config_json) {
  std::string_view rest = line;
  std::string_view magic = SplitWord(&rest);
  const std::string want = std::string(kProtocolMagic) + "/";
  if (magic.substr(0, want.size()) != want)
    return Status::InvalidArgument(
        fmt::format("not a bdbsim certify client (first line '{}')", Printable(line)));
  int version = 0;
  if (!ParseWholeNumber(magic.substr(want.size()), &version) || version != kProtocolVersion)
    return Status::InvalidArgument(fmt::format("unsupported protocol version '{}' (this listener speaks {})",
                                               Printable(magic.substr(want.size())), kProtocolVersion));
  if (SplitWord(&rest) != "HELLO") return Status::InvalidArgument("bad hello: the first message must be HELLO");
  std::string_view id = SplitWord(&rest);
  if (!IsValidRunId(id))
    return Status::InvalidArgument(fmt::format("bad hello: run id '{}' must be 1-64 of A-Z a-z 0-9 . _ -",
                                               Printable(id)));
  if (rest.empty() || rest.front() != '{')
    return Status::InvalidArgument("bad hello: the workload configuration (JSON) is missing");
  *run_id = std::string(id);
  *config_json = std::string(rest);
  return Status::OK();
}

std::string FormatHelloOk(const std::string& ack_file) { return fmt::format("{} OK {}\n", Prefix(), ack_file); }
std::string FormatHelloError(const std::string& why) { return fmt::format("{} ERR {}\n", Prefix(), why); }

Status ParseHelloReply(std::string_view line, std::string* ack_file) {
  std::string_view rest = line;
  if (SplitWord(&rest) != Prefix())
    return Status::InvalidArgument(
        fmt::format("the listener's reply is not a bdbsim certify reply: '{}'", Printable(line)));
  std::string_view verb = SplitWord(&rest);
  if (verb == "OK" && !rest.empty()) {
    *ack_file = std::string(rest);
    return Status::OK();
  }
  if (verb == "ERR") return Status::CheckFailed(fmt::format("the listener refused the run: {}", rest));
  return Status::InvalidArgument(
      fmt::format("the listener's reply is not a bdbsim certify reply: '{}'", Printable(line)));
}

std::string FormatAck(uint64_t txn, int64_t unix_ms) { return fmt::format("A {} {}\n", txn, unix_ms); }

Status ParseAck(std::string_view line, uint64_t* txn, int64_t* unix_ms) {
  std::string_view rest = line;
  if (SplitWord(&rest) != "A" || !ParseWholeNumber(SplitWord(&rest), txn) || !ParseWholeNumber(rest, unix_ms) || *txn == 0)
    return Status::InvalidArgument(fmt::format("bad acknowledgement line '{}'", Printable(line)));
  return Status::OK();
}

}  // namespace bdb::sim::certify
