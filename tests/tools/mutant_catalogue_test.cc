// The mutant catalogue (tools/mutants/mutants.toml) still fits the tree, so
// `tools/run mutants` patches what it claims to: every mutant's find string
// occurs exactly once in its file (and differs from its replace), every
// scenario it names exists and loads, every unit test it names is a test
// binary of this build. And the runner itself checks the same and refuses a
// catalogue that does not fit with one line and exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <toml++/toml.h>

#include "simulator/plan/scenario.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

const std::string kSource = BDBACKUP_SOURCE_DIR;
const std::string kCatalogue = kSource + "/tools/mutants/mutants.toml";
const std::string kRunner = kSource + "/tools/mutants/run_mutants.py";

size_t Occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); !needle.empty() && at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The test binaries this build makes: one per folder of tests/ (CMakeLists.txt).
std::set<std::string> TestBinaries() {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kSource + "/tests")) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.size() < 8 || name.compare(name.size() - 8, 8, "_test.cc") != 0) continue;
    std::string folder = std::filesystem::relative(entry.path().parent_path(), kSource + "/tests").string();
    std::replace(folder.begin(), folder.end(), '/', '_');
    names.insert(folder + "_tests");
  }
  return names;
}

TEST(MutantCatalogueTest, EveryFindOccursOnceAndEveryScenarioLoads) {
  toml::table doc;
  ASSERT_NO_THROW(doc = toml::parse_file(kCatalogue));
  const toml::array* mutants = doc["mutant"].as_array();
  ASSERT_NE(mutants, nullptr);
  EXPECT_GE(mutants->size(), 12u);
  const std::set<std::string> binaries = TestBinaries();
  std::set<std::string> names;
  for (const toml::node& node : *mutants) {
    const toml::table& m = *node.as_table();
    const std::string name = m["name"].value_or(std::string());
    SCOPED_TRACE("mutant '" + name + "'");
    EXPECT_TRUE(names.insert(name).second) << "listed twice";
    const std::string file = m["file"].value_or(std::string());
    const std::string find = m["find"].value_or(std::string());
    const std::string replace = m["replace"].value_or(std::string());
    ASSERT_TRUE(std::filesystem::is_regular_file(kSource + "/" + file)) << file;
    EXPECT_EQ(Occurrences(ReadFileContents(kSource + "/" + file), find), 1u) << "its find string in " << file;
    EXPECT_NE(find, replace);
    EXPECT_GE(m["trials"].value_or(int64_t{0}), 1);
    const toml::array* scenarios = m["scenarios"].as_array();
    ASSERT_TRUE(scenarios != nullptr && !scenarios->empty());
    for (const toml::node& s : *scenarios) {
      const std::string path = kSource + "/" + s.value_or(std::string());
      sim::Scenario loaded;
      Status st = sim::LoadScenarioFile(path, &loaded);
      EXPECT_TRUE(st.ok()) << path << ": " << st.message();
    }
    if (const toml::array* tests = m["unit_tests"].as_array()) {
      for (const toml::node& t : *tests) {
        const std::string text = t.value_or(std::string());
        EXPECT_TRUE(binaries.count(text.substr(0, text.find(':')))) << "unit test '" << text << "'";
      }
    }
  }
}

TEST(MutantCatalogueTest, RunnerAcceptsTheCatalogueAndRefusesOneThatDoesNotFit) {
  ProcessResult ok = RunProcess({"python3", kRunner, "--check"});
  EXPECT_EQ(ok.exit_code, 0) << DescribeRun(ok);
  EXPECT_NE(ok.out.find("the catalogue matches the tree"), std::string::npos) << ok.out;

  TempDir tmp;
  auto check = [&](const std::string& mutant) {
    std::ofstream(tmp.Sub("m.toml"), std::ios::trunc) << "seed = 1\n[[mutant]]\n" << mutant;
    return RunProcess({"python3", kRunner, "--check", "--catalogue", tmp.Sub("m.toml")});
  };
  const std::string head =
      "name = \"m\"\ndescription = \"d\"\nfile = \"engine/backup/backup.cc\"\ntrials = 1\nreplace = \"x\"\n";
  ProcessResult twice = check(head + "find = \"#include\"\nscenarios = [\"scenarios/cold-backup-quiet.toml\"]\n");
  EXPECT_EQ(twice.exit_code, 2) << DescribeRun(twice);
  EXPECT_NE(twice.err.find("mutants: error: mutant 'm': its find string occurs "), std::string::npos) << twice.err;
  EXPECT_NE(twice.err.find(" times in 'engine/backup/backup.cc': it must occur exactly once\n"), std::string::npos);
  EXPECT_EQ(Occurrences(twice.err, "\n"), 1u) << twice.err;

  ProcessResult absent = check(head + "find = \"#include\"\nscenarios = [\"scenarios/no-such.toml\"]\n");
  EXPECT_EQ(absent.exit_code, 2) << DescribeRun(absent);
  EXPECT_EQ(absent.err, "mutants: error: mutant 'm': scenario 'scenarios/no-such.toml' does not exist\n");
}

}  // namespace
}  // namespace bdb
