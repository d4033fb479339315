// `bdbsim certify listen | run | check` end to end through the binaries, as
// an operator runs them (a real listener process on an ephemeral port, a real
// workload with fsync), and `check` on environments that lost a commit or
// will not recover: a clear FAIL with exit 1, never a crash.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <thread>
#include <regex>

#include <fmt/format.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/file_io.h"
#include "base/subprocess.h"
#include "simulator/certify/ack_file.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim::certify {
namespace {

// `bdbsim certify listen --port 0` in its own process; the port is read from its first line.
class ListenerProcess {
 public:
  explicit ListenerProcess(const std::string& ack_file) {
    SpawnSpec spec;
    spec.argv = {BDBSIM_BIN, "certify", "listen", "--port", "0", "--ack-file", ack_file};
    spec.out = ChildOutput::Pipe();
    spec.err = ChildOutput::Inherit();
    Status s = Subprocess::Start(spec, &child_);
    EXPECT_TRUE(s.ok()) << s.message();
    if (!s.ok()) return;
    // Its first line (or up to 1023 bytes of it); the rest stays unread in the pipe.
    char c;
    while (first_line_.size() < 1023 && ::read(child_->out_fd(), &c, 1) == 1) {
      first_line_ += c;
      if (c == '\n') break;
    }
    std::smatch m;
    if (std::regex_search(first_line_, m, std::regex("listening on port ([0-9]+)"))) port_ = std::stoi(m[1]);
  }
  ~ListenerProcess() {
    if (child_ != nullptr && !stopped_) Stop();
  }
  // SIGTERM; the exit code (128 + signal if killed).
  int Stop() {
    stopped_ = true;
    if (child_ == nullptr) return 127;  // as the shell says of a program it cannot start
    child_->Signal(SIGTERM);
    ProcessExit exit;
    child_->Wait(/*timeout_ms=*/-1, &exit);
    return exit.ShellCode();
  }
  int port() const { return port_; }
  const std::string& first_line() const { return first_line_; }

 private:
  std::unique_ptr<Subprocess> child_;
  bool stopped_ = false;
  std::string first_line_;
  int port_ = 0;
};

ProcessResult Bdbsim(std::vector<std::string> args) {
  args.insert(args.begin(), {BDBSIM_BIN, "certify"});
  return RunProcess(args);
}

// One short run (no cut) whose environment and ack file the tests judge.
struct FinishedRun {
  explicit FinishedRun(const TempDir& dir) {
    ListenerProcess listener(dir.Sub("acks"));
    EXPECT_GT(listener.port(), 0) << listener.first_line();
    run = Bdbsim({"run", "--dir", dir.Sub("dev"), "--ack-to", "127.0.0.1:" + std::to_string(listener.port()),
                  "--duration", "1", "--run-id", "cli-test", "--fsync-samples", "20", "--write-mib", "2",
                  "--threads", "2", "--checkpoint-every", "40", "--cache-bytes", "262144"});
    listener_exit = listener.Stop();
  }
  ProcessResult run;
  int listener_exit = -1;
};

TEST(CertifyCliTest, ListenRunCheckPassesWithoutACut) {
  TempDir dir;
  FinishedRun r(dir);
  ASSERT_EQ(r.run.exit_code, 0) << r.run.out << r.run.err;
  EXPECT_EQ(r.listener_exit, 0);
  EXPECT_NE(r.run.out.find(">>> CUT THE POWER of this machine now"), std::string::npos) << r.run.out;
  EXPECT_NE(r.run.out.find("bdbsim certify check --dir " + dir.Sub("dev") + " --ack-file"), std::string::npos);
  EXPECT_NE(r.run.out.find("fsync latency p50"), std::string::npos);
  AckFileContents acks;
  ASSERT_TRUE(ReadAckFile(dir.Sub("acks"), &acks).ok());
  ASSERT_GT(acks.acks.size(), 10u);

  ProcessResult c = Bdbsim({"check", "--dir", dir.Sub("dev"), "--ack-file", dir.Sub("acks"), "--report",
                            dir.Sub("report"), "--append", dir.Sub("record.json")});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find(fmt::format("PASS: {} acknowledged, {} present, 0 lost, 0 corrupted, 0 torn pages",
                                   acks.acks.size(), acks.acks.size())),
            std::string::npos)
      << c.out;
  nlohmann::json j = nlohmann::json::parse(ReadFileContents(dir.Sub("report/certification.json")));
  EXPECT_EQ(j["verdict"], "PASS");
  EXPECT_EQ(j["counts"]["acknowledged"], acks.acks.size());
  EXPECT_GT(j["device"]["fsync_p50_ms"].get<double>(), 0.0);
  EXPECT_GT(j["counts"]["records_read"].get<uint64_t>(), acks.acks.size());
  EXPECT_NE(ReadFileContents(dir.Sub("report/certification.html")).find("<span class=\"badge PASS\">PASS</span>"),
            std::string::npos);

  // A second check appends a second cut to the device's record.
  c = Bdbsim({"check", "--dir", dir.Sub("dev"), "--ack-file", dir.Sub("acks"), "--report", dir.Sub("report"),
              "--append", dir.Sub("record.json")});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("2 cuts, 0 failed (0.0%, 95% CI 0-66%)"), std::string::npos) << c.out;
  nlohmann::json rec = nlohmann::json::parse(ReadFileContents(dir.Sub("record.json")));
  EXPECT_EQ(rec["cuts"].size(), 2u);
  EXPECT_EQ(rec["figure"]["cuts"], 2);
  EXPECT_EQ(rec["figure"]["failed"], 0);

  // A record that is not one is refused, and left as it was.
  {
    std::ofstream out(dir.Sub("other.json"));
    out << "{\"cuts\": 3}\n";
  }
  c = Bdbsim({"check", "--dir", dir.Sub("dev"), "--ack-file", dir.Sub("acks"), "--report", dir.Sub("report"),
              "--append", dir.Sub("other.json")});
  EXPECT_EQ(c.exit_code, 2) << c.out << c.err;
  EXPECT_EQ(c.err, "bdbsim: error: certification record '" + dir.Sub("other.json") +
                       "': format: not a bdbsim certification record\n");
  EXPECT_EQ(ReadFileContents(dir.Sub("other.json")), "{\"cuts\": 3}\n");
}

TEST(CertifyCliTest, CheckNamesTheFirstLostCommitAndFails) {
  TempDir dir;
  FinishedRun r(dir);
  ASSERT_EQ(r.run.exit_code, 0) << r.run.out << r.run.err;
  // The listener was told of a commit the device does not have (thread 1's 1,000,000th txn).
  const uint64_t never = (uint64_t{1} << 32) | 1000000;
  {
    std::ofstream out(dir.Sub("acks"), std::ios::app);
    out << "A " << never << " 1796000000123 1796000000125\n";
  }
  ProcessResult c = Bdbsim({"check", "--dir", dir.Sub("dev"), "--ack-file", dir.Sub("acks"), "--report", dir.Sub("report")});
  EXPECT_EQ(c.exit_code, 1) << c.out << c.err;
  EXPECT_NE(c.out.find("FAIL: "), std::string::npos) << c.out;
  EXPECT_NE(c.out.find(" 1 lost, 0 corrupted"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find(fmt::format("first lost commit: txn {}, acknowledged at 2026-11-30 ", never)), std::string::npos)
      << c.out;
  nlohmann::json j = nlohmann::json::parse(ReadFileContents(dir.Sub("report/certification.json")));
  EXPECT_EQ(j["verdict"], "FAIL");
  EXPECT_EQ(j["first_lost"]["txn"], never);
  EXPECT_EQ(j["first_lost"]["acknowledged_at_unix_ms"], 1796000000123);
}

TEST(CertifyCliTest, CommitsWhoseAcknowledgementNeverReachedTheListenerAreAllowed) {
  TempDir dir;
  FinishedRun r(dir);
  ASSERT_EQ(r.run.exit_code, 0) << r.run.out << r.run.err;
  // The cut came before the last 5 acknowledgements reached the listener.
  std::string text = ReadFileContents(dir.Sub("acks"));
  for (int i = 0; i < 5; ++i) {
    size_t last_a = text.rfind("\nA ");
    ASSERT_NE(last_a, std::string::npos);
    size_t end = text.find('\n', last_a + 1);
    text.erase(last_a + 1, end - last_a);
  }
  {
    std::ofstream out(dir.Sub("acks"), std::ios::trunc);
    out << text;
  }
  ProcessResult c = Bdbsim({"check", "--dir", dir.Sub("dev"), "--ack-file", dir.Sub("acks"), "--report", dir.Sub("report")});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  nlohmann::json j = nlohmann::json::parse(ReadFileContents(dir.Sub("report/certification.json")));
  EXPECT_EQ(j["counts"]["extra"], 5);
  EXPECT_EQ(j["counts"]["lost"], 0);
}

TEST(CertifyCliTest, ATornPageIsFoundByItsChecksumAndFails) {
  TempDir dir;
  FinishedRun r(dir);
  ASSERT_EQ(r.run.exit_code, 0) << r.run.out << r.run.err;
  // The device kept half of a page write: the second 2 KiB of page 1 of a.db are stale.
  const std::string db = dir.Sub("dev/env/a.db");
  int fd = ::open(db.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  std::string stale(2048, '\x11');
  ASSERT_EQ(::pwrite(fd, stale.data(), stale.size(), 4096 + 2048), static_cast<ssize_t>(stale.size()));
  ::close(fd);
  ProcessResult c = Bdbsim({"check", "--dir", dir.Sub("dev"), "--ack-file", dir.Sub("acks"), "--report", dir.Sub("report")});
  EXPECT_EQ(c.exit_code, 1) << c.out << c.err;
  EXPECT_NE(c.out.find("FAIL: "), std::string::npos) << c.out;
  nlohmann::json j = nlohmann::json::parse(ReadFileContents(dir.Sub("report/certification.json")));
  EXPECT_EQ(j["verdict"], "FAIL");
  EXPECT_EQ(j["pages_before_recovery"]["bad_pages"], 1);
  EXPECT_EQ(j["pages_before_recovery"]["bad"][0]["file"], "a.db");
  EXPECT_EQ(j["pages_before_recovery"]["bad"][0]["page"], 1);
  EXPECT_EQ(j["counts"]["torn_pages"], 1);
  EXPECT_NE(c.out.find(" 1 torn pages"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("page 1 of 'a.db' fails its checksum (torn or corrupt)"), std::string::npos) << c.out;
}

TEST(CertifyCliTest, AnEnvironmentThatWillNotRecoverIsAClearFail) {
  TempDir dir;
  FinishedRun r(dir);
  ASSERT_EQ(r.run.exit_code, 0) << r.run.out << r.run.err;
  // The device returned garbage where the log's first records were.
  const std::string log = dir.Sub("dev/env/log/log.0000000001");
  int fd = ::open(log.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  std::string junk(64 * 1024, '\x5a');
  ASSERT_EQ(::pwrite(fd, junk.data(), junk.size(), 0), static_cast<ssize_t>(junk.size()));
  ::close(fd);
  ProcessResult c = Bdbsim({"check", "--dir", dir.Sub("dev"), "--ack-file", dir.Sub("acks"), "--report", dir.Sub("report")});
  EXPECT_EQ(c.exit_code, 1) << c.out << c.err;
  EXPECT_NE(c.out.find("the environment does not recover, so none of the"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("normal recovery failed in '" + dir.Sub("dev/env") + "'"), std::string::npos) << c.out;
  nlohmann::json j = nlohmann::json::parse(ReadFileContents(dir.Sub("report/certification.json")));
  EXPECT_EQ(j["verdict"], "FAIL");
  EXPECT_EQ(j["recovery"]["recovered"], false);

  // Nothing left at all: FAIL too.
  ASSERT_TRUE(RemoveTree(DefaultFileIO(), dir.Sub("dev/env")).ok());
  c = Bdbsim({"check", "--dir", dir.Sub("dev"), "--ack-file", dir.Sub("acks"), "--report", dir.Sub("report")});
  EXPECT_EQ(c.exit_code, 1) << c.out << c.err;
  EXPECT_NE(c.out.find("is gone: none of the"), std::string::npos) << c.out;
}

TEST(CertifyCliTest, CheckRefusesALiveRunAndARunWhoseListenerGoesAwayStops) {
  TempDir dir;
  auto listener = std::make_unique<ListenerProcess>(dir.Sub("acks"));
  ASSERT_GT(listener->port(), 0) << listener->first_line();
  ProcessResult run;
  std::thread t([&] {
    run = Bdbsim({"run", "--dir", dir.Sub("dev"), "--ack-to", "127.0.0.1:" + std::to_string(listener->port()),
                  "--duration", "120", "--fsync-samples", "5", "--write-mib", "1"});
  });
  // Let acknowledgements flow, then take the listener away.
  AckFileContents acks;
  for (int i = 0; i < 3000 && !(ReadAckFile(dir.Sub("acks"), &acks).ok() && acks.acks.size() >= 20); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(acks.acks.size(), 20u);
  // Checking while the run still commits is refused, touching nothing.
  ProcessResult early = Bdbsim({"check", "--dir", dir.Sub("dev"), "--ack-file", dir.Sub("acks")});
  EXPECT_EQ(early.exit_code, 3) << early.out << early.err;
  EXPECT_NE(early.err.find("is in use (pid "), std::string::npos) << early.err;
  EXPECT_NE(early.err.find("stop the run (or cut the power) before checking"), std::string::npos) << early.err;
  EXPECT_EQ(listener->Stop(), 0);
  t.join();
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_NE(run.err.find("bdbsim: error: lost the listener after "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("the run stopped"), std::string::npos) << run.err;
}

TEST(CertifyCliTest, BadInputIsOneLineAndExitTwo) {
  TempDir dir;
  ProcessResult c = Bdbsim({"check", "--dir", dir.Sub("nope"), "--ack-file", dir.Sub("acks")});
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_EQ(c.err, "bdbsim: error: --dir '" + dir.Sub("nope") + "' is not a directory (give the PATH of the run)\n");
  c = Bdbsim({"check", "--dir", dir.path(), "--ack-file", dir.Sub("acks")});
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_EQ(c.err, "bdbsim: error: unable to open ack file '" + dir.Sub("acks") + "': No such file or directory\n");
  {
    std::ofstream out(dir.Sub("notacks"));
    out << "hello\n";
  }
  c = Bdbsim({"check", "--dir", dir.path(), "--ack-file", dir.Sub("notacks")});
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_EQ(c.err, "bdbsim: error: ack file '" + dir.Sub("notacks") + "' line 1: not a bdbsim certify ack file\n");
  {
    std::ofstream out(dir.Sub("empty-acks"));
    out << "# bdbsim certify acknowledgements, format 1\nH r 1 127.0.0.1:9 {\"seed\":1,\"home\":\"x\"}\n";
  }
  c = Bdbsim({"check", "--dir", dir.path(), "--ack-file", dir.Sub("empty-acks")});
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.err.find("holds no acknowledged commit: the run ended before its first commit"), std::string::npos)
      << c.err;
  c = Bdbsim({"run", "--dir", dir.Sub("dev"), "--ack-to", "nowhere"});
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_EQ(c.err, "bdbsim: error: --ack-to must be HOST:PORT, got 'nowhere'\n");
  c = Bdbsim({"listen", "--port", "0", "--ack-file", dir.Sub("missing/acks")});
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.err.find("its directory '" + dir.Sub("missing") + "' does not exist"), std::string::npos) << c.err;
  // No listener on the port: the run stops before it starts the workload.
  c = Bdbsim({"run", "--dir", dir.Sub("dev"), "--ack-to", "127.0.0.1:1", "--fsync-samples", "1", "--write-mib", "1"});
  EXPECT_EQ(c.exit_code, 4);
  EXPECT_NE(c.err.find("unable to connect to 127.0.0.1:1: Connection refused"), std::string::npos) << c.err;
}

}  // namespace
}  // namespace bdb::sim::certify
