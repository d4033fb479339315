#include "tools/bdbsim/command_table.h"

#include "tools/bdbsim/campaign_commands.h"
#include "tools/bdbsim/certify_commands.h"
#include "version.h"

namespace bdb::sim {
namespace {

using certify::CertifyWorkloadOptions;
using cli::CommandBuilder;
using cli::OptionDef;
using cli::ValueType;

// ---------------------------------------------------------------- run, replay, merge

const OptionDef kScenarios{.name = "scenarios",
                           .value = "SCENARIO_OR_DIR",
                           .type = ValueType::kPath,
                           .help = "scenario files or directories (every *.toml inside, subdirectories too)",
                           .default_text = "scenarios/",
                           .repeatable = true};
const OptionDef kTrials{.name = "--trials",
                        .value = "N",
                        .type = ValueType::kInteger,
                        .help = "trials per scenario",
                        .default_text = "each scenario's own",
                        .range = {{1, 100000}}};
const OptionDef kSeed{.name = "--seed",
                      .value = "S",
                      .type = ValueType::kInteger,
                      .help = "run seed",
                      .default_text = "each scenario's seed, else 1"};
const OptionDef kJobs{.name = "--jobs",
                      .value = "J",
                      .type = ValueType::kInteger,
                      .help = "trials in parallel",
                      .default_text = "the core count",
                      .range = {{1, 256}}};
const OptionDef kShard{.name = "--shard",
                       .value = "K/N",
                       .type = ValueType::kString,
                       .help = "run the K-th of N deterministic, disjoint slices of the trials, e.g. 2/4"};
const OptionDef kRunReport{.name = "--report",
                           .value = "DIR",
                           .type = ValueType::kPath,
                           .help = "report directory (report.json, junit.xml, report.html)",
                           .default_text = "reports/<timestamp>/"};
const OptionDef kKeepSandboxes{.name = "--keep-sandboxes",
                               .value = "N",
                               .type = ValueType::kInteger,
                               .help = "keep the sandboxes of at most N failing trials, the oldest dropped first",
                               .default_text = "8",
                               .range = {{0, 100000}}};
const OptionDef kKeepSandboxesMib{.name = "--keep-sandboxes-mib",
                                  .value = "MIB",
                                  .type = ValueType::kInteger,
                                  .help = "and at most MIB MiB of them on disk, the oldest dropped first",
                                  .default_text = "2048",
                                  .range = {{0, 1 << 30}}};
const OptionDef kToken{
    .name = "token", .value = "TOKEN", .type = ValueType::kString, .help = "the token printed after 'bdbsim replay'"};
const OptionDef kReplayScenarios{.name = "--scenarios",
                                 .value = "DIR",
                                 .type = ValueType::kPath,
                                 .help = "where to find the scenario",
                                 .default_text = "scenarios/"};
const OptionDef kShardReports{.name = "reports",
                              .value = "REPORT_DIR",
                              .type = ValueType::kPath,
                              .help = "shard report directories",
                              .repeatable = true};
const OptionDef kMergeReport{
    .name = "--report", .value = "DIR", .type = ValueType::kPath, .help = "where to write the merged report"};

cli::Command Run() {
  CommandBuilder<RunCommandOptions> b("run", "run scenarios (default: scenarios/)");
  b.Describe(
       "Runs every trial of the scenarios (real workload process, real faults, backups, restores and the "
       "oracle), shows a progress bar and a table per scenario, prints a `bdbsim replay TOKEN` line for "
       "every failing or caught trial, and writes report.json, junit.xml and report.html into --report. "
       "Trial sandboxes go to /dev/shm when writable (BDBSIM_SANDBOX overrides). The sandbox of a trial that "
       "broke its scenario's expectation is kept, within --keep-sandboxes and --keep-sandboxes-mib (the oldest "
       "dropped first); one made in memory (tmpfs) is moved to disk once kept, to REPORT/sandboxes (else "
       "$XDG_CACHE_HOME/bdbsim/sandboxes, $TMPDIR/bdbsim-sandboxes or /var/tmp/bdbsim-sandboxes, the first on "
       "disk). The table and the reports say which were kept, where, and which were dropped.")
      .Add(kScenarios, &RunCommandOptions::scenarios)
      .Add(kTrials, &RunCommandOptions::trials)
      .Add(kSeed, &RunCommandOptions::seed)
      .Add(kJobs, &RunCommandOptions::jobs)
      .Add(kShard, &RunCommandOptions::shard)
      .Add(kRunReport, &RunCommandOptions::report)
      .Add(kKeepSandboxes, &RunCommandOptions::keep_sandboxes)
      .Add(kKeepSandboxesMib, &RunCommandOptions::keep_sandboxes_mib)
      .Example("run --seed 42 --jobs 2", "the whole suite")
      .Example("run scenarios/hot-backup-under-load.toml --trials 5 --report reports/hot", "one scenario, 5 trials")
      .Example("run --seed 42 --shard 2/4 --report results/shard-2", "the second of four slices of a campaign")
      .Example("run --keep-sandboxes 2 --keep-sandboxes-mib 500", "keep less of failing trials on disk")
      .ExitCodes({{0, "every scenario met its expectation (with --shard: no trial of the slice failed its scenario)"},
                  {1, "a scenario did not meet its expectation"},
                  {2, "bad usage or a bad scenario file (file, line and key named)"},
                  {4, "I/O failure (the report could not be written)"}});
  return b.Build([](RunCommandOptions& o, const cli::Invocation& i) { return RunScenariosCommand(o, i.args); });
}

cli::Command Replay() {
  CommandBuilder<ReplayCommandOptions> b("replay", "re-run one trial exactly, narrating every step and fault");
  b.Describe(
       "Re-runs the trial a token names (scenario, seed, outcome, faults fired), narrates each step and "
       "fault on stderr, keeps its sandbox (on disk: one made in memory is moved to "
       "$XDG_CACHE_HOME/bdbsim/sandboxes, $TMPDIR/bdbsim-sandboxes or /var/tmp/bdbsim-sandboxes, the first on "
       "disk), and ends with `reproduced` or `not reproduced: <what differed>`.")
      .Add(kToken, &ReplayCommandOptions::token)
      .Required()
      .Add(kReplayScenarios, &ReplayCommandOptions::scenarios)
      .Example("replay hot-backup-under-load.9f3c2a1b5d7e4f60.L0a1b2c3d", "one failing trial of a report, again")
      .ExitCodes({{0, "reproduced (or, for a token without a result, the trial met its scenario)"},
                  {1, "not reproduced"},
                  {2, "bad usage, a bad token or a scenario that is not there"},
                  {4, "I/O failure"}});
  return b.Build([](ReplayCommandOptions& o, const cli::Invocation&) { return ReplayCommand(o); });
}

cli::Command Merge() {
  CommandBuilder<MergeCommandOptions> b("merge", "combine shard reports into the unsharded run's report");
  b.Describe(
       "Reads the report directories of every shard of one campaign and writes exactly the report the "
       "unsharded run would have written, judging `caught` scenarios on the whole. Shards of different "
       "settings or builds are refused.")
      .Add(kShardReports, &MergeCommandOptions::reports)
      .Required()
      .Add(kMergeReport, &MergeCommandOptions::report)
      .Required()
      .Example("merge results/shard-* --report results/merged", "after every shard of a campaign finished")
      .ExitCodes({{0, "every scenario met its expectation"},
                  {1, "a scenario did not meet its expectation"},
                  {2, "bad usage, or shard reports that do not belong together"},
                  {4, "I/O failure"}});
  return b.Build([](MergeCommandOptions& o, const cli::Invocation&) { return MergeCommand(o); });
}

// ---------------------------------------------------------------- certify

using certify::CheckCommandOptions;
using certify::ListenCommandOptions;
using certify::SimulateCommandOptions;
namespace cert = certify;

const OptionDef kPort{.name = "--port",
                      .value = "P",
                      .type = ValueType::kInteger,
                      .help = "TCP port (0: any free port, printed)",
                      .range = {{0, 65535}}};
const OptionDef kListenAckFile{.name = "--ack-file",
                               .value = "FILE",
                               .type = ValueType::kPath,
                               .help = "file the acknowledgements are appended (and fsynced) to"};
const OptionDef kRunDir{.name = "--dir",
                        .value = "PATH",
                        .type = ValueType::kPath,
                        .help = "directory on the device under test (the environment is PATH/env)"};
const OptionDef kAckTo{.name = "--ack-to", .value = "HOST:P", .type = ValueType::kString, .help = "the listener"};
const OptionDef kDuration{.name = "--duration",
                          .value = "S",
                          .type = ValueType::kNumber,
                          .help = "end the run after this many seconds without a cut (0: run until the power goes)",
                          .range = {{0, 1e9}}};
const OptionDef kRunId{.name = "--run-id",
                       .value = "ID",
                       .type = ValueType::kString,
                       .help = "name of the run",
                       .default_text = "<hostname>-<UTC time>"};
const OptionDef kFsyncSamples{.name = "--fsync-samples",
                              .value = "N",
                              .type = ValueType::kInteger,
                              .help = "fsyncs of 4 KiB timed before the workload starts"};
const OptionDef kWriteMib{.name = "--write-mib",
                          .value = "MIB",
                          .type = ValueType::kInteger,
                          .help = "MiB written to time sequential bandwidth"};
const OptionDef kThreads{
    .name = "--threads", .value = "N", .type = ValueType::kInteger, .help = "writer threads", .range = {{1, 64}}};
const OptionDef kValueBytes{.name = "--value-bytes",
                            .value = "MIN MAX",
                            .type = ValueType::kInteger,
                            .help = "size of each value written",
                            .arity = 2,
                            .range = {{1, 1 << 20}}};
const OptionDef kKeysPerTxn{.name = "--keys-per-txn",
                            .value = "MIN MAX",
                            .type = ValueType::kInteger,
                            .help = "keys written by one transaction",
                            .arity = 2,
                            .range = {{1, 1000}}};
const OptionDef kPageSize{
    .name = "--page-size", .value = "BYTES", .type = ValueType::kInteger, .help = "database page size"};
const OptionDef kCacheBytes{.name = "--cache-bytes",
                            .value = "BYTES",
                            .type = ValueType::kInteger,
                            .help = "Berkeley DB cache size",
                            .range = {{16384, 1 << 30}}};
const OptionDef kCheckpointEvery{.name = "--checkpoint-every",
                                 .value = "N",
                                 .type = ValueType::kInteger,
                                 .help = "checkpoint after this many commits (0: never)"};
const OptionDef kLogFileBytes{.name = "--log-file-bytes",
                              .value = "BYTES",
                              .type = ValueType::kInteger,
                              .help = "log file size (set_lg_max)",
                              .range = {{65536, 1 << 30}}};
const OptionDef kAbortPercent{.name = "--abort-percent",
                              .value = "PERCENT",
                              .type = ValueType::kInteger,
                              .help = "transactions aborted on purpose",
                              .range = {{0, 100}}};
const OptionDef kWorkloadSeed{.name = "--workload-seed",
                              .value = "S",
                              .type = ValueType::kInteger,
                              .help = "seed of the workload's keys and values"};
const OptionDef kCheckDir{.name = "--dir", .value = "PATH", .type = ValueType::kPath, .help = "the run's --dir"};
const OptionDef kCheckAckFile{.name = "--ack-file",
                              .value = "FILE",
                              .type = ValueType::kPath,
                              .help = "the run's ack file, from the listener's machine"};
const OptionDef kCheckReport{.name = "--report",
                             .value = "DIR",
                             .type = ValueType::kPath,
                             .help = "report directory (certification.json, certification.html)",
                             .default_text = "certify-<run id>/"};
const OptionDef kAppend{.name = "--append",
                        .value = "RECORD.json",
                        .type = ValueType::kPath,
                        .help = "certification record collecting repeated cuts of one device"};
const OptionDef kSimDir{
    .name = "--dir", .value = "PATH", .type = ValueType::kPath, .help = "scratch directory on the device to measure"};
const OptionDef kSimTrials{
    .name = "--trials", .value = "N", .type = ValueType::kInteger, .help = "simulated cuts", .range = {{1, 10000}}};
const OptionDef kSimSeed{.name = "--seed",
                         .value = "S",
                         .type = ValueType::kInteger,
                         .help = "seed of the cut points and the device's behaviour"};
const OptionDef kLyingFsync{.name = "--lying-fsync",
                            .type = ValueType::kFlag,
                            .help = "the device's fsync returns but keeps nothing still in its cache"};
const OptionDef kReorderWrites{.name = "--reorder-writes",
                               .type = ValueType::kFlag,
                               .help =
                                   "the device writes its cache back newest first: later writes survive, "
                                   "earlier synced ones do not"};
const OptionDef kCacheKib{.name = "--cache-kib",
                          .value = "K",
                          .type = ValueType::kInteger,
                          .help = "the device's volatile write cache (KiB of the latest writes) lost at the cut",
                          .range = {{4, 1 << 20}}};
const OptionDef kTxns{.name = "--txns",
                      .value = "N",
                      .type = ValueType::kInteger,
                      .help = "each cut comes after a seeded count of acknowledged commits in [N/2, N]",
                      .range = {{1, 1000000}}};
const OptionDef kSimReport{.name = "--report",
                           .value = "DIR",
                           .type = ValueType::kPath,
                           .help = "report directory",
                           .default_text = "PATH/report"};

// The measurement and workload options of run and simulate; a simulation
// draws each trial's workload seed from --seed.
template <class O>
void AddWorkload(CommandBuilder<O>* b, bool simulation) {
  b->AddAt(
       kFsyncSamples, [](O & o) -> auto& { return o.measure.fsync_samples; })
      .AddAt(
          kWriteMib, [](O & o) -> auto& { return o.measure.write_mib; })
      .AddAt(
          kThreads, [](O & o) -> auto& { return o.workload.threads; })
      .Add(kValueBytes, &CertifyWorkloadOptions::value_bytes)
      .Add(kKeysPerTxn, &CertifyWorkloadOptions::keys_per_txn)
      .AddAt(
          kPageSize, [](O & o) -> auto& { return o.workload.page_size; })
      .AddAt(
          kCacheBytes, [](O & o) -> auto& { return o.workload.cache_bytes; })
      .AddAt(
          kCheckpointEvery, [](O & o) -> auto& { return o.workload.checkpoint_every_txns; })
      .AddAt(
          kLogFileBytes, [](O & o) -> auto& { return o.workload.log_file_bytes; })
      .AddAt(
          kAbortPercent, [](O & o) -> auto& { return o.workload.abort_percent; });
  if (!simulation)
    b->AddAt(
        kWorkloadSeed, [](O & o) -> auto& { return o.workload.seed; });
}

const std::vector<cli::ExitCode> kCertifyExitCodes = {
    {0, "every cut passed"},
    {1, "the device lost, corrupted or tore an acknowledged commit (or its environment did not recover)"},
    {2, "bad usage or bad input"},
    {3, "check: a process still has PATH/env open (the run was not cut)"},
    {4, "I/O, device or listener failure"}};

cli::Command Listen() {
  CommandBuilder<ListenCommandOptions> b("certify listen", "on a second machine: record a run's acknowledgements");
  b.Describe(
       "Accepts runs on a TCP port and appends each acknowledgement to the run's ack file, fsynced before "
       "it replies. Runs are served concurrently; a run with another id writes FILE.<run id>. Stops on "
       "SIGINT or SIGTERM.")
      .Add(kPort, &ListenCommandOptions::port)
      .Required()
      .Add(kListenAckFile, &ListenCommandOptions::ack_file)
      .Required()
      .Example("certify listen --port 7400 --ack-file /srv/certify/acks", "on machine B, which keeps its power")
      .ExitCodes({{0, "stopped by SIGINT or SIGTERM"}, {2, "bad usage"}, {4, "unable to listen or to write"}});
  return b.Build([](ListenCommandOptions& o, const cli::Invocation&) { return cert::ListenCommand(o); });
}

cli::Command CertifyRun() {
  CommandBuilder<cert::RunCommandOptions> b("certify run",
                                            "on the device under test: commit, acknowledge to the listener, wait "
                                            "for the cut");
  b.Describe(
       "Measures the device (fsync latency, sequential write bandwidth), creates PATH/env and runs the "
       "durability workload, forwarding every commit to the listener as soon as it returned; prints the "
       "operator's instructions and a status line every 5 s until the power goes (or --duration ends it).")
      .Add(kRunDir, &cert::RunCommandOptions::dir)
      .Required()
      .Add(kAckTo, &cert::RunCommandOptions::ack_to)
      .Required()
      .Add(kDuration, &cert::RunCommandOptions::duration)
      .Add(kRunId, &cert::RunCommandOptions::run_id);
  AddWorkload(&b, /*simulation=*/false);
  b.Example("certify run --dir /mnt/dut/cut1 --ack-to B:7400 --run-id dut-cut1", "then cut the power of this machine")
      .ExitCodes({{0, "the run ended without error (--duration)"},
                  {2, "bad usage or bad input (PATH/env exists)"},
                  {4, "the listener cannot be reached or went away, or the workload stopped on its own"}});
  return b.Build([](cert::RunCommandOptions& o, const cli::Invocation&) { return cert::RunCommand(o); });
}

cli::Command CertifyCheck() {
  CommandBuilder<CheckCommandOptions> b("certify check", "after the power returns: recover and judge the device");
  b.Describe(
       "Checks every page against its checksum, runs normal recovery, then the simulator's oracle with the "
       "ack file as its ledger: every acknowledged commit present with its exact values. Prints PASS or "
       "FAIL with the counts and writes certification.json and certification.html.")
      .Add(kCheckDir, &CheckCommandOptions::dir)
      .Required()
      .Add(kCheckAckFile, &CheckCommandOptions::ack_file)
      .Required()
      .Add(kCheckReport, &CheckCommandOptions::report)
      .Add(kAppend, &CheckCommandOptions::append)
      .Example("certify check --dir /mnt/dut/cut1 --ack-file /tmp/acks-cut1 --append /srv/dut-record.json",
               "judge one cut and add it to the device's record")
      .ExitCodes(kCertifyExitCodes);
  return b.Build([](CheckCommandOptions& o, const cli::Invocation&) { return cert::CheckCommand(o); });
}

cli::Command CertifySimulate() {
  CommandBuilder<SimulateCommandOptions> b("certify simulate",
                                           "the same flow with the simulator's power-loss model instead of a real "
                                           "cut");
  b.Describe(
       "Runs listener, run and check in one process tree, each trial cut by the simulator's power-loss "
       "model on a simulated device: an honest one must pass; --lying-fsync and --reorder-writes must fail.")
      .Add(kSimDir, &SimulateCommandOptions::dir)
      .Required()
      .Add(kSimTrials, &SimulateCommandOptions::trials)
      .Add(kSimSeed, &SimulateCommandOptions::seed)
      .Add(kLyingFsync, &SimulateCommandOptions::lying_fsync)
      .Add(kReorderWrites, &SimulateCommandOptions::reorder_writes)
      .Excludes(kLyingFsync)
      .Add(kCacheKib, &SimulateCommandOptions::cache_kib)
      .Add(kTxns, &SimulateCommandOptions::txns)
      .Add(kSimReport, &SimulateCommandOptions::report);
  AddWorkload(&b, /*simulation=*/true);
  b.Example("certify simulate --dir /mnt/dut/sim --trials 10 --seed 1 --lying-fsync",
            "what a failing device looks like")
      .ExitCodes(kCertifyExitCodes);
  return b.Build([](SimulateCommandOptions& o, const cli::Invocation&) { return cert::SimulateCommand(o); });
}

cli::Program MakeProgram() {
  cli::Program p;
  p.name = "bdbsim";
  p.version = BDBACKUP_VERSION;
  p.summary = "proves Berkeley DB backups restore every acknowledged commit";
  p.description =
      "Drives a real workload in its own process, injects crashes, power loss, torn reads, copy faults and I/O "
      "errors, takes backups with bdbackup or any external program, restores them by catastrophic recovery and "
      "reads every value back; every failing trial replays exactly from one token. Also certifies storage "
      "devices (certify). Errors are one line on stderr, `bdbsim: error: <what>`.";
  p.exit_codes = {{0, "success: every scenario met its expectation, every cut passed"},
                  {1, "a scenario did not meet its expectation, or a device failed"},
                  {2, "bad usage or bad input"},
                  {4, "I/O failure"}};
  p.groups = {{"certify", "storage certification: does a device keep the commits it acknowledged?"}};
  p.commands = {Run(), Replay(), Merge(), Listen(), CertifyRun(), CertifyCheck(), CertifySimulate()};
  return p;
}

}  // namespace

const cli::Program& BdbsimProgram() {
  static const cli::Program program = MakeProgram();
  return program;
}

}  // namespace bdb::sim
