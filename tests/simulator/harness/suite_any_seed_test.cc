// Every shipped `pass` scenario meets its expectation on seeds other than its
// own: each one, a ctest test of its own, run by the real bdbsim for one
// trial on a seed drawn from its place in the suite. At one trial the trial
// must be exercised (its faults fire by plan, not by chance) and end in an
// acceptable outcome. (`caught` scenarios are judged on an
// interval of their catch rate, which one trial cannot narrow; the full
// suite runs them at their own trial counts.)
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/file_io.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

// Every `pass` scenario file under scenarios/ (sub-folders included), sorted.
std::vector<std::string> ShippedPassScenarios() {
  std::vector<std::string> files;
  const std::filesystem::path root = std::filesystem::path(BDBACKUP_SOURCE_DIR) / "scenarios";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".toml") continue;
    std::string text;
    if (!ReadWholeFile(DefaultFileIO(), entry.path().string(), &text).ok()) continue;  // the run would name it
    if (std::regex_search(text, std::regex(R"((^|\n)expect *= *"pass")"))) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class SuiteAnySeedTest : public ::testing::TestWithParam<std::string> {};

// One trial of the scenario on a seed drawn from its place in the suite
// (never the scenario's own seed, which the full suite runs).
TEST_P(SuiteAnySeedTest, MeetsItsExpectationOnAnotherSeed) {
  const std::vector<std::string> all = ShippedPassScenarios();
  const auto at = std::find(all.begin(), all.end(), GetParam());
  ASSERT_NE(at, all.end());
  const std::string seed = std::to_string(7001 + 131 * (at - all.begin()));
  TempDir dir;
  ProcessResult r = RunProcess({BDBSIM_BIN, "run", GetParam(), "--trials", "1", "--jobs", "1", "--seed", seed,
                                "--report", dir.Sub("report")});
  const size_t table = r.out.find("scenario ");
  EXPECT_EQ(r.exit_code, 0) << "seed " << seed << ": " << r.out.substr(table == std::string::npos ? 0 : table) << "\n"
                            << r.err;
}

std::string ScenarioTestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Shipped, SuiteAnySeedTest, ::testing::ValuesIn(ShippedPassScenarios()), ScenarioTestName);

}  // namespace
}  // namespace bdb
