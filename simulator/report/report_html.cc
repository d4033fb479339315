// report.html writer: inline CSS, inline SVG, no script, no external reference.
#include "simulator/report/report_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "simulator/report/report_junit.h"

namespace bdb::sim {

namespace {

std::string E(std::string_view text) { return EscapeXml(text); }

struct OutcomeStyle {
  Outcome outcome;
  const char* css;    // class suffix
  const char* color;  // fill
};
constexpr OutcomeStyle kOutcomeStyles[] = {
    {Outcome::kPass, "pass", "#2f9e55"},
    {Outcome::kNotExercised, "notex", "#9a9a9a"},
    {Outcome::kCleanFailure, "clean", "#6f8fbf"},
    {Outcome::kDetected, "detected", "#e3a21a"},
    {Outcome::kHarnessError, "harness", "#8e44ad"},
    {Outcome::kHang, "hang", "#5d4037"},
    {Outcome::kLoss, "loss", "#d64541"},
};

const OutcomeStyle& StyleOf(Outcome o) {
  for (const OutcomeStyle& s : kOutcomeStyles) {
    if (s.outcome == o) return s;
  }
  return kOutcomeStyles[0];
}

int CountOf(const OutcomeCounts& c, Outcome o) {
  switch (o) {
    case Outcome::kPass: return c.pass;
    case Outcome::kNotExercised: return c.not_exercised;
    case Outcome::kCleanFailure: return c.clean_failure;
    case Outcome::kDetected: return c.detected;
    case Outcome::kHarnessError: return c.harness_error;
    case Outcome::kHang: return c.hang;
    case Outcome::kLoss: return c.loss;
  }
  return 0;
}

std::string FormatMs(double ms) {
  if (ms < 1000) return fmt::format("{:.1f} ms", ms);
  if (ms < 120000) return fmt::format("{:.2f} s", ms / 1000);
  return fmt::format("{:.1f} min", ms / 60000);
}

// An axis label: no decimals when none are needed ("30 ms", "1.5 s").
std::string AxisMs(double ms) {
  if (ms < 1000) return ms == std::floor(ms) ? fmt::format("{:.0f} ms", ms) : fmt::format("{:.1f} ms", ms);
  double sec = ms / 1000;
  return sec == std::floor(sec) ? fmt::format("{:.0f} s", sec) : fmt::format("{:g} s", sec);
}

// 1, 2 or 5 times a power of ten, at least x.
double NiceStep(double x) {
  double p = std::pow(10.0, std::floor(std::log10(x)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= x) return m * p;
  }
  return 10 * p;
}

constexpr const char* kStyle = R"css(
:root { --fg:#1d2430; --muted:#5d6878; --line:#d9dee6; --bg:#f6f7f9; --card:#fff;
  --pass:#2f9e55; --detected:#e3a21a; --clean:#6f8fbf; --loss:#d64541; }
* { box-sizing:border-box; }
body { margin:0; background:var(--bg); color:var(--fg);
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1100px; margin:0 auto; padding:24px 20px 48px; }
h1 { font-size:24px; margin:0 0 4px; }
h2 { font-size:17px; margin:0 0 12px; }
h3 { font-size:15px; margin:0 0 6px; }
.meta { color:var(--muted); margin:0 0 18px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px 18px; margin:0 0 18px; }
.summary { border-left:6px solid var(--pass); }
.summary.unmet { border-left-color:var(--loss); }
.headline { font-size:19px; font-weight:600; margin-bottom:12px; }
.tiles { display:flex; flex-wrap:wrap; gap:10px; }
.tile { border:1px solid var(--line); border-radius:6px; padding:8px 14px; min-width:120px; }
.tile .n { font-size:20px; font-weight:600; }
.tile .l { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
table { border-collapse:collapse; width:100%; }
th { text-align:left; font-weight:600; color:var(--muted); font-size:12px; text-transform:uppercase;
  letter-spacing:.04em; border-bottom:1px solid var(--line); padding:6px 8px; }
td { border-bottom:1px solid var(--line); padding:8px; vertical-align:top; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.name { font-weight:600; word-break:break-word; }
.desc, .reason, .note, .empty { color:var(--muted); font-size:13px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-weight:600; font-size:12px; color:#fff; }
.badge.PASS { background:var(--pass); } .badge.FAIL { background:var(--loss); }
.badge.o-pass { background:var(--pass); } .badge.o-detected { background:var(--detected); }
.badge.o-clean { background:var(--clean); } .badge.o-loss { background:var(--loss); }
.badge.o-notex { background:#9a9a9a; }
.legend { display:flex; gap:16px; margin-top:10px; color:var(--muted); font-size:12px; }
.legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:5px; }
svg text { font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif; fill:#5d6878; }
.trial { border-top:1px solid var(--line); padding:12px 0 4px; }
.trial:first-of-type { border-top:none; }
table.faults { margin-bottom:8px; } table.faults tr:last-child td { border-bottom:none; }
pre.replay { background:#1d2430; color:#e8edf4; padding:6px 10px; border-radius:5px; margin:6px 0 8px;
  overflow-x:auto; font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
table.faults td, table.faults th { padding:3px 8px; font-size:13px; }
dl { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; margin:0; }
dt { color:var(--muted); } dd { margin:0; font-family:ui-monospace,Menlo,Consolas,monospace; word-break:break-all; }
)css";

std::string OutcomeBar(const ScenarioResult& s) {
  constexpr double kWidth = 300, kHeight = 18;
  OutcomeCounts c = CountOutcomes(s);
  std::string svg = fmt::format(
      "<svg class=\"outcome-bar\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" "
      "aria-label=\"outcomes of {2}\">",
      kWidth, kHeight, E(s.name));
  if (c.trials == 0) {
    return svg + fmt::format("<rect class=\"bar-empty\" width=\"{}\" height=\"{}\" fill=\"#e9ecf1\"/></svg>", kWidth,
                             kHeight);
  }
  double x = 0;
  for (const OutcomeStyle& st : kOutcomeStyles) {
    int n = CountOf(c, st.outcome);
    if (n == 0) continue;
    double w = kWidth * n / c.trials;
    svg += fmt::format(
        "<rect class=\"bar bar-{}\" x=\"{:.2f}\" y=\"0\" width=\"{:.2f}\" height=\"{}\" fill=\"{}\">"
        "<title>{}: {} of {}</title></rect>",
        st.css, x, w, kHeight, st.color, OutcomeName(st.outcome), n, c.trials);
    x += w;
  }
  return svg + "</svg>";
}

std::string Legend() {
  std::string out = "<div class=\"legend\">";
  for (const OutcomeStyle& st : kOutcomeStyles) {
    out += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", st.color, OutcomeName(st.outcome));
  }
  return out + "</div>";
}

std::string SummarySection(const RunReport& report) {
  OutcomeCounts total;
  int met = 0;
  for (const ScenarioResult& s : report.scenarios) {
    OutcomeCounts c = CountOutcomes(s);
    total.trials += c.trials, total.pass += c.pass, total.detected += c.detected;
    total.clean_failure += c.clean_failure, total.loss += c.loss, total.not_exercised += c.not_exercised;
    total.harness_error += c.harness_error, total.hang += c.hang;
    met += Verdict(s) == "PASS" ? 1 : 0;
  }
  int n = static_cast<int>(report.scenarios.size());
  bool all = met == n;
  std::string out = fmt::format("<section class=\"summary {}\" id=\"summary\"><div class=\"headline\">{}</div>",
                                all ? "met" : "unmet",
                                all ? fmt::format("All {} scenarios met their expectation", n)
                                    : fmt::format("{} of {} scenarios did not meet their expectation", n - met, n));
  out += "<div class=\"tiles\">";
  out += fmt::format("<div class=\"tile\"><div class=\"n\">{}</div><div class=\"l\">trials</div></div>", total.trials);
  for (const OutcomeStyle& st : kOutcomeStyles) {
    out += fmt::format(
        "<div class=\"tile\" style=\"border-top:3px solid {}\"><div class=\"n\">{}</div><div class=\"l\">{}</div></div>",
        st.color, CountOf(total, st.outcome), OutcomeName(st.outcome));
  }
  return out + "</div></section>\n";
}

std::string ScenarioSection(const RunReport& report) {
  std::string out =
      "<section id=\"scenarios\"><h2>Scenarios</h2><table class=\"scenarios\"><thead><tr><th>scenario</th>"
      "<th>expect</th><th>outcomes</th><th>trials</th><th>exercised</th><th>catch rate</th><th>verdict</th></tr></thead>"
      "<tbody>\n";
  for (const ScenarioResult& s : report.scenarios) {
    std::string verdict = Verdict(s);
    out += fmt::format(
        "<tr class=\"scenario\"><td><div class=\"name\">{}</div><div class=\"desc\">{}</div></td><td>{}</td>"
        "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1f}%</td>"
        "<td><span class=\"badge {}\">{}</span><div class=\"reason\">{}</div></td></tr>\n",
        E(s.name), E(s.description), E(s.expect), OutcomeBar(s), s.trials.size(), CountOutcomes(s).exercised,
        100 * CatchRate(s), verdict, verdict, E(VerdictReason(s)));
  }
  return out + "</tbody></table>" + Legend() + "</section>\n";
}

std::string RecoveryHistogram(const RunReport& report) {
  std::vector<double> values;
  for (const ScenarioResult& s : report.scenarios) {
    for (const TrialResult& t : s.trials) {
      if (t.recovery_ms > 0) values.push_back(t.recovery_ms);
    }
  }
  std::string out = "<section id=\"recovery\"><h2>Recovery time</h2>";
  if (values.empty()) return out + "<p class=\"empty\">No trial recorded a recovery time.</p></section>\n";
  std::sort(values.begin(), values.end());
  double max = values.back();
  double step = NiceStep(max / 20);
  int bins = std::max(1, static_cast<int>(std::ceil(max / step)));
  if (max >= bins * step) ++bins;  // the maximum belongs in a bin of its own edge
  std::vector<int> count(bins, 0);
  for (double v : values) count[std::min(bins - 1, static_cast<int>(v / step))]++;
  int top = *std::max_element(count.begin(), count.end());
  auto at = [&](double q) { return values[std::min(values.size() - 1, static_cast<size_t>(q * values.size()))]; };
  out += fmt::format("<p class=\"note\">{} recoveries: median {}, 95th percentile {}, max {}</p>", values.size(),
                     FormatMs(at(0.5)), FormatMs(at(0.95)), FormatMs(max));
  constexpr double kW = 760, kH = 220, kLeft = 44, kRight = 36, kTop = 12, kBottom = 34;
  double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom, bar_w = plot_w / bins;
  out += fmt::format("<svg class=\"histogram\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" "
                     "aria-label=\"histogram of recovery times\">",
                     kW, kH);
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#9aa4b2\"/>", kLeft, kTop + plot_h,
                     kLeft + plot_w);
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", kLeft - 6, kTop + 10, top);
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>", kLeft - 6, kTop + plot_h);
  for (int b = 0; b < bins; ++b) {
    double h = plot_h * count[b] / top;
    out += fmt::format(
        "<rect class=\"hist-bar\" x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"#5b7fb8\">"
        "<title>{} to {}: {} trials</title></rect>",
        kLeft + b * bar_w + 1, kTop + plot_h - h, std::max(1.0, bar_w - 2), h, FormatMs(b * step),
        FormatMs((b + 1) * step), count[b]);
  }
  int label_every = std::max(1, bins / 6);
  for (int b = 0; b <= bins; b += label_every) {
    out += fmt::format("<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", kLeft + b * bar_w,
                       kTop + plot_h + 16, AxisMs(b * step));
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">recovery time (catastrophic recovery of the "
                     "restored backup)</text>",
                     kLeft + plot_w / 2, kH - 2);
  return out + "</svg></section>\n";
}

std::string CommitRateSection(const RunReport& report) {
  struct Rate {
    const ScenarioResult* s;
    double mean, min, max;
    int n;
  };
  std::vector<Rate> rates;
  double top = 0;
  for (const ScenarioResult& s : report.scenarios) {
    Rate r{&s, 0, 0, 0, 0};
    for (const TrialResult& t : s.trials) {
      double v = t.commits_per_sec_during_backup;
      if (v <= 0) continue;
      r.min = r.n == 0 ? v : std::min(r.min, v);
      r.max = std::max(r.max, v);
      r.mean += v;
      ++r.n;
    }
    if (r.n == 0) continue;
    r.mean /= r.n;
    top = std::max(top, r.max);
    rates.push_back(r);
  }
  std::string out = "<section id=\"commit-rate\"><h2>Commit rate during backup</h2>";
  if (rates.empty()) return out + "<p class=\"empty\">No trial took a backup under load.</p></section>\n";
  out += "<table class=\"commit-rate\"><thead><tr><th>scenario</th><th>commits/s (bar: mean, line: min to max)</th>"
         "<th>mean</th><th>min</th><th>max</th></tr></thead><tbody>\n";
  constexpr double kW = 360, kH = 16;
  for (const Rate& r : rates) {
    auto x = [&](double v) { return kW * v / top; };
    out += fmt::format(
        "<tr><td class=\"name\">{}</td><td><svg class=\"rate-bar\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">"
        "<rect x=\"0\" y=\"3\" width=\"{:.2f}\" height=\"10\" rx=\"2\" fill=\"#5b7fb8\"/>"
        "<line x1=\"{:.2f}\" y1=\"8\" x2=\"{:.2f}\" y2=\"8\" stroke=\"#1d2430\" stroke-width=\"1.5\"/>"
        "<title>{} trials</title></svg></td><td class=\"num\">{:.0f}</td><td class=\"num\">{:.0f}</td>"
        "<td class=\"num\">{:.0f}</td></tr>\n",
        E(r.s->name), kW, kH, kW, kH, x(r.mean), x(r.min), std::max(x(r.max), x(r.min) + 1), r.n, r.mean, r.min,
        r.max);
  }
  return out + "</tbody></table></section>\n";
}

const char* FaultColor(const std::string& kind) {
  if (kind == "crash") return "#d64541";
  if (kind == "power_loss") return "#8e44ad";
  if (kind == "torn_read") return "#e3a21a";
  if (kind == "mmap_fault") return "#c0661a";
  if (kind == "io_error") return "#2c7fb8";
  return "#5d6878";
}

std::string Timeline(const TrialResult& t) {
  double end = t.duration_ms;
  for (const FaultEvent& f : t.faults) end = std::max(end, f.at_ms);
  if (end <= 0) end = 1;
  constexpr double kW = 760, kH = 52, kLeft = 14, kRight = 14, kAxis = 26;
  double plot_w = kW - kLeft - kRight;
  std::string svg = fmt::format(
      "<svg class=\"timeline\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" "
      "aria-label=\"fault timeline\"><line x1=\"{2}\" y1=\"{3}\" x2=\"{4}\" y2=\"{3}\" stroke=\"#9aa4b2\" "
      "stroke-width=\"2\"/>",
      kW, kH, kLeft, kAxis, kLeft + plot_w);
  svg += fmt::format("<text x=\"{}\" y=\"{}\">0</text>", kLeft, kAxis + 20);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", kLeft + plot_w, kAxis + 20,
                     FormatMs(end));
  for (size_t i = 0; i < t.faults.size(); ++i) {
    const FaultEvent& f = t.faults[i];
    double x = kLeft + plot_w * f.at_ms / end;
    svg += fmt::format(
        "<g class=\"fault\"><circle cx=\"{0:.2f}\" cy=\"{1}\" r=\"6\" fill=\"{2}\"/><text x=\"{0:.2f}\" y=\"{3}\" "
        "text-anchor=\"middle\">{4}</text><title>{5} at {6}: {7}</title></g>",
        x, kAxis, FaultColor(f.kind), kAxis - 10, i + 1, E(f.kind), FormatMs(f.at_ms), E(f.detail));
  }
  return svg + "</svg>";
}

std::string TrialBlock(const ScenarioResult& s, const TrialResult& t) {
  const OutcomeStyle& st = StyleOf(t.outcome);
  // Explained or not matters only where a detection can fail the scenario.
  std::string tag = t.outcome != Outcome::kDetected ? "" : (t.explained ? " (explained)" : " (unexplained)");
  std::string out = fmt::format(
      "<div class=\"trial\" id=\"trial-{}-{}\"><h3>{} &middot; trial {} &middot; <span class=\"badge o-{}\">{}</span>{}"
      "{}</h3>",
      E(MakeReplayToken(s.name, t.seed)), t.index, E(s.name), t.index, st.css, OutcomeName(t.outcome), E(tag),
      TrialFails(s, t) ? " <span class=\"badge FAIL\">fails the scenario</span>" : "");
  if (!t.detail.empty()) out += fmt::format("<div class=\"detail\">{}</div>", E(t.detail));
  out += fmt::format("<pre class=\"replay\">{}</pre>", E(TrialReplay(t)));
  out += fmt::format(
      "<div class=\"note\">acknowledged {} &middot; checked {} &middot; missing {} &middot; lost suffix {} &middot; "
      "trial {} &middot; recovery {}{}</div>",
      t.acked, t.checked, t.missing, t.lost_suffix, FormatMs(t.duration_ms), FormatMs(t.recovery_ms),
      DescribeTrialSandbox(t).empty() ? "" : " &middot; " + E(DescribeTrialSandbox(t)));
  if (!t.exercise.empty()) {
    out += "<table class=\"exercise\"><thead><tr><th>planned fault</th><th>step</th><th>fired</th><th>what it hit"
           "</th></tr></thead><tbody>";
    for (const FaultExercise& e : t.exercise) {
      out += fmt::format("<tr><td>{}: {}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>", E(e.kind),
                         E(e.planned), e.step, e.fired ? "yes" : "<b>no</b>", E(e.hit));
    }
    out += "</tbody></table>";
  }
  if (t.faults.empty()) return out + "<p class=\"empty\">No fault was injected.</p></div>\n";
  out += Timeline(t);
  out += "<table class=\"faults\"><thead><tr><th>#</th><th>at</th><th>fault</th><th>detail</th></tr></thead><tbody>";
  for (size_t i = 0; i < t.faults.size(); ++i) {
    const FaultEvent& f = t.faults[i];
    out += fmt::format(
        "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td><i style=\"display:inline-block;width:9px;"
        "height:9px;border-radius:50%;margin-right:6px;background:{}\"></i>{}</td><td>{}</td></tr>",
        i + 1, FormatMs(f.at_ms), FaultColor(f.kind), E(f.kind), E(f.detail));
  }
  return out + "</tbody></table></div>\n";
}

std::string TrialsSection(const RunReport& report) {
  std::string body;
  for (const ScenarioResult& s : report.scenarios) {
    int shown = 0, hidden = 0;
    for (const TrialResult& t : s.trials) {
      if (!TrialFails(s, t) && !TrialCaught(t)) continue;
      if (shown >= kHtmlTrialsPerScenario) {
        ++hidden;
        continue;
      }
      body += TrialBlock(s, t);
      ++shown;
    }
    if (hidden > 0) {
      body += fmt::format("<p class=\"note\">{}: {} more failing or caught trials are in report.json.</p>\n",
                          E(s.name), hidden);
    }
  }
  std::string out = "<section id=\"trials\"><h2>Failing and caught trials</h2>";
  const std::string sandboxes = DescribeKeptSandboxes(report);
  if (!sandboxes.empty()) out += "<p class=\"note\" id=\"kept-sandboxes\">" + E(sandboxes) + "</p>";
  if (body.empty()) return out + "<p class=\"empty\">No trial failed or was caught.</p></section>\n";
  return out + body + "</section>\n";
}

std::string JsonText(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string SettingsSection(const RunReport& report) {
  std::string out = "<section id=\"settings\"><h2>Settings and versions</h2><dl>";
  for (const auto* group : {&report.settings, &report.versions}) {
    for (const auto& item : group->items()) {
      out += fmt::format("<dt>{}</dt><dd>{}</dd>", E(item.key()), E(JsonText(item.value())));
    }
  }
  return out + "</dl></section>\n";
}

}  // namespace

std::string RenderHtml(const RunReport& report) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>bdbsim report</title>\n<style>";
  html += kStyle;
  html += "</style>\n</head>\n<body>\n<main>\n<h1>bdbsim report</h1>\n";
  std::string meta = report.started_at.empty() ? "" : "started " + E(report.started_at) + " &middot; ";
  meta += "wall time " + FormatMs(report.wall_ms);
  if (report.settings.contains("seed")) meta += " &middot; seed " + E(JsonText(report.settings["seed"]));
  html += "<p class=\"meta\">" + meta + "</p>\n";
  html += SummarySection(report);
  html += ScenarioSection(report);
  html += RecoveryHistogram(report);
  html += CommitRateSection(report);
  html += TrialsSection(report);
  html += SettingsSection(report);
  html += "</main>\n</body>\n</html>\n";
  return html;
}

Status WriteHtml(const RunReport& report, const std::string& path, FileIO* io) {
  return WriteFileAtomically(io, path, RenderHtml(report), 0644);
}

}  // namespace bdb::sim
