#include "simulator/harness/campaign.h"

#include <db.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <thread>

#include "engine/repository/backup_id.h"
#include "base/file_io.h"
#include "simulator/harness/progress_bar.h"
#include "simulator/report/report_html.h"
#include "simulator/report/report_json.h"
#include "simulator/report/report_junit.h"
#include "simulator/report/shard.h"
#include "version.h"

namespace bdb::sim {
namespace {

struct PlannedTrial {
  size_t scenario = 0;
  int index = 0;
  uint64_t seed = 0;
};

}  // namespace

uint64_t RunSeedFor(const Scenario& scenario, const CampaignOptions& options) {
  if (options.seed) return *options.seed;
  return scenario.seed.value_or(1);
}

void RunCampaign(const std::vector<Scenario>& scenarios, const CampaignOptions& options, RunReport* report) {
  const auto started = std::chrono::steady_clock::now();
  *report = RunReport();
  report->started_at = FormatUtcSeconds(time(nullptr));
  std::vector<PlannedTrial> plan;
  for (size_t s = 0; s < scenarios.size(); ++s) {
    const Scenario& sc = scenarios[s];
    ScenarioResult result;
    result.name = sc.name;
    result.description = sc.description;
    result.expect = ToString(sc.expect);
    result.file = sc.source_path;
    result.min_exercised = sc.min_exercised;
    result.min_catch_rate = sc.min_catch_rate;
    report->scenarios.push_back(result);
    const int64_t trials = options.trials > 0 ? options.trials : sc.trials;
    for (int i = 0; i < trials; ++i) {
      if (!InShard(options.shard_k, options.shard_n, sc.name, i)) continue;
      plan.push_back(PlannedTrial{s, i, TrialSeed(RunSeedFor(sc, options), sc.name, i)});
    }
  }

  std::vector<TrialResult> results(plan.size());
  std::atomic<size_t> next{0};
  std::atomic<int> done{0}, failures{0};
  ProgressBar bar;
  std::mutex bar_mu;
  // Kept sandboxes move to disk only from a file system in memory.
  const bool root_in_memory = OnMemoryFileSystem(options.runner.sandbox_root);
  const std::string kept_in = root_in_memory && !options.kept_sandbox_dir.empty() ? options.kept_sandbox_dir
                                                                                   : options.runner.sandbox_root;
  SandboxKeeper keeper(options.keep, root_in_memory ? options.kept_sandbox_dir : "");
  auto worker = [&] {
    for (size_t t = next++; t < plan.size(); t = next++) {
      const PlannedTrial& p = plan[t];
      results[t] = RunTrial(scenarios[p.scenario], p.seed, p.index, options.runner);
      ScenarioResult probe;
      probe.expect = ToString(scenarios[p.scenario].expect);
      if (TrialFails(probe, results[t])) ++failures;
      keeper.Offer(&results[t]);  // the last use of results[t] on this thread
      ++done;
      if (options.progress) {
        std::lock_guard<std::mutex> l(bar_mu);
        bar.Update(done, static_cast<int>(plan.size()), failures);
      }
    }
  };
  std::vector<std::thread> pool;
  const int jobs = std::max(1, options.jobs);
  for (int j = 0; j < jobs; ++j) pool.emplace_back(worker);
  for (auto& th : pool) th.join();
  if (options.progress) bar.Finish();

  for (size_t t = 0; t < plan.size(); ++t) report->scenarios[plan[t].scenario].trials.push_back(results[t]);
  report->wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  nlohmann::json seeds = nlohmann::json::object();
  for (const auto& sc : scenarios) seeds[sc.name] = SeedHex(RunSeedFor(sc, options));
  report->settings = {{"trials", options.trials},
                      {"jobs", jobs},
                      {"run_seeds", seeds},
                      {"command_line", options.command_line},
                      {"keep_sandboxes", options.keep.max_count},
                      {"keep_sandboxes_mib", options.keep.max_bytes >> 20},
                      {"sandbox_root", options.runner.sandbox_root},
                      {"sandbox_root_in_memory", root_in_memory},
                      {"kept_sandboxes_in", kept_in}};
  if (options.shard_n > 1) report->settings["shard"] = ShardName(options.shard_k, options.shard_n);
  report->versions = {{"bdbsim", BDBACKUP_VERSION},
                      {"berkeley_db", DB_VERSION_STRING},
                      {"compiler", __VERSION__}};
}

Status WriteReports(const RunReport& report, const std::string& dir) {
  FileIO* io = DefaultFileIO();
  std::string built;
  size_t start = dir.front() == '/' ? 1 : 0;
  for (size_t slash = dir.find('/', start); ; slash = dir.find('/', slash + 1)) {
    built = dir.substr(0, slash);
    if (!built.empty()) BDB_RETURN_IF_ERROR(io->MakeDir(built, 0755));
    if (slash == std::string::npos) break;
  }
  BDB_RETURN_IF_ERROR(WriteReportJson(report, JoinPath(dir, "report.json")));
  BDB_RETURN_IF_ERROR(WriteJUnit(report, JoinPath(dir, "junit.xml")));
  return WriteHtml(report, JoinPath(dir, "report.html"));
}

}  // namespace bdb::sim
