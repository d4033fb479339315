#include "simulator/certify/certify_run.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
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

Status RunCertification(const RunOptions& options, RunSummary* summary) {
  *summary = RunSummary();
  auto say = options.say ? options.say : [](const std::string& line) { std::printf("%s\n", line.c_str()), std::fflush(stdout); };
  const std::string& dir = options.dir;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return Status::FromErrno(errno, fmt::format("unable to create directory '{}'", dir));
  const std::string home = dir + "/env";
  if (Exists(home))
    return Status::InvalidArgument(fmt::format(
        "'{}' already exists: a certification run needs a fresh environment (check it first, then remove it, or "
        "use another --dir)",
        home));
  summary->run_id = options.run_id.empty() ? DefaultRunId() : options.run_id;
  if (!IsValidRunId(summary->run_id))
    return Status::InvalidArgument(
        fmt::format("--run-id '{}' must be 1-64 of A-Z a-z 0-9 . _ - (not starting with '.')", summary->run_id));

  WorkloadConfig config = options.workload;
  config.home = home;
  config.txns = uint64_t{1} << 50;  // until the power goes
  config.pause_file = dir + "/.certify-pause";
  config.journal_path = options.journal_path;
  if (options.crash_after_acks != 0) config.crash_arm_file = dir + "/.certify-crash-arm";
  BDB_RETURN_IF_ERROR(ValidateWorkloadConfig(config));
  ::unlink(config.pause_file.c_str());

  // The listener first: a run that cannot report its acknowledgements proves nothing.
  std::unique_ptr<AckSender> sender;
  BDB_RETURN_IF_ERROR(AckSender::Connect(options.ack_host, options.ack_port, summary->run_id,
                                         nlohmann::json::parse(WorkloadConfigToJson(config)).dump(), &sender));
  summary->ack_file = sender->ack_file();
  say(fmt::format("run '{}': the listener {}:{} records acknowledgements in {} (on its machine)", summary->run_id,
                  options.ack_host, options.ack_port, summary->ack_file));

  if (options.measure.fsync_samples > 0 || options.measure.write_mib > 0) {
    say(fmt::format("measuring the device under {}: {} fsyncs of 4 KiB, {} MiB written sequentially ...", dir,
                    options.measure.fsync_samples, options.measure.write_mib));
    BDB_RETURN_IF_ERROR(MeasureDevice(dir, options.measure, &summary->device));
    const DeviceMeasurement& d = summary->device;
    say(fmt::format("  fsync latency p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms; sequential write {:.1f} MiB/s ({})",
                    d.fsync_p50_ms, d.fsync_p99_ms, d.fsync_max_ms, d.sequential_mib_per_s, d.filesystem));
    nlohmann::json m = d.ToJson();
    m["kind"] = "device";
    BDB_RETURN_IF_ERROR(sender->SendMeasurement(m));
  }

  const std::string config_path = dir + "/certify-workload.json";
  BDB_RETURN_IF_ERROR(SaveWorkloadConfig(config, config_path));
  std::unique_ptr<WorkloadProcess> workload;
  BDB_RETURN_IF_ERROR(WorkloadProcess::Start(options.workload_binary, config_path, dir + "/certify-workload.err", &workload));
  Status ready = workload->WaitReady(milliseconds(60000));
  if (!ready.ok())
    return Status::IOError(fmt::format("the workload did not start: {} ({})", ready.message(),
                                       LastLine(dir + "/certify-workload.err")));
  const auto started = Clock::now();
  say(fmt::format("the workload is committing in {} ({} writer threads, synchronous commits)", home, config.threads));
  if (options.crash_after_acks == 0) {
    say("");
    say(">>> CUT THE POWER of this machine now (pull the plug or switch off the supply; not a shutdown).");
    say(fmt::format(">>> When it is back, copy {} from the listener's machine here and run:", summary->ack_file));
    say(fmt::format(">>>   bdbsim certify check --dir {} --ack-file <that file>", dir));
    if (options.duration_s > 0) say(fmt::format(">>> (without a cut the run ends by itself after {} s)", options.duration_s));
    say("");
  }

  uint64_t forwarded = 0;
  bool armed = false;
  auto armed_at = Clock::now();
  Status failure;
  auto last_status = Clock::now();
  std::string ended;
  while (true) {
    workload->ledger().WaitUntil(milliseconds(100), [&] { return workload->ledger().acked_locked() > forwarded; });
    if (!(failure = Forward(workload.get(), sender.get(), &forwarded)).ok()) break;
    if (options.crash_after_acks != 0 && !armed && forwarded >= options.crash_after_acks) {
      BDB_RETURN_IF_ERROR(WriteText(config.crash_arm_file, std::to_string(options.crash_after_writes)));
      BDB_RETURN_IF_ERROR(workload->Signal(SIGUSR1));
      armed = true;
      armed_at = Clock::now();
    }
    if (armed && SecondsSince(armed_at) > 60) {
      workload->Kill();  // it stopped writing: end it so the simulation cannot hang
      ended = "the planned crash did not land within 60 s: the workload was killed";
      break;
    }
    if (workload->ledger().closed()) {
      ended = "the workload ended";
      break;
    }
    if (options.duration_s > 0 && SecondsSince(started) >= options.duration_s) {
      // No cut came: stop cleanly (writers paused, environment closed), then end the process.
      BDB_RETURN_IF_ERROR(WriteText(config.pause_file, "pause\n"));
      Status paused = workload->WaitPaused(milliseconds(60000));
      workload->Kill();
      ::unlink(config.pause_file.c_str());
      ended = paused.ok() ? fmt::format("--duration {} s reached without a power cut: writers paused, environment closed",
                                        options.duration_s)
                          : "--duration reached; the workload did not pause: " + paused.message();
      break;
    }
    if (SecondsSince(last_status) >= options.status_every_s) {
      last_status = Clock::now();
      say(fmt::format("  {} commits acknowledged, {} recorded by the listener, {:.0f} commits/s", forwarded,
                      sender->recorded(), forwarded / std::max(1e-9, SecondsSince(started))));
    }
  }
  const double elapsed = SecondsSince(started);
  ExitInfo exit;
  if (failure.ok()) {
    (void)workload->Wait(milliseconds(60000), &exit);
    failure = Forward(workload.get(), sender.get(), &forwarded);
  }
  if (!failure.ok()) {
    workload->Kill();
    return Status::IOError(fmt::format("lost the listener after {} acknowledgements: {}; the run stopped",
                                       forwarded, failure.message()));
  }
  summary->acked = workload->ledger().AckedCount();
  summary->forwarded = forwarded;
  summary->commits_per_s = elapsed > 0 ? summary->acked / elapsed : 0;
  nlohmann::json rate = {{"kind", "run"}, {"acked", summary->acked}, {"commits_per_s", summary->commits_per_s},
                         {"seconds", elapsed}};
  if (sender->SendMeasurement(rate).ok()) (void)sender->WaitAllRecorded(milliseconds(30000));
  Status all = sender->WaitAllRecorded(milliseconds(30000));
  summary->recorded = sender->recorded();
  if (ended == "the workload ended")
    ended = exit.exited ? fmt::format("the workload stopped ({}): {}", exit.Describe(), LastLine(dir + "/certify-workload.err"))
                        : fmt::format("the workload was killed ({})", exit.Describe());
  summary->ended = ended;
  say(fmt::format("{}; {} commits acknowledged ({:.0f}/s), {} sent to the listener, which confirmed {} lines", ended,
                  summary->acked, summary->commits_per_s, summary->forwarded, summary->recorded));
  BDB_RETURN_IF_ERROR(all);
  // Without a planned crash or --duration the workload only ends when
  // something failed under it (the device returned an error, the disk filled up).
  const bool planned_end = options.crash_after_acks != 0 || ended.rfind("--duration", 0) == 0;
  if (!planned_end)
    return Status::IOError(fmt::format("{} before the power was cut; its acknowledgements are recorded, but the run "
                                       "is not a certification",
                                       ended));
  return Status::OK();
}

}  // namespace bdb::sim::certify
