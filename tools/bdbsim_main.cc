// bdbsim: the simulator's command line (docs/contracts.md): run scenarios, replay one
// trial from its token, merge shard reports, certify storage
// (tools/bdbsim/certify_commands.h). Also the hidden `__agent` and `__oracle`
// entries the trial runner uses to run a backup, and to read a restored
// environment, each in its own process.
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>
#include <thread>

#include "base/crash_points.h"
#include "base/file_io.h"
#include "simulator/agent/backup_agent.h"
#include "simulator/harness/campaign.h"
#include "simulator/harness/oracle_process.h"
#include "simulator/report/report_merge.h"
#include "tools/bdbsim/certify_commands.h"
#include "simulator/report/report_table.h"
#include "simulator/report/shard.h"
#include "simulator/harness/trial_classify.h"
#include "version.h"

namespace {

using bdb::Status;

int Fail(const Status& s) {
  std::fprintf(stderr, "bdbsim: error: %s\n", s.message().c_str());
  return s.code() == Status::Code::kIOError ? 4 : 2;
}

std::string SelfDir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  return bdb::DirName(buf);
}

std::string DefaultScenarioDir() {
  struct stat st;
  if (::stat("scenarios", &st) == 0 && S_ISDIR(st.st_mode)) return "scenarios";
  return BDBSIM_DEFAULT_SCENARIOS;
}

std::string DefaultReportDir() {
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "reports/%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// Where trials make their sandboxes: BDBSIM_SANDBOX, else the default. A
// root that is not a directory is bad input, named once, before any trial.
Status Runner(bdb::sim::RunnerOptions* r) {
  r->workload_binary = bdb::JoinPath(SelfDir(), "bdbsim-workload");
  r->agent_binary = bdb::JoinPath(SelfDir(), "bdbsim");
  r->listing_shim = bdb::JoinPath(SelfDir(), "libbdbsim-listing-shim.so");
  const char* root = std::getenv("BDBSIM_SANDBOX");
  r->sandbox_root = root && *root ? root : bdb::sim::DefaultSandboxRoot();
  struct stat st;
  if (::stat(r->sandbox_root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::InvalidArgument("trial sandbox root '" + r->sandbox_root + "'" +
                                   (root && *root ? " (BDBSIM_SANDBOX)" : "") + " is not a directory");
  return Status::OK();
}

int PrintAndWrite(const bdb::sim::RunReport& report, const std::string& dir, bool sharded) {
  std::cout << bdb::sim::RenderTable(report, bdb::sim::ShouldUseColor(STDOUT_FILENO)) << std::flush;
  Status s = bdb::sim::WriteReports(report, dir);
  if (!s.ok()) return Fail(s);
  std::cout << "report: " << bdb::JoinPath(dir, "report.html") << " (also report.json, junit.xml)\n";
  const bool met = sharded ? bdb::sim::ShardMet(report) : bdb::sim::AllMet(report);
  return met ? 0 : 1;
}

int Run(const std::vector<std::string>& paths_in, int64_t trials, const std::string& seed_text, int jobs,
        const std::string& shard, std::string report_dir, const std::vector<std::string>& args) {
  bdb::sim::CampaignOptions options;
  options.trials = trials;
  options.jobs = jobs > 0 ? jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!seed_text.empty()) {
    try {
      size_t used = 0;
      options.seed = std::stoull(seed_text, &used, 0);
      if (used != seed_text.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return Fail(Status::InvalidArgument("--seed must be an unsigned integer, got '" + seed_text + "'"));
    }
  }
  if (!shard.empty()) {
    Status s = bdb::sim::ParseShard(shard, &options.shard_k, &options.shard_n);
    if (!s.ok()) return Fail(s);
  }
  std::vector<std::string> paths = paths_in;
  if (paths.empty()) paths.push_back(DefaultScenarioDir());
  std::vector<bdb::sim::Scenario> scenarios;
  Status s = bdb::sim::LoadScenarios(paths, &scenarios);
  if (!s.ok()) return Fail(s);
  s = Runner(&options.runner);
  if (!s.ok()) return Fail(s);
  options.progress = true;
  options.command_line = args;
  if (report_dir.empty()) report_dir = DefaultReportDir();
  bdb::sim::RunReport report;
  bdb::sim::RunCampaign(scenarios, options, &report);
  return PrintAndWrite(report, report_dir, options.shard_n > 1);
}

int Replay(const std::string& token, const std::vector<std::string>& scenario_paths) {
  std::string name;
  uint64_t seed = 0;
  std::optional<bdb::sim::ReplayExpectation> expected;
  Status s = bdb::sim::ParseReplayToken(token, &name, &seed, &expected);
  if (!s.ok()) return Fail(s);
  std::vector<std::string> paths = scenario_paths;
  if (paths.empty()) paths.push_back(DefaultScenarioDir());
  std::vector<bdb::sim::Scenario> scenarios;
  s = bdb::sim::LoadScenarios(paths, &scenarios);
  if (!s.ok()) return Fail(s);
  const bdb::sim::Scenario* found = nullptr;
  for (const auto& sc : scenarios) {
    if (sc.name == name) found = &sc;
  }
  if (found == nullptr) return Fail(Status::InvalidArgument("replay token names scenario '" + name + "', which is not in " + paths.front()));
  bdb::sim::RunnerOptions runner;
  s = Runner(&runner);
  if (!s.ok()) return Fail(s);
  runner.keep_sandboxes = true;
  runner.narrate = [](const std::string& line) { std::fprintf(stderr, "  %s\n", line.c_str()); };
  std::fprintf(stderr, "replaying %s (seed %s)\n", name.c_str(), bdb::sim::SeedHex(seed).c_str());
  bdb::sim::TrialResult r = bdb::sim::RunTrial(*found, seed, 0, runner);
  std::printf("%s: %s — %s\n", name.c_str(), bdb::sim::OutcomeName(r.outcome), r.detail.c_str());
  for (const auto& f : r.faults) std::printf("  %8.1f ms  %-12s %s\n", f.at_ms, f.kind.c_str(), f.detail.c_str());
  for (const auto& e : r.exercise) {
    std::printf("  planned %-17s step %d: %s — %s%s\n", e.kind.c_str(), e.step, e.planned.c_str(),
                e.fired ? "fired: " : "did not fire", e.fired || e.hit.empty() ? e.hit.c_str() : (" (" + e.hit + ")").c_str());
  }
  std::printf("sandbox kept: %s\n", r.sandbox.c_str());
  if (!expected) {
    // A token without the original result: nothing to compare against.
    std::printf("no recorded result in the token to compare against (this run: %s)\n",
                bdb::sim::ReplayLine(r).c_str());
    bdb::sim::ScenarioResult sr;
    sr.expect = bdb::sim::ToString(found->expect);
    return bdb::sim::TrialFails(sr, r) ? 1 : 0;
  }
  const std::string difference = bdb::sim::ReplayDifference(*expected, r);
  if (difference.empty()) {
    std::printf("reproduced\n");
    return 0;
  }
  std::printf("not reproduced: %s\n", difference.c_str());
  return 1;
}

int Merge(const std::vector<std::string>& dirs, const std::string& report_dir) {
  bdb::sim::RunReport merged;
  Status s = bdb::sim::MergeReportDirs(dirs, &merged);
  if (!s.ok()) return Fail(s);
  return PrintAndWrite(merged, report_dir.empty() ? DefaultReportDir() : report_dir, false);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "__agent") return bdb::sim::AgentMain(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "__oracle") return bdb::sim::OracleMain(argv[2]);
  bdb::InitFaultPoints();
  CLI::App app{"bdbsim " BDBACKUP_VERSION ": proves Berkeley DB backups restore every acknowledged commit", "bdbsim"};
  app.set_version_flag("--version", BDBACKUP_VERSION);
  app.require_subcommand(1);

  std::vector<std::string> paths;
  int64_t trials = 0;
  std::string seed, shard, report_dir;
  int jobs = 0;
  CLI::App* run = app.add_subcommand("run", "run scenarios (default: scenarios/)");
  run->add_option("scenarios", paths, "scenario files or directories");
  run->add_option("--trials", trials, "trials per scenario (default: each scenario's own)")->check(CLI::Range(1, 100000));
  run->add_option("--seed", seed, "run seed (default: each scenario's seed, else 1)");
  run->add_option("--jobs", jobs, "trials in parallel (default: the core count)")->check(CLI::Range(1, 256));
  run->add_option("--shard", shard, "run the K-th of N slices of the trials, e.g. 2/4");
  run->add_option("--report", report_dir, "report directory (default: reports/<timestamp>/)");

  std::string token;
  std::vector<std::string> replay_scenarios;
  CLI::App* replay = app.add_subcommand("replay", "re-run one trial exactly, narrating every step and fault");
  replay->add_option("token", token, "the token printed after 'bdbsim replay'")->required();
  replay->add_option("--scenarios", replay_scenarios, "where to find the scenario (default: scenarios/)");

  std::vector<std::string> merge_dirs;
  std::string merge_report;
  CLI::App* merge = app.add_subcommand("merge", "combine shard reports into the unsharded run's report");
  merge->add_option("reports", merge_dirs, "shard report directories")->required();
  merge->add_option("--report", merge_report, "where to write the merged report")->required();

  bdb::sim::certify::CertifyCommands* certify =
      bdb::sim::certify::AddCertifyCommands(&app, bdb::JoinPath(SelfDir(), "bdbsim-workload"));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "bdbsim: error: bad usage: %s\n", e.what());
    return 2;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  if (run->parsed()) return Run(paths, trials, seed, jobs, shard, report_dir, args);
  if (replay->parsed()) return Replay(token, replay_scenarios);
  if (merge->parsed()) return Merge(merge_dirs, merge_report);
  if (int code = bdb::sim::certify::RunCertifyCommand(certify); code >= 0) return code;
  return 2;
}
