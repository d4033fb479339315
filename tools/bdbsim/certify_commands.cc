#include "tools/bdbsim/certify_commands.h"

#include <fmt/format.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>

#include "base/file_io.h"
#include "simulator/certify/ack_listener.h"
#include "simulator/certify/certification_record.h"
#include "simulator/certify/certify_check.h"
#include "simulator/certify/certify_report.h"
#include "simulator/certify/certify_run.h"
#include "simulator/certify/certify_simulate.h"
#include "simulator/certify/line_socket.h"
#include "tools/bdbsim/campaign_commands.h"

namespace bdb::sim::certify {

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "bdbsim: error: %s\n", s.message().c_str());
  if (s.IsBusy()) return 3;
  return s.IsIOError() || s.code() == Status::Code::kCheckFailed ? 4 : 2;
}

WorkloadConfig WithPairs(const CertifyWorkloadOptions& o) {
  WorkloadConfig w = o.workload;
  w.value_bytes_min = o.value_bytes[0], w.value_bytes_max = o.value_bytes[1];
  w.keys_per_txn_min = o.keys_per_txn[0], w.keys_per_txn_max = o.keys_per_txn[1];
  return w;
}

std::string WorkloadBinary() { return JoinPath(SelfDir(), "bdbsim-workload"); }

}  // namespace

CertifyWorkloadOptions::CertifyWorkloadOptions(bool simulation) {
  WorkloadConfig& w = workload;
  w.threads = 2;
  w.log_file_bytes = simulation ? 256 << 10 : 10 << 20;
  w.cache_bytes = simulation ? 256 << 10 : 8 << 20;
  w.checkpoint_every_txns = simulation ? 50 : 500;
  measure.fsync_samples = 1000;
  measure.write_mib = 256;
}

int ListenCommand(const ListenCommandOptions& o) {
  // Signals are taken by sigwait below, not by the connection threads.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ListenerOptions options;
  options.port = o.port;
  options.ack_file = o.ack_file;
  std::unique_ptr<AckListener> listener;
  Status s = AckListener::Start(options, &listener);
  if (!s.ok()) return Fail(s);
  std::printf(
      "bdbsim certify listen: listening on port %d; acknowledgements go to %s (a concurrent run with "
      "another id: %s.<run id>); stop with Ctrl-C\n",
      listener->port(), o.ack_file.c_str(), o.ack_file.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  listener->Stop();
  std::printf("bdbsim certify listen: stopped by %s\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}

int RunCommand(const RunCommandOptions& o) {
  RunOptions options;
  options.dir = o.dir;
  Status s = ParseHostPort(o.ack_to, &options.ack_host, &options.ack_port);
  if (!s.ok()) return Fail(s);
  options.run_id = o.run_id;
  options.duration_s = o.duration;
  options.workload = WithPairs(o);
  options.measure = o.measure;
  options.workload_binary = WorkloadBinary();
  RunSummary summary;
  s = RunCertification(options, &summary);
  if (!s.ok()) return Fail(s);
  return 0;
}

int CheckCommand(const CheckCommandOptions& o) {
  CheckOptions options{o.dir, o.ack_file, JoinPath(SelfDir(), "bdbsim")};
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
  if (!o.append.empty()) {
    s = AppendToRecord(o.append, result, &record);
    if (!s.ok()) return Fail(s);
    std::printf("  %s\n", record.Summary().c_str());
  } else {
    record.cuts.push_back(CutFromResult(result));
  }
  const std::string dir = o.report.empty() ? "certify-" + result.run_id : o.report;
  CertificationReport report;
  report.check = result;
  report.record = record;
  report.settings = {
      {"command", "bdbsim certify check"}, {"dir", o.dir}, {"ack_file", o.ack_file}, {"record", o.append}};
  s = WriteCertificationReport(report, dir);
  if (!s.ok()) return Fail(s);
  std::printf("report: %s/certification.html (also certification.json)\n", dir.c_str());
  return result.pass ? 0 : 1;
}

int SimulateCommand(const SimulateCommandOptions& o) {
  SimulateOptions options;
  options.dir = o.dir;
  options.trials = o.trials;
  options.seed = o.seed;
  options.device.behaviour = o.lying_fsync      ? DeviceBehaviour::kLyingFsync
                             : o.reorder_writes ? DeviceBehaviour::kReorderWrites
                                                : DeviceBehaviour::kHonest;
  options.device.volatile_cache_bytes = o.cache_kib * 1024;
  options.workload = WithPairs(o);
  options.txns = o.txns;
  options.measure = o.measure;
  options.workload_binary = WorkloadBinary();
  options.bdbsim_binary = JoinPath(SelfDir(), "bdbsim");
  options.report_dir = o.report.empty() ? JoinPath(o.dir, "report") : o.report;
  SimulateSummary summary;
  Status s = SimulateCertification(options, &summary);
  if (!s.ok()) return Fail(s);
  return summary.all_passed ? 0 : 1;
}

}  // namespace bdb::sim::certify
