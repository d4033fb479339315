// Tests for the scenario loader: every shipped scenario loads, defaults and the
// implicit schedule, and the exact message (file, line, key) of each error class.
#include "simulator/plan/scenario.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace bdb::sim {
namespace {

const char kPath[] = "scenarios/x.toml";

// A valid head: lines 1-3.
const char kHead[] =
    "name = \"x\"\n"
    "description = \"a test scenario\"\n"
    "expect = \"pass\"\n";

Status Load(const std::string& text, Scenario* out = nullptr) {
  Scenario ignored;
  return LoadScenarioString(text, kPath, out != nullptr ? out : &ignored);
}

std::string Message(const std::string& text) {
  Status s = Load(text);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.message();
  return s.message();
}

// A schedule file: head, then the given [[steps]] text starting on line 4.
std::string WithSteps(const std::string& steps, const std::string& extra = "") {
  return std::string(kHead) + steps + extra;
}

class TempDir {
 public:
  TempDir() {
    char templ[] = "/tmp/scenario_test.XXXXXX";
    path_ = mkdtemp(templ);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ + "/" + name) << text;
  }

 private:
  std::string path_;
};

TEST(ScenarioTest, EveryShippedScenarioLoads) {
  std::vector<Scenario> all;
  Status s = LoadScenarios({std::string(BDBACKUP_SOURCE_DIR) + "/scenarios"}, &all);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(all.size(), 64u);
  int caught = 0, applications = 0;
  for (const Scenario& sc : all) {
    EXPECT_FALSE(sc.description.empty()) << sc.name;
    EXPECT_LE(sc.trials, 20) << sc.name;
    EXPECT_LE(sc.workload.txns, 4000) << sc.name;  // torn-read scenarios keep writing through a paced copy
    EXPECT_FALSE(sc.steps.empty()) << sc.name;
    if (sc.expect == Expect::kCaught) ++caught;
    if (sc.workload.application) ++applications;
  }
  EXPECT_EQ(caught, 11);
  EXPECT_EQ(applications, 10);  // scenarios/apps/, found in the subdirectory
  EXPECT_EQ(all.front().name, "archive-catastrophic-recovery");  // sorted by file name, the top level first
  EXPECT_EQ(all.back().source_path, std::string(BDBACKUP_SOURCE_DIR) + "/scenarios/apps/orders-power-loss.toml");
}

// A negative control states the catch rate it claims, measured, rather than
// leaning on the default.
TEST(ScenarioTest, EveryShippedCaughtScenarioStatesItsMinimumCatchRate) {
  std::vector<Scenario> all;
  ASSERT_TRUE(LoadScenarios({std::string(BDBACKUP_SOURCE_DIR) + "/scenarios"}, &all).ok());
  for (const Scenario& sc : all) {
    if (sc.expect != Expect::kCaught) continue;
    std::string text;
    ASSERT_TRUE(ReadWholeFile(DefaultFileIO(), sc.source_path, &text).ok()) << sc.source_path;
    EXPECT_NE(text.find("\nmin_catch_rate = "), std::string::npos) << sc.name;
    EXPECT_GT(sc.min_catch_rate, 0.0) << sc.name;
  }
}

TEST(ScenarioTest, PowerCutStepKeyAndDurabilityShortcut) {
  Scenario sc;
  Status s = LoadScenarioString(
      "name = \"c\"\ndescription = \"d\"\nexpect = \"caught\"\n"
      "[backup]\ndurability_shortcut = \"manifest_after_rename\"\n"
      "[[steps]]\naction = \"wait_txns\"\ntxns = 100\n"
      "[[steps]]\naction = \"backup\"\npower_cut = { from = \"rename\", at = [3, 4] }\n"
      "[[steps]]\naction = \"recover_check\"\n",
      "c.toml", &sc);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(sc.backup.durability_shortcut, DurabilityShortcut::kManifestAfterRename);
  ASSERT_TRUE(sc.steps[1].power_cut.has_value());
  EXPECT_EQ(sc.steps[1].power_cut->from, WritePhase::kRename);
  EXPECT_EQ(sc.steps[1].power_cut->at, (Range{3, 4}));
  EXPECT_EQ(sc.steps[1].power_cut->mode, PowerLossMode::kSubset);
}

TEST(ScenarioTest, PowerCutErrorsNameTheKey) {
  auto error = [](const std::string& steps) {
    Scenario sc;
    Status s = LoadScenarioString("name = \"c\"\ndescription = \"d\"\nexpect = \"pass\"\n" + steps, "c.toml", &sc);
    EXPECT_FALSE(s.ok());
    return s.message();
  };
  EXPECT_NE(error("[[steps]]\naction = \"backup\"\npower_cut = { from = \"publish\", at = [1, 2] }\n"
                  "[[steps]]\naction = \"recover_check\"\n")
                .find("steps[1].power_cut.from"),
            std::string::npos);
  EXPECT_NE(error("[[steps]]\naction = \"backup\"\npower_cut = { from = \"copy\" }\n"
                  "[[steps]]\naction = \"recover_check\"\n")
                .find("steps[1].power_cut.at"),
            std::string::npos);
  // The cut takes the machine down: only checks may follow.
  EXPECT_NE(error("[[steps]]\naction = \"backup\"\npower_cut = { from = \"copy\", at = [1, 2] }\n"
                  "[[steps]]\naction = \"archive\"\n[[steps]]\naction = \"recover_check\"\n")
                .find("cannot follow a crash"),
            std::string::npos);
  EXPECT_NE(error("[[steps]]\naction = \"wait_txns\"\ntxns = 10\npower_cut = { from = \"copy\", at = [1, 2] }\n"
                  "[[steps]]\naction = \"recover_check\"\n")
                .find("power_cut"),
            std::string::npos);
}

TEST(ScenarioTest, ShippedNegativeCommandResolvesAgainstScenarioDir) {
  Scenario sc;
  std::string dir = std::string(BDBACKUP_SOURCE_DIR) + "/scenarios";
  ASSERT_TRUE(LoadScenarioFile(dir + "/logs-first-dd-command.toml", &sc).ok());
  EXPECT_EQ(sc.backup.method, BackupMethod::kCommand);
  ASSERT_EQ(sc.backup.command.size(), 3u);
  EXPECT_EQ(sc.backup.command[0], dir + "/tools/logs-first-copy.sh");
  EXPECT_EQ(sc.backup.command[1], "{home}");
  EXPECT_EQ(sc.backup.command[2], "{dest}");
}

// An application as the workload: its four commands, placeholders kept,
// a relative program resolved against the scenario's directory, "{bin}/" kept.
TEST(ScenarioTest, ApplicationWorkloadKeys) {
  Scenario sc;
  const std::string dir = std::string(BDBACKUP_SOURCE_DIR) + "/scenarios/apps";
  ASSERT_TRUE(LoadScenarioFile(dir + "/accounts-hot.toml", &sc).ok());
  ASSERT_TRUE(sc.workload.application.has_value());
  const std::string program = dir + "/../../examples/accounts-py/accounts.py";
  EXPECT_EQ(sc.workload.application->command,
            (std::vector<std::string>{program, "run", "--home", "{home}", "--ack", "{ack}"}));
  EXPECT_EQ(sc.workload.application->replay,
            (std::vector<std::string>{program, "replay", "--dest", "{dest}", "--n", "{n}"}));
  EXPECT_EQ(sc.workload.application->dump, (std::vector<std::string>{program, "dump", "--home", "{home}"}));
  EXPECT_EQ(sc.workload.application->count, (std::vector<std::string>{program, "count", "--home", "{home}"}));
  ASSERT_TRUE(LoadScenarioFile(dir + "/orders-cp-a.toml", &sc).ok());
  EXPECT_EQ(sc.workload.application->command.front(), "{bin}/example-orders");
  EXPECT_EQ(sc.backup.command, (std::vector<std::string>{"cp", "-a", "{home}/.", "{dest}"}));
  ASSERT_TRUE(Load(kHead, &sc).ok());
  EXPECT_FALSE(sc.workload.application.has_value());
}

TEST(ScenarioTest, DefaultsAndImplicitSchedule) {
  Scenario sc;
  ASSERT_TRUE(Load(kHead, &sc).ok());
  EXPECT_EQ(sc.source_path, kPath);
  EXPECT_EQ(sc.name, "x");
  EXPECT_EQ(sc.description, "a test scenario");
  EXPECT_EQ(sc.expect, Expect::kPass);
  EXPECT_EQ(sc.trials, 10);
  EXPECT_FALSE(sc.seed.has_value());
  EXPECT_EQ(sc.workload.txns, 1000);
  EXPECT_EQ(sc.workload.threads, 2);
  EXPECT_EQ(sc.workload.value_bytes, (Range{16, 4096}));
  EXPECT_EQ(sc.workload.keys_per_txn, (Range{1, 4}));
  EXPECT_EQ(sc.workload.abort_percent, 10);
  EXPECT_EQ(sc.workload.page_size, 4096u);
  EXPECT_TRUE(sc.workload.checksums);
  EXPECT_EQ(sc.workload.cache_bytes, 262144);
  EXPECT_EQ(sc.workload.checkpoint_every_txns, 50);
  EXPECT_EQ(sc.workload.log_file_bytes, 262144);
  EXPECT_EQ(sc.workload.durability, Durability::kSync);
  EXPECT_EQ(sc.backup.method, BackupMethod::kEngine);
  EXPECT_EQ(sc.backup.mode, BackupMode::kHot);
  EXPECT_EQ(sc.backup.start_after_txns, 500);
  EXPECT_FALSE(sc.backup.checkpoint);
  EXPECT_EQ(sc.backup.copier, Copier::kVerified);
  EXPECT_FALSE(sc.backup.recover_as_you_go);
  EXPECT_FALSE(sc.faults.crash || sc.faults.power_loss || sc.faults.torn_read || sc.faults.mmap_fault ||
               sc.faults.io_error);
  EXPECT_TRUE(sc.implicit_steps);
  ASSERT_EQ(sc.steps.size(), 3u);
  EXPECT_EQ(sc.steps[0].action, Step::Action::kWaitTxns);
  EXPECT_EQ(sc.steps[0].txns, 500);
  EXPECT_EQ(sc.steps[1].action, Step::Action::kBackup);
  EXPECT_EQ(sc.steps[1].mode, BackupMode::kHot);
  EXPECT_EQ(sc.steps[2].action, Step::Action::kRestoreCheck);
  EXPECT_EQ(sc.steps[2].backup_index, 0);
  EXPECT_FALSE(sc.steps[2].until_txn.has_value());
}

TEST(ScenarioTest, ImplicitColdScheduleQuiescesFirst) {
  Scenario sc;
  ASSERT_TRUE(Load(std::string(kHead) + "[backup]\nmode = \"cold\"\nstart_after_txns = 0\ncheckpoint = true\n", &sc)
                  .ok());
  ASSERT_EQ(sc.steps.size(), 3u);
  EXPECT_EQ(sc.steps[0].action, Step::Action::kQuiesce);
  EXPECT_EQ(sc.steps[1].action, Step::Action::kBackup);
  EXPECT_EQ(sc.steps[1].mode, BackupMode::kCold);
  EXPECT_TRUE(sc.steps[1].checkpoint);
  EXPECT_EQ(sc.steps[2].action, Step::Action::kRestoreCheck);
}

TEST(ScenarioTest, ReadsEveryKey) {
  Scenario sc;
  Status s = Load(std::string(kHead) + R"(trials = 7
seed = 42
[workload]
txns = 300
threads = 3
value_bytes = [1, 10]
keys_per_txn = [2, 3]
abort_percent = 0
page_size = 8192
checksums = false
cache_bytes = 65536
checkpoint_every_txns = 0
log_file_bytes = 65536
durability = "write_nosync"
[backup]
checkpoint = true
copier = "mmap"
recover_as_you_go = true
[faults]
crash = { target = "workload", at = [5, 9] }
power_loss = { mode = "none" }
torn_read = { boundary_bytes = 1024, order = "new_old", pages = [2, 2] }
mmap_fault = { pages = [3, 4] }
io_error = { points = ["open", "fsync"], errno = "ENOSPC", probability = 1 }
)",
                  &sc);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(sc.trials, 7);
  EXPECT_EQ(sc.seed, 42u);
  EXPECT_EQ(sc.workload.txns, 300);
  EXPECT_EQ(sc.workload.threads, 3);
  EXPECT_EQ(sc.workload.value_bytes, (Range{1, 10}));
  EXPECT_EQ(sc.workload.keys_per_txn, (Range{2, 3}));
  EXPECT_EQ(sc.workload.abort_percent, 0);
  EXPECT_EQ(sc.workload.page_size, 8192u);
  EXPECT_FALSE(sc.workload.checksums);
  EXPECT_EQ(sc.workload.cache_bytes, 65536);
  EXPECT_EQ(sc.workload.checkpoint_every_txns, 0);
  EXPECT_EQ(sc.workload.log_file_bytes, 65536);
  EXPECT_EQ(sc.workload.durability, Durability::kWriteNoSync);
  EXPECT_EQ(sc.backup.start_after_txns, 150);  // half of workload.txns
  EXPECT_TRUE(sc.backup.checkpoint);
  EXPECT_EQ(sc.backup.copier, Copier::kMmap);
  EXPECT_TRUE(sc.backup.recover_as_you_go);
  ASSERT_TRUE(sc.faults.crash);
  EXPECT_EQ(sc.faults.crash->target, CrashTarget::kWorkload);
  EXPECT_EQ(sc.faults.crash->at, (Range{5, 9}));
  EXPECT_EQ(sc.faults.power_loss->mode, PowerLossMode::kNone);
  EXPECT_EQ(sc.faults.torn_read->boundary_bytes, 1024);
  EXPECT_EQ(sc.faults.torn_read->order, TornOrder::kNewHeadOldTail);
  EXPECT_EQ(sc.faults.torn_read->pages, (Range{2, 2}));
  EXPECT_EQ(sc.faults.mmap_fault->pages, (Range{3, 4}));
  EXPECT_EQ(sc.faults.io_error->points, (std::vector<IoPoint>{IoPoint::kOpen, IoPoint::kFsync}));
  EXPECT_EQ(sc.faults.io_error->error_number, ENOSPC);
  EXPECT_EQ(sc.faults.io_error->probability, 1.0);
}

TEST(ScenarioTest, ApplicationSettingKeys) {
  Scenario sc;
  ASSERT_TRUE(Load(kHead, &sc).ok());
  EXPECT_FALSE(sc.workload.bulk);
  EXPECT_FALSE(sc.workload.log_auto_remove);
  EXPECT_FALSE(sc.workload.encrypt);
  EXPECT_EQ(sc.workload.data_dir, "");
  EXPECT_EQ(sc.workload.load_seconds, 0);
  EXPECT_FALSE(sc.workload.queue);
  EXPECT_FALSE(sc.workload.close_nosync);
  EXPECT_FALSE(sc.backup.hold_hotbackup);
  EXPECT_TRUE(sc.backup.announce_hotbackup);
  Status s = Load(std::string(kHead) + R"([workload]
bulk = true
threads = 1
log_auto_remove = true
encrypt = true
data_dir = "data-1"
load_seconds = 5
queue = true
close_nosync = true
[backup]
hold_hotbackup = true
)",
                  &sc);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(sc.workload.bulk);
  EXPECT_TRUE(sc.workload.log_auto_remove);
  EXPECT_TRUE(sc.workload.encrypt);
  EXPECT_EQ(sc.workload.data_dir, "data-1");
  EXPECT_EQ(sc.workload.load_seconds, 5);
  EXPECT_TRUE(sc.workload.queue);
  EXPECT_TRUE(sc.workload.close_nosync);
  EXPECT_TRUE(sc.backup.hold_hotbackup);
  ASSERT_TRUE(
      Load(std::string(kHead) + "[workload]\nthreads = 1\nbulk = true\n[backup]\nannounce_hotbackup = false\n", &sc)
          .ok());
  EXPECT_FALSE(sc.backup.announce_hotbackup);
}

TEST(ScenarioTest, BackupCompressKey) {
  Scenario sc;
  ASSERT_TRUE(Load(kHead, &sc).ok());
  EXPECT_EQ(sc.backup.compress_level, 0);
  ASSERT_TRUE(Load(std::string(kHead) + "[backup]\ncompress = \"zstd\"\n", &sc).ok());
  EXPECT_EQ(sc.backup.compress_level, 3);
  ASSERT_TRUE(Load(std::string(kHead) + "[backup]\ncompress = \"zstd:9\"\n", &sc).ok());
  EXPECT_EQ(sc.backup.compress_level, 9);
  for (const char* bad : {"\"lz4\"", "\"zstd:0\"", "\"none\"", "3"}) {
    EXPECT_EQ(Message(std::string(kHead) + "[backup]\ncompress = " + bad + "\n"),
              "scenarios/x.toml:5: key 'backup.compress' must be \"zstd\" or \"zstd:LEVEL\" with LEVEL 1 to 19")
        << bad;
  }
}

TEST(ScenarioTest, BackupEncryptKey) {
  Scenario sc;
  ASSERT_TRUE(Load(kHead, &sc).ok());
  EXPECT_FALSE(sc.backup.encrypt);
  ASSERT_TRUE(Load(std::string(kHead) + "[backup]\nencrypt = true\ncompress = \"zstd\"\n", &sc).ok());
  EXPECT_TRUE(sc.backup.encrypt);
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\nencrypt = \"yes\"\n"),
            "scenarios/x.toml:5: key 'backup.encrypt' must be true or false, got \"yes\"");
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\nencrypt = true\nrecover_as_you_go = true\n"),
            "scenarios/x.toml:5: key 'backup.encrypt' = true cannot be combined with backup.recover_as_you_go = true "
            "(an encrypted repository refuses a plaintext standby)");
}

TEST(ScenarioErrorTest, ApplicationSettingErrors) {
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\nbulk = \"yes\"\n"),
            "scenarios/x.toml:5: key 'workload.bulk' must be true or false, got \"yes\"");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\nlog_auto_remove = 1\n"),
            "scenarios/x.toml:5: key 'workload.log_auto_remove' must be true or false, got 1");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\nencrypt = \"aes\"\n"),
            "scenarios/x.toml:5: key 'workload.encrypt' must be true or false, got \"aes\"");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ndata_dir = \"../data\"\n"),
            "scenarios/x.toml:5: key 'workload.data_dir' must be a directory name of 1 to 64 letters, digits, '_' or "
            "'-', other than \"log\", got \"../data\"");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ndata_dir = \"log\"\n"),
            "scenarios/x.toml:5: key 'workload.data_dir' must be a directory name of 1 to 64 letters, digits, '_' or "
            "'-', other than \"log\", got \"log\"");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ndata_dir = 3\n"),
            "scenarios/x.toml:5: key 'workload.data_dir' must be a directory name of 1 to 64 letters, digits, '_' or "
            "'-', other than \"log\", got 3");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\nload_seconds = 0\n"),
            "scenarios/x.toml:5: key 'workload.load_seconds' must be an integer from 1 to 3600, got 0");
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\nhold_hotbackup = 0\n"),
            "scenarios/x.toml:5: key 'backup.hold_hotbackup' must be true or false, got 0");
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\nannounce_hotbackup = false\n"),
            "scenarios/x.toml:5: key 'backup.announce_hotbackup' = false needs workload.bulk = true (without "
            "DB_TXN_BULK the announcement changes nothing)");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\nbulk = true\n"),
            "scenarios/x.toml:5: key 'workload.bulk' = true needs workload.threads = 1 (two DB_TXN_BULK writers hang "
            "in BDB 5.3)");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\nthreads = 1\nbulk = true\n[backup]\nhold_hotbackup = true\n"
                                         "announce_hotbackup = false\n"),
            "scenarios/x.toml:9: key 'backup.announce_hotbackup' cannot be false with backup.hold_hotbackup = true "
            "(holding needs the announcement)");
  const std::string command = "[backup]\nmethod = \"command\"\ncommand = [\"cp\", \"-r\", \"{home}\", \"{dest}\"]\n";
  EXPECT_EQ(Message(std::string(kHead) + command + "hold_hotbackup = true\n"),
            "scenarios/x.toml:7: key 'backup.hold_hotbackup' is only allowed with backup.method = \"engine\"");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\nencrypt = true\n" + command),
            "scenarios/x.toml:5: key 'workload.encrypt' is only allowed with backup.method = \"engine\" (the "
            "program gets no password)");
}

// Every bad input of workload.command and its oracle: one line naming the
// file, the line and the key.
TEST(ScenarioErrorTest, ApplicationWorkloadErrors) {
  const std::string app = "[workload]\ncommand = [\"app\", \"{home}\", \"{ack}\"]\n"
                          "replay = [\"app\", \"{dest}\", \"{n}\"]\ndump = [\"app\", \"{home}\"]\n"
                          "count = [\"app\", \"{home}\"]\n";
  Scenario sc;
  ASSERT_TRUE(Load(std::string(kHead) + app, &sc).ok());
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ncommand = [\"app\", \"{home}\"]\n"),
            "scenarios/x.toml:5: key 'workload.command' must contain both \"{home}\" and \"{ack}\", got [ 'app', "
            "'{home}' ]");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ncommand = \"app {home} {ack}\"\n"),
            "scenarios/x.toml:5: key 'workload.command' must be a non-empty array of strings, got \"app {home} {ack}\"");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ncommand = [\"app\", \"{home}\", \"{ack}\"]\n"
                                         "dump = [\"app\", \"{home}\"]\ncount = [\"app\", \"{home}\"]\n"),
            "scenarios/x.toml:5: key 'workload.replay' is required with workload.command");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ncommand = [\"app\", \"{home}\", \"{ack}\"]\n"
                                         "replay = [\"app\", \"{dest}\"]\ndump = [\"app\", \"{home}\"]\n"
                                         "count = [\"app\", \"{home}\"]\n"),
            "scenarios/x.toml:6: key 'workload.replay' must contain both \"{dest}\" and \"{n}\", got [ 'app', "
            "'{dest}' ]");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ncommand = [\"app\", \"{home}\", \"{ack}\"]\n"
                                         "replay = [\"app\", \"{dest}\", \"{n}\"]\ndump = [\"app\"]\n"
                                         "count = [\"app\", \"{home}\"]\n"),
            "scenarios/x.toml:7: key 'workload.dump' must contain \"{home}\", got [ 'app' ]");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ncommand = [\"app\", \"{home}\", \"{ack}\"]\n"
                                         "replay = [\"app\", \"{dest}\", \"{n}\"]\ndump = [\"app\", \"{home}\"]\n"
                                         "count = [\"./nope\", \"{home}\"]\n"),
            "scenarios/x.toml:8: key 'workload.count' names program 'scenarios/./nope' which is not executable: No "
            "such file or directory");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ndump = [\"app\", \"{home}\"]\n"),
            "scenarios/x.toml:5: key 'workload.dump' is only allowed with workload.command");
  EXPECT_EQ(Message(std::string(kHead) + app + "threads = 4\n"),
            "scenarios/x.toml:9: key 'workload.threads' is a setting of the built-in workload; with workload.command "
            "the application configures its own environment");
  EXPECT_EQ(Message(std::string(kHead) + app + "durability = \"nosync\"\n"),
            "scenarios/x.toml:9: key 'workload.durability' is a setting of the built-in workload; with "
            "workload.command the application configures its own environment");
  EXPECT_EQ(Message(std::string(kHead) + app + "[backup]\nmode = \"cold\"\n"),
            "scenarios/x.toml:10: key 'backup.mode' \"cold\" needs a quiesced workload, and workload.command runs "
            "until it is stopped");
  EXPECT_EQ(Message(std::string(kHead) + app + "[faults]\nmmap_fault = {}\n"),
            "scenarios/x.toml:10: key 'faults.mmap_fault' needs workload.page_size above 4096, which "
            "workload.command does not declare");
  EXPECT_EQ(Message(std::string(kHead) + app + "[[steps]]\naction = \"wait_txns\"\ntxns = 10\n"
                                               "[[steps]]\naction = \"quiesce\"\n"
                                               "[[steps]]\naction = \"restore_check\"\n"),
            "scenarios/x.toml:12: key 'steps[2].action' \"quiesce\" is not allowed with workload.command (the "
            "application keeps its environment open until it is stopped)");
  EXPECT_EQ(Message(std::string(kHead) + app + "[[steps]]\naction = \"backup\"\n[[steps]]\naction = \"wait_txns\"\n"
                                               "txns = 10\n[[steps]]\naction = \"restore_check\"\nuntil_txn = 5\n"),
            "scenarios/x.toml:16: key 'steps[3].until_txn' is not allowed with workload.command (the application "
            "reports acknowledgements, not when each commit began)");
}

TEST(ScenarioTest, FaultDefaults) {
  Scenario sc;
  ASSERT_TRUE(Load(std::string(kHead) + "[workload]\npage_size = 8192\n"
                   "[faults]\ntorn_read = {}\nmmap_fault = {}\nio_error = { points = [\"read\"] }\n", &sc)
                  .ok());
  EXPECT_EQ(sc.faults.torn_read->boundary_bytes, 512);
  EXPECT_EQ(sc.faults.torn_read->order, TornOrder::kSeeded);
  EXPECT_EQ(sc.faults.torn_read->pages, (Range{1, 4}));
  EXPECT_EQ(sc.faults.mmap_fault->pages, (Range{1, 4}));
  EXPECT_EQ(sc.faults.io_error->error_number, EIO);
  EXPECT_EQ(sc.faults.io_error->probability, 0.05);
}

TEST(ScenarioTest, WorkloadIoError) {
  Scenario sc;
  Status s = Load(std::string(kHead) +
                      "[faults]\nworkload_io_error = { points = [\"write\", \"fsync\"], errno = \"ENOSPC\", at = [10, 20] }\n",
                  &sc);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(sc.faults.workload_io_error);
  EXPECT_EQ(sc.faults.workload_io_error->points, (std::vector<IoPoint>{IoPoint::kWrite, IoPoint::kFsync}));
  EXPECT_EQ(sc.faults.workload_io_error->error_number, ENOSPC);
  EXPECT_EQ(sc.faults.workload_io_error->at, (Range{10, 20}));
}

TEST(ScenarioTest, ExplicitStepsAndStepDefaults) {
  Scenario sc;
  Status s = Load(std::string(kHead) + R"([backup]
mode = "hot"
checkpoint = true
recover_as_you_go = true
[[steps]]
action = "wait_txns"
txns = 100
[[steps]]
action = "backup"
[[steps]]
action = "crash"
target = "backup"
[[steps]]
action = "backup"
mode = "incremental"
checkpoint = false
[[steps]]
action = "wait_txns"
txns = 400
[[steps]]
action = "restore_check"
backup = 1
until_txn = 300
live_logs = true
[[steps]]
action = "promote_standby"
)",
                  &sc);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(sc.implicit_steps);
  ASSERT_EQ(sc.steps.size(), 7u);
  EXPECT_EQ(sc.steps[0].line, 8);
  EXPECT_EQ(sc.steps[0].txns, 100);
  EXPECT_EQ(sc.steps[1].mode, BackupMode::kHot);
  EXPECT_TRUE(sc.steps[1].checkpoint);
  EXPECT_EQ(sc.steps[2].target, CrashTarget::kBackup);
  EXPECT_EQ(sc.steps[2].at, (Range{1, 1}));
  EXPECT_EQ(sc.steps[3].mode, BackupMode::kIncremental);
  EXPECT_FALSE(sc.steps[3].checkpoint);
  EXPECT_EQ(sc.steps[5].backup_index, 1);
  EXPECT_EQ(sc.steps[5].until_txn, 300);
  EXPECT_TRUE(sc.steps[5].live_logs);
  EXPECT_EQ(sc.steps[6].action, Step::Action::kPromoteStandby);
}

// --- one test per error class, exact text ---------------------------------

TEST(ScenarioErrorTest, SyntaxError) {
  std::string m = Message(std::string(kHead) + "trials = \n");
  EXPECT_EQ(m.rfind("scenarios/x.toml:4: invalid TOML: ", 0), 0u) << m;
}

TEST(ScenarioErrorTest, RequiredKeys) {
  EXPECT_EQ(Message("description = \"d\"\nexpect = \"pass\"\n"), "scenarios/x.toml: key 'name' is required");
  EXPECT_EQ(Message("name = \"x\"\nexpect = \"pass\"\n"), "scenarios/x.toml: key 'description' is required");
  EXPECT_EQ(Message("name = \"x\"\ndescription = \"d\"\n"), "scenarios/x.toml: key 'expect' is required");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\ncrash = { at = [1, 2] }\n"),
            "scenarios/x.toml:5: key 'faults.crash.target' is required");
  EXPECT_EQ(Message(WithSteps("[[steps]]\nbackup = 1\n")), "scenarios/x.toml:4: key 'steps[1].action' is required");
  EXPECT_EQ(Message(WithSteps("[[steps]]\naction = \"wait_txns\"\n")),
            "scenarios/x.toml:4: key 'steps[1].txns' is required");
}

TEST(ScenarioErrorTest, UnknownKeys) {
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ntxns = 10\nthread = 2\n"),
            "scenarios/x.toml:6: key 'workload.thread' is not a known key");
  EXPECT_EQ(Message(std::string(kHead) + "colour = 1\n"), "scenarios/x.toml:4: key 'colour' is not a known key");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\ntorn_read = { bytes = 512 }\n"),
            "scenarios/x.toml:5: key 'faults.torn_read.bytes' is not a known key");
  EXPECT_EQ(Message(std::string(kHead) + "[faults.flood]\n"),
            "scenarios/x.toml:4: key 'faults.flood' is not a known key");
  EXPECT_EQ(Message(WithSteps("[[steps]]\naction = \"archive\"\nmode = \"hot\"\n")),
            "scenarios/x.toml:6: key 'steps[1].mode' is not a known key for action \"archive\"");
}

TEST(ScenarioErrorTest, EarliestErrorWins) {
  EXPECT_EQ(Message("nme = \"x\"\ndescription = \"d\"\nexpect = \"maybe\"\n"),
            "scenarios/x.toml:1: key 'nme' is not a known key");
}

TEST(ScenarioErrorTest, WrongValues) {
  EXPECT_EQ(Message(std::string(kHead) + "\n\n\ntrials = \"ten\"\n"),
            "scenarios/x.toml:7: key 'trials' must be an integer from 1 to 100000, got \"ten\"");
  EXPECT_EQ(Message("name = \"x\"\ndescription = \"d\"\nexpect = \"maybe\"\n"),
            "scenarios/x.toml:3: key 'expect' must be \"pass\" or \"caught\", got \"maybe\"");
  EXPECT_EQ(Message(std::string(kHead) + "trials = 0\n"),
            "scenarios/x.toml:4: key 'trials' must be an integer from 1 to 100000, got 0");
  EXPECT_EQ(Message("name = \"a b\"\ndescription = \"d\"\nexpect = \"pass\"\n"),
            "scenarios/x.toml:1: key 'name' must be 1 to 80 characters of letters, digits, '-', '_' or '.', "
            "got \"a b\"");
  EXPECT_EQ(Message("name = \"x\"\ndescription = \"\"\"two\nlines\"\"\"\nexpect = \"pass\"\n"),
            "scenarios/x.toml:2: key 'description' must be a one-line string of 1 to 200 characters, got "
            "\"two\nlines\"");
  EXPECT_EQ(Message(std::string(kHead) + "workload = 3\n"),
            "scenarios/x.toml:4: key 'workload' must be a table, got 3");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\nvalue_bytes = [10, 2]\n"),
            "scenarios/x.toml:5: key 'workload.value_bytes' must be [min, max] with 1 <= min <= max <= 1048576, "
            "got [ 10, 2 ]");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\npage_size = 1000\n"),
            "scenarios/x.toml:5: key 'workload.page_size' must be a power of two from 512 to 65536, got 1000");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\nchecksums = 1\n"),
            "scenarios/x.toml:5: key 'workload.checksums' must be true or false, got 1");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ndurability = \"fast\"\n"),
            "scenarios/x.toml:5: key 'workload.durability' must be \"sync\", \"write_nosync\" or \"nosync\", "
            "got \"fast\"");
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ntxns = 100\n[backup]\nstart_after_txns = 101\n"),
            "scenarios/x.toml:7: key 'backup.start_after_txns' must be an integer from 0 to 100 (workload.txns), "
            "got 101");
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\ncopier = \"fast\"\n"),
            "scenarios/x.toml:5: key 'backup.copier' must be \"verified\", \"unverified\" or \"mmap\", got "
            "\"fast\"");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\ntorn_read = { boundary_bytes = 4096 }\n"),
            "scenarios/x.toml:5: key 'faults.torn_read.boundary_bytes' must be a multiple of 512 below "
            "workload.page_size (4096), got 4096");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\nio_error = { points = [\"read\", \"seek\"] }\n"),
            "scenarios/x.toml:5: key 'faults.io_error.points' must be \"read\", \"write\", \"fsync\", \"rename\" "
            "or \"open\", got \"seek\"");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\nio_error = { points = [\"read\", \"read\"] }\n"),
            "scenarios/x.toml:5: key 'faults.io_error.points' names \"read\" twice");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\nio_error = { points = [\"read\"], probability = 1.5 }\n"),
            "scenarios/x.toml:5: key 'faults.io_error.probability' must be a number from 0.0 to 1.0, got 1.5");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\nio_error = { points = [\"read\"], errno = \"EPERM\" }\n"),
            "scenarios/x.toml:5: key 'faults.io_error.errno' must be \"EIO\" or \"ENOSPC\", got \"EPERM\"");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\nworkload_io_error = { points = [\"read\"], at = [1, 9] }\n"),
            "scenarios/x.toml:5: key 'faults.workload_io_error.points' names \"read\": the workload's hooks fail only "
            "\"write\" or \"fsync\"");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\nworkload_io_error = { points = [\"write\"] }\n"),
            "scenarios/x.toml:5: key 'faults.workload_io_error.at' is required");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\nworkload_io_error = { points = [\"fsync\"], at = [9, 1] }\n"),
            "scenarios/x.toml:5: key 'faults.workload_io_error.at' must be [min, max] with 1 <= min <= max <= "
            "1000000000, got [ 9, 1 ]");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\nworkload_io_error = { points = [\"fsync\"], at = [1, 2], when = 3 }\n"),
            "scenarios/x.toml:5: key 'faults.workload_io_error.when' is not a known key");
  EXPECT_EQ(Message(WithSteps("[[steps]]\naction = \"jump\"\n")),
            "scenarios/x.toml:5: key 'steps[1].action' must be \"wait_txns\", \"backup\", \"archive\", \"crash\", "
            "\"power_loss\", \"restore_check\", \"recover_check\", \"promote_standby\", \"quiesce\", \"resume\", "
            "\"workload_done\" or \"expire\", got \"jump\"");
  EXPECT_EQ(Message(WithSteps("[[steps]]\naction = \"restore_check\"\nbackup = \"first\"\n")),
            "scenarios/x.toml:6: key 'steps[1].backup' must be \"latest\" or a backup step number from 1 to 1000, "
            "got \"first\"");
  EXPECT_EQ(Message(std::string(kHead) + "steps = 3\n"),
            "scenarios/x.toml:4: key 'steps' must be a non-empty array of tables ([[steps]]), got 3");
}

TEST(ScenarioErrorTest, CommandMethodRules) {
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\nmethod = \"command\"\n"),
            "scenarios/x.toml:4: key 'backup.command' is required with backup.method = \"command\"");
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\ncommand = [\"cp\", \"{home}\", \"{dest}\"]\n"),
            "scenarios/x.toml:5: key 'backup.command' is only allowed with backup.method = \"command\"");
  const std::string command = "[backup]\nmethod = \"command\"\ncommand = [\"cp\", \"-r\", \"{home}\", \"{dest}\"]\n";
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\nmethod = \"command\"\ncommand = [\"cp\", \"{home}\"]\n"),
            "scenarios/x.toml:6: key 'backup.command' must contain both \"{home}\" and \"{dest}\", got [ 'cp', "
            "'{home}' ]");
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\nmethod = \"command\"\ncommand = []\n"),
            "scenarios/x.toml:6: key 'backup.command' must be a non-empty array of strings, got []");
  EXPECT_EQ(Message(std::string(kHead) + command + "mode = \"hot\"\n"),
            "scenarios/x.toml:7: key 'backup.mode' is only allowed with backup.method = \"engine\"");
  EXPECT_EQ(Message(std::string(kHead) + command + "[faults]\ntorn_read = {}\n"),
            "scenarios/x.toml:8: key 'faults.torn_read' needs backup.method = \"engine\"");
  EXPECT_EQ(Message(std::string(kHead) + command + "[[steps]]\naction = \"wait_txns\"\ntxns = 1\n"),
            "scenarios/x.toml:7: key 'steps' is not allowed with backup.method = \"command\" (it runs the "
            "implicit schedule)");
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\nmethod = \"command\"\ncommand = [\"./nope.sh\", \"{home}\", "
                                         "\"{dest}\"]\n"),
            "scenarios/x.toml:6: key 'backup.command' names program 'scenarios/./nope.sh' which is not "
            "executable: No such file or directory");
  Scenario sc;
  ASSERT_TRUE(Load(std::string(kHead) + command, &sc).ok());
  EXPECT_EQ(sc.backup.command, (std::vector<std::string>{"cp", "-r", "{home}", "{dest}"}));
  ASSERT_EQ(sc.steps.size(), 3u);
  EXPECT_EQ(sc.steps[1].action, Step::Action::kBackup);
}

// --- impossible schedules ---------------------------------------------------

const char kWait[] = "[[steps]]\naction = \"wait_txns\"\ntxns = 100\n";  // 3 lines
const char kHot[] = "[[steps]]\naction = \"backup\"\nmode = \"hot\"\n";   // 3 lines
const char kCheck[] = "[[steps]]\naction = \"restore_check\"\n";          // 2 lines

TEST(ScenarioScheduleTest, IncrementalBeforeFullBackup) {
  EXPECT_EQ(Message(WithSteps(std::string(kWait) + "[[steps]]\naction = \"backup\"\nmode = \"incremental\"\n" +
                              kCheck)),
            "scenarios/x.toml:7: key 'steps[2].mode' \"incremental\" needs a full (cold or hot) backup before it");
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\nmode = \"incremental\"\n"),
            "scenarios/x.toml:5: key 'backup.mode' \"incremental\" needs a full backup before it; write a "
            "[[steps]] schedule");
}

TEST(ScenarioScheduleTest, RestoreCheckBeforeAnyBackup) {
  EXPECT_EQ(Message(WithSteps(std::string(kWait) + kCheck)),
            "scenarios/x.toml:7: key 'steps[2].action' \"restore_check\" needs a backup step before it");
  EXPECT_EQ(Message(WithSteps(std::string(kHot) + "[[steps]]\naction = \"restore_check\"\nbackup = 2\n")),
            "scenarios/x.toml:7: key 'steps[2].backup' names backup 2 but only 1 backup steps come before it");
}

TEST(ScenarioScheduleTest, PromoteStandbyNeedsRecoverAsYouGo) {
  EXPECT_EQ(Message(WithSteps(std::string(kHot) + "[[steps]]\naction = \"promote_standby\"\n")),
            "scenarios/x.toml:7: key 'steps[2].action' \"promote_standby\" needs backup.recover_as_you_go = true");
}

TEST(ScenarioScheduleTest, NothingButChecksAfterWorkloadCrash) {
  EXPECT_EQ(Message(WithSteps(std::string(kHot) + "[[steps]]\naction = \"crash\"\ntarget = \"workload\"\n" +
                              kWait + kCheck)),
            "scenarios/x.toml:10: key 'steps[3].action' \"wait_txns\" cannot follow a crash of the workload (only "
            "restore_check, recover_check, promote_standby and power_loss can)");
  EXPECT_EQ(Message(WithSteps(std::string(kHot) + "[[steps]]\naction = \"power_loss\"\n" + kHot + kCheck)),
            "scenarios/x.toml:9: key 'steps[3].action' \"backup\" cannot follow a crash of the workload (only "
            "restore_check, recover_check, promote_standby and power_loss can)");
  // With faults.power_loss, a crashed backup takes the workload down with it.
  EXPECT_EQ(Message(WithSteps(std::string(kHot) + "[[steps]]\naction = \"crash\"\ntarget = \"backup\"\n" + kHot +
                                  kWait + kCheck,
                              "[faults]\npower_loss = {}\n")),
            "scenarios/x.toml:13: key 'steps[4].action' \"wait_txns\" cannot follow a crash of the workload (only "
            "restore_check, recover_check, promote_standby and power_loss can)");
}

TEST(ScenarioScheduleTest, WaitBeyondWorkload) {
  EXPECT_EQ(Message(std::string(kHead) + "[workload]\ntxns = 50\n" + kWait + kHot + kCheck),
            "scenarios/x.toml:8: key 'steps[1].txns' must be an integer from 1 to 50 (workload.txns), got 100");
}

TEST(ScenarioScheduleTest, ColdBackupNeedsQuiesce) {
  EXPECT_EQ(Message(WithSteps(std::string(kWait) + "[[steps]]\naction = \"backup\"\nmode = \"cold\"\n" + kCheck)),
            "scenarios/x.toml:7: key 'steps[2].mode' \"cold\" needs a quiesce step before it");
  EXPECT_EQ(Message(WithSteps("[[steps]]\naction = \"quiesce\"\n" + std::string(kWait) + kHot + kCheck)),
            "scenarios/x.toml:6: key 'steps[2].action' \"wait_txns\" cannot run while writers are quiesced");
  EXPECT_EQ(Message(WithSteps("[[steps]]\naction = \"resume\"\n" + std::string(kHot) + kCheck)),
            "scenarios/x.toml:4: key 'steps[1].action' \"resume\" needs a quiesce step before it");
  EXPECT_EQ(Message(WithSteps("[[steps]]\naction = \"quiesce\"\n[[steps]]\naction = \"quiesce\"\n")),
            "scenarios/x.toml:6: key 'steps[2].action' \"quiesce\" repeats an earlier quiesce with no resume");
  Scenario sc;
  ASSERT_TRUE(Load(WithSteps("[[steps]]\naction = \"quiesce\"\n[[steps]]\naction = \"backup\"\nmode = \"cold\"\n"
                             "[[steps]]\naction = \"resume\"\n" + std::string(kWait) + kCheck),
                   &sc)
                  .ok());
}

TEST(ScenarioScheduleTest, OtherImpossibleSchedules) {
  EXPECT_EQ(Message(WithSteps(std::string(kWait) + "[[steps]]\naction = \"recover_check\"\n")),
            "scenarios/x.toml:7: key 'steps[2].action' \"recover_check\" needs a crash or power_loss step before it");
  EXPECT_EQ(Message(WithSteps(std::string(kWait) + kHot)),
            "scenarios/x.toml:7: key 'steps[2].action' ends a schedule with no restore_check, recover_check or "
            "promote_standby step");
  EXPECT_EQ(Message(WithSteps(std::string(kHot) + "[[steps]]\naction = \"crash\"\ntarget = \"archive\"\n" + kCheck)),
            "scenarios/x.toml:7: key 'steps[2].target' arms a crash of the next archive step, but none follows");
  EXPECT_EQ(Message(WithSteps("[[steps]]\naction = \"workload_done\"\n" + std::string(kWait) + kHot + kCheck)),
            "scenarios/x.toml:6: key 'steps[2].action' \"wait_txns\" cannot follow workload_done");
  EXPECT_EQ(Message(WithSteps(std::string(kWait) + kHot + "[[steps]]\naction = \"restore_check\"\nuntil_txn = 50\n")),
            "scenarios/x.toml:10: key 'steps[3].until_txn' must be after the chosen backup started (txn 100), got 50");
  EXPECT_EQ(Message(WithSteps(std::string(kWait) + kHot + "[[steps]]\naction = \"restore_check\"\nuntil_txn = 150\n")),
            "scenarios/x.toml:10: key 'steps[3].until_txn' must be at most 100, the commits waited for before it, "
            "got 150");
  EXPECT_EQ(Message(WithSteps("[[steps]]\naction = \"crash\"\ntarget = \"backup\"\n" + std::string(kHot) +
                              "[[steps]]\naction = \"restore_check\"\nbackup = 1\n")),
            "scenarios/x.toml:10: key 'steps[3].backup' names backup 1, which is crashed and never published");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\ncrash = { target = \"archive\", at = [1, 2] }\n"),
            "scenarios/x.toml: key 'faults.crash.target' is \"archive\" but the schedule has no archive step");
  EXPECT_EQ(Message(std::string(kHead) + "[faults]\npower_loss = { mode = \"all\" }\n"),
            "scenarios/x.toml:5: key 'faults.power_loss' needs a crash to apply to (faults.crash or a crash step)");
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\nstart_after_txns = 5\n" + kHot + kCheck),
            "scenarios/x.toml:5: key 'backup.start_after_txns' is only used without [[steps]] (use a wait_txns step)");
}

// [file_system] bdb_names: the model of BDB's own names at a power cut.
TEST(ScenarioTest, FileSystemBdbNames) {
  const std::string cut = "[[steps]]\naction = \"wait_txns\"\ntxns = 10\n[[steps]]\naction = \"power_loss\"\n"
                          "[[steps]]\naction = \"recover_check\"\n";
  Scenario sc;
  ASSERT_TRUE(Load(WithSteps(cut), &sc).ok());
  EXPECT_EQ(sc.bdb_names, BdbNames::kDurable);
  Status s = Load(WithSteps(cut, "[file_system]\nbdb_names = \"ordered\"\n"), &sc);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(sc.bdb_names, BdbNames::kOrdered);
  EXPECT_EQ(Message(WithSteps(cut, "[file_system]\nbdb_names = \"posix\"\n")),
            "scenarios/x.toml:12: key 'file_system.bdb_names' \"posix\" is not offered: BDB never fsyncs a "
            "directory, so every file it creates (each log, each database) would lose its name at every cut; use "
            "\"ordered\" or \"durable\"");
  EXPECT_EQ(Message(WithSteps(cut, "[file_system]\nbdb_names = \"strict\"\n")),
            "scenarios/x.toml:12: key 'file_system.bdb_names' must be \"durable\" or \"ordered\", got \"strict\"");
  EXPECT_EQ(Message(WithSteps(cut, "[file_system]\nnames = \"ordered\"\n")),
            "scenarios/x.toml:12: key 'file_system.names' is not a known key");
  EXPECT_EQ(Message(std::string(kHead) + "[file_system]\nbdb_names = \"ordered\"\n"),
            "scenarios/x.toml:5: key 'file_system.bdb_names' needs a power cut to apply to (faults.power_loss, a "
            "power_loss step or a power_cut)");
}

// --- files and directories --------------------------------------------------

TEST(ScenarioFilesTest, LoadsDirectoriesSortedAndRefusesBadInput) {
  TempDir dir;
  dir.Write("b.toml", "name = \"b\"\ndescription = \"d\"\nexpect = \"pass\"\n");
  dir.Write("a.toml", "name = \"a\"\ndescription = \"d\"\nexpect = \"caught\"\n");
  dir.Write("notes.txt", "not a scenario");
  std::vector<Scenario> all;
  ASSERT_TRUE(LoadScenarios({dir.path()}, &all).ok());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "a");
  EXPECT_EQ(all[0].source_path, dir.path() + "/a.toml");
  EXPECT_EQ(all[1].name, "b");

  dir.Write("c.toml", "name = \"a\"\ndescription = \"d\"\nexpect = \"pass\"\n");
  Status s = LoadScenarios({dir.path()}, &all);
  EXPECT_EQ(s.message(), dir.path() + "/c.toml: key 'name' repeats \"a\", the name of '" + dir.path() + "/a.toml'");

  s = LoadScenarios({dir.path() + "/missing.toml"}, &all);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "unable to open file '" + dir.path() + "/missing.toml': No such file or directory");

  std::filesystem::create_directory(dir.path() + "/empty");
  s = LoadScenarios({dir.path() + "/empty"}, &all);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "no scenario files (*.toml) in directory '" + dir.path() + "/empty'");

  // Subdirectories too: a directory's own files first, then each subdirectory's.
  std::filesystem::create_directory(dir.path() + "/apps");
  dir.Write("apps/a2.toml", "name = \"a2\"\ndescription = \"d\"\nexpect = \"pass\"\n");
  std::filesystem::remove(dir.path() + "/c.toml");
  ASSERT_TRUE(LoadScenarios({dir.path()}, &all).ok());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "a");
  EXPECT_EQ(all[1].name, "b");
  EXPECT_EQ(all[2].name, "a2");
  EXPECT_EQ(all[2].source_path, dir.path() + "/apps/a2.toml");

  dir.Write("bad.toml", "name = \"x\"\ndescription = \"d\"\nexpect = \"maybe\"\n");
  s = LoadScenarioFile(dir.path() + "/bad.toml", &all[0]);
  EXPECT_EQ(s.message(), dir.path() + "/bad.toml:3: key 'expect' must be \"pass\" or \"caught\", got \"maybe\"");
}

TEST(ScenarioNamesTest, ToStringMatchesFileSpelling) {
  EXPECT_STREQ(ToString(Durability::kWriteNoSync), "write_nosync");
  EXPECT_STREQ(ToString(Copier::kUnverified), "unverified");
  EXPECT_STREQ(ToString(TornOrder::kOldHeadNewTail), "old_new");
  EXPECT_STREQ(ToString(Step::Action::kPromoteStandby), "promote_standby");
  EXPECT_STREQ(ToString(IoPoint::kRename), "rename");
  EXPECT_STREQ(ToString(Expect::kCaught), "caught");
}

}  // namespace
}  // namespace bdb::sim

namespace bdb::sim {
namespace {

const char kFull[] = "[[steps]]\naction = \"backup\"\nmode = \"hot\"\n";      // 3 lines
const char kRestore[] = "[[steps]]\naction = \"restore_check\"\n";             // 2 lines

TEST(ScenarioVerdictKeysTest, RefusalExpireCatchRateAndListingShareLoad) {
  Scenario sc;
  const std::string text = std::string(kHead) + "min_exercised = 0.9\n[backup]\nlogs_first_share = 0.25\n" + kFull +
                           "[[steps]]\naction = \"backup\"\nmode = \"incremental\"\n"
                           "refused = { code = \"CheckFailed\", phrase = \"DB_TXN_BULK\" }\n"
                           "[[steps]]\naction = \"expire\"\nkeep_full = 2\n" +
                           kRestore;
  Status s = Load(text, &sc);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_DOUBLE_EQ(sc.backup.logs_first_share, 0.25);
  ASSERT_TRUE(sc.steps[1].refused.has_value());
  EXPECT_EQ(sc.steps[1].refused->code, Status::Code::kCheckFailed);
  EXPECT_EQ(sc.steps[1].refused->phrase, "DB_TXN_BULK");
  EXPECT_EQ(sc.steps[2].action, Step::Action::kExpire);
  EXPECT_EQ(sc.steps[2].keep_full, 2);
  EXPECT_EQ(sc.steps[2].pin, 0);
  Scenario pinned;
  s = Load(std::string(kHead) + kFull + "[[steps]]\naction = \"expire\"\nkeep_full = 1\npin = 1\n" + kRestore, &pinned);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(pinned.steps[1].pin, 1);
  Scenario caught;
  ASSERT_TRUE(Load("name = \"c\"\ndescription = \"d\"\nexpect = \"caught\"\nmin_catch_rate = 0.7\n", &caught).ok());
  EXPECT_DOUBLE_EQ(caught.min_catch_rate, 0.7);
  EXPECT_DOUBLE_EQ(sc.min_catch_rate, 0.5);
}

TEST(ScenarioVerdictKeysTest, ErrorsNameTheKey) {
  EXPECT_EQ(Message(std::string(kHead) + "min_catch_rate = 0.5\n"),
            "scenarios/x.toml:4: key 'min_catch_rate' is only used with expect = \"caught\"");
  EXPECT_EQ(Message("name = \"c\"\ndescription = \"d\"\nexpect = \"caught\"\nmin_exercised = 0.5\n"),
            "scenarios/x.toml:4: key 'min_exercised' is only used with expect = \"pass\"");
  EXPECT_EQ(Message(std::string(kHead) + "[backup]\nlogs_first_share = 2\n"),
            "scenarios/x.toml:5: key 'backup.logs_first_share' must be a number from 0.0 to 1.0, got 2");
  EXPECT_EQ(Message(WithSteps(std::string(kFull) + "[[steps]]\naction = \"backup\"\nmode = \"incremental\"\n"
                              "refused = { code = \"Nope\", phrase = \"x\" }\n" + kRestore)),
            "scenarios/x.toml:10: key 'steps[2].refused.code' must be a status code name (\"CheckFailed\", "
            "\"InvalidArgument\", \"Busy\", ...), got \"Nope\"");
  EXPECT_EQ(Message(WithSteps(std::string(kFull) + "[[steps]]\naction = \"backup\"\nmode = \"incremental\"\n"
                              "refused = { code = \"CheckFailed\" }\n" + kRestore)),
            "scenarios/x.toml:10: key 'steps[2].refused.phrase' is required");
  EXPECT_EQ(Message(WithSteps("[[steps]]\naction = \"expire\"\nkeep_full = 1\n" + std::string(kFull) + kRestore)),
            "scenarios/x.toml:4: key 'steps[1].action' \"expire\" needs a full backup before it");
  EXPECT_EQ(Message(WithSteps(std::string(kFull) + "[[steps]]\naction = \"expire\"\nkeep_full = 1\npin = 2\n" + kRestore)),
            "scenarios/x.toml:7: key 'steps[2].pin' names backup 2 but only 1 backup steps come before it");
  EXPECT_EQ(Message(WithSteps(std::string(kFull) + "[[steps]]\naction = \"backup\"\nmode = \"incremental\"\n"
                              "refused = { code = \"CheckFailed\", phrase = \"x\" }\n"
                              "[[steps]]\naction = \"expire\"\nkeep_full = 1\npin = 2\n" + kRestore)),
            "scenarios/x.toml:11: key 'steps[3].pin' names backup 2, which is refused and never published");
  EXPECT_EQ(Message(WithSteps(std::string(kFull) + "[[steps]]\naction = \"expire\"\n" + kRestore)),
            "scenarios/x.toml:7: key 'steps[2].keep_full' is required");
  EXPECT_EQ(Message(WithSteps(std::string(kFull) + "[[steps]]\naction = \"backup\"\nmode = \"hot\"\n"
                              "refused = { code = \"CheckFailed\", phrase = \"x\" }\n"
                              "power_cut = { from = \"copy\", at = [1, 2] }\n" + kRestore)),
            "scenarios/x.toml:10: key 'steps[2].refused' needs backup.method = \"engine\" and no power_cut on the step");
}

}  // namespace
}  // namespace bdb::sim
