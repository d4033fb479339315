// The verdict table's catalogue (tools/verdicts/verdicts.toml) loads, and
// every scenario `tools/run verdicts` would run from it is accepted by the
// simulator's own scenario loader, with the tool's expectation and backup
// method; a catalogue that is wrong is refused with one line and exit 2,
// before any scenario is written.
#include <gtest/gtest.h>

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
const std::string kCatalogue = kSource + "/tools/verdicts/verdicts.toml";
const std::string kRunner = kSource + "/tools/verdicts/run_verdicts.py";

size_t Lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

TEST(VerdictCatalogueTest, EveryGeneratedScenarioLoadsWithItsToolsExpectation) {
  toml::table doc;
  ASSERT_NO_THROW(doc = toml::parse_file(kCatalogue));
  const toml::array* tools = doc["tool"].as_array();
  const toml::array* workloads = doc["workload"].as_array();
  ASSERT_TRUE(tools != nullptr && workloads != nullptr);
  std::set<std::string> tool_names;
  for (const toml::node& t : *tools) tool_names.insert(t.as_table()->at("name").value_or(std::string()));
  for (const char* needed : {"cp-a", "rsync-a", "tar", "copytree", "db-hotbackup", "bdbackup-hot"})
    EXPECT_TRUE(tool_names.count(needed)) << needed;
  EXPECT_GE(workloads->size(), 3u) << "the built-in workload and the two example applications";

  TempDir tmp;
  ProcessResult r = RunProcess({"python3", kRunner, "--check", "--write-scenarios", tmp.Sub("scenarios")});
  ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
  size_t loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(tmp.Sub("scenarios"))) {
    SCOPED_TRACE(entry.path().string());
    sim::Scenario s;
    Status st = sim::LoadScenarioFile(entry.path().string(), &s);
    ASSERT_TRUE(st.ok()) << st.message();
    ++loaded;
    const std::string name = entry.path().stem().string();
    ASSERT_EQ(name.rfind("verdict-", 0), 0u);
    const bool safe = name.rfind("verdict-db-hotbackup-", 0) == 0 || name.rfind("verdict-bdbackup-hot-", 0) == 0;
    EXPECT_EQ(s.expect, safe ? sim::Expect::kPass : sim::Expect::kCaught);
    const bool engine = name.rfind("verdict-bdbackup-hot-", 0) == 0;
    EXPECT_EQ(s.backup.method, engine ? sim::BackupMethod::kEngine : sim::BackupMethod::kCommand);
  }
  EXPECT_EQ(loaded, tools->size() * workloads->size());
}

TEST(VerdictCatalogueTest, ABadCatalogueIsRefusedWithOneLine) {
  TempDir tmp;
  const std::string head = "seed = 1\ntrials = 3\n[[workload]]\nname = \"w\"\nlabel = \"w\"\nstart_after_txns = 10\n"
                           "settings = { txns = 100 }\n[[tool]]\nname = \"t\"\nlabel = \"t\"\nneeds = []\n";
  auto check = [&](const std::string& tool) {
    std::ofstream(tmp.Sub("v.toml"), std::ios::trunc) << head << tool;
    return RunProcess({"python3", kRunner, "--check", "--catalogue", tmp.Sub("v.toml"), "--write-scenarios",
                       tmp.Sub("out")});
  };
  ProcessResult good = check("expect = \"caught\"\nbackup = { method = \"command\", command = [\"cp\", \"-a\", "
                             "\"{home}/.\", \"{dest}\"] }\n");
  EXPECT_EQ(good.exit_code, 0) << DescribeRun(good);
  std::filesystem::remove_all(tmp.Sub("out"));

  ProcessResult expect = check("expect = \"maybe\"\nbackup = { method = \"engine\", mode = \"hot\" }\n");
  EXPECT_EQ(expect.exit_code, 2) << DescribeRun(expect);
  EXPECT_EQ(expect.err, "verdicts: error: v.toml: tool 't': expect 'maybe' must be one of pass, caught\n");

  ProcessResult no_dest = check("expect = \"caught\"\nbackup = { method = \"command\", command = [\"cp\", \"{home}\"] }\n");
  EXPECT_EQ(no_dest.exit_code, 2) << DescribeRun(no_dest);
  EXPECT_EQ(no_dest.err, "verdicts: error: v.toml: tool 't': backup command never names {dest}\n");
  EXPECT_EQ(Lines(no_dest.err), 1u);
  EXPECT_FALSE(std::filesystem::exists(tmp.Sub("out"))) << "a refused catalogue writes no scenario";

  ProcessResult only = RunProcess({"python3", kRunner, "--only", "no-such-tool"});
  EXPECT_EQ(only.exit_code, 2) << DescribeRun(only);
  EXPECT_EQ(only.err, "verdicts: error: bad usage: --only no-such-tool: no such tool in verdicts.toml\n");
}

}  // namespace
}  // namespace bdb
