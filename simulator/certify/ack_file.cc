#include "simulator/certify/ack_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "simulator/certify/line_words.h"

namespace bdb::sim::certify {
namespace {

Status ParseLine(std::string_view line, AckFileContents* out) {
  std::string_view rest = line;
  std::string_view kind = SplitWord(&rest);
  if (kind == "A") {
    AckEntry a;
    if (!ParseWholeNumber(SplitWord(&rest), &a.txn) || !ParseWholeNumber(SplitWord(&rest), &a.device_unix_ms) || !ParseWholeNumber(rest, &a.listener_unix_ms))
      return Status::InvalidArgument("bad acknowledgement");
    out->acks.push_back(a);
    return Status::OK();
  }
  if (kind == "M") {
    int64_t at = 0;
    if (!ParseWholeNumber(SplitWord(&rest), &at)) return Status::InvalidArgument("bad measurement time");
    nlohmann::json j = nlohmann::json::parse(rest, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return Status::InvalidArgument("measurement is not a JSON object");
    j["listener_unix_ms"] = at;
    out->measurements.push_back(std::move(j));
    return Status::OK();
  }
  if (kind == "H") {
    std::string_view id = SplitWord(&rest);
    int64_t at = 0;
    if (id.empty() || !ParseWholeNumber(SplitWord(&rest), &at)) return Status::InvalidArgument("bad connection line");
    std::string_view peer = SplitWord(&rest);
    if (rest.empty() || rest.front() != '{') return Status::InvalidArgument("connection line has no configuration");
    if (out->connections++ == 0) {
      out->run_id = std::string(id);
      out->hello_unix_ms = at;
      out->peer = std::string(peer);
      out->config_json = std::string(rest);
    } else if (out->run_id != id) {
      return Status::InvalidArgument(fmt::format("run '{}' in the ack file of run '{}'", id, out->run_id));
    }
    return Status::OK();
  }
  return Status::InvalidArgument("unknown record");
}

}  // namespace

Status ReadAckFile(const std::string& path, AckFileContents* out) {
  *out = AckFileContents();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == ENOENT) return Status::NotFound(fmt::format("unable to open ack file '{}': {}", path, std::strerror(err)));
    return Status::FromErrno(err, fmt::format("unable to open ack file '{}'", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  size_t at = 0;
  int number = 0;
  while (at < text.size()) {
    const size_t nl = text.find('\n', at);
    if (nl == std::string::npos) {
      out->torn_last_line = true;
      break;
    }
    std::string_view line(text.data() + at, nl - at);
    at = nl + 1;
    ++number;
    if (number == 1) {
      if (line != kAckFileHeader)
        return Status::Corruption(fmt::format("ack file '{}' line 1: not a bdbsim certify ack file", path));
      continue;
    }
    Status s = ParseLine(line, out);
    if (!s.ok()) return Status::Corruption(fmt::format("ack file '{}' line {}: {}", path, number, s.message()));
  }
  if (number == 0) return Status::Corruption(fmt::format("ack file '{}' is empty", path));
  if (out->connections == 0)
    return Status::Corruption(fmt::format("ack file '{}' has no run (no H line): no run ever connected", path));
  return Status::OK();
}

AckFileWriter::~AckFileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status AckFileWriter::Open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return Status::FromErrno(errno, fmt::format("unable to open ack file '{}'", path));
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::FromErrno(errno, fmt::format("unable to open ack file '{}'", path));
  if (st.st_size == 0) {
    BDB_RETURN_IF_ERROR(AppendAndSync(std::string(kAckFileHeader) + "\n"));
    // The file's directory entry must survive too.
    const std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  return Status::OK();
}

Status AckFileWriter::AppendAndSync(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::FromErrno(errno, fmt::format("unable to append to ack file '{}'", path_));
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) return Status::FromErrno(errno, fmt::format("unable to fsync ack file '{}'", path_));
  return Status::OK();
}

std::string AckFileWriter::BoundRunId(const std::string& path) {
  std::ifstream in(path);
  std::string header, h;
  if (!std::getline(in, header) || !std::getline(in, h) || h.size() < 3 || h.compare(0, 2, "H ") != 0) return "";
  return h.substr(2, h.find(' ', 2) - 2);
}

}  // namespace bdb::sim::certify
