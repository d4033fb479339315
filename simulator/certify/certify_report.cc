#include "simulator/certify/certify_report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/file_io.h"
#include "simulator/report/report_junit.h"

namespace bdb::sim::certify {
namespace {

std::string E(std::string_view text) { return EscapeXml(text); }

nlohmann::json PageScanJson(const PageScan& s) {
  nlohmann::json bad = nlohmann::json::array();
  for (const BadPage& p : s.bad) bad.push_back({{"file", p.file}, {"page", p.page}});
  return {{"databases", s.databases}, {"pages_checked", s.pages}, {"pages_unchecked", s.unchecked},
          {"bad_pages", s.bad_count}, {"bad", bad}};
}

constexpr const char* kStyle = R"css(
:root { --fg:#1d2430; --muted:#5d6878; --line:#d9dee6; --bg:#f6f7f9; --card:#fff; --pass:#2f9e55; --loss:#d64541; }
* { box-sizing:border-box; }
body { margin:0; background:var(--bg); color:var(--fg);
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1100px; margin:0 auto; padding:24px 20px 48px; }
h1 { font-size:24px; margin:0 0 4px; } h2 { font-size:17px; margin:0 0 12px; }
.meta { color:var(--muted); margin:0 0 18px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px 18px; margin:0 0 18px; }
.summary { border-left:6px solid var(--pass); } .summary.fail { border-left-color:var(--loss); }
.headline { font-size:19px; font-weight:600; margin-bottom:6px; }
.reason { color:var(--muted); margin-bottom:12px; }
.tiles { display:flex; flex-wrap:wrap; gap:10px; }
.tile { border:1px solid var(--line); border-radius:6px; padding:8px 14px; min-width:120px; }
.tile .n { font-size:20px; font-weight:600; } .tile.bad .n { color:var(--loss); }
.tile .l { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
table { border-collapse:collapse; width:100%; }
th { text-align:left; font-weight:600; color:var(--muted); font-size:12px; text-transform:uppercase;
  letter-spacing:.04em; border-bottom:1px solid var(--line); padding:6px 8px; }
td { border-bottom:1px solid var(--line); padding:6px 8px; vertical-align:top; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-weight:600; font-size:12px; color:#fff; }
.badge.PASS { background:var(--pass); } .badge.FAIL { background:var(--loss); }
svg text { font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif; fill:#5d6878; }
ul.problems { margin:0; padding-left:18px; font-family:ui-monospace,Menlo,Consolas,monospace; font-size:12px; }
.empty, .note { color:var(--muted); font-size:13px; }
dl { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; margin:0; }
dt { color:var(--muted); } dd { margin:0; font-family:ui-monospace,Menlo,Consolas,monospace; word-break:break-all; }
)css";

std::string Tile(const std::string& label, const std::string& value, bool bad = false) {
  return fmt::format("<div class=\"tile{}\"><div class=\"n\">{}</div><div class=\"l\">{}</div></div>",
                     bad ? " bad" : "", E(value), E(label));
}

std::string AckRateChart(const CheckResult& r) {
  if (r.acks_per_bucket.empty()) return "<p class=\"empty\">No acknowledgement was recorded.</p>";
  constexpr double kW = 1000, kH = 160, kLeft = 60, kBottom = 24;
  const double bucket_s = r.bucket_ms / 1000.0;
  const uint64_t peak = std::max<uint64_t>(1, *std::max_element(r.acks_per_bucket.begin(), r.acks_per_bucket.end()));
  const double bw = (kW - kLeft) / r.acks_per_bucket.size();
  std::string svg = fmt::format(
      "<svg class=\"ack-rate\" width=\"100%\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"acknowledgements per "
      "second over the run, in buckets of {} ms\">",
      kW, kH + kBottom, r.bucket_ms);
  svg += fmt::format("<text x=\"0\" y=\"12\">{:.0f}/s</text><text x=\"0\" y=\"{}\">0</text>", peak / bucket_s, kH);
  for (size_t i = 0; i < r.acks_per_bucket.size(); ++i) {
    const double h = (kH - 16) * r.acks_per_bucket[i] / peak;
    svg += fmt::format("<rect class=\"rate-bar\" x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" "
                       "fill=\"#6f8fbf\"><title>{:.1f} s: {} acknowledgements ({:.0f}/s)</title></rect>",
                       kLeft + i * bw, kH - h, std::max(0.5, bw - 1), h, i * bucket_s, r.acks_per_bucket[i],
                       r.acks_per_bucket[i] / bucket_s);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\">0 s</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.1f} s</text>",
                     kLeft, kH + 16, kW, kH + 16, r.run_seconds);
  return svg + "</svg>";
}

std::string FailureRateChart(const CertificationRecord& rec) {
  if (rec.cuts.empty()) return "";
  constexpr double kW = 400, kH = 30;
  const auto [low, high] = rec.FailureInterval();
  const double rate = 1.0 * rec.failed() / rec.cuts.size();
  return fmt::format(
      "<svg class=\"failure-rate\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" "
      "aria-label=\"failure rate with its 95% confidence interval\">"
      "<rect x=\"0\" y=\"10\" width=\"{0}\" height=\"8\" fill=\"#e9ecf1\"/>"
      "<rect class=\"ci\" x=\"{2:.1f}\" y=\"8\" width=\"{3:.1f}\" height=\"12\" fill=\"#f0b3b1\"><title>95% CI "
      "{4:.0f}-{5:.0f}%</title></rect>"
      "<rect class=\"rate\" x=\"{6:.1f}\" y=\"4\" width=\"3\" height=\"20\" fill=\"#d64541\"><title>{7:.1f}% of cuts "
      "failed</title></rect><text x=\"0\" y=\"30\">0%</text><text x=\"{0}\" y=\"30\" text-anchor=\"end\">100%</text></svg>",
      kW, kH + 2, kW * low, std::max(1.0, kW * (high - low)), 100 * low, 100 * high,
      std::min(kW - 3, kW * rate), 100 * rate);
}

}  // namespace

nlohmann::json CertificationReportToJson(const CertificationReport& report) {
  const CheckResult& r = report.check;
  nlohmann::json first = nullptr;
  if (r.first_lost)
    first = {{"txn", r.first_lost->txn}, {"position", r.first_lost->position},
             {"acknowledged_at_unix_ms", r.first_lost->device_unix_ms},
             {"acknowledged_at", FormatUnixMs(r.first_lost->device_unix_ms)},
             {"recorded_at_unix_ms", r.first_lost->listener_unix_ms}};
  return {{"format", "bdbsim certification report"},
          {"format_version", 1},
          {"cut", report.cut},
          {"verdict", r.pass ? "PASS" : "FAIL"},
          {"reason", r.reason},
          {"run_id", r.run_id},
          {"run_from", r.peer},
          {"run_started_unix_ms", r.hello_unix_ms},
          {"checked_at", r.checked_at},
          {"counts",
           {{"acknowledged", r.acknowledged}, {"present", r.present}, {"lost", r.lost}, {"corrupted", r.corrupted},
            {"torn_pages", r.torn_pages()}, {"extra", r.extra}, {"records_read", r.records}}},
          {"first_lost", first},
          {"recovery", {{"recovered", r.recovered}, {"error", r.recovery_error}}},
          {"pages_before_recovery", PageScanJson(r.before_recovery)},
          {"pages_after_recovery", PageScanJson(r.after_recovery)},
          {"problems", r.problems},
          {"problems_omitted", r.problems_omitted},
          {"device", r.device.ToJson()},
          {"sync_commits_per_s", r.commits_per_s},
          {"run_seconds", r.run_seconds},
          {"ack_rate", {{"bucket_ms", r.bucket_ms}, {"acks_per_bucket", r.acks_per_bucket}}},
          {"workload", r.workload},
          {"record", report.record.ToJson()},
          {"settings", report.settings}};
}

std::string RenderCertificationHtml(const CertificationReport& report) {
  const CheckResult& r = report.check;
  const std::string verdict = r.pass ? "PASS" : "FAIL";
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  h += fmt::format("<title>bdbsim certification: {} {}</title><style>{}</style></head><body><main>", verdict,
                   E(r.run_id), kStyle);
  h += fmt::format("<h1>Storage certification: {}</h1><p class=\"meta\">run <b>{}</b> from {} &middot; {} &middot; "
                   "checked {}</p>",
                   E(r.run_id), E(r.run_id), E(r.peer.empty() ? "?" : r.peer), E(report.cut), E(r.checked_at));
  h += fmt::format("<section class=\"summary{}\" id=\"verdict\"><div class=\"headline\"><span class=\"badge {}\">{}</span> "
                   "{}</div><div class=\"reason\">{}</div><div class=\"tiles\">",
                   r.pass ? "" : " fail", verdict, verdict, E(r.Summary()), E(r.reason));
  h += Tile("acknowledged", std::to_string(r.acknowledged)) + Tile("present", std::to_string(r.present)) +
       Tile("lost", std::to_string(r.lost), r.lost > 0) + Tile("corrupted", std::to_string(r.corrupted), r.corrupted > 0) +
       Tile("torn pages", std::to_string(r.torn_pages()), r.torn_pages() > 0) +
       Tile("committed, not acked", std::to_string(r.extra)) + Tile("recovered", r.recovered ? "yes" : "no", !r.recovered);
  h += "</div></section>";
  if (r.first_lost) {
    h += fmt::format("<section id=\"first-lost\"><h2>First lost commit</h2><dl><dt>transaction</dt><dd>{}</dd>"
                     "<dt>acknowledged</dt><dd>{} (device clock), acknowledgement {} of {}</dd>"
                     "<dt>recorded by the listener</dt><dd>{}</dd></dl></section>",
                     r.first_lost->txn, E(FormatUnixMs(r.first_lost->device_unix_ms)), r.first_lost->position,
                     r.acknowledged, E(FormatUnixMs(r.first_lost->listener_unix_ms)));
  }
  const DeviceMeasurement& d = r.device;
  h += "<section id=\"device\"><h2>Device</h2><div class=\"tiles\">";
  if (d.fsync_samples > 0) {
    h += Tile("fsync p50", fmt::format("{:.3f} ms", d.fsync_p50_ms)) + Tile("fsync p99", fmt::format("{:.3f} ms", d.fsync_p99_ms)) +
         Tile("fsync max", fmt::format("{:.3f} ms", d.fsync_max_ms)) +
         Tile("sequential write", fmt::format("{:.1f} MiB/s", d.sequential_mib_per_s)) + Tile("file system", d.filesystem);
  }
  h += Tile("sync commits", fmt::format("{:.0f}/s", r.commits_per_s)) + "</div>";
  if (d.fsync_samples > 0)
    h += fmt::format("<p class=\"note\">fsync latency over {} appends of 4 KiB, each followed by fdatasync; "
                     "bandwidth over {} MiB written in 1 MiB writes and one fsync.</p>",
                     d.fsync_samples, d.sequential_bytes >> 20);
  h += "</section>";
  h += "<section id=\"rate\"><h2>Acknowledgements over the run</h2>" + AckRateChart(r) + "</section>";
  const CertificationRecord& rec = report.record;
  h += fmt::format("<section id=\"cuts\"><h2>Cuts of this device</h2><p>{}</p>{}<table><thead><tr><th>#</th><th>run</th>"
                   "<th>cut</th><th>verdict</th><th>acknowledged</th><th>lost</th><th>corrupted</th><th>torn pages</th>"
                   "<th>first lost</th></tr></thead><tbody>",
                   E(rec.Summary()), FailureRateChart(rec));
  for (size_t i = 0; i < rec.cuts.size(); ++i) {
    const CutRecord& c = rec.cuts[i];
    h += fmt::format("<tr class=\"cut\"><td class=\"num\">{}</td><td>{}</td><td>{}</td><td><span class=\"badge {}\">{}</span></td>"
                     "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                     "<td>{}</td></tr>",
                     i + 1, E(c.run_id), E(c.cut), c.pass ? "PASS" : "FAIL", c.pass ? "PASS" : "FAIL", c.acknowledged,
                     c.lost, c.corrupted, c.torn_pages,
                     c.first_lost_txn == 0 ? "-" : E(fmt::format("txn {} at {}", c.first_lost_txn, FormatUnixMs(c.first_lost_unix_ms))));
  }
  h += "</tbody></table></section>";
  h += "<section id=\"problems\"><h2>Findings</h2>";
  if (r.problems.empty() && r.recovery_error.empty()) {
    h += "<p class=\"empty\">None: every acknowledged commit read back with its exact values; page checksums and "
         "DB-&gt;verify passed.</p>";
  } else {
    h += "<ul class=\"problems\">";
    if (!r.recovery_error.empty()) h += "<li>" + E(r.recovery_error) + "</li>";
    for (size_t i = 0; i < r.problems.size() && i < 50; ++i) h += "<li>" + E(r.problems[i]) + "</li>";
    h += "</ul>";
    if (r.problems.size() > 50 || r.problems_omitted > 0)
      h += fmt::format("<p class=\"note\">{} more in certification.json.</p>",
                       r.problems.size() - std::min<size_t>(50, r.problems.size()) + r.problems_omitted);
  }
  h += "</section><section id=\"settings\"><h2>Run</h2><dl>";
  for (const auto& [k, v] : report.settings.items())
    h += fmt::format("<dt>{}</dt><dd>{}</dd>", E(k), E(v.is_string() ? v.get<std::string>() : v.dump()));
  if (r.workload.is_object())
    for (const auto& [k, v] : r.workload.items())
      h += fmt::format("<dt>workload.{}</dt><dd>{}</dd>", E(k), E(v.is_string() ? v.get<std::string>() : v.dump()));
  h += "</dl></section></main></body></html>\n";
  return h;
}

Status WriteCertificationReport(const CertificationReport& report, const std::string& dir) {
  FileIO* io = DefaultFileIO();
  BDB_RETURN_IF_ERROR(io->MakeDir(dir, 0755));
  BDB_RETURN_IF_ERROR(
      WriteFileAtomically(io, JoinPath(dir, "certification.json"), CertificationReportToJson(report).dump(2) + "\n", 0644));
  return WriteFileAtomically(io, JoinPath(dir, "certification.html"), RenderCertificationHtml(report), 0644);
}

}  // namespace bdb::sim::certify
