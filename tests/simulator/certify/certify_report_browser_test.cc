// Renders certification.html in headless Chromium (when installed), as the
// simulator's report is checked: the browser's DOM holds the verdict, the
// counts, the first lost commit, the acknowledgement-rate chart, the cuts
// with the failure-rate interval, and text from the run stays text. A
// screenshot must be produced. Skipped with a message when /usr/bin/chromium
// is absent.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "base/file_io.h"
#include "simulator/certify/certify_report.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim::certify {
namespace {

CertificationReport FailingReport() {
  CertificationReport report;
  report.cut = "simulated cut, lying-fsync device";
  CheckResult& r = report.check;
  r.run_id = "host-<i>x</i>";
  r.peer = "10.0.0.5:41234";
  r.checked_at = "2026-11-30T17:00:00Z";
  r.acknowledged = 1200;
  r.present = 1187;
  r.lost = 13;
  r.recovered = true;
  r.first_lost = LostCommit{4294967410, 1188, 1796058453977, 1796058453979};
  r.reason = "13 of 1200 acknowledged commits lost; the first lost is txn 4294967410 (acknowledgement 1188 of 1200)";
  r.problems = {"rule 1: txn 4294967410: acknowledged txn is missing", "rule 1: txn 124: acknowledged txn is missing"};
  r.device.fsync_samples = 1000;
  r.device.fsync_p50_ms = 3.9;
  r.device.fsync_p99_ms = 5.1;
  r.device.fsync_max_ms = 9.7;
  r.device.sequential_bytes = 256 << 20;
  r.device.sequential_mib_per_s = 640;
  r.device.filesystem = "ext4";
  r.commits_per_s = 950;
  r.run_seconds = 12;
  r.bucket_ms = 1000;
  r.acks_per_bucket = {900, 950, 1000, 980, 940, 960, 970, 990, 1010, 930, 950, 40};
  for (int i = 0; i < 5; ++i) {
    CutRecord c;
    c.run_id = "sim-" + std::to_string(i);
    c.cut = report.cut;
    c.pass = i % 2 == 0;
    c.acknowledged = 1200;
    c.lost = c.pass ? 0 : 13;
    report.record.cuts.push_back(c);
  }
  report.settings = {{"command", "bdbsim certify simulate"}, {"trials", 5}};
  return report;
}


TEST(CertifyReportBrowserTest, ChromiumRendersTheCertificationReport) {
  if (access(kChromium, X_OK) != 0) {
    GTEST_SKIP() << "chromium not installed at " << kChromium
                 << " (apt-get install chromium); the report was not rendered in a browser";
  }
  TempDir dir("certify-browser");
  ASSERT_TRUE(WriteCertificationReport(FailingReport(), dir.path()).ok());
  ProcessResult dump = RunHeadlessChromium(dir.Sub("certification.html"), dir.Sub("profile"), {"--dump-dom"});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  const std::string& dom = dump.out;
  EXPECT_NE(dom.find("<span class=\"badge FAIL\">FAIL</span>"), std::string::npos);
  EXPECT_NE(dom.find("FAIL: 1200 acknowledged, 1187 present, 13 lost, 0 corrupted, 0 torn pages"), std::string::npos);
  EXPECT_NE(dom.find("<section id=\"first-lost\">"), std::string::npos);
  EXPECT_NE(dom.find("<dd>4294967410</dd>"), std::string::npos);
  EXPECT_NE(dom.find("<svg class=\"ack-rate\""), std::string::npos);
  EXPECT_NE(dom.find("class=\"rate-bar\""), std::string::npos);
  EXPECT_NE(dom.find("<svg class=\"failure-rate\""), std::string::npos);
  EXPECT_NE(dom.find("5 cuts, 2 failed (40.0%, 95% CI 12-77%)"), std::string::npos);
  size_t rows = 0;
  for (size_t at = 0; (at = dom.find("<tr class=\"cut\">", at)) != std::string::npos; ++at) ++rows;
  EXPECT_EQ(rows, 5u);
  // Markup in the run id stayed text in the browser's DOM.
  EXPECT_NE(dom.find("host-&lt;i&gt;x&lt;/i&gt;"), std::string::npos);
  EXPECT_EQ(dom.find("<i>x</i>"), std::string::npos);

  ProcessResult shot = RunHeadlessChromium(dir.Sub("certification.html"), dir.Sub("profile"),
                                           {"--screenshot=" + dir.Sub("shot.png"), "--window-size=1200,1800", "--hide-scrollbars"});
  EXPECT_EQ(shot.exit_code, 0) << shot.err;
  struct stat st {};
  ASSERT_EQ(stat(dir.Sub("shot.png").c_str(), &st), 0) << "no screenshot written";
  EXPECT_GT(st.st_size, 20000) << "screenshot is suspiciously small (blank page?)";
  if (const char* keep = std::getenv("BDBSIM_KEEP_SCREENSHOT")) {
    std::error_code ec;  // as cp copies: to keep, or into the directory keep names
    std::filesystem::copy(dir.Sub("shot.png"), keep, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) std::fprintf(stderr, "screenshot not kept at '%s': %s\n", keep, ec.message().c_str());
  }
}

}  // namespace
}  // namespace bdb::sim::certify
