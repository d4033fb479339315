// junit.xml writer.
#include "simulator/report/report_junit.h"

#include <fmt/format.h>

namespace bdb::sim {

namespace {

// Length of the valid UTF-8 sequence starting at s[i] (0 if invalid) and its code point.
size_t Utf8Sequence(std::string_view s, size_t i, uint32_t* cp) {
  unsigned char c = s[i];
  size_t len = 0;
  uint32_t min = 0;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, *cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, *cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, *cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = s[i + k];
    if ((cc & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (cc & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return len;
}

bool XmlAllowed(uint32_t cp) {
  if (cp < 0x20) return cp == '\t' || cp == '\n' || cp == '\r';
  return cp != 0xFFFE && cp != 0xFFFF;
}

std::string Seconds(double ms) { return fmt::format("{:.3f}", ms / 1000.0); }

std::string FailureBody(const ScenarioResult& s) {
  std::string body;
  const OutcomeCounts c = CountOutcomes(s);
  if (s.expect == "pass" && c.exercised < s.min_exercised * c.trials - 1e-9) {
    body += fmt::format("only {} of {} trials exercised their faults (needs {:.0f}%)\n", c.exercised, c.trials,
                        100 * s.min_exercised);
    for (const TrialResult& t : s.trials) {
      if (t.outcome == Outcome::kNotExercised) body += fmt::format("trial {} NOT_EXERCISED: {}\n", t.index, t.detail);
    }
  }
  for (const TrialResult& t : s.trials) {
    if (!TrialFails(s, t)) continue;
    body += fmt::format("trial {} {}{}: {}\n  {}\n", t.index, OutcomeName(t.outcome),
                        t.outcome == Outcome::kDetected ? " (unexplained)" : "", t.detail, TrialReplay(t));
    const std::string sandbox = DescribeTrialSandbox(t);
    if (!sandbox.empty()) body += "  " + sandbox + "\n";
  }
  return body;
}

}  // namespace

std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t len = Utf8Sequence(text, i, &cp);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not valid UTF-8
      ++i;
      continue;
    }
    if (!XmlAllowed(cp)) {
      out += "\xEF\xBF\xBD";
    } else if (len > 1) {
      out.append(text.substr(i, len));
    } else {
      switch (cp) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += static_cast<char>(cp);
      }
    }
    i += len;
  }
  return out;
}

std::string RenderJUnit(const RunReport& report) {
  int failures = 0, trials = 0;
  for (const ScenarioResult& s : report.scenarios) {
    failures += Verdict(s) == "FAIL" ? 1 : 0;
    trials += static_cast<int>(s.trials.size());
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format(
      "<testsuite name=\"bdbsim\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{}\" "
      "timestamp=\"{}\" trials=\"{}\">\n",
      report.scenarios.size(), failures, Seconds(report.wall_ms), EscapeXml(report.started_at), trials);
  xml += "  <properties>\n";
  for (const auto* group : {&report.settings, &report.versions}) {
    for (const auto& item : group->items()) {
      std::string value = item.value().is_string() ? item.value().get<std::string>() : item.value().dump();
      xml += fmt::format("    <property name=\"{}\" value=\"{}\"/>\n", EscapeXml(item.key()), EscapeXml(value));
    }
  }
  xml += "  </properties>\n";
  for (const ScenarioResult& s : report.scenarios) {
    OutcomeCounts c = CountOutcomes(s);
    double ms = 0;
    for (const TrialResult& t : s.trials) ms += t.duration_ms;
    xml += fmt::format(
        "  <testcase classname=\"bdbsim\" name=\"{}\" file=\"{}\" time=\"{}\" expect=\"{}\" trials=\"{}\" "
        "exercised=\"{}\" pass=\"{}\" not_exercised=\"{}\" detected=\"{}\" unexplained_detected=\"{}\" "
        "clean_failure=\"{}\" harness_error=\"{}\" hang=\"{}\" loss=\"{}\" catch_rate=\"{:.4f}\"",
        EscapeXml(s.name), EscapeXml(s.file), Seconds(ms), EscapeXml(s.expect), c.trials, c.exercised, c.pass,
        c.not_exercised, c.detected, c.unexplained_detected, c.clean_failure, c.harness_error, c.hang, c.loss,
        CatchRate(s));
    if (Verdict(s) == "PASS") {
      xml += fmt::format(">\n    <system-out>{}</system-out>\n  </testcase>\n", EscapeXml(VerdictReason(s)));
      continue;
    }
    xml += fmt::format(">\n    <failure message=\"{}\" type=\"{}\">{}</failure>\n  </testcase>\n",
                       EscapeXml(VerdictReason(s)), s.expect == "caught" ? "NOT_CAUGHT" : "LOSS_OR_UNEXPLAINED",
                       EscapeXml(FailureBody(s)));
  }
  // The suite's own output comes after its testcases (the JUnit schema's order).
  const std::string sandboxes = DescribeKeptSandboxes(report);
  if (!sandboxes.empty()) xml += fmt::format("  <system-out>{}</system-out>\n", EscapeXml(sandboxes));
  xml += "</testsuite>\n";
  return xml;
}

Status WriteJUnit(const RunReport& report, const std::string& path, FileIO* io) {
  return WriteFileAtomically(io, path, RenderJUnit(report), 0644);
}

}  // namespace bdb::sim
