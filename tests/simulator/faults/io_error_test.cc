// libfiu I/O errors: FiuFileIO fails exactly the armed n-th call with the
// configured errno and PosixFileIO's message; fiu-run's POSIX preload really
// fails a real binary and the engine's own PosixFileIO (points of kIoFaultPoints).
#include "simulator/faults/io_error_injector.h"

#include <stdio.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

using bdb::test::TempDir;

Status ReadOnce(FileIO* io, const std::string& path) {
  std::string s;
  return ReadWholeFile(io, path, &s);
}

Status WriteOnce(FileIO* io, const std::string& path, const std::string& data) {
  std::unique_ptr<WritableFile> f;
  BDB_RETURN_IF_ERROR(io->CreateForWrite(path, 0600, &f));
  BDB_RETURN_IF_ERROR(f->Append(data.data(), data.size()));
  return f->Close();
}

TEST(IoErrorInjector, FailsExactlyTheNthRead) {
  TempDir dir("h6-fiu");
  const std::string path = dir.Sub("f");
  ASSERT_TRUE(WriteOnce(DefaultFileIO(), path, "hello").ok());
  FaultLog log;
  FiuFileIO io(DefaultFileIO(), &log);
  IoErrorInjector injector;
  ASSERT_TRUE(injector.Arm(IoFault{IoOp::kRead, 3, 1, EIO, false}).ok());
  for (int call = 1; call <= 5; ++call) {
    Status s = ReadOnce(&io, path);
    if (call == 3) {
      EXPECT_EQ(s.code(), Status::Code::kIOError);
      EXPECT_EQ(s.message(), "unable to read file '" + path + "': Input/output error");
    } else {
      EXPECT_TRUE(s.ok()) << call << ": " << s.message();
    }
  }
  EXPECT_EQ(injector.Checks(IoOp::kRead), 5u);
  ASSERT_EQ(log.Size(), 1u);
  EXPECT_EQ(log.Events()[0].kind, "io_error");
  EXPECT_EQ(log.Events()[0].detail, "bdbackup/io/read: read of '" + path + "' failed with EIO");
}

TEST(IoErrorInjector, FailsTheNthWriteWithNoSpaceAndShortWrites) {
  TempDir dir("h6-fiu");
  FiuFileIO io(DefaultFileIO(), nullptr);
  IoErrorInjector injector;
  ASSERT_TRUE(injector.Arm(IoFault{IoOp::kWrite, 2, 1, ENOSPC, true}).ok());
  std::unique_ptr<WritableFile> f;
  const std::string path = dir.Sub("w");
  ASSERT_TRUE(io.CreateForWrite(path, 0600, &f).ok());
  ASSERT_TRUE(f->Append("abcd", 4).ok());
  Status s = f->Append("efghij", 6);
  EXPECT_EQ(s.code(), Status::Code::kNoSpace);
  EXPECT_EQ(s.message(), "unable to write file '" + path + "': No space left on device");
  ASSERT_TRUE(f->Append("k", 1).ok());
  ASSERT_TRUE(f->Close().ok());
  std::string contents;
  ASSERT_TRUE(ReadWholeFile(DefaultFileIO(), path, &contents).ok());
  EXPECT_EQ(contents, "abcdefgk");  // half of the failed write reached the file
}

TEST(IoErrorInjector, FailsFsyncOpenAndRename) {
  TempDir dir("h6-fiu");
  const std::string path = dir.Sub("s");
  FiuFileIO io(DefaultFileIO(), nullptr);
  IoErrorInjector injector;
  ASSERT_TRUE(injector.Arm(IoFault{IoOp::kFsync, 2, 2, EIO, false}).ok());
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(io.CreateForWrite(path, 0600, &f).ok());
  EXPECT_TRUE(f->Sync().ok());
  EXPECT_EQ(f->Sync().message(), "unable to sync file '" + path + "': Input/output error");
  EXPECT_EQ(io.SyncDir(dir.path()).message(), "unable to sync directory '" + dir.path() + "': Input/output error");
  EXPECT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Close().ok());

  ASSERT_TRUE(injector.Arm(IoFault{IoOp::kOpen, 1, 2, EACCES, false}).ok());
  std::unique_ptr<ReadableFile> r;
  EXPECT_EQ(io.OpenForRead(path, &r).message(), "unable to open file '" + path + "': Permission denied");
  EXPECT_EQ(io.CreateForWrite(path, 0600, &f).message(), "unable to create file '" + path + "': Permission denied");
  EXPECT_TRUE(io.OpenForRead(path, &r).ok());

  ASSERT_TRUE(injector.Arm(IoFault{IoOp::kRename, 1, 1, EIO, false}).ok());
  Status s = io.Rename(path, dir.Sub("t"));
  EXPECT_EQ(s.message(), "unable to rename '" + path + "' to '" + dir.Sub("t") + "': Input/output error");
  EXPECT_TRUE(io.Rename(path, dir.Sub("t")).ok());
}

TEST(IoErrorInjector, DisarmsWhenDestroyedAndRandomFails) {
  TempDir dir("h6-fiu");
  const std::string path = dir.Sub("f");
  ASSERT_TRUE(WriteOnce(DefaultFileIO(), path, "x").ok());
  FiuFileIO io(DefaultFileIO(), nullptr);
  {
    IoErrorInjector injector;
    ASSERT_TRUE(injector.ArmRandom(IoOp::kRead, 1.0f, EIO).ok());
    EXPECT_EQ(ReadOnce(&io, path).message(), "unable to read file '" + path + "': Input/output error");
    EXPECT_FALSE(ReadOnce(&io, path).ok());
    EXPECT_EQ(injector.Checks(IoOp::kRead), 0u);  // not a countdown
  }
  EXPECT_TRUE(ReadOnce(&io, path).ok());
}

TEST(IoErrorInjector, RejectsImpossibleFaults) {
  IoErrorInjector injector;
  EXPECT_EQ(injector.Arm(IoFault{IoOp::kRead, 0, 1, EIO, false}).message(),
            "invalid i/o fault: nth_call and fail_calls start at 1");
  EXPECT_EQ(injector.Arm(IoFault{IoOp::kRead, 1, 1, 0, false}).message(), "invalid i/o fault: errno 0 out of range");
  EXPECT_EQ(injector.Arm(IoFault{IoOp::kFsync, 1, 1, EIO, true}).message(),
            "invalid i/o fault: short write on fsync");
  EXPECT_EQ(injector.ArmRandom(IoOp::kRead, 0.0f, EIO).message(), "invalid i/o fault: probability 0 outside (0, 1]");
  EXPECT_EQ(injector.ArmRandom(IoOp::kRead, 0.5f, -1).message(), "invalid i/o fault: errno -1 out of range");
}

TEST(IoErrorInjector, DrawIsDeterministic) {
  const std::vector<IoOp> ops = {IoOp::kRead, IoOp::kWrite, IoOp::kFsync};
  bool saw_write_enospc = false;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    IoFault a = DrawIoFault(seed, ops, 50), b = DrawIoFault(seed, ops, 50);
    EXPECT_EQ(a.op, b.op);
    EXPECT_EQ(a.nth_call, b.nth_call);
    EXPECT_EQ(a.error, b.error);
    EXPECT_EQ(a.short_write, b.short_write);
    EXPECT_GE(a.nth_call, 1u);
    EXPECT_LE(a.nth_call, 50u);
    if (a.op != IoOp::kWrite) {
      EXPECT_EQ(a.error, EIO);
    }
    saw_write_enospc = saw_write_enospc || a.error == ENOSPC;
  }
  EXPECT_TRUE(saw_write_enospc);
  EXPECT_EQ(DescribeIoFault(IoFault{IoOp::kWrite, 2, 1, ENOSPC, true}),
            "write #2 fails with ENOSPC after a short write");
  EXPECT_EQ(DescribeIoFault(IoFault{IoOp::kRead, 3, 4, EIO, false}), "read #3 fails with EIO (4 calls)");
}

TEST(FiuRunPrefix, BuildsTheCommandLine) {
  std::vector<std::string> argv;
  ASSERT_TRUE(FiuRunPrefix({{"posix/io/rw/write", 0.05, ENOSPC}, {"posix/io/rw/pread", 1.0, 0}}, &argv).ok());
  EXPECT_EQ(argv, (std::vector<std::string>{"fiu-run", "-x", "-c",
                                            "enable_random name=posix/io/rw/write,probability=0.05,failinfo=28", "-c",
                                            "enable name=posix/io/rw/pread"}));
  EXPECT_EQ(FiuRunPrefix({{"a,b", 1.0, 0}}, &argv).message(), "invalid posix fault: bad point name 'a,b'");
  EXPECT_EQ(FiuRunPrefix({{"", 1.0, 0}}, &argv).message(), "invalid posix fault: bad point name ''");
  EXPECT_EQ(FiuRunPrefix({{"x", 1.5, 0}}, &argv).message(), "invalid posix fault: probability 1.5 outside (0, 1]");
  EXPECT_EQ(FiuRunPrefix({{"x", 1.0, -2}}, &argv).message(), "invalid posix fault: errno -2 out of range");
}

// Runs argv and returns its exit code (128 + signal if killed) and all it
// printed: its stdout, then its stderr.
int RunCommand(const std::vector<std::string>& argv, std::string* output) {
  ProcessResult r = RunProcess(argv);
  *output = r.out + r.err;
  return r.exit_code;
}

std::vector<std::string> Under(const std::vector<PosixFault>& faults, const std::vector<std::string>& cmd) {
  std::vector<std::string> argv;
  EXPECT_TRUE(FiuRunPrefix(faults, &argv).ok());
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return argv;
}

// The preload really works here: dd's read(2) fails with the configured errno.
// (coreutils 9.1's cat is NOT failed by posix/io/rw/read on this system, so a
// passing run under fiu-run proves nothing until a point is seen to fire.)
TEST(FiuRun, PosixReadFailureReallyFiresInDd) {
  TempDir dir("h6-fiu");
  const std::string path = dir.Sub("in");
  ASSERT_TRUE(WriteOnce(DefaultFileIO(), path, "hello\n").ok());
  std::string out;
  const std::vector<std::string> dd = {"dd", "if=" + path, "of=/dev/null", "status=none"};
  EXPECT_EQ(RunCommand(Under({}, dd), &out), 0) << out;
  EXPECT_EQ(RunCommand(Under({{"posix/io/rw/read", 1.0, EIO}}, dd), &out), 1);
  EXPECT_EQ(out, "dd: error reading '" + path + "': Input/output error\n");
  EXPECT_EQ(RunCommand(Under({{"posix/io/rw/*", 1.0, EIO}}, dd), &out), 1);  // a prefix with '*' fires too
  EXPECT_EQ(out, "dd: error reading '" + path + "': Input/output error\n");
}

// Child side of the test below: only does something when run by it.
TEST(PosixFileIOChild, OneOperation) {
  const char* op = std::getenv("BDB_H6_CHILD_OP");
  const char* dir = std::getenv("BDB_H6_CHILD_DIR");
  if (op == nullptr || dir == nullptr) GTEST_SKIP() << "run by PosixFileIOUnderFiuRun";
  FileIO* io = DefaultFileIO();
  const std::string path = std::string(dir) + "/f";
  const std::string name = op;
  Status s;
  if (name == "open") {
    std::unique_ptr<ReadableFile> r;
    s = io->OpenForRead(path, &r);
  } else if (name == "read") {
    s = ReadOnce(io, path);
  } else if (name == "write") {
    std::unique_ptr<WritableFile> w;
    s = io->CreateForWrite(std::string(dir) + "/g", 0600, &w);
    if (s.ok()) s = w->Append("abc", 3);
  } else if (name == "fsync") {
    std::unique_ptr<WritableFile> w;
    s = io->CreateForWrite(std::string(dir) + "/g", 0600, &w);
    if (s.ok()) s = w->Sync();
  } else if (name == "rename") {
    s = io->Rename(path, std::string(dir) + "/h");
  }
  std::fprintf(stderr, "CHILD STATUS: %s\n", s.message().c_str());
}

// The engine's own PosixFileIO under fiu-run -x: each kIoFaultPoints POSIX name fires.
TEST(PosixFileIOUnderFiuRun, EveryPosixPointFires) {
  TempDir dir("h6-fiu");
  const std::string path = dir.Sub("f");
  const std::vector<std::pair<IoOp, std::string>> expected = {
      {IoOp::kOpen, "unable to open file '" + path + "': Input/output error"},
      {IoOp::kRead, "unable to read file '" + path + "': Input/output error"},
      {IoOp::kWrite, "unable to write file '" + dir.Sub("g") + "': Input/output error"},
      {IoOp::kFsync, "unable to sync file '" + dir.Sub("g") + "': Input/output error"},
      {IoOp::kRename, "unable to rename '" + path + "' to '" + dir.Sub("h") + "': Input/output error"},
  };
  const char* names[] = {"open", "read", "write", "fsync", "rename"};
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(WriteOnce(DefaultFileIO(), path, "hello").ok());
    const IoFaultPoint& point = FaultPointFor(expected[i].first);
    std::string out;
    const std::string env = std::string("BDB_H6_CHILD_OP=") + names[i];
    std::vector<std::string> argv = {"env", env, "BDB_H6_CHILD_DIR=" + dir.path()};
    std::vector<std::string> child = Under({{std::string(point.posix_name), 1.0, EIO}},
                                           {"/proc/self/exe", "--gtest_filter=PosixFileIOChild.*"});
    argv.insert(argv.end(), child.begin(), child.end());
    // /proc/self/exe must name this test binary, not env or fiu-run.
    char self[4096];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    ASSERT_GT(n, 0);
    self[n] = '\0';
    argv[argv.size() - 2] = self;
    RunCommand(argv, &out);
    EXPECT_NE(out.find("CHILD STATUS: " + expected[i].second + "\n"), std::string::npos)
        << point.posix_name << " did not fire:\n" << out;
  }
}

}  // namespace
}  // namespace bdb::sim
