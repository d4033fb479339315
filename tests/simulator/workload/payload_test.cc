// Payloads, txn plans and the workload config: deterministic, self-checking,
// and every error message exact.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "simulator/workload/payload.h"
#include "simulator/workload/workload_config.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

TEST(PayloadTest, RoundTripsAndIsDeterministic) {
  std::string key = FreshKey(MakeTxnId(1, 7), 2);
  std::string v = MakePayload(3, MakeTxnId(1, 7), 2, key, 100);
  EXPECT_EQ(v.size(), 100u);
  EXPECT_EQ(v, MakePayload(3, MakeTxnId(1, 7), 2, key, 100));
  EXPECT_NE(v, MakePayload(4, MakeTxnId(1, 7), 2, key, 100));
  DecodedPayload d;
  ASSERT_TRUE(DecodePayload(key, v, &d).ok());
  EXPECT_EQ(d.txn, MakeTxnId(1, 7));
  EXPECT_EQ(d.key_index, 2u);
  EXPECT_EQ(d.length, 100u);
  EXPECT_EQ(MakePayload(3, 1, 0, key, 5).size(), kPayloadHeaderBytes);
}

TEST(PayloadTest, DecodeRejectsDamage) {
  std::string key = FreshKey(9, 0);
  std::string v = MakePayload(1, 9, 0, key, 64);
  DecodedPayload d;
  std::string flipped = v;
  flipped[40] ^= 1;
  EXPECT_EQ(DecodePayload(key, flipped, &d).message(), "value of key 'f/0000000000000009/0000' fails its checksum");
  EXPECT_EQ(DecodePayload(FreshKey(9, 1), v, &d).message(), "value of key 'f/0000000000000009/0001' fails its checksum");
  EXPECT_EQ(DecodePayload(key, v.substr(0, 10), &d).message(),
            "value of key 'f/0000000000000009/0000' is too short (10 bytes)");
  EXPECT_EQ(DecodePayload(key, v.substr(0, 40), &d).message(),
            "value of key 'f/0000000000000009/0000' claims 64 bytes but has 40");
  EXPECT_EQ(DecodePayload("k\x01", std::string(40, 'x'), &d).message(), "value of key 'k\\x01' has no payload magic");
  EXPECT_EQ(DecodePayload(key, v, &d).code(), Status::Code::kOk);
}

TEST(PayloadTest, KeysParse) {
  auto f = ParseKey(FreshKey(MakeTxnId(2, 5), 3));
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->slot);
  EXPECT_EQ(f->txn, MakeTxnId(2, 5));
  EXPECT_EQ(f->index, 3u);
  auto s = ParseKey(SlotKey(12));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->slot);
  EXPECT_EQ(s->thread, 12u);
  EXPECT_FALSE(ParseKey("junk"));
  EXPECT_FALSE(ParseKey("f/000000000000000G/0000"));
  EXPECT_EQ(TxnThread(MakeTxnId(2, 5)), 2u);
  EXPECT_EQ(TxnSeq(MakeTxnId(2, 5)), 5u);
}

TEST(PayloadTest, PlansRespectTheConfig) {
  WorkloadConfig c;
  c.home = "/x";
  c.keys_per_txn_min = 2;
  c.keys_per_txn_max = 5;
  c.value_bytes_min = 40;
  c.value_bytes_max = 90;
  c.abort_percent = 20;
  int aborts = 0;
  for (uint32_t seq = 1; seq <= 1000; ++seq) {
    TxnPlan p = PlanTxn(c, MakeTxnId(1, seq));
    ASSERT_GE(p.fresh.size(), 2u);
    ASSERT_LE(p.fresh.size(), 5u);
    for (size_t i = 0; i < p.fresh.size(); ++i) {
      EXPECT_EQ(p.fresh[i].key_index, i);
      EXPECT_EQ(p.fresh[i].db, i % 2 == 0 ? Database::kA : Database::kB);
      EXPECT_GE(p.fresh[i].value_bytes, 40u);
      EXPECT_LE(p.fresh[i].value_bytes, 90u);
    }
    EXPECT_EQ(p.slot_a.key, SlotKey(1));
    EXPECT_EQ(p.slot_b.db, Database::kB);
    aborts += p.deliberate_abort;
  }
  EXPECT_GT(aborts, 120);
  EXPECT_LT(aborts, 280);
  EXPECT_EQ(PlanTxn(c, 77).fresh.size(), PlanTxn(c, 77).fresh.size());
}

TEST(WorkloadConfigTest, JsonRoundTrip) {
  WorkloadConfig c;
  c.seed = 123;
  c.home = "/tmp/e";
  c.keys_per_txn_min = 3;
  c.keys_per_txn_max = 9;
  c.durability = CommitDurability::kWriteNoSync;
  c.io_error_op = WorkloadIoOp::kFsync;
  c.io_error_nth = 4;
  c.journal_path = "/tmp/j";
  c.crash_at_write = 17;
  c.hold_after_done = true;
  c.pause_file = "/tmp/p";
  c.txn_pause_us = 250;
  WorkloadConfig back;
  ASSERT_TRUE(WorkloadConfigFromJson(WorkloadConfigToJson(c), &back).ok());
  EXPECT_EQ(WorkloadConfigToJson(back), WorkloadConfigToJson(c));
  EXPECT_EQ(back.keys_per_txn_max, 9u);
  EXPECT_EQ(back.crash_at_write, 17u);
  EXPECT_EQ(back.txn_pause_us, 250u);
  EXPECT_EQ(back.durability, CommitDurability::kWriteNoSync);
  EXPECT_EQ(back.io_error_op, WorkloadIoOp::kFsync);
}

TEST(WorkloadConfigTest, ApplicationSettingsRoundTrip) {
  WorkloadConfig c;
  c.home = "/h";
  c.bulk = true;
  c.log_auto_remove = true;
  c.close_nosync = true;
  c.data_dir = "data";
  c.password = "secret";
  WorkloadConfig back;
  ASSERT_TRUE(WorkloadConfigFromJson(WorkloadConfigToJson(c), &back).ok());
  EXPECT_TRUE(back.bulk);
  EXPECT_TRUE(back.log_auto_remove);
  EXPECT_TRUE(back.close_nosync);
  EXPECT_EQ(back.data_dir, "data");
  EXPECT_EQ(back.password, "secret");
  EXPECT_EQ(WorkloadConfigFromJson(R"({"home":"/h","data_dir":"../x"})", &back).message(),
            "invalid workload config: 'data_dir' must be a relative directory name without blanks or '..', other "
            "than 'log', not '../x'");
}

TEST(WorkloadConfigTest, ErrorsAreExact) {
  WorkloadConfig c;
  auto err = [&](const std::string& json) { return WorkloadConfigFromJson(json, &c).message(); };
  EXPECT_EQ(err("[1]"), "invalid workload config: not a JSON object");
  EXPECT_EQ(err("{}"), "invalid workload config: 'home' is empty");
  EXPECT_EQ(err(R"({"home":"/h","io_error_op":"rename","io_error_nth":1})"),
            "invalid workload config: 'io_error_op' must be write or fsync, not 'rename'");
  EXPECT_EQ(err(R"({"home":"/h","threads":0})"), "invalid workload config: 'threads' must be 1..64, not 0");
  EXPECT_EQ(err(R"({"home":"/h","keys_per_txn":[3,2]})"),
            "invalid workload config: 'keys_per_txn' must satisfy 1 <= min <= max <= 1000, not [3, 2]");
  EXPECT_EQ(err(R"({"home":"/h","keys_per_txn":3})"), "invalid workload config: 'keys_per_txn' must be [min, max]");
  EXPECT_EQ(err(R"({"home":"/h","page_size":1000})"),
            "invalid workload config: 'page_size' must be a power of two in 512..65536, not 1000");
  EXPECT_EQ(err(R"({"home":"/h","abort_percent":101})"), "invalid workload config: 'abort_percent' must be 0..100, not 101");
  EXPECT_EQ(err(R"({"home":"/h","value_bytes":[9,8]})"),
            "invalid workload config: 'value_bytes' must satisfy min <= max <= 1048576, not [9, 8]");
  EXPECT_EQ(err("{").substr(0, 31), "invalid workload config: [json.");
  TempDir dir("h4-config");
  EXPECT_EQ(LoadWorkloadConfig(dir.Sub("none.json"), &c).message(),
            fmt::format("unable to open file '{}': No such file or directory", dir.Sub("none.json")));
  EXPECT_TRUE(LoadWorkloadConfig(dir.Sub("none.json"), &c).IsNotFound());
}

}  // namespace
}  // namespace bdb::sim
