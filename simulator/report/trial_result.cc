// Outcome names, verdict rules, replay tokens and trial seeds.
#include "simulator/report/trial_result.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>

namespace bdb::sim {

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass: return "PASS";
    case Outcome::kNotExercised: return "NOT_EXERCISED";
    case Outcome::kCleanFailure: return "CLEAN_FAILURE";
    case Outcome::kDetected: return "DETECTED";
    case Outcome::kHarnessError: return "HARNESS_ERROR";
    case Outcome::kHang: return "HANG";
    case Outcome::kLoss: return "LOSS";
  }
  return "UNKNOWN";
}

bool ParseOutcome(const std::string& name, Outcome* outcome) {
  for (Outcome o : kAllOutcomes) {
    if (name == OutcomeName(o)) {
      *outcome = o;
      return true;
    }
  }
  return false;
}

int Severity(Outcome outcome, bool explained) {
  switch (outcome) {
    case Outcome::kPass: return 0;
    case Outcome::kNotExercised: return 1;
    case Outcome::kCleanFailure: return 2;
    case Outcome::kDetected: return explained ? 3 : 4;
    case Outcome::kHarnessError: return 5;
    case Outcome::kHang: return 6;
    case Outcome::kLoss: return 7;
  }
  return 7;
}

OutcomeCounts CountOutcomes(const ScenarioResult& scenario) {
  OutcomeCounts c;
  for (const TrialResult& t : scenario.trials) {
    ++c.trials;
    if (t.exercised.value_or(false)) ++c.exercised;
    switch (t.outcome) {
      case Outcome::kPass: ++c.pass; break;
      case Outcome::kNotExercised: ++c.not_exercised; break;
      case Outcome::kCleanFailure: ++c.clean_failure; break;
      case Outcome::kDetected:
        ++c.detected;
        if (!t.explained) ++c.unexplained_detected;
        break;
      case Outcome::kHarnessError: ++c.harness_error; break;
      case Outcome::kHang: ++c.hang; break;
      case Outcome::kLoss: ++c.loss; break;
    }
  }
  return c;
}

namespace {
int CaughtTrials(const ScenarioResult& scenario) {
  int caught = 0;
  for (const TrialResult& t : scenario.trials) caught += TrialCaught(t) ? 1 : 0;
  return caught;
}
}  // namespace

double CatchRate(const ScenarioResult& scenario) {
  if (scenario.trials.empty()) return 0;
  return static_cast<double>(CaughtTrials(scenario)) / static_cast<double>(scenario.trials.size());
}

std::pair<double, double> CatchRateInterval(const ScenarioResult& scenario) {
  return WilsonInterval95(static_cast<uint64_t>(CaughtTrials(scenario)), scenario.trials.size());
}

std::pair<double, double> WilsonInterval95(uint64_t successes, uint64_t trials) {
  const double n = static_cast<double>(trials);
  if (n == 0) return {0, 1};
  const double z = 1.959963984540054, p = successes / n;
  const double center = (p + z * z / (2 * n)) / (1 + z * z / n);
  const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

bool TrialCaught(const TrialResult& trial) {
  return (trial.outcome == Outcome::kDetected && trial.explained) || trial.outcome == Outcome::kLoss;
}

namespace {
bool EnoughExercised(const ScenarioResult& scenario, const OutcomeCounts& c) {
  return c.trials == 0 || c.exercised >= scenario.min_exercised * c.trials - 1e-9;
}
// The catch rate's interval lies wholly below what the control claims.
bool CatchRateBelowClaim(const ScenarioResult& scenario) {
  return CatchRateInterval(scenario).second < scenario.min_catch_rate - 1e-9;
}
}  // namespace

bool TrialFails(const ScenarioResult& scenario, const TrialResult& trial) {
  if (trial.outcome == Outcome::kHang || trial.outcome == Outcome::kHarnessError) return true;
  if (scenario.expect != "pass") return false;
  return trial.outcome == Outcome::kLoss || (trial.outcome == Outcome::kDetected && !trial.explained);
}

std::string Verdict(const ScenarioResult& scenario) {
  if (scenario.expect != "pass" && scenario.expect != "caught") return "FAIL";
  for (const TrialResult& t : scenario.trials) {
    if (TrialFails(scenario, t)) return "FAIL";
  }
  if (scenario.expect == "pass") return EnoughExercised(scenario, CountOutcomes(scenario)) ? "PASS" : "FAIL";
  return scenario.trials.empty() || CatchRateBelowClaim(scenario) ? "FAIL" : "PASS";
}

std::string VerdictReason(const ScenarioResult& scenario) {
  const OutcomeCounts c = CountOutcomes(scenario);
  if (scenario.expect != "pass" && scenario.expect != "caught")
    return fmt::format("unknown expectation '{}'", scenario.expect);
  std::vector<std::string> reasons;
  if (c.hang > 0) reasons.push_back(fmt::format("{} of {} trials HANG", c.hang, c.trials));
  if (c.harness_error > 0) reasons.push_back(fmt::format("{} of {} trials HARNESS_ERROR", c.harness_error, c.trials));
  if (scenario.expect == "pass") {
    if (c.loss > 0) reasons.push_back(fmt::format("{} of {} trials lost acknowledged commits", c.loss, c.trials));
    if (c.unexplained_detected > 0)
      reasons.push_back(fmt::format("{} of {} trials unexplained DETECTED", c.unexplained_detected, c.trials));
    if (!EnoughExercised(scenario, c))
      reasons.push_back(fmt::format("only {} of {} trials exercised their faults (needs {:.0f}%)", c.exercised,
                                    c.trials, 100 * scenario.min_exercised));
    if (reasons.empty()) return fmt::format("no loss in {} trials, {} of {} exercised", c.trials, c.exercised, c.trials);
  } else {
    if (c.trials == 0) return "no trial ran";
    const int caught = CaughtTrials(scenario);
    const auto [low, high] = CatchRateInterval(scenario);
    const std::string rate = fmt::format("caught {} of {} trials ({:.1f}%, 95% CI {:.0f}-{:.0f}%)", caught, c.trials,
                                         c.trials == 0 ? 0.0 : 100.0 * caught / c.trials, 100 * low, 100 * high);
    if (CatchRateBelowClaim(scenario))
      reasons.push_back(fmt::format("{}, wholly below the claimed {:.0f}%", rate, 100 * scenario.min_catch_rate));
    if (reasons.empty()) return fmt::format("{}; claims at least {:.0f}%", rate, 100 * scenario.min_catch_rate);
  }
  std::string out;
  for (const std::string& r : reasons) out += (out.empty() ? "" : ", ") + r;
  return out;
}

bool AllMet(const RunReport& report) {
  for (const ScenarioResult& s : report.scenarios) {
    if (Verdict(s) != "PASS") return false;
  }
  return true;
}

bool ShardMet(const RunReport& report) {
  for (const ScenarioResult& s : report.scenarios) {
    if (s.expect == "caught") continue;
    if (Verdict(s) != "PASS") return false;
  }
  return true;
}

namespace {

std::string Mib(uint64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }

// A setting as text ("" when absent).
std::string SettingText(const RunReport& report, const char* key) {
  auto it = report.settings.find(key);
  if (it == report.settings.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

std::string DescribeKeptSandboxes(const RunReport& report) {
  int kept = 0, dropped = 0, unmovable = 0;
  uint64_t bytes = 0;
  for (const ScenarioResult& s : report.scenarios) {
    for (const TrialResult& t : s.trials) {
      if (!t.sandbox.empty()) {
        ++kept;
        bytes += t.sandbox_bytes;
      }
      if (t.sandbox_dropped.empty()) continue;
      ++(t.sandbox_dropped.rfind("dropped for the bound", 0) == 0 ? dropped : unmovable);
    }
  }
  if (kept == 0 && dropped == 0 && unmovable == 0) return "";
  std::string line = fmt::format("sandboxes of failing trials: {} kept ({})", kept, Mib(bytes));
  const std::string count = SettingText(report, "keep_sandboxes"), mib = SettingText(report, "keep_sandboxes_mib");
  if (!count.empty() && !mib.empty()) line += fmt::format(", at most {} and {} MiB", count, mib);
  const std::string in = SettingText(report, "kept_sandboxes_in"), root = SettingText(report, "sandbox_root");
  const bool in_memory = SettingText(report, "sandbox_root_in_memory") == "true";
  if (!in.empty() && in != root) {
    line += fmt::format(", in {} (on disk; moved from {}, which is in memory)", in, root);
  } else if (!in.empty()) {
    line += fmt::format(", in {}{}", in, in_memory ? " (in memory: no directory on disk was found)" : " (on disk)");
  }
  if (dropped > 0) line += fmt::format("; {} dropped for the bound, oldest first", dropped);
  if (unmovable > 0) line += fmt::format("; {} dropped, unable to move them to disk", unmovable);
  return line;
}

std::string DescribeTrialSandbox(const TrialResult& trial) {
  if (!trial.sandbox.empty()) return fmt::format("sandbox kept: {} ({})", trial.sandbox, Mib(trial.sandbox_bytes));
  if (!trial.sandbox_dropped.empty())
    return fmt::format("sandbox ({}) {}", Mib(trial.sandbox_bytes), trial.sandbox_dropped);
  return "";
}

namespace {

bool IsTokenSafe(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

int HexValue(char c, bool upper) {
  if (c >= '0' && c <= '9') return c - '0';
  if (upper && c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (!upper && c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string EncodeScenario(const std::string& scenario) {
  std::string out;
  for (unsigned char c : scenario) {
    if (IsTokenSafe(c)) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// Decodes %XX escapes; false unless `encoded` is exactly what EncodeScenario
// would produce for the result.
bool DecodeScenario(const std::string& encoded, std::string* scenario) {
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    unsigned char c = encoded[i];
    if (IsTokenSafe(c)) {
      out += static_cast<char>(c);
      continue;
    }
    if (c != '%' || i + 2 >= encoded.size()) return false;
    int hi = HexValue(encoded[i + 1], true), lo = HexValue(encoded[i + 2], true);
    if (hi < 0 || lo < 0) return false;
    unsigned char decoded = static_cast<unsigned char>(hi * 16 + lo);
    if (IsTokenSafe(decoded)) return false;  // must not have been escaped
    out += static_cast<char>(decoded);
    i += 2;
  }
  if (out.empty()) return false;
  *scenario = std::move(out);
  return true;
}

}  // namespace

std::string SeedHex(uint64_t seed) { return fmt::format("{:016x}", seed); }

bool ParseSeedHex(const std::string& hex, uint64_t* seed) {
  if (hex.size() != 16) return false;
  uint64_t v = 0;
  for (char c : hex) {
    int d = HexValue(c, false);
    if (d < 0) return false;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  *seed = v;
  return true;
}

namespace {
constexpr std::string_view kOutcomeLetters = "PNCDUEHL";

// ".<letter><8 hex>" at the end of a token, or nullopt.
std::optional<ReplayExpectation> ParseExpectation(const std::string& part) {
  if (part.size() != 9 || kOutcomeLetters.find(part[0]) == std::string_view::npos) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = 1; i < part.size(); ++i) {
    const int d = HexValue(part[i], false);
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<uint32_t>(d);
  }
  return ReplayExpectation{part[0], v};
}
}  // namespace

uint32_t FaultSignature(const std::vector<FaultExercise>& exercise) {
  std::string text;
  for (const FaultExercise& e : exercise) text += fmt::format("{}@{}={};", e.kind, e.step, e.fired ? 1 : 0);
  return static_cast<uint32_t>(Fnv1a64(text));
}

ReplayExpectation ExpectationOf(const TrialResult& trial) {
  char letter = 'P';
  switch (trial.outcome) {
    case Outcome::kPass: letter = 'P'; break;
    case Outcome::kNotExercised: letter = 'N'; break;
    case Outcome::kCleanFailure: letter = 'C'; break;
    case Outcome::kDetected: letter = trial.explained ? 'D' : 'U'; break;
    case Outcome::kHarnessError: letter = 'E'; break;
    case Outcome::kHang: letter = 'H'; break;
    case Outcome::kLoss: letter = 'L'; break;
  }
  return ReplayExpectation{letter, FaultSignature(trial.exercise)};
}

std::string DescribeExpectedOutcome(char outcome) {
  switch (outcome) {
    case 'P': return "PASS";
    case 'N': return "NOT_EXERCISED";
    case 'C': return "CLEAN_FAILURE";
    case 'D': return "DETECTED (explained)";
    case 'U': return "DETECTED (unexplained)";
    case 'E': return "HARNESS_ERROR";
    case 'H': return "HANG";
    case 'L': return "LOSS";
  }
  return "unknown";
}

std::string MakeReplayToken(const std::string& scenario, uint64_t seed) {
  return EncodeScenario(scenario) + "." + SeedHex(seed);
}

// "<scenario>.<seed>" without a result part.
static Status ParseScenarioAndSeed(const std::string& token, std::string* scenario, uint64_t* seed) {
  size_t dot = token.rfind('.');
  if (dot == std::string::npos || dot == 0) {
    return Status::InvalidArgument(
        fmt::format("replay token must be SCENARIO.SEED (seed as 16 hex digits), got '{}'", token));
  }
  uint64_t parsed_seed = 0;
  if (!ParseSeedHex(token.substr(dot + 1), &parsed_seed)) {
    return Status::InvalidArgument(
        fmt::format("replay token seed must be 16 lowercase hex digits, got '{}'", token.substr(dot + 1)));
  }
  std::string parsed_scenario;
  if (!DecodeScenario(token.substr(0, dot), &parsed_scenario)) {
    return Status::InvalidArgument(
        fmt::format("replay token has a malformed scenario name '{}'", token.substr(0, dot)));
  }
  *scenario = std::move(parsed_scenario);
  *seed = parsed_seed;
  return Status::OK();
}


std::string MakeReplayToken(const std::string& scenario, uint64_t seed, const ReplayExpectation& expected) {
  return MakeReplayToken(scenario, seed) + fmt::format(".{}{:08x}", expected.outcome, expected.faults);
}

Status ParseReplayToken(const std::string& token, std::string* scenario, uint64_t* seed,
                        std::optional<ReplayExpectation>* expected) {
  std::string rest = token;
  std::optional<ReplayExpectation> parsed_expectation;
  if (const size_t last = rest.rfind('.'); last != std::string::npos && rest.size() - last - 1 == 9) {
    parsed_expectation = ParseExpectation(rest.substr(last + 1));
    if (!parsed_expectation) {
      return Status::InvalidArgument(fmt::format(
          "replay token result must be an outcome letter (one of {}) and 8 hex digits, got '{}'", kOutcomeLetters,
          rest.substr(last + 1)));
    }
    rest.resize(last);
  }
  if (expected != nullptr) *expected = parsed_expectation;
  return ParseScenarioAndSeed(rest, scenario, seed);
}
std::string ReplayLine(const std::string& scenario, uint64_t seed) {
  return "bdbsim replay " + MakeReplayToken(scenario, seed);
}

std::string ReplayLine(const TrialResult& trial) {
  return "bdbsim replay " + MakeReplayToken(trial.scenario, trial.seed, ExpectationOf(trial));
}

std::string TrialReplay(const TrialResult& trial) {
  return trial.replay.empty() ? ReplayLine(trial.scenario, trial.seed) : trial.replay;
}

uint64_t TrialSeed(uint64_t run_seed, const std::string& scenario, int index) {
  uint64_t x = SplitMix64(run_seed);
  x = SplitMix64(x ^ Fnv1a64(scenario));
  return SplitMix64(x ^ static_cast<uint64_t>(static_cast<int64_t>(index)));
}

}  // namespace bdb::sim
