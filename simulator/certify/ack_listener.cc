#include "simulator/certify/ack_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "simulator/certify/ack_file.h"
#include "simulator/certify/ack_protocol.h"
#include "simulator/certify/line_socket.h"

namespace bdb::sim::certify {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status AckListener::Start(const ListenerOptions& options, std::unique_ptr<AckListener>* out) {
  if (options.ack_file.empty()) return Status::InvalidArgument("--ack-file is required");
  const std::string dir = options.ack_file.find('/') == std::string::npos
                              ? "."
                              : options.ack_file.substr(0, std::max<size_t>(1, options.ack_file.rfind('/')));
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::InvalidArgument(
        fmt::format("--ack-file '{}': its directory '{}' does not exist", options.ack_file, dir));
  std::unique_ptr<AckListener> l(new AckListener());
  l->options_ = options;
  if (!l->options_.log) l->options_.log = [](const std::string& line) {
    std::fprintf(stderr, "bdbsim certify listen: %s\n", line.c_str());
  };
  BDB_RETURN_IF_ERROR(ListenTcp(options.port, &l->listen_fd_, &l->port_));
  if (::pipe2(l->stop_pipe_, O_CLOEXEC) != 0) return Status::FromErrno(errno, "unable to create a pipe");
  l->acceptor_ = std::thread(&AckListener::AcceptLoop, l.get());
  *out = std::move(l);
  return Status::OK();
}

AckListener::~AckListener() {
  Stop();
  for (int fd : {listen_fd_, stop_pipe_[0], stop_pipe_[1]})
    if (fd >= 0) ::close(fd);
}

void AckListener::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  if (stop_pipe_[1] >= 0) {
    char c = 'x';
    (void)!::write(stop_pipe_[1], &c, 1);
  }
  if (acceptor_.joinable()) acceptor_.join();
  // No new connection threads after the acceptor ended.
  for (std::thread& t : connections_)
    if (t.joinable()) t.join();
}

void AckListener::Log(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  options_.log(line);
}

void AckListener::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    int r = ::poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (fds[1].revents & POLLIN)) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the peer went away before accept: nothing to serve
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    open_fds_.insert(fd);
    connections_.emplace_back(&AckListener::Serve, this, fd);
  }
}

Status AckListener::Claim(const std::string& run_id, std::string* path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (active_runs_.count(run_id) != 0)
    return Status::InvalidArgument(fmt::format("run '{}' is already connected", run_id));
  // FILE belongs to the first run that used it (its first H line, or this
  // listener's memory while that line is being written).
  if (file_owner_.empty()) file_owner_ = AckFileWriter::BoundRunId(options_.ack_file);
  if (file_owner_.empty()) file_owner_ = run_id;
  *path = file_owner_ == run_id ? options_.ack_file : options_.ack_file + "." + run_id;
  active_runs_.insert(run_id);
  return Status::OK();
}

void AckListener::Release(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  active_runs_.erase(run_id);
}

namespace {

// Every complete line already received, from `line` on, as the ack file's
// records: one batch for one fsync and one reply. Stops at a malformed line
// (*why names it).
std::string ReadBatch(LineSocket& sock, std::string line, uint64_t* lines, std::string* why) {
  std::string batch;
  *lines = 0;
  for (;;) {
    uint64_t txn = 0;
    int64_t ms = 0;
    if (!line.empty() && line[0] == 'A' && ParseAck(line, &txn, &ms).ok()) {
      batch += fmt::format("A {} {} {}\n", txn, ms, NowMs());
    } else if (line.size() > 2 && line.compare(0, 2, "M ") == 0 &&
               nlohmann::json::parse(line.substr(2), nullptr, false).is_object()) {
      batch += fmt::format("M {} {}\n", NowMs(), line.substr(2));
    } else {
      *why = fmt::format("malformed line '{}'", Printable(line));
      return batch;
    }
    ++*lines;
    if (!sock.HasBufferedLine() || !sock.ReadLine(&line).ok()) return batch;
  }
}

}  // namespace

void AckListener::Serve(int fd) {
  LineSocket sock(fd);
  const std::string peer = sock.PeerName();
  std::string run_id, path, hello;
  if (Greet(sock, peer, &run_id, &path, &hello)) {
    Record(sock, run_id, peer, path, hello);
    Release(run_id);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.erase(fd);
  }
  ++finished_;
}

bool AckListener::Greet(LineSocket& sock, const std::string& peer, std::string* run_id, std::string* path,
                        std::string* hello) {
  auto drop = [&](const std::string& why) {
    ++dropped_;
    Log(fmt::format("dropped {}: {}", peer, why));
    return false;
  };
  sock.SetReadTimeout(options_.hello_timeout);
  std::string line, config_json;
  Status s = sock.ReadLine(&line);
  if (!s.ok()) {
    return drop(s.IsNotFound() ? "closed the connection before saying hello"
                : s.code() == Status::Code::kIOError && s.message() == "timed out"
                    ? fmt::format("said nothing within {} ms of connecting", options_.hello_timeout.count())
                    : s.message());
  }
  if (!(s = ParseHello(line, run_id, &config_json)).ok()) {
    (void)sock.Send(FormatHelloError(s.message()));
    return drop(s.message());
  }
  if (!nlohmann::json::parse(config_json, nullptr, false).is_object()) {
    (void)sock.Send(FormatHelloError("the workload configuration is not a JSON object"));
    return drop(fmt::format("run '{}': the workload configuration is not a JSON object", *run_id));
  }
  if (!(s = Claim(*run_id, path)).ok()) {
    (void)sock.Send(FormatHelloError(s.message()));
    return drop(s.message());
  }
  // The hello line opens the ack file: the run's id, when, from where, its workload.
  *hello = fmt::format("H {} {} {} {}\n", *run_id, NowMs(), peer, config_json);
  return true;
}

void AckListener::Record(LineSocket& sock, const std::string& run_id, const std::string& peer,
                         const std::string& path, const std::string& hello) {
  AckFileWriter writer;
  Status w = writer.Open(path);
  if (w.ok()) w = writer.AppendAndSync(hello);
  if (!w.ok()) {
    (void)sock.Send(FormatHelloError(w.message()));
    Log(fmt::format("run '{}' from {}: {}", run_id, peer, w.message()));
    return;
  }
  if (!sock.Send(FormatHelloOk(path)).ok()) return;
  Log(fmt::format("run '{}' from {}: acknowledgements go to {}", run_id, peer, path));
  sock.SetReadTimeout(std::chrono::milliseconds(0));
  uint64_t recorded = 0, reported = 0;
  auto last_report = std::chrono::steady_clock::now();
  size_t partial = 0;
  std::string line, why;
  for (;;) {
    Status r = sock.ReadLine(&line, &partial);
    if (!r.ok()) {
      why = r.IsNotFound() ? "connection closed" : r.message();
      break;
    }
    uint64_t lines = 0;
    const std::string batch = ReadBatch(sock, line, &lines, &why);
    if (!batch.empty()) {
      if (!(w = writer.AppendAndSync(batch)).ok()) {
        why = w.message();
        (void)sock.Send("ERR " + w.message() + "\n");
        break;
      }
      recorded += lines;
      if (!sock.Send(fmt::format("R {}\n", recorded)).ok() && why.empty()) why = "connection lost";
      // The operator on this machine sees the run is alive, and at what rate.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_report >= options_.report_every) {
        const double secs = std::chrono::duration<double>(now - last_report).count();
        Log(fmt::format("run '{}': {} lines recorded ({:.0f}/s over the last {:.0f} s)", run_id, recorded,
                        (recorded - reported) / secs, secs));
        last_report = now;
        reported = recorded;
      }
    }
    if (!why.empty()) {
      if (why.rfind("malformed", 0) == 0) {
        (void)sock.Send("ERR " + why + "\n");
        ++dropped_;
      }
      break;
    }
  }
  Log(fmt::format("run '{}' from {}: {} after {} lines recorded{}", run_id, peer,
                  why.rfind("malformed", 0) == 0 ? "dropped: " + why : why, recorded,
                  partial > 0 ? fmt::format(" (an unfinished line of {} bytes was discarded)", partial) : ""));
}

}  // namespace bdb::sim::certify
