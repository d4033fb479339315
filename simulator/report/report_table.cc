// Terminal table of a run.
#include "simulator/report/report_table.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <vector>

namespace bdb::sim {

namespace {

constexpr const char* kRed = "\033[31m";
constexpr const char* kGreen = "\033[32m";
constexpr const char* kYellow = "\033[33m";
constexpr const char* kBold = "\033[1m";
constexpr const char* kReset = "\033[0m";

constexpr size_t kColumns = 13;
using Row = std::array<std::string, kColumns>;

std::string Paint(const std::string& padded, const char* code, bool color) {
  return color && code != nullptr ? std::string(code) + padded + kReset : padded;
}

// The ANSI colour of cell `col` of a scenario row, or nullptr.
const char* CellColor(const ScenarioResult& s, const OutcomeCounts& c, size_t col) {
  if (col == 10 && c.loss > 0 && s.expect == "pass") return kRed;
  if ((col == 8 && c.harness_error > 0) || (col == 9 && c.hang > 0)) return kRed;
  if (col == 7 && c.unexplained_detected > 0 && s.expect == "pass") return kRed;
  if (col == 4 && c.not_exercised > 0) return kYellow;
  if (col == 12) return Verdict(s) == "PASS" ? kGreen : kRed;
  return nullptr;
}

std::string TrialLine(const TrialResult& t) {
  std::string line = fmt::format("  {} trial {} {}", t.scenario, t.index, OutcomeName(t.outcome));
  if (t.outcome == Outcome::kDetected && !t.explained) {
    line += " (unexplained)";
  }
  if (!t.detail.empty()) line += ": " + t.detail;
  line += "\n    " + TrialReplay(t) + "\n";
  const std::string sandbox = DescribeTrialSandbox(t);
  return sandbox.empty() ? line : line + "    " + sandbox + "\n";
}

std::string ReplaySection(const RunReport& report) {
  std::string out;
  for (const ScenarioResult& s : report.scenarios) {
    int listed = 0, caught = 0;
    for (const TrialResult& t : s.trials) {
      if (TrialFails(s, t)) {
        out += TrialLine(t);
      } else if (s.expect == "caught" && TrialCaught(t)) {
        if (++caught <= kCaughtTrialsListed) {
          out += TrialLine(t);
          ++listed;
        }
      }
    }
    if (caught > listed) {
      out += fmt::format("  {}: {} more caught trials in report.json\n", s.name, caught - listed);
    }
  }
  return out;
}

}  // namespace

std::string RenderTable(const RunReport& report, bool color) {
  std::vector<Row> rows = {{"scenario", "trials", "exercised", "PASS", "NOT_EXERCISED", "CLEAN_FAILURE", "DETECTED",
                            "unexplained", "HARNESS_ERROR", "HANG", "LOSS", "expected", "verdict"}};
  for (const ScenarioResult& s : report.scenarios) {
    OutcomeCounts c = CountOutcomes(s);
    rows.push_back({s.name, std::to_string(c.trials), std::to_string(c.exercised), std::to_string(c.pass),
                    std::to_string(c.not_exercised), std::to_string(c.clean_failure), std::to_string(c.detected),
                    std::to_string(c.unexplained_detected), std::to_string(c.harness_error), std::to_string(c.hang),
                    std::to_string(c.loss), s.expect, Verdict(s)});
  }
  std::array<size_t, kColumns> width{};
  for (const Row& row : rows) {
    for (size_t col = 0; col < kColumns; ++col) width[col] = std::max(width[col], row[col].size());
  }
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (size_t col = 0; col < kColumns; ++col) {
      // Names and words align left, counts right.
      bool numeric = col >= 1 && col <= 10;
      std::string cell = numeric ? fmt::format("{:>{}}", rows[r][col], width[col])
                                 : fmt::format("{:<{}}", rows[r][col], width[col]);
      if (col + 1 == kColumns) cell = rows[r][col];  // no trailing spaces
      const char* code = r == 0 ? kBold : CellColor(report.scenarios[r - 1], CountOutcomes(report.scenarios[r - 1]), col);
      line += (col == 0 ? "" : "  ") + Paint(cell, code, color);
    }
    out += line + "\n";
    if (r == 0) {
      size_t total = 0;
      for (size_t w : width) total += w;
      out += std::string(total + 2 * (kColumns - 1), '-') + "\n";
    }
  }
  int met = 0;
  for (const ScenarioResult& s : report.scenarios) met += Verdict(s) == "PASS" ? 1 : 0;
  int n = static_cast<int>(report.scenarios.size());
  std::string summary = met == n ? fmt::format("all {} scenarios met their expectation", n)
                                 : fmt::format("{} of {} scenarios did not meet their expectation", n - met, n);
  out += "\n" + Paint(summary, met == n ? kGreen : kRed, color) + "\n";
  std::string replays = ReplaySection(report);
  if (!replays.empty()) out += "\nreplay:\n" + replays;
  const std::string sandboxes = DescribeKeptSandboxes(report);
  if (!sandboxes.empty()) out += "\n" + sandboxes + "\n";
  return out;
}

bool ShouldUseColor(int fd) {
  if (!isatty(fd)) return false;
  if (std::getenv("NO_COLOR") != nullptr) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::string(term) != "dumb";
}

}  // namespace bdb::sim
