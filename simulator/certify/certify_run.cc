#include "simulator/certify/certify_run.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "base/file_io.h"
#include "base/subprocess.h"
#include "simulator/certify/ack_protocol.h"
#include "simulator/certify/ack_sender.h"
#include "simulator/workload/workload_process.h"

namespace bdb::sim::certify {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IOError(fmt::format("unable to write file '{}'", path));
  return Status::OK();
}

// What the program writing `path` said last.
std::string LastLine(const std::string& path) {
  std::string text;
  ReadWholeFile(DefaultFileIO(), path, &text);  // a missing file says nothing
  return LastOutputLine(text);
}

// Forwards acknowledgements n+1.. that the ledger holds; *n is how many were sent.
Status Forward(WorkloadProcess* workload, AckSender* sender, uint64_t* n) {
  while (auto rec = workload->ledger().NthAck(*n + 1)) {
    BDB_RETURN_IF_ERROR(sender->SendAck(rec->txn, rec->ack_unix_ms));
    ++*n;
  }
  return sender->error();
}

}  // namespace

std::string DefaultRunId() {
  char host[256] = "device";
  ::gethostname(host, sizeof host - 1);
  std::string id = host;
  for (char& c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '-';
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  id = id.substr(0, 40) + "-" + stamp;
  if (!id.empty() && id[0] == '.') id[0] = '-';
  return id;
}

namespace {

// One certification run's steps, in order: Prepare, Connect (and measure the
// device), StartWorkload, ForwardUntilEnd, Finish. Each returns what stops the run.
class CertificationRun {
 public:
  CertificationRun(const RunOptions& options, RunSummary* summary)
      : options_(options),
        summary_(summary),
        say_(options.say ? options.say
                         : [](const std::string& line) { std::printf("%s\n", line.c_str()), std::fflush(stdout); }) {}

  Status Prepare();
  Status Connect();
  Status StartWorkload();
  void ForwardUntilEnd();
  Status Finish();

 private:
  Status StopAtDuration();
  const RunOptions& options_;
  RunSummary* summary_;
  std::function<void(const std::string&)> say_;
  std::string home_;
  WorkloadConfig config_;
  std::unique_ptr<AckSender> sender_;
  std::unique_ptr<WorkloadProcess> workload_;
  Clock::time_point started_;
  uint64_t forwarded_ = 0;
  Status failure_;      // the listener was lost
  Status aborted_;      // arming the crash or pausing the workload failed: returned as it is
  std::string ended_;   // why the loop ended
};

Status CertificationRun::Prepare() {
  const std::string& dir = options_.dir;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return Status::FromErrno(errno, fmt::format("unable to create directory '{}'", dir));
  home_ = dir + "/env";
  if (Exists(home_))
    return Status::InvalidArgument(fmt::format(
        "'{}' already exists: a certification run needs a fresh environment (check it first, then remove it, or "
        "use another --dir)",
        home_));
  summary_->run_id = options_.run_id.empty() ? DefaultRunId() : options_.run_id;
  if (!IsValidRunId(summary_->run_id))
    return Status::InvalidArgument(
        fmt::format("--run-id '{}' must be 1-64 of A-Z a-z 0-9 . _ - (not starting with '.')", summary_->run_id));
  config_ = options_.workload;
  config_.home = home_;
  config_.txns = uint64_t{1} << 50;  // until the power goes
  config_.pause_file = dir + "/.certify-pause";
  config_.journal_path = options_.journal_path;
  if (options_.crash_after_acks != 0) config_.crash_arm_file = dir + "/.certify-crash-arm";
  BDB_RETURN_IF_ERROR(ValidateWorkloadConfig(config_));
  ::unlink(config_.pause_file.c_str());
  return Status::OK();
}

// The listener first: a run that cannot report its acknowledgements proves nothing.
Status CertificationRun::Connect() {
  BDB_RETURN_IF_ERROR(AckSender::Connect(options_.ack_host, options_.ack_port, summary_->run_id,
                                         nlohmann::json::parse(WorkloadConfigToJson(config_)).dump(), &sender_));
  summary_->ack_file = sender_->ack_file();
  say_(fmt::format("run '{}': the listener {}:{} records acknowledgements in {} (on its machine)", summary_->run_id,
                   options_.ack_host, options_.ack_port, summary_->ack_file));
  if (options_.measure.fsync_samples == 0 && options_.measure.write_mib == 0) return Status::OK();
  say_(fmt::format("measuring the device under {}: {} fsyncs of 4 KiB, {} MiB written sequentially ...", options_.dir,
                   options_.measure.fsync_samples, options_.measure.write_mib));
  BDB_RETURN_IF_ERROR(MeasureDevice(options_.dir, options_.measure, &summary_->device));
  const DeviceMeasurement& d = summary_->device;
  say_(fmt::format("  fsync latency p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms; sequential write {:.1f} MiB/s ({})",
                   d.fsync_p50_ms, d.fsync_p99_ms, d.fsync_max_ms, d.sequential_mib_per_s, d.filesystem));
  nlohmann::json m = d.ToJson();
  m["kind"] = "device";
  return sender_->SendMeasurement(m);
}

Status CertificationRun::StartWorkload() {
  const std::string& dir = options_.dir;
  const std::string config_path = dir + "/certify-workload.json";
  BDB_RETURN_IF_ERROR(SaveWorkloadConfig(config_, config_path));
  BDB_RETURN_IF_ERROR(
      WorkloadProcess::Start(options_.workload_binary, config_path, dir + "/certify-workload.err", &workload_));
  Status ready = workload_->WaitReady(milliseconds(60000));
  if (!ready.ok())
    return Status::IOError(fmt::format("the workload did not start: {} ({})", ready.message(),
                                       LastLine(dir + "/certify-workload.err")));
  started_ = Clock::now();
  say_(fmt::format("the workload is committing in {} ({} writer threads, synchronous commits)", home_,
                   config_.threads));
  if (options_.crash_after_acks == 0) {
    say_("");
    say_(">>> CUT THE POWER of this machine now (pull the plug or switch off the supply; not a shutdown).");
    say_(fmt::format(">>> When it is back, copy {} from the listener's machine here and run:", summary_->ack_file));
    say_(fmt::format(">>>   bdbsim certify check --dir {} --ack-file <that file>", dir));
    if (options_.duration_s > 0)
      say_(fmt::format(">>> (without a cut the run ends by itself after {} s)", options_.duration_s));
    say_("");
  }
  return Status::OK();
}

// No cut came within --duration: stop cleanly (writers paused, environment
// closed), then end the process.
Status CertificationRun::StopAtDuration() {
  BDB_RETURN_IF_ERROR(WriteText(config_.pause_file, "pause\n"));
  Status paused = workload_->WaitPaused(milliseconds(60000));
  workload_->Kill();
  ::unlink(config_.pause_file.c_str());
  ended_ = paused.ok() ? fmt::format("--duration {} s reached without a power cut: writers paused, environment closed",
                                     options_.duration_s)
                       : "--duration reached; the workload did not pause: " + paused.message();
  return Status::OK();
}

// Forwards every acknowledgement to the listener until the power goes (the
// process dies with the machine), the planned crash lands, the workload
// ends, or --duration passes; sets ended_ or failure_.
void CertificationRun::ForwardUntilEnd() {
  bool armed = false;
  auto armed_at = Clock::now();
  auto last_status = Clock::now();
  while (true) {
    workload_->ledger().WaitUntil(milliseconds(100), [&] { return workload_->ledger().acked_locked() > forwarded_; });
    if (!(failure_ = Forward(workload_.get(), sender_.get(), &forwarded_)).ok()) return;
    if (options_.crash_after_acks != 0 && !armed && forwarded_ >= options_.crash_after_acks) {
      if (!(aborted_ = WriteText(config_.crash_arm_file, std::to_string(options_.crash_after_writes))).ok()) return;
      if (!(aborted_ = workload_->Signal(SIGUSR1)).ok()) return;
      armed = true;
      armed_at = Clock::now();
    }
    if (armed && SecondsSince(armed_at) > 60) {
      workload_->Kill();  // it stopped writing: end it so the simulation cannot hang
      ended_ = "the planned crash did not land within 60 s: the workload was killed";
      return;
    }
    if (workload_->ledger().closed()) {
      ended_ = "the workload ended";
      return;
    }
    if (options_.duration_s > 0 && SecondsSince(started_) >= options_.duration_s) {
      aborted_ = StopAtDuration();
      return;
    }
    if (SecondsSince(last_status) >= options_.status_every_s) {
      last_status = Clock::now();
      say_(fmt::format("  {} commits acknowledged, {} recorded by the listener, {:.0f} commits/s", forwarded_,
                       sender_->recorded(), forwarded_ / std::max(1e-9, SecondsSince(started_))));
    }
  }
}

Status CertificationRun::Finish() {
  BDB_RETURN_IF_ERROR(aborted_);
  const double elapsed = SecondsSince(started_);
  ExitInfo exit;
  if (failure_.ok()) {
    (void)workload_->Wait(milliseconds(60000), &exit);
    failure_ = Forward(workload_.get(), sender_.get(), &forwarded_);
  }
  if (!failure_.ok()) {
    workload_->Kill();
    return Status::IOError(fmt::format("lost the listener after {} acknowledgements: {}; the run stopped",
                                       forwarded_, failure_.message()));
  }
  summary_->acked = workload_->ledger().AckedCount();
  summary_->forwarded = forwarded_;
  summary_->commits_per_s = elapsed > 0 ? summary_->acked / elapsed : 0;
  nlohmann::json rate = {{"kind", "run"}, {"acked", summary_->acked}, {"commits_per_s", summary_->commits_per_s},
                         {"seconds", elapsed}};
  if (sender_->SendMeasurement(rate).ok()) (void)sender_->WaitAllRecorded(milliseconds(30000));
  Status all = sender_->WaitAllRecorded(milliseconds(30000));
  summary_->recorded = sender_->recorded();
  if (ended_ == "the workload ended")
    ended_ = exit.exited ? fmt::format("the workload stopped ({}): {}", exit.Describe(),
                                       LastLine(options_.dir + "/certify-workload.err"))
                         : fmt::format("the workload was killed ({})", exit.Describe());
  summary_->ended = ended_;
  say_(fmt::format("{}; {} commits acknowledged ({:.0f}/s), {} sent to the listener, which confirmed {} lines", ended_,
                   summary_->acked, summary_->commits_per_s, summary_->forwarded, summary_->recorded));
  BDB_RETURN_IF_ERROR(all);
  // Without a planned crash or --duration the workload only ends when
  // something failed under it (the device returned an error, the disk filled up).
  const bool planned_end = options_.crash_after_acks != 0 || ended_.rfind("--duration", 0) == 0;
  if (!planned_end)
    return Status::IOError(fmt::format("{} before the power was cut; its acknowledgements are recorded, but the run "
                                       "is not a certification",
                                       ended_));
  return Status::OK();
}

}  // namespace

Status RunCertification(const RunOptions& options, RunSummary* summary) {
  *summary = RunSummary();
  CertificationRun run(options, summary);
  BDB_RETURN_IF_ERROR(run.Prepare());
  BDB_RETURN_IF_ERROR(run.Connect());
  BDB_RETURN_IF_ERROR(run.StartWorkload());
  run.ForwardUntilEnd();
  return run.Finish();
}

}  // namespace bdb::sim::certify
