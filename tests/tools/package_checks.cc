// The Debian package, built and installed as an operator would (registered
// in CMakeLists.txt as ctest tests joined by fixtures, so each stays within
// the per-test budget):
//   Build: `cpack` makes build/package-test/bdbackup_<version>_<arch>.deb; its
//     control file names the Debian dependencies, maintainer scripts and the
//     conffile; it holds both programs, their helpers, a man page per
//     command, the bash completion, the example config, the units.
//   PackageTest.InstallRecipe: docs/install.md's install recipe is the three
//     commands the next test runs, and the README's Quick start shows the
//     same three (checked without root or apt).
//   PackageInstallTest.Install (fixture "installed"): the three commands of
//     docs/install.md's install recipe (install, an instance config, the archive timer enabled) on
//     this machine, then `bdbackup --version`. Where systemd is not PID 1
//     (containers, CI here) the timer is enabled without --now and nothing
//     is started: the test says so. Skipped unless root.
//   .ManPages: `man -w` for every page. .Units: `systemd-analyze verify` on
//     every unit with the generator's drop-ins. .ScheduledArchive: the
//     archive the timer runs, run as the unit's user. .Purge (the fixture's
//     clean-up): `apt-get purge`, and the account is gone.
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

// The install recipe of a document of the tree (docs/install.md unless
// named): the lines of the block after its marker.
std::vector<std::string> InstallRecipeLines(const std::string& document = "docs/install.md") {
  const std::string doc = ReadFileContents(std::string(BDBACKUP_SOURCE_DIR) + "/" + document);
  const size_t at = doc.find("<!-- install recipe");
  if (at == std::string::npos) return {};
  const size_t begin = doc.find("```\n", at) + 4;
  const size_t end = doc.find("```", begin);
  std::vector<std::string> lines;
  std::istringstream in(doc.substr(begin, end - begin));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line.substr(0, line.find("  #")));
  return lines;
}

void Replace(std::string* s, const std::string& from, const std::string& to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size()))
    s->replace(at, from.size(), to);
}

TEST(PackageTest, InstallRecipe) {
  const std::vector<std::string> recipe = InstallRecipeLines();
  ASSERT_EQ(recipe.size(), 3u) << "docs/install.md's install recipe is not three commands";
  EXPECT_EQ(recipe[0].rfind("apt-get install ./bdbackup_", 0), 0u) << recipe[0];
  EXPECT_NE(recipe[1].find("/etc/bdbackup/example.toml > /etc/bdbackup/app.toml"), std::string::npos) << recipe[1];
  EXPECT_EQ(recipe[2], "systemctl enable --now bdbackup-archive@app.timer");
  EXPECT_EQ(InstallRecipeLines("README.md"), recipe)
      << "the README's Quick start does not show docs/install.md's install recipe";
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

// The instance the installed package schedules: an environment with
// finished logs, and where its repository goes (kept from one test to the
// next, where the unit's user can reach it).
const std::string kInstance = "/var/tmp/bdbackup-package-test";
const std::string kHome = kInstance + "/app", kRepo = kInstance + "/backups/app";

// Set up of the "installed" fixture: docs/install.md's install recipe on this
// machine, with this build's package and the instance's paths.
TEST(PackageInstallTest, Install) {
  if (::geteuid() != 0) GTEST_SKIP() << "installing a package needs root";
  const std::string deb = TheDeb();
  ASSERT_FALSE(deb.empty()) << "PackageTest.Build made no package in " << kPackageDir;
  if (Sh("dpkg -s bdbackup >/dev/null 2>&1").exit_code == 0)
    GTEST_SKIP() << "a bdbackup package is already installed on this machine; not touching it";
  ASSERT_EQ(Sh("rm -rf " + kInstance + " && mkdir -p " + kInstance + " && chmod 755 " + kInstance).exit_code, 0);
  TestEnvOptions opts;
  opts.log_file_bytes = 64 * 1024;
  ASSERT_TRUE(CreateTestEnvironment(kHome, opts).ok());
  uint64_t used = 0;
  std::vector<uint64_t> acked;
  ASSERT_TRUE(CommitMore(kHome, 400, &used, &acked).ok());
  const std::vector<std::string> recipe = InstallRecipeLines();
  ASSERT_EQ(recipe.size(), 3u) << "docs/install.md's install recipe is not three commands";
  for (std::string line : recipe) {
    Replace(&line, "./bdbackup_0.1.0_amd64.deb", deb);
    Replace(&line, "/srv/backups/app", kRepo);
    Replace(&line, "/srv/app", kHome);
    if (!SystemdIsPid1()) Replace(&line, "enable --now", "enable");
    if (line.find("apt-get install") != std::string::npos)
      line = "DEBIAN_FRONTEND=noninteractive " + line + " -y -qq -o DPkg::Lock::Timeout=120";
    ProcessResult r = Sh(line);
    ASSERT_EQ(r.exit_code, 0) << line << ": " << DescribeRun(r);
  }
  if (!SystemdIsPid1())
    std::printf(
        "systemd is not PID 1 here: bdbackup-archive@app.timer is enabled, not started; the units are checked "
        "with systemd-analyze verify (PackageInstallTest.Units), and the archive they run is run as their user "
        "(PackageInstallTest.ScheduledArchive)\n");
  EXPECT_EQ(Sh("systemctl is-enabled bdbackup-archive@app.timer").out, "enabled\n");
  ProcessResult version = RunProcess({"/usr/bin/bdbackup", "--version"});
  EXPECT_EQ(version.exit_code, 0) << DescribeRun(version);
  EXPECT_EQ(version.out, "0.1.0\n");
}

bool Installed() { return Sh("dpkg -s bdbackup >/dev/null 2>&1").exit_code == 0; }

TEST(PackageInstallTest, ManPages) {
  if (!Installed()) GTEST_SKIP() << "the package is not installed (PackageInstallTest.Install)";
  ProcessResult pages = Sh("dpkg -L bdbackup | grep '/man1/.*\\.1\\.gz$' | xargs -n1 basename | sed 's/\\.1\\.gz$//'");
  std::istringstream names(pages.out);
  int count = 0;
  for (std::string page; std::getline(names, page); ++count) {
    ProcessResult w = RunProcess({"man", "-w", page});
    EXPECT_EQ(w.exit_code, 0) << page << ": " << DescribeRun(w);
  }
  EXPECT_GE(count, 16) << pages.out;
}

TEST(PackageInstallTest, Units) {
  if (!Installed()) GTEST_SKIP() << "the package is not installed (PackageInstallTest.Install)";
  VerifyUnits(kHome, kRepo);
}

// What the timer runs, as the unit's user.
TEST(PackageInstallTest, ScheduledArchive) {
  if (!Installed()) GTEST_SKIP() << "the package is not installed (PackageInstallTest.Install)";
  ASSERT_EQ(
      Sh("mkdir -p " + kInstance + "/backups && chown -R bdbackup:bdbackup " + kHome + " " + kInstance + "/backups")
          .exit_code,
      0);
  ProcessResult archive =
      Sh("runuser -u bdbackup -- /usr/bin/bdbackup archive --config /etc/bdbackup/app.toml --checkpoint");
  EXPECT_EQ(archive.exit_code, 0) << DescribeRun(archive);
  EXPECT_NE(archive.out.find("archived "), std::string::npos) << archive.out;
}

// Clean-up of the "installed" fixture: purge, and the account goes with it.
TEST(PackageInstallTest, Purge) {
  if (!Installed()) GTEST_SKIP() << "the package is not installed";
  ProcessResult purge =
      Sh("DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=120 bdbackup >/dev/null 2>&1; "
         "rm -f /etc/bdbackup/app.toml; rmdir /etc/bdbackup 2>/dev/null; "
         "rm -f /etc/systemd/system/timers.target.wants/bdbackup-archive@app.timer; rm -rf " +
         kInstance +
         "; "
         "dpkg -s bdbackup >/dev/null 2>&1 && echo still-installed || true");
  EXPECT_EQ(purge.out, "") << "the package was not removed";
  EXPECT_NE(Sh("getent passwd bdbackup").exit_code, 0) << "purge left the bdbackup user";
}

}  // namespace
}  // namespace bdb
