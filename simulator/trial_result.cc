// Outcome names, verdict rules, replay tokens and trial seeds.
#include "simulator/trial_result.h"

#include <fmt/format.h>

namespace bdb::sim {

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass: return "PASS";
    case Outcome::kDetected: return "DETECTED";
    case Outcome::kCleanFailure: return "CLEAN_FAILURE";
    case Outcome::kLoss: return "LOSS";
  }
  return "UNKNOWN";
}

bool ParseOutcome(const std::string& name, Outcome* outcome) {
  for (Outcome o : {Outcome::kPass, Outcome::kDetected, Outcome::kCleanFailure, Outcome::kLoss}) {
    if (name == OutcomeName(o)) {
      *outcome = o;
      return true;
    }
  }
  return false;
}

OutcomeCounts CountOutcomes(const ScenarioResult& scenario) {
  OutcomeCounts c;
  for (const TrialResult& t : scenario.trials) {
    ++c.trials;
    switch (t.outcome) {
      case Outcome::kPass: ++c.pass; break;
      case Outcome::kDetected:
        ++c.detected;
        if (!t.explained) ++c.unexplained_detected;
        break;
      case Outcome::kCleanFailure: ++c.clean_failure; break;
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

bool TrialCaught(const TrialResult& trial) {
  return (trial.outcome == Outcome::kDetected && !trial.harness_error) || trial.outcome == Outcome::kLoss;
}

bool TrialFails(const ScenarioResult& scenario, const TrialResult& trial) {
  if (scenario.expect != "pass") return false;
  return trial.outcome == Outcome::kLoss || (trial.outcome == Outcome::kDetected && !trial.explained);
}

std::string Verdict(const ScenarioResult& scenario) {
  if (scenario.expect == "pass") {
    for (const TrialResult& t : scenario.trials) {
      if (TrialFails(scenario, t)) return "FAIL";
    }
    return "PASS";
  }
  if (scenario.expect == "caught") {
    for (const TrialResult& t : scenario.trials) {
      if (TrialCaught(t)) return "PASS";
    }
  }
  return "FAIL";
}

std::string VerdictReason(const ScenarioResult& scenario) {
  OutcomeCounts c = CountOutcomes(scenario);
  if (scenario.expect == "pass") {
    if (c.loss == 0 && c.unexplained_detected == 0) return fmt::format("no loss in {} trials", c.trials);
    std::string reason;
    if (c.loss > 0) reason = fmt::format("{} of {} trials lost acknowledged commits", c.loss, c.trials);
    if (c.unexplained_detected > 0) {
      if (!reason.empty()) reason += ", ";
      reason += fmt::format("{} of {} trials unexplained DETECTED", c.unexplained_detected, c.trials);
    }
    return reason;
  }
  if (scenario.expect == "caught") {
    int caught = CaughtTrials(scenario);
    if (caught == 0) return fmt::format("no trial of {} was caught (DETECTED or LOSS)", c.trials);
    return fmt::format("caught {} of {} trials ({:.1f}%)", caught, c.trials, 100.0 * caught / c.trials);
  }
  return fmt::format("unknown expectation '{}'", scenario.expect);
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

std::string MakeReplayToken(const std::string& scenario, uint64_t seed) {
  return EncodeScenario(scenario) + "." + SeedHex(seed);
}

Status ParseReplayToken(const std::string& token, std::string* scenario, uint64_t* seed) {
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

std::string ReplayLine(const std::string& scenario, uint64_t seed) {
  return "bdbsim replay " + MakeReplayToken(scenario, seed);
}

std::string TrialReplay(const TrialResult& trial) {
  return trial.replay.empty() ? ReplayLine(trial.scenario, trial.seed) : trial.replay;
}

uint64_t Fnv1a64(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t SplitMix64(uint64_t x) {
  uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t TrialSeed(uint64_t run_seed, const std::string& scenario, int index) {
  uint64_t x = SplitMix64(run_seed);
  x = SplitMix64(x ^ Fnv1a64(scenario));
  return SplitMix64(x ^ static_cast<uint64_t>(static_cast<int64_t>(index)));
}

}  // namespace bdb::sim
