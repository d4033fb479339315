// The Debian package, built and installed as an operator would (registered
// in CMakeLists.txt as two ctest tests, so each stays within the per-test
// budget: PackageTest.Build is the fixture PackageTest.InstallAndSchedule
// needs):
//   Build: `cpack` makes build/package-test/bdbackup_<version>_<arch>.deb; its
//     control file names the Debian dependencies, maintainer scripts and the
//     conffile; it holds both programs, their helpers, a man page per
//     command, the bash completion, the example config, the units.
//   InstallAndSchedule: the README's three commands (install, an instance
//     config, the archive timer enabled) on this machine, then `bdbackup
//     --version`, `man -w` for every page, `systemd-analyze verify` on every
//     unit with the generator's drop-ins, the archive the timer runs, run as
//     the unit's user, and `apt-get purge` at the end. Where systemd is not
//     PID 1 (containers, CI here) the timer is enabled without --now and
//     nothing is started: the test says so. Skipped unless root.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

const std::string kBuild = BDBACKUP_BUILD_DIR;
const std::string kPackageDir = kBuild + "/package-test";

ProcessResult Sh(const std::string& script) { return RunProcess({"bash", "-c", script}); }

std::string TheDeb() {
  ProcessResult r = Sh("ls " + kPackageDir + "/bdbackup_*.deb 2>/dev/null | head -1");
  return r.out.empty() ? "" : r.out.substr(0, r.out.size() - 1);
}

bool SystemdIsPid1() { return ::access("/run/systemd/system", F_OK) == 0; }

// The README's install recipe: the lines of the block after its marker.
std::vector<std::string> ReadmeInstallLines() {
  const std::string readme = ReadFileContents(std::string(BDBACKUP_SOURCE_DIR) + "/README.md");
  const size_t at = readme.find("<!-- install recipe");
  const size_t begin = readme.find("```\n", at) + 4;
  const size_t end = readme.find("```", begin);
  std::vector<std::string> lines;
  std::istringstream in(readme.substr(begin, end - begin));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line.substr(0, line.find("  #")));
  return lines;
}

void Replace(std::string* s, const std::string& from, const std::string& to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size()))
    s->replace(at, from.size(), to);
}

TEST(PackageTest, Build) {
  ASSERT_EQ(Sh("rm -rf " + kPackageDir).exit_code, 0);
  ProcessResult r = RunProcess({"cpack", "--config", kBuild + "/CPackConfig.cmake", "-B", kPackageDir});
  ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
  const std::string deb = TheDeb();
  ASSERT_TRUE(std::regex_match(deb, std::regex(".*/bdbackup_[0-9]+\\.[0-9]+\\.[0-9]+_[a-z0-9]+\\.deb"))) << deb;
  ProcessResult info = RunProcess({"dpkg-deb", "--info", deb});
  ASSERT_EQ(info.exit_code, 0) << DescribeRun(info);
  for (const char* dep : {"libdb5.3", "libfiu0", "libzstd1", "libssl3", "adduser", "db5.3-util"})
    EXPECT_NE(info.out.find(dep), std::string::npos) << "Depends lacks " << dep << "\n" << info.out;
  for (const char* part : {"postinst", "postrm", "conffiles"})
    EXPECT_NE(info.out.find(part), std::string::npos) << part;
  ProcessResult contents = RunProcess({"dpkg-deb", "--contents", deb});
  ASSERT_EQ(contents.exit_code, 0);
  for (const char* path :
       {"./usr/bin/bdbackup", "./usr/bin/bdbackup-recover", "./usr/bin/bdbsim", "./usr/bin/bdbsim-workload",
        "./usr/bin/bdbsim-recover", "./usr/share/man/man1/bdbackup.1.gz", "./usr/share/man/man1/bdbackup-archive.1.gz",
        "./usr/share/man/man1/bdbsim-certify-run.1.gz", "./usr/share/bash-completion/completions/bdbackup",
        "./etc/bdbackup/example.toml", "./lib/systemd/system/bdbackup-archive@.timer",
        "./lib/systemd/system/bdbackup-check@.service", "./lib/systemd/system-generators/bdbackup-systemd-generator",
        "./usr/share/bdbackup/scenarios/hot-backup-under-load.toml"})
    EXPECT_NE(contents.out.find(path), std::string::npos) << "the package lacks " << path;
}

// systemd-analyze verify on every unit of the instance, with the drop-ins
// the generator makes from its config (the account, ReadWritePaths=).
void VerifyUnits(const std::string& home, const std::string& repo) {
  TempDir gen("bdbackup-generator");
  ProcessResult g = RunProcess({"/lib/systemd/system-generators/bdbackup-systemd-generator", gen.path()});
  ASSERT_EQ(g.exit_code, 0) << DescribeRun(g);
  const std::string dropin = ReadFileContents(gen.Sub("bdbackup-archive@app.service.d/50-instance.conf"));
  EXPECT_NE(dropin.find("User=bdbackup\n"), std::string::npos) << dropin;
  EXPECT_NE(dropin.find("ReadWritePaths=" + home + "\n"), std::string::npos) << dropin;
  EXPECT_NE(dropin.find("ReadWritePaths=" + repo + "\n"), std::string::npos) << dropin;
  for (const char* kind : {"archive", "backup", "incremental", "check"}) {
    for (const char* type : {"service", "timer"}) {
      const std::string unit = std::string("bdbackup-") + kind + "@app." + type;
      ProcessResult v =
          Sh("cp /lib/systemd/system/bdbackup-" + std::string(kind) + "@." + type + " " + gen.Sub(unit) + " && cd " +
             gen.path() + " && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify " + gen.Sub(unit));
      EXPECT_EQ(v.exit_code, 0) << unit << ": " << DescribeRun(v);
      EXPECT_EQ(v.err, "") << unit;
    }
  }
}

class PackageInstallTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (installed_) {
      ProcessResult purge =
          Sh("DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq bdbackup >/dev/null 2>&1; "
             "rm -f /etc/bdbackup/app.toml; rmdir /etc/bdbackup 2>/dev/null; "
             "rm -f /etc/systemd/system/timers.target.wants/bdbackup-archive@app.timer; "
             "dpkg -s bdbackup >/dev/null 2>&1 && echo still-installed || true");
      EXPECT_EQ(purge.out, "") << "the package was not removed";
      EXPECT_NE(Sh("getent passwd bdbackup").exit_code, 0) << "purge left the bdbackup user";
    }
  }
  bool installed_ = false;
};

TEST_F(PackageInstallTest, InstallAndSchedule) {
  if (::geteuid() != 0) GTEST_SKIP() << "installing a package needs root";
  const std::string deb = TheDeb();
  ASSERT_FALSE(deb.empty()) << "PackageTest.Build made no package in " << kPackageDir;
  if (Sh("dpkg -s bdbackup >/dev/null 2>&1").exit_code == 0)
    GTEST_SKIP() << "a bdbackup package is already installed on this machine; not touching it";
  // An environment with finished logs for the scheduled archive to take,
  // owned by the unit's user once the package made it.
  TempDir tmp("bdbackup-package");
  ASSERT_EQ(::chmod(tmp.path().c_str(), 0755), 0);
  const std::string home = tmp.Sub("app"), repo = tmp.Sub("backups/app");
  TestEnvOptions opts;
  opts.log_file_bytes = 64 * 1024;
  ASSERT_TRUE(CreateTestEnvironment(home, opts).ok());
  uint64_t used = 0;
  std::vector<uint64_t> acked;
  ASSERT_TRUE(CommitMore(home, 400, &used, &acked).ok());

  const std::vector<std::string> recipe = ReadmeInstallLines();
  ASSERT_EQ(recipe.size(), 3u) << "the README's install recipe is not three commands";
  for (std::string line : recipe) {
    Replace(&line, "./bdbackup_0.1.0_amd64.deb", deb);
    Replace(&line, "/srv/backups/app", repo);
    Replace(&line, "/srv/app", home);
    if (!SystemdIsPid1()) Replace(&line, "enable --now", "enable");
    if (line.find("apt-get install") != std::string::npos) {
      line = "DEBIAN_FRONTEND=noninteractive " + line + " -y -qq -o DPkg::Lock::Timeout=120";
      installed_ = true;
    }
    ProcessResult r = Sh(line);
    ASSERT_EQ(r.exit_code, 0) << line << ": " << DescribeRun(r);
  }
  if (!SystemdIsPid1())
    std::printf(
        "systemd is not PID 1 here: bdbackup-archive@app.timer is enabled, not started; the units are "
        "checked with systemd-analyze verify, and the archive they run is run as their user\n");
  EXPECT_EQ(Sh("systemctl is-enabled bdbackup-archive@app.timer").out, "enabled\n");

  ProcessResult version = RunProcess({"/usr/bin/bdbackup", "--version"});
  EXPECT_EQ(version.exit_code, 0) << DescribeRun(version);
  EXPECT_EQ(version.out, "0.1.0\n");
  // man -w for every page the package holds.
  ProcessResult pages = Sh("dpkg -L bdbackup | grep '/man1/.*\\.1\\.gz$' | xargs -n1 basename | sed 's/\\.1\\.gz$//'");
  std::istringstream names(pages.out);
  int count = 0;
  for (std::string page; std::getline(names, page); ++count) {
    ProcessResult w = RunProcess({"man", "-w", page});
    EXPECT_EQ(w.exit_code, 0) << page << ": " << DescribeRun(w);
  }
  EXPECT_GE(count, 16) << pages.out;
  VerifyUnits(home, repo);
  // What the timer runs, as the unit's user.
  ASSERT_EQ(Sh("mkdir -p " + tmp.Sub("backups") + " && chown -R bdbackup:bdbackup " + home + " " + tmp.Sub("backups"))
                .exit_code,
            0);
  ProcessResult archive =
      Sh("runuser -u bdbackup -- /usr/bin/bdbackup archive --config /etc/bdbackup/app.toml --checkpoint");
  EXPECT_EQ(archive.exit_code, 0) << DescribeRun(archive);
  EXPECT_NE(archive.out.find("archived "), std::string::npos) << archive.out;
}

}  // namespace
}  // namespace bdb
