// The oracle is not vacuous: one real workload run is recovered once, then
// each test damages its own copy in one precise way and expects the oracle to
// name exactly that rule.
#include <db.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "engine/recovery/recovery.h"
#include "simulator/harness/oracle.h"
#include "simulator/harness/oracle_process.h"
#include "tests/support/run_process.h"
#include "simulator/workload/payload.h"
#include "simulator/workload/workload_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

using std::chrono::milliseconds;

class OracleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("h4-oracle");
    config_.seed = 99;
    config_.home = dir_->Sub("env");
    config_.txns = 300;
    config_.threads = 2;
    config_.keys_per_txn_min = 2;
    config_.keys_per_txn_max = 4;
    config_.value_bytes_max = 300;
    config_.abort_percent = 15;
    ASSERT_TRUE(SaveWorkloadConfig(config_, dir_->Sub("workload.json")).ok());
    ASSERT_TRUE(WorkloadProcess::Start(BDBSIM_WORKLOAD_BIN, dir_->Sub("workload.json"), "", &process_).ok());
    ExitInfo exit;
    ASSERT_TRUE(process_->Wait(milliseconds(30000), &exit).ok());
    ASSERT_EQ(exit.code, 0);
    ASSERT_TRUE(RecoverNormal(config_.home).ok());
  }
  static void TearDownTestSuite() {
    process_.reset();
    delete dir_;
  }

  void SetUp() override {
    home_ = dir_->Sub(::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::copy(config_.home, home_, std::filesystem::copy_options::recursive);
  }
  void TearDown() override { std::filesystem::remove_all(home_); }

  const AckLedger& ledger() { return process_->ledger(); }
  OracleReport Check(bool allow_lost_suffix = false) {
    return CheckEnvironment(home_, ledger(), ledger().Cutoff(), config_, allow_lost_suffix);
  }

  // Applies fn to one database of the copy through a private environment.
  void Edit(Database which, const std::function<void(DB*)>& fn) {
    DB_ENV* env = nullptr;
    ASSERT_EQ(db_env_create(&env, 0), 0);
    ASSERT_EQ(env->open(env, home_.c_str(), DB_CREATE | DB_PRIVATE | DB_INIT_MPOOL, 0), 0);
    DB* db = nullptr;
    ASSERT_EQ(db_create(&db, env, 0), 0);
    ASSERT_EQ(db->open(db, nullptr, DatabaseFile(which), nullptr, DB_UNKNOWN, 0, 0), 0);
    fn(db);
    db->close(db, 0);
    env->close(env, 0);
  }
  void Put(Database which, const std::string& key, const std::string& value) {
    Edit(which, [&](DB* db) {
      DBT k{}, v{};
      k.data = const_cast<char*>(key.data());
      k.size = key.size();
      v.data = const_cast<char*>(value.data());
      v.size = value.size();
      ASSERT_EQ(db->put(db, nullptr, &k, &v, 0), 0);
    });
  }
  void Delete(Database which, const std::string& key) {
    Edit(which, [&](DB* db) {
      DBT k{};
      k.data = const_cast<char*>(key.data());
      k.size = key.size();
      ASSERT_EQ(db->del(db, nullptr, &k, 0), 0) << key;
    });
  }
  // An acked txn of thread 0 that is not its thread's newest, with >= 2 keys.
  uint64_t OlderAckedTxn() {
    for (const TxnRecord& r : ledger().Snapshot())
      if (r.ack_seq != 0 && r.thread == 0 && TxnSeq(r.txn) > 5 && TxnSeq(r.txn) < 50) return r.txn;
    ADD_FAILURE() << "no acked txn";
    return 0;
  }
  bool HasViolation(const OracleReport& r, int rule, const std::string& detail) {
    for (const OracleViolation& v : r.violations)
      if (v.rule == rule && v.detail.find(detail) != std::string::npos) return true;
    ADD_FAILURE() << "no rule " << rule << " '" << detail << "' in: " << r.Summary();
    return false;
  }

  static TempDir* dir_;
  static WorkloadConfig config_;
  static std::unique_ptr<WorkloadProcess> process_;
  std::string home_;
};

TempDir* OracleTest::dir_ = nullptr;
WorkloadConfig OracleTest::config_;
std::unique_ptr<WorkloadProcess> OracleTest::process_;

// Rule 2 after a point-in-time restore: every commit that began at or after
// the point is checked absent; this copy holds them all, so each is a
// violation, and a point after the last commit checks none.
TEST_F(OracleTest, CommitsBegunAfterThePointThatAreVisibleBreakRuleTwo) {
  std::vector<TxnRecord> acked;
  for (const TxnRecord& r : ledger().Snapshot())
    if (r.ack_seq != 0 && r.start_unix_ms != 0) acked.push_back(r);
  ASSERT_GT(acked.size(), 100u);
  std::sort(acked.begin(), acked.end(),
            [](const TxnRecord& a, const TxnRecord& b) { return a.start_unix_ms < b.start_unix_ms; });
  const int64_t point = acked[acked.size() / 2].start_unix_ms;
  uint64_t begun_after = 0;
  for (const TxnRecord& r : ledger().Snapshot()) begun_after += r.start_unix_ms != 0 && r.start_unix_ms >= point;
  OracleReport r = CheckEnvironment(home_, ledger(), ledger().Cutoff(), config_, false, point);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.after_point, begun_after);
  EXPECT_TRUE(HasViolation(r, 2, "began to commit after the restore point but is visible"));
  r = CheckEnvironment(home_, ledger(), ledger().Cutoff(), config_, false, acked.back().start_unix_ms + 1);
  EXPECT_TRUE(r.ok) << r.Summary();
  EXPECT_EQ(r.after_point, 0u);
}

TEST_F(OracleTest, UndamagedEnvironmentPasses) {
  OracleReport r = Check();
  EXPECT_TRUE(r.ok) << r.Summary();
  EXPECT_EQ(r.acked, ledger().AckedCount());
  EXPECT_EQ(r.present, r.acked);
  EXPECT_EQ(r.missing, 0u);
  EXPECT_EQ(r.Summary().substr(0, 4), "ok: ");
}

TEST_F(OracleTest, DeletedAckedKeyBreaksRule1) {
  uint64_t txn = OlderAckedTxn();
  Delete(Database::kA, FreshKey(txn, 0));
  OracleReport r = Check();
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.violations.size(), 1u) << r.Summary();
  EXPECT_EQ(r.violations[0].Describe(),
            fmt::format("rule 1: txn {} a.db '{}': txn is partly visible: this key is missing", txn, FreshKey(txn, 0)));
}

TEST_F(OracleTest, AlteredValueByteIsFound) {
  uint64_t txn = OlderAckedTxn();
  TxnPlan plan = PlanTxn(config_, txn);
  std::string v = MakePayload(config_.seed, txn, 1, plan.fresh[1].key, plan.fresh[1].value_bytes);
  v[v.size() - 1] ^= 1;
  Put(Database::kB, plan.fresh[1].key, v);
  OracleReport r = Check();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(HasViolation(r, 1, "fails its checksum"));
  EXPECT_EQ(r.violations[0].key, plan.fresh[1].key);
  EXPECT_EQ(r.violations[0].database, "b.db");
}

TEST_F(OracleTest, AbortedTxnDataBreaksRule2) {
  uint64_t aborted = 0;
  for (const TxnRecord& r : ledger().Snapshot())
    if (r.aborted) aborted = r.txn;
  ASSERT_NE(aborted, 0u);
  TxnPlan plan = PlanTxn(config_, aborted);
  EXPECT_TRUE(plan.deliberate_abort);
  for (const PlannedRecord& rec : plan.fresh)
    Put(rec.db, rec.key, MakePayload(config_.seed, aborted, rec.key_index, rec.key, rec.value_bytes));
  OracleReport r = Check();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(HasViolation(r, 2, "txn was aborted but its data is visible"));
}

TEST_F(OracleTest, KeyMissingOnlyInBdbBreaksAllOrNothing) {
  uint64_t txn = OlderAckedTxn();
  Delete(Database::kB, FreshKey(txn, 1));
  OracleReport r = Check();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.violations[0].database, "b.db");
  EXPECT_EQ(r.violations[0].txn, txn);
  EXPECT_EQ(r.violations[0].detail, "txn is partly visible: this key is missing");
}

TEST_F(OracleTest, HoleInCommitOrderBreaksRule3) {
  uint64_t txn = OlderAckedTxn();
  for (const PlannedRecord& rec : PlanTxn(config_, txn).fresh) Delete(rec.db, rec.key);
  // Lenient about losses, still strict about holes.
  OracleReport r = Check(/*allow_lost_suffix=*/true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.missing, 1u);
  EXPECT_TRUE(HasViolation(r, 3, fmt::format("txn {}, acknowledged before it began to commit, is missing", txn)));
  OracleReport strict = Check();
  EXPECT_TRUE(HasViolation(strict, 1, "acknowledged txn is missing"));
}

TEST_F(OracleTest, LostSuffixIsAllowedOnlyWhenAsked) {
  // A ledger with one more acknowledged commit than the environment holds.
  AckLedger l;
  std::vector<std::pair<uint64_t, std::string>> lines;
  for (const TxnRecord& r : ledger().Snapshot()) {
    if (r.start_seq) lines.push_back({r.start_seq, fmt::format("S {}", r.txn)});
    if (r.ack_seq) lines.push_back({r.ack_seq, fmt::format("A {}", r.txn)});
    if (r.aborted) lines.push_back({r.start_seq, fmt::format("X {}", r.txn)});
  }
  std::sort(lines.begin(), lines.end());
  for (const auto& [seq, line] : lines) ASSERT_TRUE(l.Consume(line).ok());
  uint64_t ghost = MakeTxnId(0, 100000);
  ASSERT_TRUE(l.Consume(fmt::format("S {}", ghost)).ok());
  ASSERT_TRUE(l.Consume(fmt::format("A {}", ghost)).ok());
  OracleReport strict = CheckEnvironment(home_, l, l.Cutoff(), config_, false);
  ASSERT_FALSE(strict.ok);
  EXPECT_EQ(strict.violations[0].Describe(), fmt::format("rule 1: txn {}: acknowledged txn is missing", ghost));
  OracleReport lenient = CheckEnvironment(home_, l, l.Cutoff(), config_, true);
  EXPECT_TRUE(lenient.ok) << lenient.Summary();
  EXPECT_EQ(lenient.lost_suffix, 1u);
  // A cutoff before the ghost's ack: nothing is owed.
  OracleReport before = CheckEnvironment(home_, l, l.Cutoff() - 1, config_, false);
  EXPECT_TRUE(before.ok) << before.Summary();
}

TEST_F(OracleTest, ForeignRecordBreaksRule2) {
  Put(Database::kA, "junk", "value");
  OracleReport r = Check();
  ASSERT_EQ(r.violations.size(), 1u) << r.Summary();
  EXPECT_EQ(r.violations[0].Describe(), "rule 2: a.db 'junk': key is not a workload key");
}

TEST_F(OracleTest, CorruptPageBreaksRule4) {
  std::string path = home_ + "/a.db";
  int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  std::string garbage(200, '\x5a');
  ASSERT_EQ(::pwrite(fd, garbage.data(), garbage.size(), config_.page_size + 100), 200);
  ::close(fd);
  OracleReport r = Check();
  EXPECT_FALSE(r.ok);
  bool rule4 = false;
  for (const OracleViolation& v : r.violations) rule4 |= v.rule == 4 && v.database == "a.db";
  EXPECT_TRUE(rule4) << r.Summary();
}

TEST_F(OracleTest, MissingEnvironmentIsReported) {
  OracleReport r = CheckEnvironment(home_ + "/nope", ledger(), ledger().Cutoff(), config_, false);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.violations[0].Describe(), fmt::format("rule 4: environment home '{}/nope' does not exist", home_));
}

// The oracle in its own process (bdbsim __oracle) says exactly what it says in
// this one, on an intact copy and on a damaged one.
TEST_F(OracleTest, InItsOwnProcessTheReportIsTheSame) {
  OracleRequest request{home_, ledger().Snapshot(), ledger().Cutoff(), config_, false, 0};
  OracleReport child = CheckEnvironmentInChild(BDBSIM_BIN, home_ + ".request.json", request, 60000);
  EXPECT_TRUE(child.ok) << child.Summary();
  EXPECT_EQ(child.Summary(), Check().Summary());
  EXPECT_GT(child.records, 0u);
  Put(Database::kA, "junk", "value");
  child = CheckEnvironmentInChild(BDBSIM_BIN, home_ + ".request.json", request, 60000);
  EXPECT_FALSE(child.ok);
  EXPECT_EQ(child.Summary(), Check().Summary());
  EXPECT_EQ(OracleReportToJson(child), OracleReportToJson(Check()));
}

// A reader that dies (as BDB can on a damaged environment), prints no report
// or cannot start is a rule 4 violation naming how it ended, never a crash of
// the harness.
TEST_F(OracleTest, AReaderThatDiesIsARuleFourViolation) {
  OracleRequest request{home_, ledger().Snapshot(), ledger().Cutoff(), config_, false, 0};
  const std::string segv = home_ + ".segv.sh", garbage = home_ + ".garbage.sh";
  {
    std::ofstream(segv) << "#!/bin/sh\necho 'reading a.db' >&2\nkill -SEGV $$\n";
    std::ofstream(garbage) << "#!/bin/sh\necho '{\"ok\": tru'\n";
  }
  std::filesystem::permissions(segv, std::filesystem::perms::owner_all);
  std::filesystem::permissions(garbage, std::filesystem::perms::owner_all);
  OracleReport r = CheckEnvironmentInChild(segv, home_ + ".request.json", request, 60000);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].Describe(),
            fmt::format("rule 4: the oracle could not read environment '{}': its reader process ended with killed "
                        "by signal 11: reading a.db",
                        home_));
  r = CheckEnvironmentInChild(garbage, home_ + ".request.json", request, 60000);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_NE(r.violations[0].Describe().find("invalid oracle report: "), std::string::npos) << r.Summary();
  r = CheckEnvironmentInChild(home_ + ".absent", home_ + ".request.json", request, 60000);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].Describe(),
            fmt::format("rule 4: the oracle could not read environment '{}': unable to start '{}.absent': No such "
                        "file or directory",
                        home_, home_));
}

TEST(OracleProcessTest, CodecRoundTripsAndRefusesMalformedInput) {
  OracleRequest request;
  request.home = "/h";
  request.ledger = {{7, 1, 3, 4, false, 1000, 1001}, {9, 2, 5, 0, true, 0, 0}};
  request.cutoff_seq = 4;
  request.config.home = "/h";
  request.config.password = "secret";
  request.allow_lost_suffix = true;
  request.absent_from_unix_ms = 123;
  request.already_verified = {"a.db", "data/b.db"};
  OracleRequest back;
  ASSERT_TRUE(OracleRequestFromJson(OracleRequestToJson(request), &back).ok());
  EXPECT_EQ(OracleRequestToJson(back), OracleRequestToJson(request));
  EXPECT_EQ(back.config.password, "secret");
  EXPECT_EQ(back.ledger[1].aborted, true);
  EXPECT_EQ(back.already_verified, (std::vector<std::string>{"a.db", "data/b.db"}));
  EXPECT_EQ(OracleRequestFromJson("{}", &back).message().rfind("invalid oracle request: ", 0), 0u);
  EXPECT_EQ(OracleRequestFromJson(R"({"home":"/h","cutoff_seq":1,"allow_lost_suffix":false,"absent_from_unix_ms":0,
      "acks_only":false,"skip_rules_if_unreadable":false,"ledger":[[1,2,3]],"config":{"home":"/h"}})",
                                  &back)
                .message(),
            "invalid oracle request: a ledger entry is not 7 values");
  OracleReport report;
  report.Add({1, 7, "a.db", "k", "missing"});
  report.acked = 3;
  OracleReport report_back;
  ASSERT_TRUE(OracleReportFromJson(OracleReportToJson(report), &report_back).ok());
  EXPECT_EQ(report_back.Summary(), report.Summary());
  EXPECT_EQ(OracleReportFromJson("[]", &report_back).message().rfind("invalid oracle report: ", 0), 0u);
}

TEST(OracleProcessTest, BadRequestFileIsExitTwoWithOneLine) {
  TempDir dir("oracle-process");
  std::ofstream(dir.Sub("bad.json")) << "{";
  ProcessResult r = RunProcess({BDBSIM_BIN, "__oracle", dir.Sub("bad.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("bdbsim __oracle: error: invalid oracle request: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  r = RunProcess({BDBSIM_BIN, "__oracle", dir.Sub("absent.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "bdbsim __oracle: error: unable to open file '" + dir.Sub("absent.json") +
                       "': No such file or directory\n");
}

}  // namespace
}  // namespace bdb::sim
