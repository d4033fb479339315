#include "simulator/harness/trial_classify.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace bdb::sim {
namespace {

bool IsNameDelimiter(char c) { return c == '\'' || c == '"' || c == '/' || c == ' ' || c == ':' || c == ','; }

std::string LastComponent(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool NamesFile(const std::string& text, const std::string& name) {
  if (name.empty()) return false;
  for (size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
    const bool starts = at == 0 || IsNameDelimiter(text[at - 1]);
    const size_t end = at + name.size();
    const bool ends = end == text.size() || IsNameDelimiter(text[end]);
    if (starts && ends) return true;
  }
  return false;
}

// Every N in "page N" of a message.
std::vector<uint64_t> NamedPages(const std::string& text) {
  std::vector<uint64_t> pages;
  static const std::string kWord = "page ";
  for (size_t at = text.find(kWord); at != std::string::npos; at = text.find(kWord, at + 1)) {
    size_t i = at + kWord.size();
    if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) continue;
    uint64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) n = n * 10 + (text[i++] - '0');
    pages.push_back(n);
  }
  return pages;
}

}  // namespace

const FaultTouch* ExplainingTouch(const std::vector<FaultTouch>& touched, const DetectionScope& scope,
                                  const std::string& detection) {
  auto in_scope = [&](const FaultTouch& t) { return t.step == 0 ? scope.live : t.step <= scope.max_step; };
  for (const FaultTouch& t : touched) {
    if (in_scope(t) && NamesFile(detection, LastComponent(t.file))) return &t;
  }
  const std::vector<uint64_t> named_pages = NamedPages(detection);
  for (const FaultTouch& t : touched) {
    if (!in_scope(t)) continue;
    for (uint64_t page : t.pages) {
      if (std::find(named_pages.begin(), named_pages.end(), page) != named_pages.end()) return &t;
    }
  }
  return nullptr;
}

std::string UnfiredFaults(const std::vector<FaultExercise>& exercise) {
  std::string out;
  for (const FaultExercise& e : exercise) {
    if (e.fired) continue;
    if (!out.empty()) out += ", ";
    out += e.kind + "@" + std::to_string(e.step);
  }
  return out;
}

void ConcludeTrial(TrialResult* trial) {
  const std::string unfired = UnfiredFaults(trial->exercise);
  trial->exercised = unfired.empty();
  if (trial->exercised || trial->outcome != Outcome::kPass) return;
  trial->outcome = Outcome::kNotExercised;
  std::string why;
  for (const FaultExercise& e : trial->exercise) {
    if (e.fired) continue;
    if (!why.empty()) why += "; ";
    why += e.kind + (e.step > 0 ? " at step " + std::to_string(e.step) : "") + " (" + e.planned + ")" +
           (e.hit.empty() ? "" : ": " + e.hit);
  }
  trial->detail = "no loss, but not exercised: " + why + " did not fire";
}

std::string ReplayDifference(const ReplayExpectation& expected, const TrialResult& now) {
  const ReplayExpectation got = ExpectationOf(now);
  std::string out;
  if (got.outcome != expected.outcome) {
    out = "outcome " + DescribeExpectedOutcome(got.outcome) + ", the original was " +
          DescribeExpectedOutcome(expected.outcome);
  }
  if (got.faults != expected.faults) {
    std::string fired, unfired;
    for (const FaultExercise& e : now.exercise) {
      std::string& list = e.fired ? fired : unfired;
      list += (list.empty() ? "" : ", ") + e.kind + "@" + std::to_string(e.step);
    }
    if (!out.empty()) out += "; ";
    out += "the faults that fired differ (now fired: " + (fired.empty() ? "none" : fired) +
           "; not fired: " + (unfired.empty() ? "none" : unfired) + ")";
  }
  return out;
}

}  // namespace bdb::sim
