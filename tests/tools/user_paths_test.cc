// Paths as systems have them: where a user names a path (the home, the
// repository, the restore target's directory, --live-logs, key and password
// files, --config, --prometheus) bdbackup follows symbolic links, as the
// shell and Berkeley DB's own utilities do; a link inside a repository or a
// backup is still refused. One test for each.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/committed_env_cli_test.h"

namespace bdb {
namespace {

std::string ErrorLine(const std::string& what) { return "bdbackup: error: " + what + "\n"; }

class UserPathsTest : public CommittedEnvCliTest {
 protected:
  UserPathsTest() : CommittedEnvCliTest("bdbackup-paths") {}

  // A symbolic link at tmp_/name pointing at target.
  std::string Link(const std::string& target, const std::string& name) {
    const std::string link = tmp_.Sub(name);
    EXPECT_EQ(::symlink(target.c_str(), link.c_str()), 0) << link;
    return link;
  }
  static bool IsLink(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
  }
};

TEST_F(UserPathsTest, HomeThroughALinkIsTheEnvironment) {
  const std::string link = Link(home_, "app-link");  // /var/lib/app -> /srv/app
  nlohmann::json j = Ok({"backup", "--home", link, "--repo", repo_, "--mode", "hot"});
  EXPECT_EQ(j.value("mode", ""), "hot");
  Commit(50);
  Ok({"archive", "--home", link, "--repo", repo_, "--checkpoint"});
  Ok({"backup", "--home", link + "/", "--repo", repo_, "--mode", "incremental"});
  Ok({"restore", "--repo", repo_, "--target", tmp_.Sub("restored")});
  ExpectHolds(tmp_.Sub("restored"), acked_.size());
  // A cold backup through the link still sees the application holding the
  // environment open (the regions' real paths in /proc/*/maps).
  std::unique_ptr<TestWriter> writer;
  ASSERT_TRUE(TestWriter::Open(home_, &writer).ok());
  ProcessResult cold = RunBdbackup({"backup", "--home", link, "--repo", repo_, "--mode", "cold"});
  EXPECT_EQ(cold.exit_code, 3) << DescribeRun(cold);
}

TEST_F(UserPathsTest, RepositoryThroughALinkOrUnderALinkedDirectory) {
  ASSERT_EQ(::mkdir(tmp_.Sub("real").c_str(), 0700), 0);
  const std::string parent = Link(tmp_.Sub("real"), "real-link");
  Ok({"backup", "--home", home_, "--repo", parent + "/repo", "--mode", "hot"});
  const std::string repo_link = Link(tmp_.Sub("real/repo"), "repo-link");
  Ok({"archive", "--home", home_, "--repo", repo_link, "--checkpoint"});
  nlohmann::json list = Ok({"list", "--repo", repo_link});
  EXPECT_EQ(list["backups"].size(), 1u);
  Ok({"verify", "--repo", repo_link});
  EXPECT_TRUE(IsLink(repo_link)) << "the link was replaced";
}

TEST_F(UserPathsTest, RestoreTargetUnderALinkedDirectoryButNotALinkItself) {
  Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(::mkdir(tmp_.Sub("restores").c_str(), 0700), 0);
  const std::string parent = Link(tmp_.Sub("restores"), "restores-link");
  Ok({"restore", "--repo", repo_, "--target", parent + "/one"});
  ExpectHolds(tmp_.Sub("restores/one"), acked_.size());
  // The target itself is what restore fills (and --force empties): a link
  // there is refused, and nothing is written through it.
  ASSERT_EQ(::mkdir(tmp_.Sub("elsewhere").c_str(), 0700), 0);
  const std::string target_link = Link(tmp_.Sub("elsewhere"), "target-link");
  ProcessResult r = RunBdbackup({"restore", "--repo", repo_, "--target", target_link, "--force"});
  EXPECT_EQ(r.exit_code, 2) << DescribeRun(r);
  EXPECT_EQ(r.err, ErrorLine("restore target '" + target_link + "' is a symbolic link"));
}

TEST_F(UserPathsTest, LiveLogsThroughALink) {
  Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  Commit(40);  // only in the live environment's logs
  const std::string link = Link(home_, "live-link");
  nlohmann::json j = Ok({"restore", "--repo", repo_, "--target", tmp_.Sub("restored"), "--live-logs", link});
  ExpectHolds(tmp_.Sub("restored"), acked_.size());
}

TEST_F(UserPathsTest, KeyPasswordAndConfigFilesThroughLinks) {
  ASSERT_EQ(::mkdir(tmp_.Sub("etc").c_str(), 0700), 0);
  std::ofstream(tmp_.Sub("etc/repo.key")) << std::string(64, 'a') << "\n";
  ASSERT_EQ(::chmod(tmp_.Sub("etc/repo.key").c_str(), 0600), 0);
  const std::string key_link = Link(tmp_.Sub("etc/repo.key"), "key-link");
  Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--encrypt-key-file", key_link});
  // The repository is encrypted with the key behind the link: the file itself opens it.
  Ok({"verify", "--repo", repo_, "--encrypt-key-file", tmp_.Sub("etc/repo.key")});
  // The password file is read through its link (an empty one is named as such).
  std::ofstream(tmp_.Sub("etc/empty-password")).flush();
  const std::string password_link = Link(tmp_.Sub("etc/empty-password"), "password-link");
  ProcessResult r = RunBdbackup({"verify", "--repo", repo_, "--password-file", password_link});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, ErrorLine("password file '" + tmp_.Sub("etc/empty-password") + "' is empty"));
  // --config through a link supplies its flags.
  std::ofstream(tmp_.Sub("etc/app.toml")) << "repo = \"" << repo_ << "\"\nencrypt_key_file = \"" << key_link << "\"\n";
  const std::string config_link = Link(tmp_.Sub("etc/app.toml"), "config-link");
  nlohmann::json list = Ok({"list", "--config", config_link});
  EXPECT_EQ(list["backups"].size(), 1u);
  Ok({"verify", "--config", config_link});
}

TEST_F(UserPathsTest, PrometheusFileThroughLinks) {
  Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(::mkdir(tmp_.Sub("textfile").c_str(), 0755), 0);
  // node_exporter's textfile directory reached through a link.
  const std::string dir_link = Link(tmp_.Sub("textfile"), "textfile-link");
  ProcessResult r = RunBdbackup({"check", "--repo", repo_, "--prometheus", dir_link + "/bdbackup.prom"});
  EXPECT_EQ(r.exit_code, 0) << DescribeRun(r);
  EXPECT_NE(ReadFileContents(tmp_.Sub("textfile/bdbackup.prom")).find("bdbackup_check_ok"), std::string::npos);
  // The file named is itself a link: its target is replaced, the link stays.
  const std::string file_link = Link(tmp_.Sub("textfile/bdbackup.prom"), "app.prom");
  ::unlink(tmp_.Sub("textfile/bdbackup.prom").c_str());
  r = RunBdbackup({"check", "--repo", repo_, "--prometheus", file_link});
  EXPECT_EQ(r.exit_code, 0) << DescribeRun(r);
  EXPECT_TRUE(IsLink(file_link));
  EXPECT_NE(ReadFileContents(tmp_.Sub("textfile/bdbackup.prom")).find("bdbackup_check_ok"), std::string::npos);
}

TEST_F(UserPathsTest, LinksInsideARepositoryOrABackupAreRefused) {
  nlohmann::json j = Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  const std::string dir = j.value("dir", "");
  ASSERT_FALSE(dir.empty());
  // A backup's database file replaced by a link to an identical copy elsewhere:
  // the link could point anywhere, so verify and restore refuse it.
  const std::string db = dir + "/a.db", copy = tmp_.Sub("a.db.copy");
  std::ofstream(copy, std::ios::binary) << ReadFileContents(db);
  ASSERT_EQ(::unlink(db.c_str()), 0);
  ASSERT_EQ(::symlink(copy.c_str(), db.c_str()), 0);
  ProcessResult verify = RunBdbackup({"verify", "--repo", repo_});
  EXPECT_EQ(verify.exit_code, 1) << DescribeRun(verify);
  EXPECT_NE(verify.err.find("symbolic link"), std::string::npos) << verify.err;
  ProcessResult restore = RunBdbackup({"restore", "--repo", repo_, "--target", tmp_.Sub("restored")});
  EXPECT_EQ(restore.exit_code, 1) << DescribeRun(restore);
  EXPECT_NE(restore.err.find("symbolic link"), std::string::npos) << restore.err;
  EXPECT_NE(::access(tmp_.Sub("restored").c_str(), F_OK), 0) << "a refused restore left a target";
}

}  // namespace
}  // namespace bdb
