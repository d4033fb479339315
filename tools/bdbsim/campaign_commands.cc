#include "tools/bdbsim/campaign_commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>
#include <thread>

#include "base/file_io.h"
#include "base/user_path.h"
#include "simulator/harness/campaign.h"
#include "simulator/harness/trial_classify.h"
#include "simulator/report/report_merge.h"
#include "simulator/report/report_table.h"
#include "simulator/report/shard.h"

namespace bdb::sim {
namespace {

using bdb::Status;

int Fail(const Status& s) {
  std::fprintf(stderr, "bdbsim: error: %s\n", s.message().c_str());
  return s.code() == Status::Code::kIOError ? 4 : 2;
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

// A library the harness preloads into programs it runs: beside this binary
// (a build tree) or in ../lib/bdbackup (the Debian package); "" if neither
// has it (the harness then runs without it, or refuses what needs it).
std::string PreloadLibrary(const std::string& name) {
  for (const std::string& dir : {SelfDir(), bdb::JoinPath(SelfDir(), "../lib/bdbackup")}) {
    const std::string path = bdb::JoinPath(dir, name);
    if (::access(path.c_str(), R_OK) == 0) return path;
  }
  return "";
}

// Where trials make their sandboxes: BDBSIM_SANDBOX, else the default. A
// root that is not a directory is bad input, named once, before any trial.
Status Runner(bdb::sim::RunnerOptions* r) {
  r->workload_binary = bdb::JoinPath(SelfDir(), "bdbsim-workload");
  r->agent_binary = bdb::JoinPath(SelfDir(), "bdbsim");
  r->listing_shim = PreloadLibrary("libbdbsim-listing-shim.so");
  r->bdb_hooks_shim = PreloadLibrary("libbdbsim-bdb-hooks.so");
  const char* root = std::getenv("BDBSIM_SANDBOX");
  // A user's path: a root that is a symbolic link (or under one) is followed.
  BDB_RETURN_IF_ERROR(ResolveUserPath(root && *root ? root : DefaultSandboxRoot(), &r->sandbox_root));
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

}  // namespace

int RunScenariosCommand(const RunCommandOptions& o, const std::vector<std::string>& args) {
  const std::string& seed_text = o.seed;
  bdb::sim::CampaignOptions options;
  options.trials = o.trials;
  options.jobs = o.jobs > 0 ? o.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!seed_text.empty()) {
    try {
      size_t used = 0;
      options.seed = std::stoull(seed_text, &used, 0);
      if (used != seed_text.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return Fail(Status::InvalidArgument("--seed must be an unsigned integer, got '" + seed_text + "'"));
    }
  }
  if (!o.shard.empty()) {
    Status s = bdb::sim::ParseShard(o.shard, &options.shard_k, &options.shard_n);
    if (!s.ok()) return Fail(s);
  }
  std::vector<std::string> paths = o.scenarios;
  if (paths.empty()) paths.push_back(DefaultScenarioDir());
  std::vector<bdb::sim::Scenario> scenarios;
  Status s = bdb::sim::LoadScenarios(paths, &scenarios);
  if (!s.ok()) return Fail(s);
  s = Runner(&options.runner);
  if (!s.ok()) return Fail(s);
  options.progress = true;
  options.command_line = args;
  const std::string report_dir = o.report.empty() ? DefaultReportDir() : o.report;
  options.keep.max_count = o.keep_sandboxes;
  options.keep.max_bytes = static_cast<uint64_t>(o.keep_sandboxes_mib) << 20;
  options.kept_sandbox_dir = bdb::sim::DiskDirectoryForKeptSandboxes(report_dir);
  bdb::sim::RunReport report;
  bdb::sim::RunCampaign(scenarios, options, &report);
  return PrintAndWrite(report, report_dir, options.shard_n > 1);
}

int ReplayCommand(const ReplayCommandOptions& o) {
  const std::string& token = o.token;
  const std::vector<std::string>& scenario_paths = o.scenarios;
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
  if (found == nullptr)
    return Fail(
        Status::InvalidArgument("replay token names scenario '" + name + "', which is not in " + paths.front()));
  bdb::sim::RunnerOptions runner;
  s = Runner(&runner);
  if (!s.ok()) return Fail(s);
  runner.keep_sandboxes = true;
  runner.narrate = [](const std::string& line) { std::fprintf(stderr, "  %s\n", line.c_str()); };
  std::fprintf(stderr, "replaying %s (seed %s)\n", name.c_str(), bdb::sim::SeedHex(seed).c_str());
  bdb::sim::TrialResult r = bdb::sim::RunTrial(*found, seed, 0, runner);
  // Kept on disk like a campaign's: a replay made in memory is moved out of it.
  bdb::sim::SandboxKeeper keeper(bdb::sim::KeepBound{1, UINT64_MAX},
                                 bdb::sim::DiskDirectoryForKeptSandboxes(""));
  keeper.Offer(&r);
  std::printf("%s: %s — %s\n", name.c_str(), bdb::sim::OutcomeName(r.outcome), r.detail.c_str());
  for (const auto& f : r.faults) std::printf("  %8.1f ms  %-12s %s\n", f.at_ms, f.kind.c_str(), f.detail.c_str());
  for (const auto& e : r.exercise) {
    std::printf("  planned %-17s step %d: %s — %s%s\n", e.kind.c_str(), e.step, e.planned.c_str(),
                e.fired ? "fired: " : "did not fire",
                e.fired || e.hit.empty() ? e.hit.c_str() : (" (" + e.hit + ")").c_str());
  }
  if (!r.sandbox.empty()) {
    std::printf("sandbox kept: %s\n", r.sandbox.c_str());
  } else {
    std::printf("sandbox not kept: %s\n", r.sandbox_dropped.c_str());
  }
  if (!expected) {
    // A token without the original result: nothing to compare against.
    std::printf("no recorded result in the token to compare against (this run: %s)\n", bdb::sim::ReplayLine(r).c_str());
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

int MergeCommand(const MergeCommandOptions& o) {
  bdb::sim::RunReport merged;
  Status s = bdb::sim::MergeReportDirs(o.reports, &merged);
  if (!s.ok()) return Fail(s);
  return PrintAndWrite(merged, o.report.empty() ? DefaultReportDir() : o.report, false);
}

std::string SelfDir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  return bdb::DirName(buf);
}

}  // namespace bdb::sim
