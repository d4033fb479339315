// report.json, junit.xml, report.html, the terminal table and the progress bar.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>
#include <cstdlib>

#include "base/file_io.h"
#include "simulator/harness/progress_bar.h"
#include "simulator/report/report_html.h"
#include "simulator/report/report_json.h"
#include "simulator/report/report_junit.h"
#include "simulator/report/report_table.h"
#include "tests/support/run_process.h"

namespace bdb::sim {
namespace {

using nlohmann::json;

TrialResult MakeTrial(const std::string& scenario, int index, Outcome outcome, bool explained = false) {
  TrialResult t;
  t.scenario = scenario;
  t.index = index;
  t.seed = TrialSeed(42, scenario, index);
  t.outcome = outcome;
  t.explained = explained;
  t.exercised = true;
  t.replay = ReplayLine(scenario, t.seed);
  t.duration_ms = 1000 + 37.5 * index;
  t.recovery_ms = 40 + 13.25 * index;
  t.commits_per_sec_during_backup = 900 + 10 * index;
  t.acked = 2000;
  t.checked = 2000;
  return t;
}

// Three scenarios: a met "pass", a met "caught", and a failing "pass" whose
// name tries to inject markup.
RunReport SampleReport() {
  RunReport r;
  ScenarioResult hot{"hot-backup-under-load", "hot backup while two writers commit", "pass",
                     "scenarios/hot.toml", {}};
  for (int i = 0; i < 3; ++i) hot.trials.push_back(MakeTrial(hot.name, i, Outcome::kPass));
  hot.trials.push_back(MakeTrial(hot.name, 3, Outcome::kDetected, true));
  hot.trials[3].detail = "verify: page 7 of 'a.db' checksum mismatch";
  hot.trials[3].faults = {{120.5, "torn_read", "page 7 of 'a.db' split at 2048"}};
  hot.trials.push_back(MakeTrial(hot.name, 4, Outcome::kCleanFailure));
  hot.trials[4].faults = {{300, "io_error", "EIO on pwrite #41"}};

  ScenarioResult mmap{"unsafe-mmap-copy", "negative control: mmap copier", "caught", "scenarios/mmap.toml", {}};
  mmap.trials.push_back(MakeTrial(mmap.name, 0, Outcome::kPass));
  mmap.trials.push_back(MakeTrial(mmap.name, 1, Outcome::kLoss));
  mmap.trials[1].detail = "3 acknowledged commits missing";
  mmap.trials[1].missing = 3;
  mmap.trials[1].faults = {{10, "mmap_fault", "4096-byte tear in 'b.db'"}, {800, "crash", "SIGKILL after 812 commits"}};
  mmap.trials.push_back(MakeTrial(mmap.name, 2, Outcome::kDetected, true));

  ScenarioResult bad{"<script>alert(1)</script> & co", "tries \"quotes\" & <b>tags</b>", "pass", "x.toml", {}};
  bad.trials.push_back(MakeTrial(bad.name, 0, Outcome::kLoss));
  bad.trials[0].detail = "key <k1> missing & more";
  bad.trials[0].sandbox = "/tmp/bdbsim-keep/1";
  bad.trials[0].sandbox_bytes = 3 << 20;
  bad.trials[0].faults = {{5, "power_loss", "lost 3 of 4 sectors"}};
  bad.trials.push_back(MakeTrial(bad.name, 1, Outcome::kPass));
  bad.trials[1].commits_per_sec_during_backup = 0;  // no backup under load

  r.scenarios = {hot, mmap, bad};
  r.settings = {{"seed", 42}, {"trials", 5}, {"jobs", 2}, {"command_line", {"bdbsim", "run", "--seed", "42"}}};
  r.versions = {{"bdbsim", "0.1.0"}, {"berkeley_db", "Berkeley DB 5.3.28"}, {"compiler", "gcc 12.2"}};
  r.wall_ms = 5123.5;
  r.started_at = "2026-11-23T18:15:00Z";
  return r;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/report_test.XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { RemoveTree(DefaultFileIO(), path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---- report.json ----

TEST(ReportJsonTest, Layout) {
  json j = ReportToJson(SampleReport());
  EXPECT_EQ(j["format_version"], 4);
  EXPECT_EQ(j["all_met"], false);
  EXPECT_EQ(j["timings"], json({{"wall_ms", 5123.5}, {"started_at", "2026-11-23T18:15:00Z"}}));
  const json& hot = j["scenarios"][0];
  EXPECT_EQ(hot["name"], "hot-backup-under-load");
  EXPECT_EQ(hot["expect"], "pass");
  EXPECT_EQ(hot["verdict"], "PASS");
  EXPECT_EQ(hot["counts"], json({{"trials", 5},
                                 {"PASS", 3},
                                 {"NOT_EXERCISED", 0},
                                 {"CLEAN_FAILURE", 1},
                                 {"DETECTED", 1},
                                 {"HARNESS_ERROR", 0},
                                 {"HANG", 0},
                                 {"LOSS", 0},
                                 {"unexplained_detected", 0},
                                 {"exercised", 5}}));
  EXPECT_EQ(hot["min_exercised"], 0.8);
  EXPECT_EQ(hot["min_catch_rate"], 0.5);
  EXPECT_DOUBLE_EQ(hot["catch_rate"].get<double>(), 0.2);
  const json& t3 = hot["trials"][3];
  EXPECT_EQ(t3["seed"], SeedHex(TrialSeed(42, "hot-backup-under-load", 3)));
  EXPECT_EQ(t3["outcome"], "DETECTED");
  EXPECT_EQ(t3["explained"], true);
  EXPECT_EQ(t3["faults"], json::parse(R"([{"at_ms":120.5,"kind":"torn_read","detail":"page 7 of 'a.db' split at 2048"}])"));
  EXPECT_EQ(t3["replay"], "bdbsim replay hot-backup-under-load." + SeedHex(TrialSeed(42, "hot-backup-under-load", 3)));
  EXPECT_EQ(j["scenarios"][1]["verdict"], "PASS");
  EXPECT_EQ(j["scenarios"][2]["verdict"], "FAIL");
}

TEST(ReportJsonTest, RoundTripThroughFile) {
  TempDir dir;
  RunReport original = SampleReport();
  std::string path = JoinPath(dir.path(), "report.json");
  ASSERT_TRUE(WriteReportJson(original, path).ok());
  RunReport read;
  Status s = ReadReportJson(path, &read);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ReportToJson(read), ReportToJson(original));
  EXPECT_EQ(read.scenarios[1].trials[1].scenario, "unsafe-mmap-copy");
  EXPECT_EQ(read.scenarios[1].trials[1].faults.size(), 2u);
  EXPECT_EQ(read.scenarios[2].trials[0].sandbox, "/tmp/bdbsim-keep/1");
}

// An unknown exercise (a report that does not say) reads back as unknown,
// never as exercised; HANG and HARNESS_ERROR trials and the coverage and load
// counts travel through report.json.
TEST(ReportJsonTest, UnknownExerciseHangAndHarnessErrorRoundTrip) {
  TempDir dir;
  RunReport original = SampleReport();
  original.scenarios[0].trials[1].exercised = std::nullopt;
  original.scenarios[0].trials[2].outcome = Outcome::kHang;
  original.scenarios[1].trials[0].outcome = Outcome::kHarnessError;
  original.scenarios[1].trials[0].uncovered_pages = 12;
  original.scenarios[1].trials[0].commits_during_copy = 34;
  original.scenarios[1].trials[0].listing_order = "logs_first";
  json j = ReportToJson(original);
  EXPECT_TRUE(j["scenarios"][0]["trials"][1]["exercised"].is_null());
  EXPECT_EQ(j["scenarios"][0]["counts"]["HANG"], 1);
  EXPECT_EQ(j["scenarios"][0]["counts"]["exercised"], 4);
  EXPECT_EQ(j["scenarios"][1]["counts"]["HARNESS_ERROR"], 1);
  const std::string path = JoinPath(dir.path(), "report.json");
  ASSERT_TRUE(WriteReportJson(original, path).ok());
  RunReport read;
  ASSERT_TRUE(ReadReportJson(path, &read).ok());
  EXPECT_FALSE(read.scenarios[0].trials[1].exercised.has_value());
  EXPECT_EQ(read.scenarios[0].trials[2].outcome, Outcome::kHang);
  EXPECT_EQ(read.scenarios[1].trials[0].outcome, Outcome::kHarnessError);
  EXPECT_EQ(read.scenarios[1].trials[0].uncovered_pages, 12u);
  EXPECT_EQ(read.scenarios[1].trials[0].commits_during_copy, 34u);
  EXPECT_EQ(read.scenarios[1].trials[0].listing_order, "logs_first");
  EXPECT_EQ(Verdict(read.scenarios[0]), "FAIL");
  EXPECT_EQ(Verdict(read.scenarios[1]), "FAIL");

  json absent = ReportToJson(SampleReport());
  absent["scenarios"][0]["trials"][0].erase("exercised");
  absent["scenarios"][0]["counts"]["exercised"] = 4;
  std::ofstream(path, std::ios::trunc) << absent.dump();
  Status s = ReadReportJson(path, &read);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(read.scenarios[0].trials[0].exercised.has_value());
}

TEST(ReportJsonTest, StrictReadErrors) {
  struct Case {
    std::function<void(json&)> mutate;
    std::string message;
  };
  const Case cases[] = {
      {[](json& j) { j = json::array(); }, "report: must be an object"},
      {[](json& j) { j["extra"] = 1; }, "report: unknown key 'extra'"},
      {[](json& j) { j["format_version"] = 2; }, "format_version: is 2, this bdbsim reads 4"},
      {[](json& j) { j.erase("scenarios"); }, "scenarios: missing"},
      {[](json& j) { j["scenarios"] = json::object(); }, "scenarios: must be an array"},
      {[](json& j) { j["scenarios"][0].erase("name"); }, "scenarios[0].name: missing"},
      {[](json& j) { j["scenarios"][0]["name"] = 7; }, "scenarios[0].name: must be a string"},
      {[](json& j) { j["scenarios"][0]["expect"] = "maybe"; }, "scenarios[0].expect: must be 'pass' or 'caught', got 'maybe'"},
      {[](json& j) { j["scenarios"][0]["trials"][1]["outcome"] = "FOO"; },
       "scenarios[0].trials[1].outcome: unknown outcome 'FOO'"},
      {[](json& j) { j["scenarios"][0]["trials"][0]["seed"] = 123; }, "scenarios[0].trials[0].seed: must be a string"},
      {[](json& j) { j["scenarios"][0]["trials"][0]["seed"] = "xyz"; },
       "scenarios[0].trials[0].seed: must be 16 lowercase hex digits, got 'xyz'"},
      {[](json& j) { j["scenarios"][0]["trials"][0]["acked"] = -1; },
       "scenarios[0].trials[0].acked: must be a non-negative integer"},
      {[](json& j) { j["scenarios"][0]["trials"][0]["index"] = 1LL << 40; }, "scenarios[0].trials[0].index: is too large"},
      {[](json& j) { j["scenarios"][0]["trials"][0]["explained"] = "no"; },
       "scenarios[0].trials[0].explained: must be true or false"},
      {[](json& j) { j["scenarios"][0]["trials"][0]["extra"] = 1; }, "scenarios[0].trials[0]: unknown key 'extra'"},
      {[](json& j) { j["scenarios"][0]["trials"][3]["faults"][0]["at_ms"] = "soon"; },
       "scenarios[0].trials[3].faults[0].at_ms: must be a number"},
      {[](json& j) { j["scenarios"][0]["trials"][3]["faults"] = 1; }, "scenarios[0].trials[3].faults: must be an array"},
      {[](json& j) { j["scenarios"][0]["verdict"] = "FAIL"; }, "scenarios[0].verdict: is 'FAIL' but the trials give 'PASS'"},
      {[](json& j) { j["scenarios"][0]["counts"]["PASS"] = 5; }, "scenarios[0].counts: do not match the trials"},
      {[](json& j) { j["scenarios"][0]["counts"] = 1; }, "scenarios[0].counts: must be an object"},
      {[](json& j) { j["scenarios"][0]["catch_rate"] = 0.5; }, "scenarios[0].catch_rate: does not match the trials"},
      {[](json& j) { j["all_met"] = true; }, "all_met: does not match the scenario verdicts"},
      {[](json& j) { j["settings"] = 1; }, "settings: must be an object"},
      {[](json& j) { j["timings"].erase("wall_ms"); }, "timings.wall_ms: missing"},
  };
  for (const Case& c : cases) {
    json j = ReportToJson(SampleReport());
    c.mutate(j);
    RunReport r;
    r.wall_ms = 99;
    Status s = ReportFromJson(j, &r);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << c.message;
    EXPECT_EQ(s.message(), c.message);
    EXPECT_EQ(r.wall_ms, 99);  // untouched on error
  }
}

TEST(ReportJsonTest, ReadFileErrorsNameThePath) {
  TempDir dir;
  RunReport r;
  std::string missing = JoinPath(dir.path(), "missing.json");
  Status s = ReadReportJson(missing, &r);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_EQ(s.message(), "unable to open file '" + missing + "': No such file or directory");

  std::string garbage = JoinPath(dir.path(), "garbage.json");
  ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), garbage, "{\"scenarios\": [", 0644).ok());
  s = ReadReportJson(garbage, &r);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "invalid report '" + garbage + "': not valid JSON");

  std::string wrong = JoinPath(dir.path(), "wrong.json");
  ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), wrong, "{\"format_version\": 4}", 0644).ok());
  s = ReadReportJson(wrong, &r);
  EXPECT_EQ(s.message(), "invalid report '" + wrong + "': scenarios: missing");
}

TEST(ReportJsonTest, WriteErrorNamesThePath) {
  Status s = WriteReportJson(SampleReport(), "/nonexistent-dir-h5b/report.json");
  EXPECT_EQ(s.message(), "unable to create file '/nonexistent-dir-h5b/report.json.tmp': No such file or directory");
}

// ---- junit.xml ----

TEST(EscapeXmlTest, EscapesMarkupControlsAndBadUtf8) {
  EXPECT_EQ(EscapeXml("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(EscapeXml("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
  EXPECT_EQ(EscapeXml(std::string("nul\0bell\a", 9)), "nul\xEF\xBF\xBD" "bell\xEF\xBF\xBD");
  EXPECT_EQ(EscapeXml("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(EscapeXml("bad\xC3(\xFF"), "bad\xEF\xBF\xBD(\xEF\xBF\xBD");
  EXPECT_EQ(EscapeXml("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");        // overlong '/'
  EXPECT_EQ(EscapeXml("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(JUnitTest, OneTestcasePerScenarioWithFailure) {
  std::string xml = RenderJUnit(SampleReport());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"bdbsim\" tests=\"3\" "
                      "failures=\"1\" errors=\"0\" skipped=\"0\" time=\"5.123\" timestamp=\"2026-11-23T18:15:00Z\" "
                      "trials=\"10\">",
                      0),
            0u)
      << xml;
  EXPECT_NE(xml.find("<testcase classname=\"bdbsim\" name=\"hot-backup-under-load\" file=\"scenarios/hot.toml\" "
                     "time=\"5.375\" expect=\"pass\" trials=\"5\" exercised=\"5\" pass=\"3\" not_exercised=\"0\" "
                     "detected=\"1\" unexplained_detected=\"0\" clean_failure=\"1\" harness_error=\"0\" hang=\"0\" "
                     "loss=\"0\" catch_rate=\"0.2000\">\n"
                     "    <system-out>no loss in 5 trials, 5 of 5 exercised</system-out>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase classname=\"bdbsim\" name=\"unsafe-mmap-copy\""), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"seed\" value=\"42\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"command_line\" value=\"[&quot;bdbsim&quot;,&quot;run&quot;,&quot;--seed&quot;,"
                     "&quot;42&quot;]\"/>"),
            std::string::npos);
  // Exactly one failure, on the bad scenario, holding its failing trial's replay line.
  std::string bad = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co";
  std::string replay = ReplayLine("<script>alert(1)</script> & co", TrialSeed(42, "<script>alert(1)</script> & co", 0));
  std::string expected_failure = "<failure message=\"1 of 2 trials lost acknowledged commits\" type=\"LOSS_OR_UNEXPLAINED\">"
                                 "trial 0 LOSS: key &lt;k1&gt; missing &amp; more\n  " + EscapeXml(replay) +
                                 "\n  sandbox kept: /tmp/bdbsim-keep/1 (3.0 MiB)\n</failure>";
  EXPECT_NE(xml.find("name=\"" + bad + "\""), std::string::npos);
  EXPECT_NE(xml.find(expected_failure), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<failure"), xml.rfind("<failure"));
  EXPECT_EQ(xml.find("<script>"), std::string::npos);
}

TEST(JUnitTest, CaughtScenarioWithoutCatchFails) {
  RunReport r;
  ScenarioResult s{"never-caught", "", "caught", "", {}};
  for (int i = 0; i < 5; ++i) s.trials.push_back(MakeTrial("never-caught", i, Outcome::kPass));
  r.scenarios.push_back(s);
  std::string xml = RenderJUnit(r);
  EXPECT_NE(xml.find("<failure message=\"caught 0 of 5 trials (0.0%, 95% CI 0-43%), wholly below the claimed 50%\" "
                     "type=\"NOT_CAUGHT\"></failure>"),
            std::string::npos)
      << xml;
}

TEST(JUnitTest, XmllintAcceptsIt) {
  if (access("/usr/bin/xmllint", X_OK) != 0) {
    GTEST_SKIP() << "xmllint not installed (apt-get install libxml2-utils); well-formedness not checked";
  }
  TempDir dir;
  RunReport r = SampleReport();
  r.scenarios[2].trials[0].detail = "control \x01 and bad utf-8 \xFF";
  std::string path = JoinPath(dir.path(), "junit.xml");
  ASSERT_TRUE(WriteJUnit(r, path).ok());
  ProcessResult lint = RunProcess({"/usr/bin/xmllint", "--noout", path});
  const std::string out = lint.out + lint.err;
  EXPECT_EQ(lint.exit_code, 0) << out;
  EXPECT_EQ(out, "");
}

// ---- report.html ----

TEST(HtmlTest, SelfContainedAndEscaped) {
  std::string html = RenderHtml(SampleReport());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("http"), std::string::npos);  // no network reference of any kind
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
  EXPECT_NE(html.find("tries &quot;quotes&quot; &amp; &lt;b&gt;tags&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("key &lt;k1&gt; missing &amp; more"), std::string::npos);
}

TEST(HtmlTest, HasSummaryBarsHistogramRatesAndTimelines) {
  std::string html = RenderHtml(SampleReport());
  EXPECT_NE(html.find("1 of 3 scenarios did not meet their expectation"), std::string::npos);
  EXPECT_NE(html.find("<section class=\"summary unmet\""), std::string::npos);
  // One stacked bar per scenario, with a segment per present outcome.
  size_t bars = 0;
  for (size_t at = html.find("class=\"outcome-bar\""); at != std::string::npos;
       at = html.find("class=\"outcome-bar\"", at + 1)) {
    ++bars;
  }
  EXPECT_EQ(bars, 3u);
  EXPECT_NE(html.find("class=\"bar bar-pass\""), std::string::npos);
  EXPECT_NE(html.find("class=\"bar bar-detected\""), std::string::npos);
  EXPECT_NE(html.find("class=\"bar bar-clean\""), std::string::npos);
  EXPECT_NE(html.find("class=\"bar bar-loss\""), std::string::npos);
  EXPECT_NE(html.find("<title>PASS: 3 of 5</title>"), std::string::npos);
  EXPECT_NE(html.find("<svg class=\"histogram\""), std::string::npos);
  EXPECT_NE(html.find("class=\"hist-bar\""), std::string::npos);
  EXPECT_NE(html.find("10 recoveries: median"), std::string::npos);
  EXPECT_NE(html.find("<table class=\"commit-rate\">"), std::string::npos);
  EXPECT_NE(html.find("<svg class=\"rate-bar\""), std::string::npos);
  // Timelines: the detected hot trial, the two caught mmap trials, the failing bad trial.
  size_t timelines = 0;
  for (size_t at = html.find("<svg class=\"timeline\""); at != std::string::npos;
       at = html.find("<svg class=\"timeline\"", at + 1)) {
    ++timelines;
  }
  EXPECT_EQ(timelines, 3u);  // unsafe-mmap-copy trial 2 has no faults
  EXPECT_NE(html.find("No fault was injected."), std::string::npos);
  EXPECT_NE(html.find("<pre class=\"replay\">bdbsim replay unsafe-mmap-copy." +
                      SeedHex(TrialSeed(42, "unsafe-mmap-copy", 1)) + "</pre>"),
            std::string::npos);
  EXPECT_NE(html.find("SIGKILL after 812 commits"), std::string::npos);
  EXPECT_NE(html.find("sandbox kept: /tmp/bdbsim-keep/1 (3.0 MiB)"), std::string::npos);
  // Not shown: passing and clean-failure trials.
  EXPECT_EQ(html.find("EIO on pwrite #41"), std::string::npos);
}

TEST(HtmlTest, EmptyReportStillRenders) {
  std::string html = RenderHtml(RunReport{});
  EXPECT_NE(html.find("All 0 scenarios met their expectation"), std::string::npos);
  EXPECT_NE(html.find("No trial recorded a recovery time."), std::string::npos);
  EXPECT_NE(html.find("No trial took a backup under load."), std::string::npos);
  EXPECT_NE(html.find("No trial failed or was caught."), std::string::npos);
}

TEST(HtmlTest, LimitsTrialsPerScenario) {
  RunReport r;
  ScenarioResult s{"many", "", "caught", "", {}};
  for (int i = 0; i < kHtmlTrialsPerScenario + 3; ++i) s.trials.push_back(MakeTrial("many", i, Outcome::kLoss));
  r.scenarios.push_back(s);
  std::string html = RenderHtml(r);
  EXPECT_NE(html.find("many: 3 more failing or caught trials are in report.json."), std::string::npos);
}

// ---- terminal table ----

TEST(TableTest, PlainText) {
  std::string seed_bad = SeedHex(TrialSeed(42, "<script>alert(1)</script> & co", 0));
  std::string seed_m1 = SeedHex(TrialSeed(42, "unsafe-mmap-copy", 1));
  std::string seed_m2 = SeedHex(TrialSeed(42, "unsafe-mmap-copy", 2));
  std::string expected =
      "scenario                        trials  exercised  PASS  NOT_EXERCISED  CLEAN_FAILURE  DETECTED  unexplained  "
      "HARNESS_ERROR  HANG  LOSS  expected  verdict\n" +
      std::string(154, '-') + "\n"
      "hot-backup-under-load                5          5     3              0              1         1            0  "
      "            0     0     0  pass      PASS\n"
      "unsafe-mmap-copy                     3          3     1              0              0         1            0  "
      "            0     0     1  caught    PASS\n"
      "<script>alert(1)</script> & co       2          2     1              0              0         0            0  "
      "            0     0     1  pass      FAIL\n"
      "\n"
      "1 of 3 scenarios did not meet their expectation\n"
      "\n"
      "replay:\n"
      "  unsafe-mmap-copy trial 1 LOSS: 3 acknowledged commits missing\n"
      "    bdbsim replay unsafe-mmap-copy." + seed_m1 + "\n"
      "  unsafe-mmap-copy trial 2 DETECTED\n"
      "    bdbsim replay unsafe-mmap-copy." + seed_m2 + "\n"
      "  <script>alert(1)</script> & co trial 0 LOSS: key <k1> missing & more\n"
      "    " + ReplayLine("<script>alert(1)</script> & co", TrialSeed(42, "<script>alert(1)</script> & co", 0)) + "\n"
      "    sandbox kept: /tmp/bdbsim-keep/1 (3.0 MiB)\n"
      "\n"
      "sandboxes of failing trials: 1 kept (3.0 MiB)\n";
  std::string table = RenderTable(SampleReport(), false);
  EXPECT_EQ(table, expected);
  EXPECT_EQ(table.find('\033'), std::string::npos);
  (void)seed_bad;
}

TEST(TableTest, ColorMarksVerdictsAndLoss) {
  std::string table = RenderTable(SampleReport(), true);
  EXPECT_NE(table.find("\033[32mPASS\033[0m"), std::string::npos);
  EXPECT_NE(table.find("\033[31mFAIL\033[0m"), std::string::npos);
  EXPECT_NE(table.find("\033[31m   1\033[0m"), std::string::npos);  // LOSS of a "pass" scenario
  EXPECT_NE(table.find("\033[1mscenario"), std::string::npos);
}

TEST(TableTest, ListsAtMostSomeCaughtTrials) {
  RunReport r;
  ScenarioResult s{"many", "", "caught", "", {}};
  for (int i = 0; i < kCaughtTrialsListed + 2; ++i) s.trials.push_back(MakeTrial("many", i, Outcome::kLoss));
  r.scenarios.push_back(s);
  std::string table = RenderTable(r, false);
  EXPECT_NE(table.find("all 1 scenarios met their expectation"), std::string::npos);
  EXPECT_NE(table.find("  many: 2 more caught trials in report.json\n"), std::string::npos);
  EXPECT_NE(table.find("many trial 4 LOSS"), std::string::npos);
  EXPECT_EQ(table.find("many trial 5 LOSS"), std::string::npos);
}

// A campaign that kept two failing trials' sandboxes on disk (moved from a
// tmpfs) and dropped one for its bound: every format says which, where, and why.
RunReport KeptSandboxReport() {
  RunReport r;
  ScenarioResult s{"lossy", "a method that loses commits", "pass", "lossy.toml", {}};
  for (int i = 0; i < 3; ++i) {
    s.trials.push_back(MakeTrial(s.name, i, Outcome::kLoss));
    s.trials[i].detail = "acknowledged commits missing";
    s.trials[i].sandbox_bytes = static_cast<uint64_t>(i + 1) << 20;
  }
  s.trials[0].sandbox_dropped = "dropped for the bound: newer sandboxes were kept (at most 2)";
  s.trials[1].sandbox = "/var/reports/r1/sandboxes/bdbsim-lossy-1-x";
  s.trials[2].sandbox = "/var/reports/r1/sandboxes/bdbsim-lossy-2-y";
  r.scenarios = {s};
  r.settings = {{"keep_sandboxes", 2},
                {"keep_sandboxes_mib", 2048},
                {"sandbox_root", "/dev/shm"},
                {"sandbox_root_in_memory", true},
                {"kept_sandboxes_in", "/var/reports/r1/sandboxes"}};
  return r;
}

TEST(KeptSandboxReportTest, EveryFormatSaysWhatWasKeptWhereAndWhatWasDropped) {
  const RunReport r = KeptSandboxReport();
  const std::string summary =
      "sandboxes of failing trials: 2 kept (5.0 MiB), at most 2 and 2048 MiB, in /var/reports/r1/sandboxes (on "
      "disk; moved from /dev/shm, which is in memory); 1 dropped for the bound, oldest first";
  EXPECT_EQ(DescribeKeptSandboxes(r), summary);
  EXPECT_EQ(DescribeTrialSandbox(r.scenarios[0].trials[0]),
            "sandbox (1.0 MiB) dropped for the bound: newer sandboxes were kept (at most 2)");
  EXPECT_EQ(DescribeTrialSandbox(r.scenarios[0].trials[2]),
            "sandbox kept: /var/reports/r1/sandboxes/bdbsim-lossy-2-y (3.0 MiB)");

  const std::string table = RenderTable(r, false);
  EXPECT_NE(table.find("lossy trial 0 LOSS: acknowledged commits missing\n    " +
                       ReplayLine("lossy", r.scenarios[0].trials[0].seed) +
                       "\n    sandbox (1.0 MiB) dropped for the bound: newer sandboxes were kept (at most 2)\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("    sandbox kept: /var/reports/r1/sandboxes/bdbsim-lossy-1-x (2.0 MiB)\n"), std::string::npos)
      << table;
  EXPECT_NE(table.find("\n" + summary + "\n"), std::string::npos) << table;

  const std::string xml = RenderJUnit(r);
  EXPECT_NE(xml.find("  sandbox (1.0 MiB) dropped for the bound: newer sandboxes were kept (at most 2)\n"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("  sandbox kept: /var/reports/r1/sandboxes/bdbsim-lossy-2-y (3.0 MiB)\n"), std::string::npos);
  EXPECT_NE(xml.find("  <system-out>" + EscapeXml(summary) + "</system-out>\n</testsuite>\n"), std::string::npos)
      << xml;

  const std::string html = RenderHtml(r);
  EXPECT_NE(html.find("<p class=\"note\" id=\"kept-sandboxes\">" + summary + "</p>"), std::string::npos);
  EXPECT_NE(html.find("sandbox kept: /var/reports/r1/sandboxes/bdbsim-lossy-1-x (2.0 MiB)"), std::string::npos);
  EXPECT_NE(html.find("sandbox (1.0 MiB) dropped for the bound"), std::string::npos);

  const json j = ReportToJson(r);
  const json& t0 = j["scenarios"][0]["trials"][0];
  EXPECT_EQ(t0["sandbox"], "");
  EXPECT_EQ(t0["sandbox_bytes"], 1 << 20);
  EXPECT_EQ(t0["sandbox_dropped"], "dropped for the bound: newer sandboxes were kept (at most 2)");
  EXPECT_EQ(j["settings"]["kept_sandboxes_in"], "/var/reports/r1/sandboxes");
  RunReport read;
  ASSERT_TRUE(ReportFromJson(j, &read).ok());
  EXPECT_EQ(ReportToJson(read), j);
  EXPECT_EQ(read.scenarios[0].trials[1].sandbox_bytes, 2u << 20);
}

// Sandboxes kept where they ran (a root on disk), or left in memory because
// no directory on disk was found, are said to be so.
TEST(KeptSandboxReportTest, SaysWhenSandboxesStayWhereTheyRan) {
  RunReport r = KeptSandboxReport();
  r.settings["sandbox_root"] = r.settings["kept_sandboxes_in"] = "/var/tmp/sb";
  r.settings["sandbox_root_in_memory"] = false;
  EXPECT_NE(DescribeKeptSandboxes(r).find(", in /var/tmp/sb (on disk);"), std::string::npos);
  r.settings["sandbox_root"] = r.settings["kept_sandboxes_in"] = "/dev/shm";
  r.settings["sandbox_root_in_memory"] = true;
  EXPECT_NE(DescribeKeptSandboxes(r).find(", in /dev/shm (in memory: no directory on disk was found);"),
            std::string::npos);
  for (auto& t : r.scenarios[0].trials) t.sandbox.clear(), t.sandbox_dropped.clear();
  EXPECT_EQ(DescribeKeptSandboxes(r), "");
  EXPECT_EQ(RenderTable(r, false).find("sandboxes of failing trials"), std::string::npos);
}

TEST(TableTest, ShouldUseColorIsFalseOffTerminal) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  EXPECT_FALSE(ShouldUseColor(fds[1]));
  close(fds[0]);
  close(fds[1]);
}

// ---- progress bar ----

class MemoryStream {
 public:
  MemoryStream() : file_(open_memstream(&buf_, &size_)) {}
  ~MemoryStream() {
    std::fclose(file_);
    std::free(buf_);
  }
  FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  size_t size_ = 0;
  FILE* file_;
};

TEST(ProgressBarTest, Describe) {
  EXPECT_EQ(ProgressBar::Describe(0, 10, 0, 0), "0/10 trials  0 failures");
  EXPECT_EQ(ProgressBar::Describe(5, 10, 1, 2.0), "5/10 trials  2.5/s  ETA 2s  1 failure");
  EXPECT_EQ(ProgressBar::Describe(10, 100, 2, 10.0), "10/100 trials  1.0/s  ETA 1m30s  2 failures");
  EXPECT_EQ(ProgressBar::Describe(10, 10, 0, 4.0), "10/10 trials  2.5/s  in 4s  0 failures");
}

TEST(ProgressBarTest, NotATerminalPrintsEveryTenPercentAndFinish) {
  MemoryStream out;
  double now = 0;
  ProgressBar bar(out.file(), /*tty=*/false, [&] { return now; });
  for (int done = 1; done <= 20; ++done) {
    now = done;
    bar.Update(done, 20, done >= 10 ? 1 : 0);
  }
  bar.Finish();
  bar.Finish();           // idempotent
  bar.Update(1, 20, 0);  // ignored after Finish
  std::string text = out.text();
  EXPECT_EQ(text.substr(0, text.find('\n') + 1), "bdbsim: 2/20 trials  1.0/s  ETA 18s  0 failures\n");
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_EQ(lines, 10u);  // 10%..90% and the final line
  EXPECT_EQ(text.substr(text.rfind("bdbsim:")), "bdbsim: 20/20 trials  1.0/s  in 20s  1 failure\n");
}

TEST(ProgressBarTest, TerminalRedrawsOneLineAtMostTenTimesASecond) {
  MemoryStream out;
  double now = 0;
  ProgressBar bar(out.file(), /*tty=*/true, [&] { return now; });
  bar.Update(1, 4, 0);  // drawn (first)
  bar.Update(2, 4, 0);  // same instant: skipped
  now = 1;
  bar.Update(3, 4, 1);  // drawn
  bar.Update(4, 4, 1);  // complete: always drawn
  bar.Finish();
  std::string text = out.text();
  EXPECT_EQ(text,
            "\r\033[K[#######.......................] 1/4 trials  0 failures"
            "\r\033[K[######################........] 3/4 trials  3.0/s  ETA 0s  1 failure"
            "\r\033[K[##############################] 4/4 trials  4.0/s  in 1s  1 failure"
            "\r\033[K[##############################] 4/4 trials  4.0/s  in 1s  1 failure\n");
}

TEST(ProgressBarTest, ThreadSafeUpdates) {
  MemoryStream out;
  ProgressBar bar(out.file(), /*tty=*/false);
  std::vector<std::thread> threads;
  std::atomic<int> done{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) {
        int d = ++done;
        bar.Update(d, 1000, 0);
      }
    });
  }
  for (auto& t : threads) t.join();
  bar.Finish();
  EXPECT_NE(out.text().find("1000/1000 trials"), std::string::npos);
}

}  // namespace
}  // namespace bdb::sim
