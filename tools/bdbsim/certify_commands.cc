#include "tools/bdbsim/certify_commands.h"

#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "base/file_io.h"
#include "simulator/certify/ack_listener.h"
#include "simulator/certify/certification_record.h"
#include "simulator/certify/certify_check.h"
#include "simulator/certify/certify_report.h"
#include "simulator/certify/certify_run.h"
#include "simulator/certify/certify_simulate.h"
#include "simulator/certify/line_socket.h"

namespace bdb::sim::certify {

struct CertifyCommands {
  std::string workload_binary;
  CLI::App* certify = nullptr;
  CLI::App *listen = nullptr, *run = nullptr, *check = nullptr, *simulate = nullptr;
  // listen
  int port = 0;
  std::string ack_file;
  // run
  std::string dir, ack_to, run_id;
  double duration = 0;
  WorkloadConfig run_workload, simulate_workload;
  std::vector<uint32_t> value_bytes, keys_per_txn;
  MeasureOptions measure;
  // check
  std::string report_dir, append;
  // simulate
  int trials = 3;
  uint64_t seed = 1;
  bool lying_fsync = false, reorder_writes = false;
  uint64_t cache_kib = 256;
  uint64_t txns = 300;
};

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "bdbsim: error: %s\n", s.message().c_str());
  if (s.IsBusy()) return 3;
  return s.IsIOError() || s.code() == Status::Code::kCheckFailed ? 4 : 2;
}

// A real run lasts minutes to hours: big logs and cache. A simulation's
// trials are a few hundred commits: small ones, so checkpoints and page
// writes happen before each cut.
void AddWorkloadOptions(CLI::App* cmd, CertifyCommands* c, WorkloadConfig* workload, bool simulation) {
  WorkloadConfig& w = *workload;
  w.threads = 2;
  w.value_bytes_min = 64;
  w.value_bytes_max = 2048;
  w.log_file_bytes = simulation ? 256 << 10 : 10 << 20;
  w.cache_bytes = simulation ? 256 << 10 : 8 << 20;
  w.checkpoint_every_txns = simulation ? 50 : 500;
  cmd->add_option("--threads", w.threads, "writer threads")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--value-bytes", c->value_bytes, "MIN MAX: size of each value written (default 64 2048)")
      ->expected(2)->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--keys-per-txn", c->keys_per_txn, "MIN MAX: keys written by one transaction (default 1 4)")
      ->expected(2)->check(CLI::Range(1, 1000));
  cmd->add_option("--page-size", w.page_size, "database page size")->capture_default_str();
  cmd->add_option("--cache-bytes", w.cache_bytes, "Berkeley DB cache size")->capture_default_str()->check(CLI::Range(16384, 1 << 30));
  cmd->add_option("--checkpoint-every", w.checkpoint_every_txns, "checkpoint after this many commits (0: never)")->capture_default_str();
  cmd->add_option("--log-file-bytes", w.log_file_bytes, "log file size (set_lg_max)")->capture_default_str()->check(CLI::Range(65536, 1 << 30));
  cmd->add_option("--abort-percent", w.abort_percent, "transactions aborted on purpose")->capture_default_str()->check(CLI::Range(0, 100));
  // A simulation draws each trial's workload seed from --seed.
  if (!simulation)
    cmd->add_option("--workload-seed", w.seed, "seed of the workload's keys and values")->capture_default_str();
}

void ApplyPairs(CertifyCommands* c, WorkloadConfig* w) {
  if (c->value_bytes.size() == 2) w->value_bytes_min = c->value_bytes[0], w->value_bytes_max = c->value_bytes[1];
  if (c->keys_per_txn.size() == 2) w->keys_per_txn_min = c->keys_per_txn[0], w->keys_per_txn_max = c->keys_per_txn[1];
}

int Listen(CertifyCommands* c) {
  // Signals are taken by sigwait below, not by the connection threads.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ListenerOptions options;
  options.port = c->port;
  options.ack_file = c->ack_file;
  std::unique_ptr<AckListener> listener;
  Status s = AckListener::Start(options, &listener);
  if (!s.ok()) return Fail(s);
  std::printf("bdbsim certify listen: listening on port %d; acknowledgements go to %s (a concurrent run with "
              "another id: %s.<run id>); stop with Ctrl-C\n",
              listener->port(), c->ack_file.c_str(), c->ack_file.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  listener->Stop();
  std::printf("bdbsim certify listen: stopped by %s\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}

int Run(CertifyCommands* c) {
  ApplyPairs(c, &c->run_workload);
  RunOptions options;
  options.dir = c->dir;
  Status s = ParseHostPort(c->ack_to, &options.ack_host, &options.ack_port);
  if (!s.ok()) return Fail(s);
  options.run_id = c->run_id;
  options.duration_s = c->duration;
  options.workload = c->run_workload;
  options.measure = c->measure;
  options.workload_binary = c->workload_binary;
  RunSummary summary;
  s = RunCertification(options, &summary);
  if (!s.ok()) return Fail(s);
  return 0;
}

int Check(CertifyCommands* c) {
  CheckOptions options{c->dir, c->ack_file, JoinPath(DirName(c->workload_binary), "bdbsim")};
  CheckResult result;
  Status s = CheckCertification(options, &result);
  if (!s.ok()) return Fail(s);
  std::printf("%s\n", result.Summary().c_str());
  std::printf("  %s\n", result.reason.c_str());
  if (result.first_lost)
    std::printf("  first lost commit: txn %llu, acknowledged at %s (device clock), acknowledgement %llu of %llu\n",
                static_cast<unsigned long long>(result.first_lost->txn),
                FormatUnixMs(result.first_lost->device_unix_ms).c_str(),
                static_cast<unsigned long long>(result.first_lost->position),
                static_cast<unsigned long long>(result.acknowledged));
  for (size_t i = 0; i < result.problems.size() && i < 5; ++i) std::printf("  %s\n", result.problems[i].c_str());
  CertificationRecord record;
  if (!c->append.empty()) {
    s = AppendToRecord(c->append, result, &record);
    if (!s.ok()) return Fail(s);
    std::printf("  %s\n", record.Summary().c_str());
  } else {
    record.cuts.push_back(CutFromResult(result));
  }
  const std::string dir = c->report_dir.empty() ? "certify-" + result.run_id : c->report_dir;
  CertificationReport report;
  report.check = result;
  report.record = record;
  report.settings = {{"command", "bdbsim certify check"}, {"dir", c->dir}, {"ack_file", c->ack_file},
                     {"record", c->append}};
  s = WriteCertificationReport(report, dir);
  if (!s.ok()) return Fail(s);
  std::printf("report: %s/certification.html (also certification.json)\n", dir.c_str());
  return result.pass ? 0 : 1;
}

int Simulate(CertifyCommands* c) {
  ApplyPairs(c, &c->simulate_workload);
  SimulateOptions options;
  options.dir = c->dir;
  options.trials = c->trials;
  options.seed = c->seed;
  options.device.behaviour = c->lying_fsync ? DeviceBehaviour::kLyingFsync
                             : c->reorder_writes ? DeviceBehaviour::kReorderWrites
                                                 : DeviceBehaviour::kHonest;
  options.device.volatile_cache_bytes = c->cache_kib * 1024;
  options.workload = c->simulate_workload;
  options.txns = c->txns;
  options.measure = c->measure;
  options.workload_binary = c->workload_binary;
  options.bdbsim_binary = JoinPath(DirName(c->workload_binary), "bdbsim");
  options.report_dir = c->report_dir.empty() ? JoinPath(c->dir, "report") : c->report_dir;
  SimulateSummary summary;
  Status s = SimulateCertification(options, &summary);
  if (!s.ok()) return Fail(s);
  return summary.all_passed ? 0 : 1;
}

}  // namespace

CertifyCommands* AddCertifyCommands(CLI::App* app, const std::string& workload_binary) {
  auto* c = new CertifyCommands();  // lives as long as the process
  c->workload_binary = workload_binary;
  c->certify = app->add_subcommand("certify", "storage certification: does a device keep the commits it acknowledged?");
  c->certify->require_subcommand(1);

  c->listen = c->certify->add_subcommand("listen", "on a second machine: record a run's acknowledgements");
  c->listen->add_option("--port", c->port, "TCP port (0: any free port, printed)")->required()->check(CLI::Range(0, 65535));
  c->listen->add_option("--ack-file", c->ack_file, "file the acknowledgements are appended (and fsynced) to")->required();

  c->run = c->certify->add_subcommand("run", "on the device under test: commit, acknowledge to the listener, wait for the cut");
  c->run->add_option("--dir", c->dir, "directory on the device under test (the environment is DIR/env)")->required();
  c->run->add_option("--ack-to", c->ack_to, "the listener, HOST:PORT")->required();
  c->run->add_option("--duration", c->duration, "end the run after this many seconds without a cut (0: run until the power goes)")
      ->check(CLI::Range(0.0, 1e9));
  c->run->add_option("--run-id", c->run_id, "name of the run (default: <hostname>-<UTC time>)");
  c->run->add_option("--fsync-samples", c->measure.fsync_samples, "fsyncs timed before the workload starts")->capture_default_str();
  c->run->add_option("--write-mib", c->measure.write_mib, "MiB written to time sequential bandwidth")->capture_default_str();
  AddWorkloadOptions(c->run, c, &c->run_workload, false);

  c->check = c->certify->add_subcommand("check", "after the power returns: recover and judge the device");
  c->check->add_option("--dir", c->dir, "the run's --dir")->required();
  c->check->add_option("--ack-file", c->ack_file, "the run's ack file, from the listener's machine")->required();
  c->check->add_option("--report", c->report_dir, "report directory (default: certify-<run id>/)");
  c->check->add_option("--append", c->append, "certification record (JSON) collecting repeated cuts of one device");

  c->simulate = c->certify->add_subcommand("simulate", "the same flow with the simulator's power-loss model instead of a real cut");
  c->simulate->add_option("--dir", c->dir, "scratch directory on the device to measure")->required();
  c->simulate->add_option("--trials", c->trials, "simulated cuts")->capture_default_str()->check(CLI::Range(1, 10000));
  c->simulate->add_option("--seed", c->seed, "seed of the cut points and the device's behaviour")->capture_default_str();
  auto* lying = c->simulate->add_flag("--lying-fsync", c->lying_fsync, "the device's fsync returns but keeps nothing still in its cache");
  c->simulate->add_flag("--reorder-writes", c->reorder_writes, "the device writes its cache back newest first: later writes survive, earlier synced ones do not")
      ->excludes(lying);
  c->simulate->add_option("--cache-kib", c->cache_kib, "the device's volatile write cache (KiB of the latest writes) lost at the cut")
      ->capture_default_str()->check(CLI::Range(4, 1 << 20));
  c->simulate->add_option("--txns", c->txns, "each cut comes after a seeded count of acknowledged commits in [TXNS/2, TXNS]")->capture_default_str()->check(CLI::Range(1, 1000000));
  c->simulate->add_option("--report", c->report_dir, "report directory (default: DIR/report)");
  c->simulate->add_option("--fsync-samples", c->measure.fsync_samples, "fsyncs timed once before the trials")->capture_default_str();
  c->simulate->add_option("--write-mib", c->measure.write_mib, "MiB written to time sequential bandwidth")->capture_default_str();
  AddWorkloadOptions(c->simulate, c, &c->simulate_workload, true);
  c->measure.fsync_samples = 1000;
  c->measure.write_mib = 256;
  return c;
}

int RunCertifyCommand(CertifyCommands* c) {
  if (c == nullptr || !c->certify->parsed()) return -1;
  if (c->listen->parsed()) return Listen(c);
  if (c->run->parsed()) return Run(c);
  if (c->check->parsed()) return Check(c);
  if (c->simulate->parsed()) return Simulate(c);
  return 2;
}

}  // namespace bdb::sim::certify
