// CopyDatabaseFile / CopyLogFile on real BDB 5.3 files, with FileIO wrappers
// that tear pages, fail I/O and grow files while they are copied.
#include "engine/copy/verified_copy.h"

#include <db.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/copy/content_hash.h"
#include "base/file_io.h"
#include "engine/copy/page_checksum.h"
#include "tests/support/run_process.h"

namespace bdb {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/bdbackup-vcopy-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { RemoveTree(DefaultFileIO(), path); }
  std::string path;
};

// Adds records [first, first + count) (every 7th one 3000 bytes) to a
// standalone database, creating it if needed.
void PutRecords(const std::string& path, DBTYPE type, uint32_t page_size, bool checksum, int first, int count) {
  DB* db = nullptr;
  ASSERT_EQ(db_create(&db, nullptr, 0), 0);
  if (checksum) {
    ASSERT_EQ(db->set_flags(db, DB_CHKSUM), 0);
  }
  ASSERT_EQ(db->set_pagesize(db, page_size), 0);
  ASSERT_EQ(db->open(db, nullptr, path.c_str(), nullptr, type, DB_CREATE, 0600), 0);
  std::string value(3000, 'v');
  for (int i = first; i < first + count; ++i) {
    std::string k = "key" + std::to_string(i);
    value[0] = static_cast<char>('a' + i % 26);
    DBT key = {}, data = {};
    key.data = k.data();
    key.size = static_cast<u_int32_t>(k.size());
    data.data = value.data();
    data.size = i % 7 == 0 ? 3000 : 40;
    ASSERT_EQ(db->put(db, nullptr, &key, &data, 0), 0);
  }
  ASSERT_EQ(db->close(db, 0), 0);
}

std::string ReadAll(const std::string& path) {
  std::string s;
  Status st = ReadWholeFile(DefaultFileIO(), path, &s);
  EXPECT_TRUE(st.ok()) << st.message();
  return s;
}

// Compares file contents without printing megabytes on failure.
::testing::AssertionResult SameBytes(const std::string& got, const std::string& want) {
  if (got == want) return ::testing::AssertionSuccess();
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return ::testing::AssertionFailure() << "sizes " << got.size() << " vs " << want.size() << ", first difference at byte "
                                       << i;
}

bool Exists(const std::string& path) {
  FileInfo info;
  EXPECT_TRUE(DefaultFileIO()->Stat(path, &info).ok());
  return info.exists;
}

bool DbVerifyAccepts(const std::string& path) { return RunProcess({"db5.3_verify", "-q", path}).exit_code == 0; }

// Hooks a test sets on HookedFileIO; unset hooks do nothing.
struct Hooks {
  // After every Pread of the source: may change buf[0, got) or fail.
  std::function<Status(int read_no, uint64_t offset, char* buf, size_t got)> after_read;
  std::function<Status(uint64_t written, size_t n)> before_append;
  std::function<Status()> on_sync;
  std::function<Status()> on_close;
};

class HookedReadable : public ReadableFile {
 public:
  HookedReadable(std::unique_ptr<ReadableFile> inner, Hooks* hooks, int* reads, size_t* max_read)
      : inner_(std::move(inner)), hooks_(hooks), reads_(reads), max_read_(max_read) {}
  Status Pread(uint64_t offset, size_t n, char* buf, size_t* got) override {
    *max_read_ = std::max(*max_read_, n);
    BDB_RETURN_IF_ERROR(inner_->Pread(offset, n, buf, got));
    int read_no = (*reads_)++;
    if (hooks_->after_read) return hooks_->after_read(read_no, offset, buf, *got);
    return Status::OK();
  }
  Status Size(uint64_t* size) override { return inner_->Size(size); }
  const std::string& path() const override { return inner_->path(); }

 private:
  std::unique_ptr<ReadableFile> inner_;
  Hooks* hooks_;
  int* reads_;
  size_t* max_read_;
};

class HookedWritable : public WritableFile {
 public:
  HookedWritable(std::unique_ptr<WritableFile> inner, Hooks* hooks) : inner_(std::move(inner)), hooks_(hooks) {}
  Status Append(const char* data, size_t n) override {
    if (hooks_->before_append) BDB_RETURN_IF_ERROR(hooks_->before_append(written_, n));
    written_ += n;
    return inner_->Append(data, n);
  }
  Status Sync() override {
    if (hooks_->on_sync) BDB_RETURN_IF_ERROR(hooks_->on_sync());
    return inner_->Sync();
  }
  Status Close() override {
    if (hooks_->on_close) BDB_RETURN_IF_ERROR(hooks_->on_close());
    return inner_->Close();
  }
  const std::string& path() const override { return inner_->path(); }

 private:
  std::unique_ptr<WritableFile> inner_;
  Hooks* hooks_;
  uint64_t written_ = 0;
};

class HookedFileIO : public FileIOWrapper {
 public:
  HookedFileIO() : FileIOWrapper(DefaultFileIO()) {}
  Status OpenForRead(const std::string& p, std::unique_ptr<ReadableFile>* out) override {
    std::unique_ptr<ReadableFile> inner;
    BDB_RETURN_IF_ERROR(target()->OpenForRead(p, &inner));
    *out = std::make_unique<HookedReadable>(std::move(inner), &hooks, &reads, &max_read);
    return Status::OK();
  }
  Status CreateForWrite(const std::string& p, mode_t m, std::unique_ptr<WritableFile>* out) override {
    std::unique_ptr<WritableFile> inner;
    BDB_RETURN_IF_ERROR(target()->CreateForWrite(p, m, &inner));
    *out = std::make_unique<HookedWritable>(std::move(inner), &hooks);
    return Status::OK();
  }
  Hooks hooks;
  int reads = 0;
  size_t max_read = 0;
};

// Overlays `bytes` at file offset `at` onto whatever part of a read covers it.
void Overlay(uint64_t at, const std::string& bytes, uint64_t offset, char* buf, size_t got) {
  uint64_t begin = std::max(at, offset), end = std::min(at + bytes.size(), offset + got);
  if (begin < end) std::memcpy(buf + (begin - offset), bytes.data() + (begin - at), end - begin);
}

class RecordingProgress : public Progress {
 public:
  void StartFile(const std::string& path, uint64_t size) override {
    started = path;
    start_size = size;
  }
  void AddBytes(uint64_t n) override { bytes += n; }
  std::string started;
  uint64_t start_size = 0, bytes = 0;
};

// ---------------------------------------------------------------------------
// Plain copies of real databases.

struct CopyCase {
  DBTYPE type;
  uint32_t page_size;
  bool checksum;
};

class DatabaseCopyTest : public ::testing::TestWithParam<CopyCase> {};

TEST_P(DatabaseCopyTest, CopyIsIdenticalAndVerifies) {
  const CopyCase c = GetParam();
  TempDir dir;
  std::string src = dir.path + "/src.db", dst = dir.path + "/dst.db";
  PutRecords(src, c.type, c.page_size, c.checksum, 0, 400);
  const std::string original = ReadAll(src);
  for (PageVerification v : {PageVerification::kChecksum, PageVerification::kStableReread}) {
    HookedFileIO io;
    RecordingProgress progress;
    CopyOptions options;
    options.verification = v;
    options.read_batch_bytes = 3 * c.page_size + 100;  // several batches, each whole pages
    options.progress = &progress;
    CopyResult result;
    Status s = CopyDatabaseFile(&io, src, dst, options, &result);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_TRUE(SameBytes(ReadAll(dst), original));
    EXPECT_EQ(result.bytes, original.size());
    EXPECT_EQ(result.units, original.size() / c.page_size);
    EXPECT_EQ(result.rereads, 0u);
    EXPECT_EQ(result.page_size, c.page_size);
    EXPECT_EQ(result.xxh3_hex, HexDigestOf(original.data(), original.size()));
    EXPECT_EQ(result.verification, v == PageVerification::kChecksum && !c.checksum
                                       ? PageVerification::kStableReread : v);
    EXPECT_LE(io.max_read, 3u * c.page_size);  // memory bounded by the batch, not the file
    EXPECT_EQ(progress.started, src);
    EXPECT_EQ(progress.start_size, original.size());
    EXPECT_EQ(progress.bytes, original.size());
    std::string hex;
    uint64_t size = 0;
    ASSERT_TRUE(HashFile(DefaultFileIO(), dst, &hex, &size).ok());
    EXPECT_EQ(hex, result.xxh3_hex);
    EXPECT_EQ(size, result.bytes);
    FileInfo info;
    ASSERT_TRUE(DefaultFileIO()->Stat(dst, &info).ok());
    EXPECT_EQ(info.mode & 0777, 0600u);
    EXPECT_TRUE(DbVerifyAccepts(dst));
  }
}

INSTANTIATE_TEST_SUITE_P(
    MethodsAndSizes, DatabaseCopyTest,
    ::testing::Values(CopyCase{DB_BTREE, 512, true}, CopyCase{DB_BTREE, 4096, true}, CopyCase{DB_BTREE, 65536, true},
                      CopyCase{DB_HASH, 1024, true}, CopyCase{DB_HASH, 8192, true}, CopyCase{DB_BTREE, 4096, false},
                      CopyCase{DB_HASH, 4096, false}));

TEST(VerifiedCopyTest, TailThatIsNotAWholePageIsCopied) {
  TempDir dir;
  std::string src = dir.path + "/src.db", dst = dir.path + "/dst.db";
  PutRecords(src, DB_BTREE, 4096, true, 0, 50);
  std::string bytes = ReadAll(src) + std::string(1000, 'T');
  ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), src, bytes, 0600).ok());
  CopyOptions options;
  options.verification = PageVerification::kChecksum;
  CopyResult result;
  ASSERT_TRUE(CopyDatabaseFile(DefaultFileIO(), src, dst, options, &result).ok());
  EXPECT_TRUE(SameBytes(ReadAll(dst), bytes));
  EXPECT_EQ(result.units, (bytes.size() - 1000) / 4096 + 1);
}

// ---------------------------------------------------------------------------
// Torn reads: the first read of page N returns the first half of an older
// version of the page and the second half of the current one.

struct TornFixture {
  TempDir dir;
  std::string src, dst, old_file, new_file;
  uint32_t page_size = 4096;
  uint64_t torn_page = 0;
  size_t split = 0;  // bytes [0, split) of the torn read come from the old version

  void Build(bool checksum) {
    src = dir.path + "/src.db";
    dst = dir.path + "/dst.db";
    PutRecords(src, DB_BTREE, page_size, checksum, 0, 300);
    old_file = ReadAll(src);
    PutRecords(src, DB_BTREE, page_size, checksum, 300, 5);
    new_file = ReadAll(src);
    // The last page (not page 0, to exercise batches) with changes on both
    // sides of a 512-byte boundary: tearing there gives neither version.
    for (uint64_t p = old_file.size() / page_size - 1; p > 0 && torn_page == 0; --p) {
      size_t first = page_size, last = 0;
      for (size_t i = 0; i < page_size; ++i) {
        if (old_file[p * page_size + i] != new_file[p * page_size + i]) {
          first = std::min(first, i);
          last = i;
        }
      }
      size_t s = (first / 512 + 1) * 512;
      if (first < page_size && s <= last) {
        torn_page = p;
        split = s;
      }
    }
    ASSERT_GT(torn_page, 0u);
  }
  std::string OldPrefix() const { return old_file.substr(torn_page * page_size, split); }
  void TearFirstRead(HookedFileIO* io, int tears = 1) {
    auto torn = std::make_shared<int>(0);
    io->hooks.after_read = [this, torn, tears](int, uint64_t offset, char* buf, size_t got) {
      uint64_t at = torn_page * page_size;
      if (*torn < tears && offset <= at && at < offset + got) {
        ++*torn;
        Overlay(at, OldPrefix(), offset, buf, got);
      }
      return Status::OK();
    };
  }
};

TEST(VerifiedCopyTest, TornPageIsRereadWithChecksum) {
  TornFixture f;
  f.Build(/*checksum=*/true);
  HookedFileIO io;
  f.TearFirstRead(&io);
  CopyOptions options;
  options.verification = PageVerification::kChecksum;
  CopyResult result;
  Status s = CopyDatabaseFile(&io, f.src, f.dst, options, &result);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(result.verification, PageVerification::kChecksum);
  EXPECT_EQ(result.rereads, 1u);
  EXPECT_TRUE(SameBytes(ReadAll(f.dst), f.new_file));
  EXPECT_TRUE(DbVerifyAccepts(f.dst));
}

TEST(VerifiedCopyTest, TornPageIsRereadWithStableReread) {
  for (bool checksum : {true, false}) {
    TornFixture f;
    f.Build(checksum);
    HookedFileIO io;
    f.TearFirstRead(&io);
    CopyOptions options;
    options.verification = PageVerification::kStableReread;
    CopyResult result;
    Status s = CopyDatabaseFile(&io, f.src, f.dst, options, &result);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_GT(result.rereads, 0u);
    EXPECT_TRUE(SameBytes(ReadAll(f.dst), f.new_file));
  }
}

TEST(VerifiedCopyTest, TornPageIsStoredWithoutVerification) {
  TornFixture f;
  f.Build(/*checksum=*/true);
  HookedFileIO io;
  f.TearFirstRead(&io);
  CopyOptions options;
  options.verification = PageVerification::kNone;
  CopyResult result;
  ASSERT_TRUE(CopyDatabaseFile(&io, f.src, f.dst, options, &result).ok());
  EXPECT_EQ(result.rereads, 0u);
  std::string copy = ReadAll(f.dst);
  std::string expected = f.new_file;
  expected.replace(f.torn_page * f.page_size, f.split, f.OldPrefix());
  EXPECT_TRUE(SameBytes(copy, expected));
  DatabaseFileInfo info;
  ASSERT_TRUE(ParseMetaPage(copy.data(), copy.size(), &info).ok());
  EXPECT_EQ(CheckPageChecksum(copy.data() + f.torn_page * f.page_size, f.page_size, info), PageCheck::kInvalid);
}

TEST(VerifiedCopyTest, SeveralTornReadsInARowAreStillReread) {
  TornFixture f;
  f.Build(/*checksum=*/true);
  HookedFileIO io;
  f.TearFirstRead(&io, /*tears=*/10);
  CopyOptions options;
  options.verification = PageVerification::kChecksum;
  CopyResult result;
  ASSERT_TRUE(CopyDatabaseFile(&io, f.src, f.dst, options, &result).ok());
  EXPECT_EQ(result.rereads, 10u);
  EXPECT_TRUE(SameBytes(ReadAll(f.dst), f.new_file));
}

TEST(VerifiedCopyTest, PermanentlyCorruptPageFailsItsChecksum) {
  TornFixture f;
  f.Build(/*checksum=*/true);
  std::string bad = f.new_file;
  bad[f.torn_page * f.page_size + 100] ^= 1;
  ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), f.src, bad, 0600).ok());
  CopyOptions options;
  options.verification = PageVerification::kChecksum;
  CopyResult result;
  Status s = CopyDatabaseFile(DefaultFileIO(), f.src, f.dst, options, &result);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.message(),
            "page " + std::to_string(f.torn_page) + " of '" + f.src + "' failed its checksum after 64 re-reads");
  EXPECT_FALSE(Exists(f.dst));
}

TEST(VerifiedCopyTest, PageThatNeverReadsTheSameTwiceFails) {
  TornFixture f;
  f.Build(/*checksum=*/false);
  HookedFileIO io;
  io.hooks.after_read = [&](int read_no, uint64_t offset, char* buf, size_t got) {
    Overlay(f.torn_page * f.page_size + 10, std::to_string(read_no), offset, buf, got);
    return Status::OK();
  };
  CopyOptions options;
  options.max_rereads = 5;
  CopyResult result;
  Status s = CopyDatabaseFile(&io, f.src, f.dst, options, &result);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.message(), "page " + std::to_string(f.torn_page) + " of '" + f.src +
                             "' did not read the same twice in 5 re-reads");
  EXPECT_FALSE(Exists(f.dst));
}

// ---------------------------------------------------------------------------
// I/O errors leave no destination file.

struct ErrorCase {
  const char* name;
  std::function<void(Hooks*, const std::string& src, const std::string& dst)> arm;
  Status::Code code;
  std::function<std::string(const std::string& src, const std::string& dst)> message;
};

TEST(VerifiedCopyTest, IOErrorsRemoveTheDestination) {
  std::vector<ErrorCase> cases = {
      {"eio on the third read",
       [](Hooks* h, const std::string& src, const std::string&) {
         h->after_read = [src](int read_no, uint64_t, char*, size_t) {
           return read_no == 2 ? Status::FromErrno(EIO, "unable to read file '" + src + "'") : Status::OK();
         };
       },
       Status::Code::kIOError, [](const std::string& src, const std::string&) {
         return "unable to read file '" + src + "': Input/output error";
       }},
      {"enospc on the second write",
       [](Hooks* h, const std::string&, const std::string& dst) {
         h->before_append = [dst](uint64_t written, size_t) {
           return written > 0 ? Status::FromErrno(ENOSPC, "unable to write file '" + dst + "'") : Status::OK();
         };
       },
       Status::Code::kNoSpace, [](const std::string&, const std::string& dst) {
         return "unable to write file '" + dst + "': No space left on device";
       }},
      {"fsync fails",
       [](Hooks* h, const std::string&, const std::string& dst) {
         h->on_sync = [dst] { return Status::FromErrno(EIO, "unable to sync file '" + dst + "'"); };
       },
       Status::Code::kIOError, [](const std::string&, const std::string& dst) {
         return "unable to sync file '" + dst + "': Input/output error";
       }},
      {"close fails",
       [](Hooks* h, const std::string&, const std::string& dst) {
         h->on_close = [dst] { return Status::FromErrno(EIO, "unable to close file '" + dst + "'"); };
       },
       Status::Code::kIOError, [](const std::string&, const std::string& dst) {
         return "unable to close file '" + dst + "': Input/output error";
       }},
  };
  TempDir dir;
  std::string src = dir.path + "/src.db", dst = dir.path + "/dst.db";
  PutRecords(src, DB_BTREE, 1024, true, 0, 200);
  for (const ErrorCase& c : cases) {
    for (bool log : {false, true}) {
      SCOPED_TRACE(std::string(c.name) + (log ? " (log)" : " (database)"));
      HookedFileIO io;
      c.arm(&io.hooks, src, dst);
      CopyOptions options;
      options.read_batch_bytes = 8192;
      options.unit_bytes = 4096;
      CopyResult result;
      Status s = log ? CopyLogFile(&io, src, dst, options, &result) : CopyDatabaseFile(&io, src, dst, options, &result);
      EXPECT_EQ(s.code(), c.code);
      EXPECT_EQ(s.message(), c.message(src, dst));
      EXPECT_FALSE(Exists(dst));
      EXPECT_EQ(result.bytes, 0u);
    }
  }
}

TEST(VerifiedCopyTest, BadSourcesAndDestinations) {
  TempDir dir;
  CopyResult result;
  std::string dst = dir.path + "/dst";
  Status s = CopyDatabaseFile(DefaultFileIO(), dir.path + "/missing.db", dst, CopyOptions(), &result);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "unable to open file '" + dir.path + "/missing.db': No such file or directory");

  std::string text = dir.path + "/text";
  ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), text, std::string(2048, 'x'), 0600).ok());
  s = CopyDatabaseFile(DefaultFileIO(), text, dst, CopyOptions(), &result);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "'" + text + "' is not a Berkeley DB database: unknown magic number 0x78787878");
  EXPECT_FALSE(Exists(dst));

  std::string src = dir.path + "/src.db";
  PutRecords(src, DB_BTREE, 4096, true, 0, 10);
  s = CopyDatabaseFile(DefaultFileIO(), src, dir.path + "/no/such/dir/dst", CopyOptions(), &result);
  EXPECT_TRUE(s.IsNotFound());

  CopyOptions zero;
  zero.unit_bytes = 0;
  s = CopyLogFile(DefaultFileIO(), src, dst, zero, &result);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "unable to copy '" + src + "': unit size must be positive");
  CopyOptions no_rereads;
  no_rereads.max_rereads = 0;
  s = CopyDatabaseFile(DefaultFileIO(), src, dst, no_rereads, &result);
  EXPECT_EQ(s.message(), "unable to copy '" + src + "': max re-reads must be positive");
  CopyOptions tiny;
  tiny.read_meta_page = false;
  tiny.unit_bytes = 256;
  tiny.verification = PageVerification::kChecksum;
  s = CopyDatabaseFile(DefaultFileIO(), src, dst, tiny, &result);
  EXPECT_EQ(s.message(), "unable to copy '" + src + "': page size 256 is too small for checksums");
  EXPECT_FALSE(Exists(dst));
}

// ---------------------------------------------------------------------------
// Log files.

std::string Pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 7 + i / 977) & 0xff);
  return s;
}

void AppendToFile(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

TEST(VerifiedCopyTest, GrowingLogIsCopiedAsAPrefix) {
  for (bool growing : {true, false}) {
    TempDir dir;
    std::string src = dir.path + "/log.0000000001", dst = dir.path + "/copy";
    const std::string initial = Pattern(200000, 1);
    ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), src, initial, 0600).ok());
    HookedFileIO io;
    int appends = 0;
    io.hooks.after_read = [&](int, uint64_t, char*, size_t) {
      if (appends < 20) {
        AppendToFile(src, Pattern(7000 + appends, appends));
        ++appends;
      }
      return Status::OK();
    };
    CopyOptions options;
    options.unit_bytes = 16384;
    options.read_batch_bytes = 65536;
    options.growing_file = growing;
    CopyResult result;
    Status s = CopyLogFile(&io, src, dst, options, &result);
    ASSERT_TRUE(s.ok()) << s.message();
    std::string final_src = ReadAll(src), copy = ReadAll(dst);
    EXPECT_EQ(copy.size(), result.bytes);
    EXPECT_TRUE(SameBytes(copy, final_src.substr(0, copy.size())));  // prefix-consistent
    EXPECT_EQ(result.xxh3_hex, HexDigestOf(copy.data(), copy.size()));
    if (growing) {
      EXPECT_GT(copy.size(), initial.size());
    } else {
      EXPECT_EQ(copy.size(), initial.size());
    }
  }
}

TEST(VerifiedCopyTest, TornLogChunkIsReread) {
  TempDir dir;
  std::string src = dir.path + "/log.0000000001", dst = dir.path + "/copy";
  const std::string bytes = Pattern(300000, 3);
  ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), src, bytes, 0600).ok());
  HookedFileIO io;
  io.hooks.after_read = [&](int read_no, uint64_t offset, char* buf, size_t got) {
    if (read_no == 0) Overlay(70000, std::string(512, 'Z'), offset, buf, got);
    return Status::OK();
  };
  CopyOptions options;
  options.unit_bytes = 65536;
  CopyResult result;
  ASSERT_TRUE(CopyLogFile(&io, src, dst, options, &result).ok());
  EXPECT_TRUE(SameBytes(ReadAll(dst), bytes));
  EXPECT_EQ(result.rereads, 1u);
  EXPECT_EQ(result.units, 5u);  // 4 whole chunks and a tail
}

// A finished log no longer changes: each chunk is read once, not twice.
TEST(VerifiedCopyTest, ImmutableLogIsReadOnce) {
  TempDir dir;
  std::string src = dir.path + "/log.0000000001", dst = dir.path + "/copy";
  const std::string bytes = Pattern(300000, 4);
  ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), src, bytes, 0600).ok());
  CopyOptions options;
  options.unit_bytes = 65536;
  options.read_batch_bytes = 65536;
  HookedFileIO twice;
  CopyResult result;
  ASSERT_TRUE(CopyLogFile(&twice, src, dst, options, &result).ok());
  EXPECT_EQ(result.verification, PageVerification::kStableReread);
  options.immutable = true;
  HookedFileIO once;
  ASSERT_TRUE(CopyLogFile(&once, src, dst + "2", options, &result).ok());
  EXPECT_TRUE(SameBytes(ReadAll(dst + "2"), bytes));
  EXPECT_EQ(result.verification, PageVerification::kNone);
  EXPECT_LT(once.reads, twice.reads);
  EXPECT_GE(once.reads, 5);  // 4 whole chunks and a tail, each read at least once
}

// limit_bytes copies a prefix (the last log up to its end LSN), even of a
// growing file, and never more than the file holds.
TEST(VerifiedCopyTest, LimitCopiesAPrefix) {
  TempDir dir;
  std::string src = dir.path + "/log.0000000001", dst = dir.path + "/copy";
  const std::string bytes = Pattern(300000, 6);
  ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), src, bytes, 0600).ok());
  CopyOptions options;
  options.unit_bytes = 65536;
  options.growing_file = true;
  options.limit_bytes = 100001;
  CopyResult result;
  ASSERT_TRUE(CopyLogFile(DefaultFileIO(), src, dst, options, &result).ok());
  EXPECT_EQ(result.bytes, 100001u);
  EXPECT_TRUE(SameBytes(ReadAll(dst), bytes.substr(0, 100001)));
  options.limit_bytes = 400000;  // past the end: the whole file
  ASSERT_TRUE(CopyLogFile(DefaultFileIO(), src, dst + "2", options, &result).ok());
  EXPECT_EQ(result.bytes, bytes.size());
}

// The part of the last log below limit_bytes was flushed before the copy and
// BDB never rewrites a written log byte: it is read once. A file shorter than
// the limit is still growing, so it keeps the two-read check.
TEST(VerifiedCopyTest, LogPartBelowTheFlushedEndIsReadOnce) {
  TempDir dir;
  std::string src = dir.path + "/log.0000000001", dst = dir.path + "/copy";
  const std::string bytes = Pattern(300000, 7);
  ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), src, bytes, 0600).ok());
  CopyOptions options;
  options.unit_bytes = 65536;
  options.read_batch_bytes = 65536;
  options.growing_file = true;
  options.limit_bytes = 200000;
  HookedFileIO bounded;
  CopyResult result;
  ASSERT_TRUE(CopyLogFile(&bounded, src, dst, options, &result).ok());
  EXPECT_TRUE(SameBytes(ReadAll(dst), bytes.substr(0, 200000)));
  EXPECT_EQ(result.verification, PageVerification::kNone);
  EXPECT_EQ(bounded.reads, 4);  // 3 whole chunks and a tail, once each
  EXPECT_EQ(result.rereads, 0u);

  options.limit_bytes = 400000;  // not yet written that far: still growing
  HookedFileIO growing;
  ASSERT_TRUE(CopyLogFile(&growing, src, dst + "2", options, &result).ok());
  EXPECT_TRUE(SameBytes(ReadAll(dst + "2"), bytes));
  EXPECT_EQ(result.verification, PageVerification::kStableReread);
  EXPECT_GE(growing.reads, 2 * 5);  // 4 whole chunks and a tail, twice each
}

// One set of read buffers serves many copies (a backup's files), of pages
// and of logs, with and without a second read; each copy is still exact.
TEST(VerifiedCopyTest, SharedBuffersServeManyCopies) {
  TempDir dir;
  CopyBuffers buffers;
  CopyOptions options;
  options.unit_bytes = 65536;
  options.buffers = &buffers;
  for (int i = 0; i < 4; ++i) {
    std::string src = dir.path + "/log." + std::to_string(i), dst = src + ".copy";
    const std::string bytes = Pattern(150000 + 70000 * i, 10 + i);
    ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), src, bytes, 0600).ok());
    options.immutable = i % 2 == 0;
    options.read_batch_bytes = i < 2 ? (1 << 20) : 65536;
    CopyResult result;
    ASSERT_TRUE(CopyLogFile(DefaultFileIO(), src, dst, options, &result).ok());
    EXPECT_TRUE(SameBytes(ReadAll(dst), bytes)) << i;
    EXPECT_EQ(result.bytes, bytes.size());
  }
}

TEST(CopyBuffersTest, BuffersAreAlignedAndReusedUntilALargerOneIsAsked) {
  CopyBuffers buffers;
  char* first = buffers.Get(0, 1 << 20);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % 4096, 0u);
  std::memset(first, 7, 1 << 20);  // the whole size is writable
  EXPECT_EQ(buffers.Get(0, 65536), first);
  EXPECT_EQ(buffers.Get(0, 1 << 20), first);
  char* second = buffers.Get(1, 1 << 20);
  EXPECT_NE(second, first);
  char* bigger = buffers.Get(0, 5 << 20);
  std::memset(bigger, 1, 5 << 20);
  EXPECT_EQ(buffers.Get(1, 1 << 20), second);
  AlignedBuffer empty;
  EXPECT_EQ(empty.data(), nullptr);
  EXPECT_EQ(empty.size(), 0u);
  AlignedBuffer source(4096);
  char* data = source.data();
  AlignedBuffer moved(std::move(source));
  EXPECT_EQ(moved.data(), data);
  EXPECT_GE(moved.size(), 4096u);
  EXPECT_EQ(source.data(), nullptr);
}

// defer_sync hands the written file back unsynced; the caller's Sync is the
// only fsync, and a failing one is the caller's error.
TEST(VerifiedCopyTest, DeferredSyncLeavesTheFsyncToTheCaller) {
  TempDir dir;
  std::string src = dir.path + "/log.0000000001", dst = dir.path + "/copy";
  const std::string bytes = Pattern(100000, 5);
  ASSERT_TRUE(WriteFileAtomically(DefaultFileIO(), src, bytes, 0600).ok());
  HookedFileIO io;
  int syncs = 0;
  io.hooks.on_sync = [&] {
    ++syncs;
    return syncs == 2 ? Status::IOError("unable to sync 'copy2': Input/output error") : Status::OK();
  };
  CopyOptions options;
  options.unit_bytes = 65536;
  options.defer_sync = true;
  CopyResult result;
  ASSERT_TRUE(CopyLogFile(&io, src, dst, options, &result).ok());
  ASSERT_NE(result.unsynced, nullptr);
  EXPECT_EQ(syncs, 0);
  EXPECT_TRUE(result.unsynced->Sync().ok());
  EXPECT_TRUE(result.unsynced->Close().ok());
  EXPECT_EQ(syncs, 1);
  EXPECT_TRUE(SameBytes(ReadAll(dst), bytes));

  ASSERT_TRUE(CopyLogFile(&io, src, dst + "2", options, &result).ok());
  EXPECT_EQ(result.unsynced->Sync().message(), "unable to sync 'copy2': Input/output error");
  // Without defer_sync the copy syncs itself and hands nothing back.
  options.defer_sync = false;
  ASSERT_TRUE(CopyLogFile(&io, src, dst + "3", options, &result).ok());
  EXPECT_EQ(result.unsynced, nullptr);
  EXPECT_EQ(syncs, 3);
}

// ---------------------------------------------------------------------------
// Property: whatever the page size, contents and torn positions, a copy with
// stable re-read stores, for every page, one full version of that page.

// A file whose pages are being rewritten: page p has versions[p][0..k]; read r
// of page p returns version min(r, k), torn (first part of version v, rest of
// v+1, split at a 512-byte boundary) when tears[p][r] says so and v < k.
struct SimulatedFile {
  uint32_t page_size = 512;
  std::vector<std::vector<std::string>> versions;
  std::vector<std::vector<int>> splits;  // per page, per read: 0 = full read, else split sector
  std::vector<int> reads;
  std::string path = "/simulated/file.db";
};

class SimulatedReadable : public ReadableFile {
 public:
  explicit SimulatedReadable(SimulatedFile* f) : f_(f) {}
  Status Pread(uint64_t offset, size_t n, char* buf, size_t* got) override {
    uint64_t size = Total();
    *got = 0;
    while (*got < n && offset + *got < size) {
      uint64_t pos = offset + *got;
      size_t page = pos / f_->page_size, in_page = pos % f_->page_size;
      std::string content = Read(page);
      size_t take = std::min<size_t>(n - *got, content.size() - in_page);
      std::memcpy(buf + *got, content.data() + in_page, take);
      *got += take;
    }
    return Status::OK();
  }
  Status Size(uint64_t* size) override {
    *size = Total();
    return Status::OK();
  }
  const std::string& path() const override { return f_->path; }

 private:
  uint64_t Total() const {
    uint64_t t = 0;
    for (const auto& v : f_->versions) t += v[0].size();
    return t;
  }
  std::string Read(size_t page) {
    int r = f_->reads[page]++;
    const auto& vs = f_->versions[page];
    int last = static_cast<int>(vs.size()) - 1;
    int v = std::min(r, last);
    int split = r < static_cast<int>(f_->splits[page].size()) ? f_->splits[page][r] : 0;
    if (split == 0 || v == last) return vs[v];
    size_t at = std::min<size_t>(static_cast<size_t>(split) * 512, vs[v].size());
    return vs[v].substr(0, at) + vs[v + 1].substr(at);
  }
  SimulatedFile* f_;
};

class SimulatedFileIO : public FileIOWrapper {
 public:
  explicit SimulatedFileIO(SimulatedFile* f) : FileIOWrapper(DefaultFileIO()), f_(f) {}
  Status OpenForRead(const std::string& p, std::unique_ptr<ReadableFile>* out) override {
    if (p != f_->path) return target()->OpenForRead(p, out);
    *out = std::make_unique<SimulatedReadable>(f_);
    return Status::OK();
  }

 private:
  SimulatedFile* f_;
};

RC_GTEST_PROP(VerifiedCopyProperty, StableRereadStoresOnlyWholeVersions, ()) {
  SimulatedFile f;
  f.page_size = 512u << *rc::gen::inRange(0, 5);  // 512 .. 8192
  const int pages = *rc::gen::inRange(1, 12);
  const size_t tail = *rc::gen::element<size_t>(0, 0, 100, 511);  // < any page size
  const int entries = pages + (tail > 0 ? 1 : 0);
  for (int p = 0; p < entries; ++p) {
    size_t len = p < pages ? f.page_size : tail;
    int nversions = *rc::gen::inRange(1, 5);
    std::vector<std::string> vs;
    for (int v = 0; v < nversions; ++v) {
      std::string content(len, static_cast<char>(*rc::gen::inRange(0, 256)));
      // Each version is stamped in its first and last bytes so two different
      // torn reads never look alike (consecutive reads tear different versions).
      content[0] = static_cast<char>(v);
      content[len - 1] = static_cast<char>(v);
      for (int k = 0; k < 4; ++k) content[*rc::gen::inRange<size_t>(0, len)] = static_cast<char>(*rc::gen::arbitrary<char>());
      vs.push_back(std::move(content));
    }
    int sectors = static_cast<int>((len + 511) / 512);
    std::vector<int> splits;
    for (int r = 0; r < 6; ++r) splits.push_back(sectors > 1 && *rc::gen::arbitrary<bool>() ? *rc::gen::inRange(1, sectors) : 0);
    f.versions.push_back(std::move(vs));
    f.splits.push_back(std::move(splits));
  }
  f.reads.assign(entries, 0);
  TempDir dir;
  SimulatedFileIO io(&f);
  CopyOptions options;
  options.read_meta_page = false;
  options.unit_bytes = f.page_size;
  options.verification = PageVerification::kStableReread;
  options.read_batch_bytes = f.page_size * *rc::gen::inRange<size_t>(1, 5);
  CopyResult result;
  std::string dst = dir.path + "/copy";
  Status s = CopyDatabaseFile(&io, f.path, dst, options, &result);
  RC_ASSERT(s.ok());
  std::string copy = ReadAll(dst);
  RC_ASSERT(copy.size() == static_cast<size_t>(pages) * f.page_size + tail);
  for (int p = 0; p < entries; ++p) {
    std::string stored = copy.substr(static_cast<size_t>(p) * f.page_size, f.versions[p][0].size());
    const auto& vs = f.versions[p];
    RC_ASSERT(std::find(vs.begin(), vs.end(), stored) != vs.end());
  }
}

}  // namespace
}  // namespace bdb
