// Renders report.html in headless Chromium (when installed) and checks that the
// browser's DOM holds the scenario names and the SVG outcome bars, and that a
// screenshot is produced. Skipped with a message when /usr/bin/chromium is absent.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "base/file_io.h"
#include "simulator/report/report_html.h"
#include "tests/support/run_process.h"

namespace bdb::sim {
namespace {

RunReport BrowserReport() {
  RunReport r;
  const char* names[] = {"hot-backup-under-load", "cold-backup-after-crash", "unsafe-mmap-copy", "<b>bold</b> name"};
  const char* expects[] = {"pass", "pass", "caught", "pass"};
  for (int s = 0; s < 4; ++s) {
    ScenarioResult sc{names[s], std::string("scenario ") + names[s], expects[s], "scenarios/x.toml", {}};
    for (int i = 0; i < 12; ++i) {
      TrialResult t;
      t.scenario = sc.name;
      t.index = i;
      t.seed = TrialSeed(42, sc.name, i);
      t.replay = ReplayLine(sc.name, t.seed);
      t.outcome = Outcome::kPass;
      if (s == 0 && i == 3) t.outcome = Outcome::kDetected, t.explained = true;
      if (s == 0 && i == 5) t.outcome = Outcome::kCleanFailure;
      if (s == 2 && i % 3 == 0) t.outcome = i % 2 ? Outcome::kLoss : Outcome::kDetected;
      if (s == 3 && i == 7) t.outcome = Outcome::kLoss;
      t.duration_ms = 800 + 90 * i;
      t.recovery_ms = 30 + 17 * ((i * 7 + s * 3) % 11);
      t.commits_per_sec_during_backup = s == 1 ? 0 : 700 + 40 * ((i + s) % 6);
      t.acked = t.checked = 2000;
      if (t.outcome != Outcome::kPass) {
        t.detail = t.outcome == Outcome::kLoss ? "14 acknowledged commits missing" : "verify: page 12 checksum mismatch";
        t.faults = {{120.0 + 10 * i, "torn_read", "page 12 of 'a.db' split at 1536"},
                    {400.0, "mmap_fault", "4096-byte tear in 'b.db'"},
                    {t.duration_ms - 50, "crash", "SIGKILL after 1874 commits"}};
      }
      sc.trials.push_back(t);
    }
    r.scenarios.push_back(sc);
  }
  r.settings = {{"seed", 42}, {"trials", 12}, {"jobs", 2}};
  r.versions = {{"bdbsim", "0.1.0"}, {"berkeley_db", "Berkeley DB 5.3.28"}};
  r.wall_ms = 21500;
  r.started_at = "2026-11-23T18:15:00Z";
  return r;
}


TEST(ReportHtmlBrowserTest, ChromiumRendersTheReport) {
  if (access(kChromium, X_OK) != 0) {
    GTEST_SKIP() << "chromium not installed at " << kChromium
                 << " (apt-get install chromium); the report was not rendered in a browser";
  }
  char tmpl[] = "/tmp/report_html_browser_test.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  ASSERT_TRUE(WriteHtml(BrowserReport(), dir + "/report.html").ok());

  ProcessResult dump = RunHeadlessChromium(dir + "/report.html", dir + "/profile", {"--dump-dom"});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  const std::string& dom = dump.out;
  for (const char* name : {"hot-backup-under-load", "cold-backup-after-crash", "unsafe-mmap-copy"}) {
    EXPECT_NE(dom.find(std::string("<div class=\"name\">") + name + "</div>"), std::string::npos) << name;
  }
  // The markup in a scenario name stayed text in the browser's DOM.
  EXPECT_NE(dom.find("&lt;b&gt;bold&lt;/b&gt; name"), std::string::npos);
  EXPECT_EQ(dom.find("<b>bold</b>"), std::string::npos);
  EXPECT_NE(dom.find("<svg class=\"outcome-bar\""), std::string::npos);
  EXPECT_NE(dom.find("class=\"bar bar-loss\""), std::string::npos);
  EXPECT_NE(dom.find("<svg class=\"histogram\""), std::string::npos);
  EXPECT_NE(dom.find("<svg class=\"timeline\""), std::string::npos);

  ProcessResult shot = RunHeadlessChromium(dir + "/report.html", dir + "/profile",
                                           {"--screenshot=" + dir + "/shot.png", "--window-size=1200,2000", "--hide-scrollbars"});
  EXPECT_EQ(shot.exit_code, 0) << shot.err;
  struct stat st {};
  ASSERT_EQ(stat((dir + "/shot.png").c_str(), &st), 0) << "no screenshot written";
  EXPECT_GT(st.st_size, 20000) << "screenshot is suspiciously small (blank page?)";

  if (const char* keep = std::getenv("BDBSIM_KEEP_SCREENSHOT")) {
    std::error_code ec;  // as cp copies: to keep, or into the directory keep names
    std::filesystem::copy(dir + "/shot.png", keep, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) std::fprintf(stderr, "screenshot not kept at '%s': %s\n", keep, ec.message().c_str());
  }
  RemoveTree(DefaultFileIO(), dir);
}

}  // namespace
}  // namespace bdb::sim
