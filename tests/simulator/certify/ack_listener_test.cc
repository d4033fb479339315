// The certify listener's protocol over real TCP sockets on ephemeral ports:
// a run's acknowledgements are recorded (and fsynced) before the reply; a
// malformed, silent or vanishing peer is dropped with a message and the
// listener keeps serving; two concurrent runs get separate ack files.
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "simulator/certify/ack_file.h"
#include "simulator/certify/ack_listener.h"
#include "simulator/certify/ack_protocol.h"
#include "simulator/certify/ack_sender.h"
#include "simulator/certify/line_socket.h"
#include "tests/support/test_env.h"

namespace bdb::sim::certify {
namespace {

using std::chrono::milliseconds;

constexpr const char* kConfig = R"({"seed":1,"home":"/x/env"})";

// A listener on an ephemeral port whose messages are kept for assertions.
struct TestListener {
  explicit TestListener(const TempDir& dir, milliseconds hello_timeout = milliseconds(10000)) {
    ListenerOptions o;
    o.ack_file = dir.Sub("acks");
    o.hello_timeout = hello_timeout;
    o.report_every = milliseconds(0);  // every batch: the progress line is visible at once
    o.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu);
      log += line + "\n";
    };
    Status s = AckListener::Start(o, &listener);
    EXPECT_TRUE(s.ok()) << s.message();
  }
  std::string Log() {
    std::lock_guard<std::mutex> lock(mu);
    return log;
  }
  // The listener logs after it replied: wait for a line to appear (at most 5 s).
  bool LogShows(const std::string& text) {
    for (int i = 0; i < 500; ++i) {
      if (Log().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }
  // Waits until n connections ended (their messages are then logged).
  void WaitFinished(uint64_t n) {
    for (int i = 0; i < 500 && listener->finished() < n; ++i) std::this_thread::sleep_for(milliseconds(10));
    EXPECT_GE(listener->finished(), n);
  }
  std::mutex mu;
  std::string log;
  std::unique_ptr<AckListener> listener;
};

// A raw client speaking whatever it is told to.
void Raw(int port, const std::string& bytes, std::string* reply) {
  LineSocket sock;
  ASSERT_TRUE(LineSocket::Connect("127.0.0.1", port, &sock).ok());
  ASSERT_TRUE(sock.Send(bytes).ok());
  sock.SetReadTimeout(milliseconds(5000));
  std::string line;
  reply->clear();
  while (sock.ReadLine(&line).ok()) *reply += line + "\n";
}

std::unique_ptr<AckSender> Connected(int port, const std::string& run_id) {
  std::unique_ptr<AckSender> sender;
  Status s = AckSender::Connect("127.0.0.1", port, run_id, kConfig, &sender);
  EXPECT_TRUE(s.ok()) << s.message();
  return sender;
}

TEST(AckListenerTest, RecordsEveryAcknowledgementInOrderBeforeReplying) {
  TempDir dir;
  TestListener l(dir);
  auto sender = Connected(l.listener->port(), "run-a");
  ASSERT_NE(sender, nullptr);
  EXPECT_EQ(sender->ack_file(), dir.Sub("acks"));
  for (uint64_t txn = 1; txn <= 200; ++txn) ASSERT_TRUE(sender->SendAck(txn, 1000 + txn).ok());
  ASSERT_TRUE(sender->SendMeasurement({{"kind", "device"}, {"fsync_p50_ms", 1.5}}).ok());
  Status s = sender->WaitAllRecorded(milliseconds(20000));
  ASSERT_TRUE(s.ok()) << s.message();
  // "R n" came after the fsync: the file already holds everything.
  AckFileContents acks;
  ASSERT_TRUE(ReadAckFile(dir.Sub("acks"), &acks).ok());
  EXPECT_EQ(acks.run_id, "run-a");
  EXPECT_EQ(acks.config_json, kConfig);
  ASSERT_EQ(acks.acks.size(), 200u);
  for (uint64_t i = 0; i < 200; ++i) {
    EXPECT_EQ(acks.acks[i].txn, i + 1);
    EXPECT_EQ(acks.acks[i].device_unix_ms, static_cast<int64_t>(1001 + i));
    EXPECT_GT(acks.acks[i].listener_unix_ms, 0);
  }
  ASSERT_EQ(acks.measurements.size(), 1u);
  EXPECT_EQ(acks.measurements[0]["fsync_p50_ms"], 1.5);
  // The operator at the listener sees the run's progress.
  EXPECT_TRUE(l.LogShows("run 'run-a': 201 lines recorded (")) << l.Log();
}

TEST(AckListenerTest, DropsPeersThatAreNotRunsAndKeepsServing) {
  TempDir dir;
  TestListener l(dir);
  const int port = l.listener->port();
  std::string reply;
  Raw(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", &reply);
  EXPECT_NE(reply.find("BDBCERT/1 ERR not a bdbsim certify client"), std::string::npos) << reply;
  Raw(port, std::string("BDBCERT/2 HELLO r1 ") + kConfig + "\n", &reply);
  EXPECT_NE(reply.find("unsupported protocol version '2' (this listener speaks 1)"), std::string::npos) << reply;
  Raw(port, "BDBCERT/1 HELLO ../../etc {}\n", &reply);
  EXPECT_NE(reply.find("bad hello: run id"), std::string::npos) << reply;
  Raw(port, "BDBCERT/1 HELLO r1 {not json\n", &reply);
  EXPECT_NE(reply.find("not a JSON object"), std::string::npos) << reply;
  Raw(port, std::string(kMaxLineBytes + 10, 'x'), &reply);  // no newline, ever
  l.WaitFinished(5);
  EXPECT_EQ(l.listener->dropped(), 5u);
  const std::string log = l.Log();
  EXPECT_NE(log.find("not a bdbsim certify client (first line 'GET / HTTP/1.1\\x0d')"), std::string::npos) << log;
  EXPECT_NE(log.find("line longer than"), std::string::npos) << log;
  // A malformed line after a good hello: what came before it is kept.
  Raw(port, std::string("BDBCERT/1 HELLO r2 ") + kConfig + "\nA 7 70\nA seven 70\nA 8 80\n", &reply);
  EXPECT_NE(reply.find("BDBCERT/1 OK "), std::string::npos) << reply;
  EXPECT_NE(reply.find("R 1\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("ERR malformed line 'A seven 70'"), std::string::npos) << reply;
  l.WaitFinished(6);
  // Still serving: a real run after all of that.
  auto sender = Connected(port, "r3");
  ASSERT_NE(sender, nullptr);
  ASSERT_TRUE(sender->SendAck(1, 5).ok());
  EXPECT_TRUE(sender->WaitAllRecorded(milliseconds(20000)).ok());
  AckFileContents r2;
  ASSERT_TRUE(ReadAckFile(dir.Sub("acks"), &r2).ok());
  EXPECT_EQ(r2.run_id, "r2");
  ASSERT_EQ(r2.acks.size(), 1u);
  EXPECT_EQ(r2.acks[0].txn, 7u);
}

TEST(AckListenerTest, APeerThatVanishesOrStaysSilentIsDroppedWithAMessage) {
  TempDir dir;
  TestListener l(dir, milliseconds(300));
  const int port = l.listener->port();
  {
    LineSocket silent;  // connects and says nothing
    ASSERT_TRUE(LineSocket::Connect("127.0.0.1", port, &silent).ok());
    l.WaitFinished(1);
  }
  {
    LineSocket gone;  // connects and leaves
    ASSERT_TRUE(LineSocket::Connect("127.0.0.1", port, &gone).ok());
  }
  l.WaitFinished(2);
  {
    // A run that dies mid-line (its machine lost power while sending).
    LineSocket cut;
    ASSERT_TRUE(LineSocket::Connect("127.0.0.1", port, &cut).ok());
    ASSERT_TRUE(cut.Send(std::string("BDBCERT/1 HELLO r9 ") + kConfig + "\nA 1 10\nA 2 20\nA 3").ok());
    std::string line;
    cut.SetReadTimeout(milliseconds(5000));
    ASSERT_TRUE(cut.ReadLine(&line).ok());  // the hello's OK
    // Read the listener's every reply first: closing with unread data would
    // reset the connection instead of ending it (also a vanishing peer, but
    // then the listener cannot see the unfinished line).
    while (line != "R 2" && cut.ReadLine(&line).ok()) {
    }
    EXPECT_EQ(line, "R 2");
  }
  l.WaitFinished(3);
  const std::string log = l.Log();
  EXPECT_NE(log.find("said nothing within 300 ms"), std::string::npos) << log;
  EXPECT_NE(log.find("closed the connection before saying hello"), std::string::npos) << log;
  EXPECT_NE(log.find("run 'r9' from 127.0.0.1:"), std::string::npos) << log;
  EXPECT_NE(log.find("connection closed after 2 lines recorded (an unfinished line of 3 bytes was discarded)"),
            std::string::npos)
      << log;
  AckFileContents acks;
  ASSERT_TRUE(ReadAckFile(dir.Sub("acks"), &acks).ok());
  EXPECT_EQ(acks.acks.size(), 2u);
  // The listener outlived all three.
  auto sender = Connected(port, "r9");  // the same run reconnecting appends to its file
  ASSERT_NE(sender, nullptr);
  ASSERT_TRUE(sender->SendAck(4, 40).ok());
  ASSERT_TRUE(sender->WaitAllRecorded(milliseconds(20000)).ok());
  ASSERT_TRUE(ReadAckFile(dir.Sub("acks"), &acks).ok());
  EXPECT_EQ(acks.acks.size(), 3u);
  EXPECT_EQ(acks.connections, 2);
}

TEST(AckListenerTest, TwoConcurrentRunsGetSeparateAckFiles) {
  TempDir dir;
  TestListener l(dir);
  auto first = Connected(l.listener->port(), "first");
  auto second = Connected(l.listener->port(), "second");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->ack_file(), dir.Sub("acks"));
  EXPECT_EQ(second->ack_file(), dir.Sub("acks.second"));
  // The same id twice at once is refused; the first connection is unharmed.
  std::unique_ptr<AckSender> twin;
  Status s = AckSender::Connect("127.0.0.1", l.listener->port(), "first", kConfig, &twin);
  EXPECT_EQ(s.message(), "the listener refused the run: run 'first' is already connected");
  std::thread a([&] {
    for (uint64_t t = 1; t <= 300; ++t) ASSERT_TRUE(first->SendAck(t, 1).ok());
  });
  std::thread b([&] {
    for (uint64_t t = 1001; t <= 1300; ++t) ASSERT_TRUE(second->SendAck(t, 2).ok());
  });
  a.join();
  b.join();
  ASSERT_TRUE(first->WaitAllRecorded(milliseconds(20000)).ok());
  ASSERT_TRUE(second->WaitAllRecorded(milliseconds(20000)).ok());
  AckFileContents fa, fb;
  ASSERT_TRUE(ReadAckFile(dir.Sub("acks"), &fa).ok());
  ASSERT_TRUE(ReadAckFile(dir.Sub("acks.second"), &fb).ok());
  EXPECT_EQ(fa.run_id, "first");
  EXPECT_EQ(fb.run_id, "second");
  ASSERT_EQ(fa.acks.size(), 300u);
  ASSERT_EQ(fb.acks.size(), 300u);
  for (size_t i = 0; i < 300; ++i) {
    EXPECT_EQ(fa.acks[i].txn, i + 1);
    EXPECT_EQ(fb.acks[i].txn, i + 1001);
  }
}

TEST(AckProtocolTest, ParsesAndRefusesLines) {
  std::string id, json;
  EXPECT_TRUE(ParseHello("BDBCERT/1 HELLO host-1.x_y {\"a\":1}", &id, &json).ok());
  EXPECT_EQ(id, "host-1.x_y");
  EXPECT_EQ(json, "{\"a\":1}");
  EXPECT_FALSE(ParseHello("BDBCERT/1 HELLO .hidden {}", &id, &json).ok());
  EXPECT_FALSE(ParseHello("BDBCERT/1 HELLO id", &id, &json).ok());
  EXPECT_FALSE(ParseHello("BDBCERT/x HELLO id {}", &id, &json).ok());
  uint64_t txn = 0;
  int64_t ms = 0;
  EXPECT_TRUE(ParseAck("A 4294967297 1700000000000", &txn, &ms).ok());
  EXPECT_EQ(txn, 4294967297u);
  EXPECT_FALSE(ParseAck("A 0 1", &txn, &ms).ok());
  EXPECT_FALSE(ParseAck("A 1 2 3", &txn, &ms).ok());
  EXPECT_FALSE(ParseAck("A 1", &txn, &ms).ok());
  std::string host;
  int port = 0;
  EXPECT_TRUE(ParseHostPort("[::1]:7000", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 7000);
  EXPECT_EQ(ParseHostPort("host", &host, &port).message(), "--ack-to must be HOST:PORT, got 'host'");
  EXPECT_FALSE(ParseHostPort("host:70000", &host, &port).ok());
}

}  // namespace
}  // namespace bdb::sim::certify
