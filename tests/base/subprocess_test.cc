// Subprocess, the one way the project starts programs: outputs captured,
// written to files or discarded, the environment changed by name, time limits,
// signals, and no descriptor of one child leaking into another.
#include "base/subprocess.h"

#include <signal.h>

#include <gtest/gtest.h>

#include "tests/support/test_env.h"

namespace bdb {
namespace {

SpawnSpec Shell(const std::string& script) {
  SpawnSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  return spec;
}

TEST(SubprocessTest, CapturesBothOutputsAndTheExitCode) {
  ProcessExit exit;
  std::string out, err;
  ASSERT_TRUE(RunProgram(Shell("echo out; echo err >&2; exit 3"), -1, &exit, &out, &err).ok());
  EXPECT_EQ(out, "out\n");
  EXPECT_EQ(err, "err\n");
  EXPECT_TRUE(exit.exited);
  EXPECT_EQ(exit.code, 3);
  EXPECT_EQ(exit.Describe(), "exit code 3");
  EXPECT_EQ(exit.ShellCode(), 3);
}

TEST(SubprocessTest, StdinIsDevNull) {
  ProcessExit exit;
  std::string out, err;
  ASSERT_TRUE(RunProgram(Shell("cat; echo end"), -1, &exit, &out, &err).ok());
  EXPECT_EQ(out, "end\n");
}

TEST(SubprocessTest, AProgramThatCannotStartIsAnError) {
  ProcessExit exit;
  std::string out, err;
  SpawnSpec spec;
  spec.argv = {"/nonexistent/tool", "x"};
  EXPECT_EQ(RunProgram(spec, -1, &exit, &out, &err).message(),
            "unable to start '/nonexistent/tool': No such file or directory");
  spec.argv = {"no-such-program-in-path-bdbackup"};
  EXPECT_EQ(RunProgram(spec, -1, &exit, &out, &err).message(),
            "unable to start 'no-such-program-in-path-bdbackup': No such file or directory");
  spec.argv.clear();
  EXPECT_EQ(RunProgram(spec, -1, &exit, &out, &err).message(), "unable to start a program: no command given");
}

TEST(SubprocessTest, OutputsToFilesTruncatedOrAppendedAndDevNull) {
  TempDir dir("subprocess");
  const std::string path = dir.Sub("out");
  SpawnSpec spec = Shell("echo one; echo gone >&2");
  spec.out = ChildOutput::File(path, /*append=*/false);
  spec.err = ChildOutput::DevNull();
  ProcessExit exit;
  std::string out, err;
  ASSERT_TRUE(RunProgram(spec, -1, &exit, &out, &err).ok());
  ASSERT_TRUE(RunProgram(spec, -1, &exit, &out, &err).ok());
  EXPECT_EQ(ReadFileContents(path), "one\n");
  spec.out = ChildOutput::File(path, /*append=*/true);
  ASSERT_TRUE(RunProgram(spec, -1, &exit, &out, &err).ok());
  EXPECT_EQ(ReadFileContents(path), "one\none\n");
  EXPECT_EQ(out + err, "");
  spec.out = ChildOutput::File(dir.Sub("missing/out"), false);
  EXPECT_EQ(RunProgram(spec, -1, &exit, &out, &err).message(),
            "unable to start '/bin/sh': unable to open file '" + dir.Sub("missing/out") +
                "': No such file or directory");
}

TEST(SubprocessTest, EnvironmentIsChangedByName) {
  ::setenv("BDBACKUP_SUBPROCESS_KEEP", "kept", 1);
  ::setenv("BDBACKUP_SUBPROCESS_DROP", "secret", 1);
  SpawnSpec spec = Shell("echo \"$BDBACKUP_SUBPROCESS_KEEP/${BDBACKUP_SUBPROCESS_DROP-unset}/$BDBACKUP_SUBPROCESS_SET\"");
  spec.env_unset = {"BDBACKUP_SUBPROCESS_DROP"};
  spec.env_set = {"BDBACKUP_SUBPROCESS_SET=given", "BDBACKUP_SUBPROCESS_KEEP=replaced"};
  ProcessExit exit;
  std::string out, err;
  ASSERT_TRUE(RunProgram(spec, -1, &exit, &out, &err).ok());
  EXPECT_EQ(out, "replaced/unset/given\n");
  ::unsetenv("BDBACKUP_SUBPROCESS_KEEP");
  ::unsetenv("BDBACKUP_SUBPROCESS_DROP");
}

TEST(SubprocessTest, AChildPastItsTimeLimitIsKilled) {
  ProcessExit exit;
  std::string out, err;
  ASSERT_TRUE(RunProgram(Shell("echo started; exec sleep 60"), 300, &exit, &out, &err).ok());
  EXPECT_EQ(out, "started\n");
  EXPECT_TRUE(exit.timed_out);
  EXPECT_EQ(exit.signal, SIGKILL);
  EXPECT_EQ(exit.Describe(), "timed out and was killed");
}

TEST(SubprocessTest, SignalWaitAndRunning) {
  SpawnSpec spec;
  spec.argv = {"sleep", "60"};
  std::unique_ptr<Subprocess> child;
  ASSERT_TRUE(Subprocess::Start(spec, &child).ok());
  EXPECT_TRUE(child->Running());
  ProcessExit exit;
  EXPECT_FALSE(child->Wait(50, &exit));
  ASSERT_TRUE(child->Signal(SIGTERM).ok());
  ASSERT_TRUE(child->Wait(-1, &exit));
  EXPECT_FALSE(child->Running());
  EXPECT_EQ(exit.Describe(), "killed by signal " + std::to_string(SIGTERM));
  EXPECT_EQ(exit.ShellCode(), 128 + SIGTERM);
  EXPECT_EQ(child->Signal(SIGTERM).message(),
            "unable to signal process " + std::to_string(child->pid()) + ": it has ended");
  child->Kill();  // safe after it ended
}

// A child started while another child's pipe is open must not inherit it:
// the first child's reader sees its end as soon as the first child exits,
// whatever the second one does.
TEST(SubprocessTest, NoChildHoldsAnotherChildsPipe) {
  std::unique_ptr<Subprocess> first, second;
  ASSERT_TRUE(Subprocess::Start(Shell("read line; echo first"), &first).ok());
  SpawnSpec sleeper;
  sleeper.argv = {"sleep", "60"};
  sleeper.out = sleeper.err = ChildOutput::DevNull();
  ASSERT_TRUE(Subprocess::Start(sleeper, &second).ok());
  std::string out, err;
  const ProcessExit exit = first->Communicate(20000, &out, &err);
  EXPECT_FALSE(exit.timed_out) << "the second child held the first one's pipe open";
  EXPECT_EQ(out, "first\n");
  EXPECT_TRUE(second->Running());
  // The destructor kills and reaps the one still running.
  const pid_t pid = second->pid();
  second.reset();
  EXPECT_NE(::kill(pid, 0), 0);
}

TEST(SubprocessTest, LastOutputLineSkipsBlankEnds) {
  EXPECT_EQ(LastOutputLine(""), "");
  EXPECT_EQ(LastOutputLine("\n\n"), "");
  EXPECT_EQ(LastOutputLine("only"), "only");
  EXPECT_EQ(LastOutputLine("first\nlast\n"), "last");
  EXPECT_EQ(LastOutputLine("first\nlast \r\n\n"), "last");
}

}  // namespace
}  // namespace bdb
