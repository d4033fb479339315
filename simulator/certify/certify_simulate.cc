#include "simulator/certify/certify_simulate.h"

#include <cstdio>

#include <fmt/format.h>

#include "base/file_io.h"
#include "simulator/certify/ack_listener.h"
#include "simulator/certify/certify_report.h"
#include "simulator/certify/certify_run.h"
#include "simulator/faults/fault_schedule.h"
#include "version.h"

namespace bdb::sim::certify {
namespace {

uint64_t Draw(uint64_t seed, const std::string& stream, uint64_t low, uint64_t high) {
  return low + FaultSchedule(seed).Stream(stream).Next() % (high - low + 1);
}

Status RunTrial(const SimulateOptions& o, int index, SimulatedCut* cut, const std::function<void(const std::string&)>& say) {
  const uint64_t seed = FaultSchedule(o.seed).Stream(fmt::format("trial {}", index)).Next();
  cut->trial = index;
  cut->seed = seed;
  const std::string tdir = JoinPath(o.dir, fmt::format("trial-{}", index));
  FileInfo info;
  BDB_RETURN_IF_ERROR(DefaultFileIO()->Stat(tdir, &info));
  if (info.exists) BDB_RETURN_IF_ERROR(RemoveTree(DefaultFileIO(), tdir));
  BDB_RETURN_IF_ERROR(DefaultFileIO()->MakeDir(tdir, 0755));

  ListenerOptions lo;
  lo.ack_file = JoinPath(tdir, "acks");
  std::vector<std::string> listener_log;
  lo.log = [&](const std::string& line) { listener_log.push_back(line); };
  std::unique_ptr<AckListener> listener;
  BDB_RETURN_IF_ERROR(AckListener::Start(lo, &listener));

  RunOptions ro;
  ro.dir = tdir;
  ro.ack_host = "127.0.0.1";
  ro.ack_port = listener->port();
  ro.run_id = fmt::format("sim-{}-{:016x}", index, seed);
  ro.workload = o.workload;
  ro.workload.seed = seed;
  ro.measure = {0, 0};
  ro.workload_binary = o.workload_binary;
  ro.say = [](const std::string&) {};
  ro.status_every_s = 1e9;
  ro.journal_path = JoinPath(tdir, "journal");
  cut->cut_after_acks = Draw(seed, "cut after acks", std::max<uint64_t>(1, o.txns / 2), std::max<uint64_t>(1, o.txns));
  cut->cut_at_write = Draw(seed, "cut at write", 1, 40);
  ro.crash_after_acks = cut->cut_after_acks;
  ro.crash_after_writes = cut->cut_at_write;
  RunSummary run;
  Status s = RunCertification(ro, &run);
  listener->Stop();
  if (!s.ok()) return s.WithContext(fmt::format("trial {}", index));

  DeviceCutResult device_cut;
  BDB_RETURN_IF_ERROR(ApplyDevicePowerCut(ro.journal_path, JoinPath(tdir, "env"), seed, o.device, &device_cut)
                          .WithContext(fmt::format("trial {}: the simulated cut", index)));
  cut->cut = device_cut.Describe();
  BDB_RETURN_IF_ERROR(CheckCertification({tdir, run.ack_file, o.bdbsim_binary}, &cut->check).WithContext(fmt::format("trial {}", index)));
  say(fmt::format("trial {}/{} (seed {:016x}): {}", index, o.trials, seed, cut->check.Summary()));
  say(fmt::format("  cut after {} acknowledged commits, at the workload's write {} from then: {}", cut->cut_after_acks,
                  cut->cut_at_write, cut->cut));
  if (!cut->check.pass) say("  " + cut->check.reason);
  const bool unexpected = !cut->check.pass && o.device.behaviour == DeviceBehaviour::kHonest;
  if (o.keep_trials || unexpected) {
    say(fmt::format("  kept {}", tdir));
    return Status::OK();
  }
  return RemoveTree(DefaultFileIO(), tdir);
}

}  // namespace

Status SimulateCertification(const SimulateOptions& o, SimulateSummary* summary) {
  *summary = SimulateSummary();
  auto say = o.say ? o.say : [](const std::string& line) { std::printf("%s\n", line.c_str()), std::fflush(stdout); };
  BDB_RETURN_IF_ERROR(DefaultFileIO()->MakeDir(o.dir, 0755));
  if (o.measure.fsync_samples > 0 || o.measure.write_mib > 0) {
    BDB_RETURN_IF_ERROR(MeasureDevice(o.dir, o.measure, &summary->device));
    const DeviceMeasurement& d = summary->device;
    say(fmt::format("device under {}: fsync p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms; sequential write {:.1f} MiB/s ({})",
                    o.dir, d.fsync_p50_ms, d.fsync_p99_ms, d.fsync_max_ms, d.sequential_mib_per_s, d.filesystem));
  }
  const std::string cut_name = fmt::format("simulated cut, {} device", DeviceBehaviourName(o.device.behaviour));
  say(fmt::format("{} trials, {}, volatile cache {} KiB", o.trials, cut_name, o.device.volatile_cache_bytes / 1024));
  for (int i = 1; i <= o.trials; ++i) {
    SimulatedCut cut;
    BDB_RETURN_IF_ERROR(RunTrial(o, i, &cut, say));
    cut.check.device = summary->device;
    summary->record.cuts.push_back(CutFromResult(cut.check, cut_name));
    summary->all_passed = summary->all_passed && cut.check.pass;
    summary->cuts.push_back(std::move(cut));
  }
  say(summary->record.Summary());
  if (o.report_dir.empty()) return Status::OK();
  CertificationReport report;
  report.cut = cut_name;
  report.check = summary->cuts.front().check;
  for (const SimulatedCut& c : summary->cuts)
    if (!c.check.pass) {
      report.check = c.check;
      break;
    }
  report.record = summary->record;
  report.settings = {{"command", "bdbsim certify simulate"}, {"trials", o.trials}, {"seed", o.seed},
                     {"device", DeviceBehaviourName(o.device.behaviour)},
                     {"volatile_cache_bytes", o.device.volatile_cache_bytes}, {"txns", o.txns},
                     {"bdbsim", BDBACKUP_VERSION}};
  BDB_RETURN_IF_ERROR(WriteCertificationReport(report, o.report_dir));
  say(fmt::format("report: {}/certification.html (also certification.json)", o.report_dir));
  return Status::OK();
}

}  // namespace bdb::sim::certify
