#include "simulator/certify/line_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "simulator/certify/ack_protocol.h"

namespace bdb::sim::certify {

Status ListenTcp(int port, int* fd, int* bound_port) {
  auto fail = [&](int err) {
    return Status::IOError(fmt::format("unable to listen on port {}: {}", port, std::strerror(err)));
  };
  int s = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool v6 = s >= 0;
  if (!v6) s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail(errno);
  int one = 1, zero = 0;
  ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int r;
  if (v6) {
    ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);  // IPv4 clients too
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    r = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    a.sin_port = htons(static_cast<uint16_t>(port));
    r = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (r != 0 || ::listen(s, 16) != 0) {
    const int err = errno;
    ::close(s);
    return fail(err);
  }
  sockaddr_storage got{};
  socklen_t len = sizeof got;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&got), &len);
  *bound_port = got.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&got)->sin6_port)
                                          : ntohs(reinterpret_cast<sockaddr_in*>(&got)->sin_port);
  *fd = s;
  return Status::OK();
}

Status ParseHostPort(const std::string& text, std::string* host, int* port) {
  const auto bad = Status::InvalidArgument(fmt::format("--ack-to must be HOST:PORT, got '{}'", text));
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return bad;
  std::string h = text.substr(0, colon);
  if (h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int p = 0;
  for (size_t i = colon + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || p > 65535) return bad;
    p = p * 10 + (text[i] - '0');
  }
  if (p < 1 || p > 65535 || h.empty()) return bad;
  *host = h;
  *port = p;
  return Status::OK();
}

LineSocket::~LineSocket() { Close(); }

void LineSocket::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void LineSocket::Shutdown() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

Status LineSocket::Connect(const std::string& host, int port, LineSocket* out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  int r = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
  if (r != 0) return Status::IOError(fmt::format("unable to connect to {}:{}: {}", host, port, gai_strerror(r)));
  int err = 0;
  for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
    int s = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (s < 0) {
      err = errno;
      continue;
    }
    if (::connect(s, a->ai_addr, a->ai_addrlen) == 0) {
      ::freeaddrinfo(list);
      int one = 1;
      ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      out->Close();
      out->fd_ = s;
      return Status::OK();
    }
    err = errno;
    ::close(s);
  }
  ::freeaddrinfo(list);
  return Status::IOError(fmt::format("unable to connect to {}:{}: {}", host, port, std::strerror(err)));
}

std::string LineSocket::PeerName() const {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "?";
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (a.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    port = ntohs(v6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      ::inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], host, sizeof host);
      return fmt::format("{}:{}", host, port);
    }
    return fmt::format("[{}]:{}", host, port);
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
  ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
  return fmt::format("{}:{}", host, ntohs(v4->sin_port));
}

Status LineSocket::Send(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IOError(fmt::format("connection lost: {}", std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

void LineSocket::SetReadTimeout(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

bool LineSocket::HasBufferedLine() const { return buffer_.find('\n') != std::string::npos; }

Status LineSocket::ReadLine(std::string* line, size_t* partial_bytes) {
  for (;;) {
    const size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      *line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return Status::OK();
    }
    if (buffer_.size() > kMaxLineBytes)
      return Status::InvalidArgument(fmt::format("line longer than {} bytes", kMaxLineBytes));
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Status::IOError("timed out");
    if (n < 0) return Status::IOError(std::strerror(errno));
    if (n == 0) {
      if (partial_bytes != nullptr) *partial_bytes = buffer_.size();
      return Status::NotFound("connection closed");
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace bdb::sim::certify
