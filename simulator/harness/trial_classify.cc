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

const TrialFinding* WorstFinding(const std::vector<TrialFinding>& findings) {
  const TrialFinding* worst = nullptr;
  for (const TrialFinding& f : findings) {
    if (worst == nullptr || Severity(f.outcome, f.explained) > Severity(worst->outcome, worst->explained)) worst = &f;
  }
  return worst;
}

TrialConclusion ConcludeTrial(const TrialEvidence& evidence) {
  TrialConclusion out;
  const TrialFinding* worst = WorstFinding(evidence.findings);
  const bool clean_failure = std::any_of(evidence.findings.begin(), evidence.findings.end(),
                                         [](const TrialFinding& f) { return f.outcome == Outcome::kCleanFailure; });
  const bool checked = evidence.checks > 0 || evidence.expected_endings > 0 || clean_failure;
  const std::string unfired = UnfiredFaults(evidence.exercise);
  out.exercised = unfired.empty() && checked;
  if (worst != nullptr && worst->outcome != Outcome::kPass && worst->outcome != Outcome::kNotExercised) {
    out.outcome = worst->outcome;
    out.explained = worst->outcome == Outcome::kDetected && worst->explained;
    out.detail = worst->detail;
    return out;
  }
  std::vector<std::string> why;
  for (const FaultExercise& e : evidence.exercise) {
    if (e.fired) continue;
    why.push_back(e.kind + (e.step > 0 ? " at step " + std::to_string(e.step) : "") + " (" + e.planned + ")" +
                  (e.hit.empty() ? "" : ": " + e.hit) + " did not fire");
  }
  for (const TrialFinding& f : evidence.findings) {
    if (f.outcome == Outcome::kNotExercised) why.push_back(f.detail);
  }
  if (!checked) why.push_back("no check ran");
  if (why.empty()) {
    out.outcome = Outcome::kPass;
    out.detail = evidence.pass_detail.empty() ? "every check held" : evidence.pass_detail;
    return out;
  }
  out.outcome = Outcome::kNotExercised;
  out.detail = "no loss, but not exercised: ";
  for (size_t i = 0; i < why.size(); ++i) out.detail += (i == 0 ? "" : "; ") + why[i];
  return out;
}

namespace {

bool InScope(const FaultTouch& t, const DetectionScope& scope) {
  return t.step == 0 ? scope.live : scope.steps.count(t.step) > 0;
}

bool TouchNamesPage(const FaultTouch& t, const std::vector<uint64_t>& named_pages) {
  for (uint64_t page : t.pages) {
    if (std::find(named_pages.begin(), named_pages.end(), page) != named_pages.end()) return true;
  }
  return false;
}

}  // namespace

const FaultTouch* ExplainingTouch(const std::vector<FaultTouch>& touched, const DetectionScope& scope,
                                  const std::string& detection) {
  const std::vector<uint64_t> named_pages = NamedPages(detection);
  for (const FaultTouch& t : touched) {
    if (!InScope(t, scope) || !NamesFile(detection, LastComponent(t.file))) continue;
    // A detection that names pages of a file is explained only by a tear of one of them.
    if (!t.pages.empty() && !named_pages.empty() && !TouchNamesPage(t, named_pages)) continue;
    return &t;
  }
  return nullptr;
}

std::vector<const FaultTouch*> PageOnlyCandidates(const std::vector<FaultTouch>& touched,
                                                  const DetectionScope& scope, const std::string& detection) {
  std::vector<const FaultTouch*> out;
  const std::vector<uint64_t> named_pages = NamedPages(detection);
  if (named_pages.empty()) return out;
  for (const FaultTouch& t : touched) {
    if (InScope(t, scope) && TouchNamesPage(t, named_pages)) out.push_back(&t);
  }
  return out;
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
