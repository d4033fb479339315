// Tests of the manifest format and of backup IDs / timestamps: a RapidCheck
// round trip over random manifests, and every parse error with its exact text.
#include "engine/repository/manifest.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/repository/backup_id.h"

namespace bdb {
namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t k20261123T181500 = 1795457700000;  // 2026-11-23T18:15:00Z
constexpr int64_t kYear9999End = 253402300799999;    // 9999-12-31T23:59:59.999Z
constexpr char kPath[] = "/repo/backups/x/manifest.json";

// ---- timestamps and IDs ----

TEST(UtcTimestamp, FormatsIso8601AtSecondResolutionForReports) {
  EXPECT_EQ(FormatUtcSeconds(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtcSeconds(k20261123T181500 / 1000), "2026-11-23T18:15:00Z");
  EXPECT_EQ(FormatUtcSeconds(1709208000), "2024-02-29T12:00:00Z");
}

TEST(UtcTimestamp, FormatsIso8601WithMilliseconds) {
  EXPECT_EQ(FormatUtcTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatUtcTimestamp(k20261123T181500 + 123), "2026-11-23T18:15:00.123Z");
  EXPECT_EQ(FormatUtcTimestamp(1709208000000), "2024-02-29T12:00:00.000Z");
  EXPECT_EQ(FormatUtcTimestamp(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatUtcTimestamp(-2208988800000), "1900-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatUtcTimestamp(kYear9999End), "9999-12-31T23:59:59.999Z");
}

TEST(UtcTimestamp, ParsesTheThreeAcceptedForms) {
  int64_t ms = 0;
  ASSERT_TRUE(ParseUtcTimestamp("2026-11-23T18:15:00.123Z", &ms).ok());
  EXPECT_EQ(ms, k20261123T181500 + 123);
  ASSERT_TRUE(ParseUtcTimestamp("2026-11-23T18:15:00Z", &ms).ok());
  EXPECT_EQ(ms, k20261123T181500);
  ASSERT_TRUE(ParseUtcTimestamp("2026-11-23 18:15:00", &ms).ok());
  EXPECT_EQ(ms, k20261123T181500);
  ASSERT_TRUE(ParseUtcTimestamp("2026-11-23T18:15:00.5Z", &ms).ok());
  EXPECT_EQ(ms, k20261123T181500 + 500);
  ASSERT_TRUE(ParseUtcTimestamp("2026-11-23T18:15:00.123456789Z", &ms).ok());
  EXPECT_EQ(ms, k20261123T181500 + 123);
  ASSERT_TRUE(ParseUtcTimestamp("2024-02-29T12:00:00Z", &ms).ok());
  EXPECT_EQ(ms, 1709208000000);
}

TEST(UtcTimestamp, RefusesAnythingElse) {
  for (const char* bad : {"", "yesterday", "2026-11-23T18:15:00", "2026-11-23 18:15:00Z", "2026-11-23T18:15Z",
                          "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-31T00:00:00Z",
                          "2026-11-23T24:00:00Z", "2026-11-23T18:60:00Z", "2026-11-23T18:15:60Z",
                          "2026-11-23T18:15:00.Z", "2026-11-23T18:15:00.1234567890Z", "2026-11-23T18:15:00Z ",
                          "26-11-23T18:15:00Z", "2026/11/23 18:15:00", "2026-11-23T18:15:00+01:00"}) {
    int64_t ms = 0;
    Status s = ParseUtcTimestamp(bad, &ms);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_EQ(s.message(), std::string("invalid time '") + bad +
                               "': expected YYYY-MM-DDTHH:MM:SS[.mmm]Z or 'YYYY-MM-DD HH:MM:SS' (UTC)");
  }
}

RC_GTEST_PROP(UtcTimestamp, ParseInvertsFormat, ()) {
  const int64_t ms = *rc::gen::inRange<int64_t>(-2208988800000, kYear9999End + 1);
  int64_t back = 0;
  RC_ASSERT(ParseUtcTimestamp(FormatUtcTimestamp(ms), &back).ok());
  RC_ASSERT(back == ms);
}

TEST(BackupId, Format) {
  EXPECT_EQ(MakeBackupId(k20261123T181500 + 999, BackupMode::kHot, 0), "20261123T181500Z-hot");
  EXPECT_EQ(MakeBackupId(k20261123T181500, BackupMode::kCold, 1), "20261123T181500Z.001-cold");
  EXPECT_EQ(MakeBackupId(k20261123T181500, BackupMode::kIncremental, 999), "20261123T181500Z.999-incremental");
}

TEST(BackupId, Validity) {
  for (const char* ok : {"20261123T181500Z-hot", "20261123T181500Z.001-cold", "20240229T000000Z.999-incremental"}) {
    EXPECT_TRUE(IsValidBackupId(ok)) << ok;
  }
  for (const char* bad : {"", "latest", "20261123T181500Z-hot.partial", "20261123T181500Z-warm",
                          "20261123T181500Z", "20261123T181500Z-", "20261123T181500z-hot", "20261323T181500Z-hot",
                          "20250229T000000Z-hot", "20261123T241500Z-hot", "20261123T181500Z.000-hot",
                          "20261123T181500Z.1-hot", "20261123T181500Z.0001-hot", "20261123T181500Z_001-hot",
                          "../20261123T181500Z-hot", "20261123T181500Z-hot/x", "2026112T181500Z-hot"}) {
    EXPECT_FALSE(IsValidBackupId(bad)) << bad;
  }
}

TEST(BackupId, SplitsIntoItsParts) {
  BackupIdParts p = SplitBackupId("20261123T181500Z.042-incremental");
  EXPECT_EQ(p.second, "20261123T181500Z");
  EXPECT_EQ(p.uniquifier, 42);
  EXPECT_EQ(p.mode, BackupMode::kIncremental);
  p = SplitBackupId("20261123T181500Z-hot");
  EXPECT_EQ(p.uniquifier, 0);
  EXPECT_EQ(p.mode, BackupMode::kHot);
}

TEST(BackupId, ByteOrderIsTimeOrderAcrossModesAndUniquifiers) {
  // In creation order: the mode must never decide the order.
  const std::vector<std::string> created = {
      MakeBackupId(k20261123T181500, BackupMode::kIncremental, 0), MakeBackupId(k20261123T181500, BackupMode::kCold, 1),
      MakeBackupId(k20261123T181500, BackupMode::kHot, 2),         MakeBackupId(k20261123T181500, BackupMode::kCold, 10),
      MakeBackupId(k20261123T181500, BackupMode::kCold, 999),      MakeBackupId(k20261123T181500 + 1000, BackupMode::kCold, 0),
      MakeBackupId(k20261123T181500 + 60000, BackupMode::kHot, 0), MakeBackupId(kYear9999End, BackupMode::kCold, 0)};
  std::vector<std::string> sorted = created;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, created);
}

RC_GTEST_PROP(BackupId, SortsLikeSecondThenUniquifier, ()) {
  const std::vector<BackupMode> modes = {BackupMode::kCold, BackupMode::kHot, BackupMode::kIncremental};
  const int64_t a_ms = *rc::gen::inRange<int64_t>(0, kYear9999End + 1);
  const int64_t b_ms = *rc::gen::oneOf(rc::gen::just(a_ms), rc::gen::inRange<int64_t>(0, kYear9999End + 1));
  const int a_u = *rc::gen::inRange(0, 1000);
  const int b_u = *rc::gen::inRange(0, 1000);
  const std::string a = MakeBackupId(a_ms, *rc::gen::elementOf(modes), a_u);
  const std::string b = MakeBackupId(b_ms, *rc::gen::elementOf(modes), b_u);
  RC_ASSERT(IsValidBackupId(a));
  const int64_t a_s = a_ms / 1000, b_s = b_ms / 1000;
  if (std::tie(a_s, a_u) < std::tie(b_s, b_u)) RC_ASSERT(a < b);
  if (std::tie(a_s, a_u) > std::tie(b_s, b_u)) RC_ASSERT(a > b);
}

// ---- manifest round trip ----

std::string RandomText() {
  const std::vector<std::string> pieces = {"a", "Z", "0", " ", "/", "\"", "\\", "\n", "\t", "é", "日本", "-", "."};
  std::string out;
  for (const std::string& p : *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(pieces))) out += p;
  return out;
}

std::string RandomPath() {
  const std::string chars = "abcdefghijklmnopqrstuvwxyz0123456789._-";
  const int depth = *rc::gen::inRange(1, 4);
  std::string path;
  for (int i = 0; i < depth; ++i) {
    const auto part = *rc::gen::suchThat(
        rc::gen::resize(12, rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::elementOf(chars)))),
        [](const std::string& s) { return s != "." && s != ".."; });
    path += (i > 0 ? "/" : "") + part;
  }
  return path;
}

std::string RandomHex16() {
  const std::string hex = "0123456789abcdef";
  return *rc::gen::container<std::string>(16, rc::gen::elementOf(hex));
}

Manifest RandomManifest() {
  Manifest m;
  m.mode = *rc::gen::element(BackupMode::kCold, BackupMode::kHot, BackupMode::kIncremental);
  m.start_unix_ms = *rc::gen::inRange<int64_t>(1000, kYear9999End);
  m.end_unix_ms = *rc::gen::inRange<int64_t>(0, kYear9999End + 1);
  m.id = MakeBackupId(m.start_unix_ms, m.mode, *rc::gen::inRange(0, 1000));
  if (m.mode == BackupMode::kIncremental) m.parent = MakeBackupId(m.start_unix_ms - 1000, BackupMode::kHot, 0);
  m.source_home = RandomText();
  m.tool_version = RandomText();
  m.log_dir_rel = *rc::gen::element<std::string>("", "log", "logs/bdb");
  m.first_log = *rc::gen::arbitrary<uint32_t>();
  m.last_log = *rc::gen::inRange<uint64_t>(m.first_log, uint64_t{UINT32_MAX} + 1);
  m.end_lsn.file = *rc::gen::arbitrary<uint32_t>();
  m.end_lsn.offset = *rc::gen::arbitrary<uint32_t>();
  std::set<std::string> paths;
  const int n = *rc::gen::inRange(0, 20);
  for (int i = 0; i < n; ++i) {
    ManifestFile f;
    f.path = RandomPath();
    if (f.path == kManifestFileName || !paths.insert(f.path).second) continue;
    f.kind = *rc::gen::element<std::string>("database", "log", "config");
    f.size = *rc::gen::arbitrary<uint64_t>();
    f.xxh3 = RandomHex16();
    if (f.kind == "database") {
      f.page_size = 1u << *rc::gen::inRange(9, 17);
      f.checksummed = *rc::gen::arbitrary<bool>();
    }
    m.files.push_back(f);
  }
  return m;
}

RC_GTEST_PROP(ManifestJson, RoundTripsEveryValidManifest, ()) {
  const Manifest m = RandomManifest();
  const std::string json = ManifestToJson(m);
  Manifest back;
  const Status s = ParseManifest(json, kPath, &back);
  RC_ASSERT(s.ok());
  RC_ASSERT(back == m);
  RC_ASSERT(ManifestToJson(back) == json);  // stable output
}

Manifest SampleManifest() {
  Manifest m;
  m.id = "20261123T181500Z-hot";
  m.mode = BackupMode::kHot;
  m.start_unix_ms = k20261123T181500 + 123;
  m.end_unix_ms = k20261123T181500 + 4567;
  m.source_home = "/srv/db";
  m.tool_version = "0.1.0";
  m.log_dir_rel = "log";
  m.first_log = 3;
  m.last_log = 5;
  m.end_lsn = {5, 28};
  m.files = {{"a.db", "database", 8192, "0123456789abcdef", 4096, true},
             {"log/log.0000000003", "log", 10485760, "fedcba9876543210", 0, false},
             {"DB_CONFIG", "config", 12, "00000000000000ff", 0, false}};
  return m;
}

TEST(ManifestJson, StableLayout) {
  Manifest m = SampleManifest();
  m.files.resize(1);
  EXPECT_EQ(ManifestToJson(m), R"({
  "format_version": 1,
  "id": "20261123T181500Z-hot",
  "mode": "hot",
  "parent": "",
  "start_time": "2026-11-23T18:15:00.123Z",
  "start_unix_ms": 1795457700123,
  "end_time": "2026-11-23T18:15:04.567Z",
  "end_unix_ms": 1795457704567,
  "source_home": "/srv/db",
  "tool_version": "0.1.0",
  "log_dir": "log",
  "first_log": 3,
  "last_log": 5,
  "end_lsn": {
    "file": 5,
    "offset": 28
  },
  "files": [
    {
      "path": "a.db",
      "kind": "database",
      "size": 8192,
      "xxh3": "0123456789abcdef",
      "page_size": 4096,
      "checksummed": true
    }
  ]
}
)");
}

// ---- parse errors ----

Status ParseText(const std::string& text) {
  Manifest m;
  return ParseManifest(text, kPath, &m);
}

// Parses SampleManifest's JSON after edit changed it.
Status ParseEdited(const std::function<void(Json&)>& edit) {
  Json doc = Json::parse(ManifestToJson(SampleManifest()));
  edit(doc);
  return ParseText(doc.dump());
}

void ExpectError(const Status& s, Status::Code code, const std::string& message) {
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_EQ(s.message(), message);
}

void ExpectCorrupt(const std::function<void(Json&)>& edit, const std::string& why) {
  ExpectError(ParseEdited(edit), Status::Code::kCorruption, std::string("manifest '") + kPath + "' " + why);
}

TEST(ParseManifest, SampleParses) {
  Manifest m;
  ASSERT_TRUE(ParseManifest(ManifestToJson(SampleManifest()), kPath, &m).ok());
  EXPECT_EQ(m, SampleManifest());
}

TEST(ParseManifest, NotJsonOrTruncated) {
  const std::string prefix = std::string("manifest '") + kPath + "' is not valid JSON: ";
  ExpectError(ParseText(""), Status::Code::kCorruption,
              prefix + "parse error at line 1, column 1: syntax error while parsing value - unexpected end of input; "
                       "expected '[', '{', or a literal");
  ExpectError(ParseText("manifest"), Status::Code::kCorruption,
              prefix + "parse error at line 1, column 1: syntax error while parsing value - invalid literal; "
                       "last read: 'm'");
  const std::string full = ManifestToJson(SampleManifest());
  ExpectError(ParseText(full.substr(0, full.size() - 3)), Status::Code::kCorruption,
              prefix + "parse error at line 44, column 4: syntax error while parsing object - unexpected end of "
                       "input; expected '}'");
  ExpectError(ParseText("[1, 2]"), Status::Code::kCorruption, std::string("manifest '") + kPath +
                                                                   "' is not a JSON object");
}

TEST(ParseManifest, FormatVersion) {
  ExpectError(ParseEdited([](Json& d) { d["format_version"] = 3; }), Status::Code::kInvalidArgument,
              std::string("manifest '") + kPath + "' has format version 3; this bdbackup reads up to 2");
  // A newer version is reported even when the rest no longer looks like version 1.
  ExpectError(ParseText(R"({"format_version": 7})"), Status::Code::kInvalidArgument,
              std::string("manifest '") + kPath + "' has format version 7; this bdbackup reads up to 2");
  ExpectCorrupt([](Json& d) { d["format_version"] = 0; }, "field 'format_version' has invalid value '0'");
  ExpectCorrupt([](Json& d) { d["format_version"] = "1"; }, "field 'format_version' is not an integer");
  ExpectCorrupt([](Json& d) { d.erase("format_version"); }, "is missing field 'format_version'");
}

TEST(ParseManifest, MissingFields) {
  for (const char* key : {"id", "mode", "parent", "start_time", "start_unix_ms", "end_time", "end_unix_ms",
                          "source_home", "tool_version", "log_dir", "first_log", "last_log", "end_lsn", "files"}) {
    ExpectCorrupt([&](Json& d) { d.erase(key); }, std::string("is missing field '") + key + "'");
  }
  ExpectCorrupt([](Json& d) { d["end_lsn"].erase("offset"); }, "is missing field 'end_lsn.offset'");
  for (const char* key : {"path", "kind", "size", "xxh3", "page_size", "checksummed"}) {
    ExpectCorrupt([&](Json& d) { d["files"][1].erase(key); }, std::string("is missing field 'files[1].") + key + "'");
  }
}

TEST(ParseManifest, WrongTypes) {
  ExpectCorrupt([](Json& d) { d["id"] = 5; }, "field 'id' is not a string");
  ExpectCorrupt([](Json& d) { d["start_unix_ms"] = "now"; }, "field 'start_unix_ms' is not an integer");
  ExpectCorrupt([](Json& d) { d["first_log"] = -1; }, "field 'first_log' is not an unsigned integer");
  ExpectCorrupt([](Json& d) { d["first_log"] = 1.5; }, "field 'first_log' is not an unsigned integer");
  ExpectCorrupt([](Json& d) { d["last_log"] = 4294967296ULL; }, "field 'last_log' does not fit in 32 bits");
  ExpectCorrupt([](Json& d) { d["end_unix_ms"] = 18446744073709551615ULL; },
                "field 'end_unix_ms' does not fit in 64 bits");
  ExpectCorrupt([](Json& d) { d["end_lsn"] = Json::array(); }, "field 'end_lsn' is not an object");
  ExpectCorrupt([](Json& d) { d["files"] = Json::object(); }, "field 'files' is not an array");
  ExpectCorrupt([](Json& d) { d["files"][2] = "DB_CONFIG"; }, "field 'files[2]' is not an object");
  ExpectCorrupt([](Json& d) { d["files"][0]["size"] = "8192"; }, "field 'files[0].size' is not an unsigned integer");
  ExpectCorrupt([](Json& d) { d["files"][0]["checksummed"] = 1; }, "field 'files[0].checksummed' is not a boolean");
}

TEST(ParseManifest, InvalidValues) {
  ExpectCorrupt([](Json& d) { d["id"] = "20261123T181500Z-hot.partial"; },
                "field 'id' has invalid value '20261123T181500Z-hot.partial'");
  ExpectCorrupt([](Json& d) { d["mode"] = "warm"; }, "field 'mode' has invalid value 'warm'");
  ExpectCorrupt([](Json& d) { d["mode"] = "cold"; }, "field 'mode' ('cold') does not match id '20261123T181500Z-hot'");
  ExpectCorrupt([](Json& d) { d["parent"] = "20261123T181400Z-hot"; },
                "field 'parent' has invalid value '20261123T181400Z-hot'");
  ExpectCorrupt(
      [](Json& d) {
        d["id"] = "20261123T181500Z-incremental";
        d["mode"] = "incremental";
      },
      "field 'parent' has invalid value ''");
  ExpectCorrupt([](Json& d) { d["start_time"] = "2026-11-23T18:15:00.124Z"; },
                "field 'start_time' ('2026-11-23T18:15:00.124Z') does not match field 'start_unix_ms' "
                "(1795457700123)");
  ExpectCorrupt([](Json& d) { d["end_time"] = "soon"; },
                "field 'end_time' ('soon') does not match field 'end_unix_ms' (1795457704567)");
  ExpectCorrupt([](Json& d) { d["first_log"] = 6; }, "field 'first_log' (6) is after field 'last_log' (5)");
  ExpectCorrupt([](Json& d) { d["files"][1]["kind"] = "index"; }, "field 'files[1].kind' has invalid value 'index'");
  ExpectCorrupt([](Json& d) { d["files"][1]["xxh3"] = "0123456789ABCDEF"; },
                "field 'files[1].xxh3' has invalid value '0123456789ABCDEF'");
  ExpectCorrupt([](Json& d) { d["files"][1]["xxh3"] = "0123"; }, "field 'files[1].xxh3' has invalid value '0123'");
  ExpectCorrupt([](Json& d) { d["files"][0]["page_size"] = 3000; },
                "field 'files[0].page_size' has invalid value '3000'");
  ExpectCorrupt([](Json& d) { d["files"][0]["page_size"] = 131072; },
                "field 'files[0].page_size' has invalid value '131072'");
}

TEST(ParseManifest, UnsafePaths) {
  const std::string prefix = std::string("manifest '") + kPath + "': ";
  ExpectError(ParseEdited([](Json& d) { d["files"][0]["path"] = "/etc/passwd"; }), Status::Code::kInvalidArgument,
              prefix + "manifest path '/etc/passwd' is absolute");
  ExpectError(ParseEdited([](Json& d) { d["files"][0]["path"] = "../x"; }), Status::Code::kInvalidArgument,
              prefix + "manifest path '../x' climbs out of the backup");
  ExpectError(ParseEdited([](Json& d) { d["files"][2]["path"] = "log/../../x"; }), Status::Code::kInvalidArgument,
              prefix + "manifest path 'log/../../x' climbs out of the backup");
  ExpectError(ParseEdited([](Json& d) { d["files"][0]["path"] = ""; }), Status::Code::kInvalidArgument,
              prefix + "manifest path '' is empty");
  ExpectError(ParseEdited([](Json& d) { d["files"][0]["path"] = "manifest.json"; }), Status::Code::kInvalidArgument,
              prefix + "manifest path 'manifest.json' is reserved for the manifest");
  ExpectError(ParseEdited([](Json& d) { d["log_dir"] = "/var/log"; }), Status::Code::kInvalidArgument,
              prefix + "manifest path '/var/log' is absolute");
}

TEST(ParseManifest, DuplicatePath) {
  ExpectCorrupt([](Json& d) { d["files"][2]["path"] = "a.db"; }, "lists file 'a.db' twice");
}

TEST(ParseManifest, FailureLeavesOutputUntouched) {
  Manifest m = SampleManifest();
  EXPECT_FALSE(ParseManifest("{}", kPath, &m).ok());
  EXPECT_EQ(m, SampleManifest());
}

}  // namespace
}  // namespace bdb
