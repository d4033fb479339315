// The unsafe mmap copier: a faithful copy of a quiet file, a torn page when the
// 4 KiB fault hook splices chunks, and its error paths.
#include "simulator/faults/mmap_copier.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "engine/copy/content_hash.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

using bdb::test::TempDir;

std::string PageBytes(int version, uint64_t page, uint32_t page_bytes) {
  std::string p(page_bytes, '\0');
  for (uint32_t i = 0; i < page_bytes; ++i) p[i] = static_cast<char>(version * 101 + page * 7 + i * 13 + (i >> 8));
  return p;
}

std::string FileBytes(int version, uint64_t pages, uint32_t page_bytes) {
  std::string f;
  for (uint64_t p = 0; p < pages; ++p) f += PageBytes(version, p, page_bytes);
  return f;
}

void WriteAt(const std::string& path, uint64_t offset, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)), static_cast<ssize_t>(data.size()));
  ::close(fd);
}

std::string ReadAllBytes(const std::string& path) {
  std::string s;
  EXPECT_TRUE(ReadWholeFile(DefaultFileIO(), path, &s).ok()) << path;
  return s;
}

std::string Hash(const std::string& s) {
  ContentHash h;
  h.Update(s.data(), s.size());
  return h.HexDigest();
}

TEST(MmapCopier, CopiesAQuietDatabaseByteForByte) {
  TempDir dir("h6-mmap");
  const std::string home = dir.Sub("env");
  ASSERT_TRUE(CreateTestEnvironment(home).ok());
  {
    std::unique_ptr<TestWriter> w;
    ASSERT_TRUE(TestWriter::Open(home, &w).ok());
    ASSERT_TRUE(w->Commit(200).ok());
    ASSERT_TRUE(w->Checkpoint().ok());
  }
  const std::string src = home + "/a.db", dst = dir.Sub("a.copy");
  CopyOptions options;
  options.verification = PageVerification::kStableReread;  // ignored: this copier never verifies
  options.read_batch_bytes = 3 * 4096;                     // several batches
  CopyResult result;
  ASSERT_TRUE(CopyDatabaseFileWithMmap(DefaultFileIO(), src, dst, options, &result).ok());
  const std::string original = ReadAllBytes(src);
  EXPECT_EQ(ReadAllBytes(dst), original);
  EXPECT_EQ(result.bytes, original.size());
  EXPECT_EQ(result.xxh3_hex, Hash(original));
  EXPECT_EQ(result.units, (original.size() + 4095) / 4096);
  EXPECT_EQ(result.rereads, 0u);
  EXPECT_EQ(result.verification, PageVerification::kNone);
}

TEST(MmapCopier, CopiesOddSizesAndEmptyFiles) {
  TempDir dir("h6-mmap");
  for (size_t size : {size_t{0}, size_t{1}, size_t{4097}}) {
    const std::string src = dir.Sub("f" + std::to_string(size)), dst = src + ".copy";
    const std::string data = FileBytes(1, 2, 4096).substr(0, size);
    WriteAt(src, 0, data);
    CopyResult result;
    ASSERT_TRUE(CopyDatabaseFileWithMmap(DefaultFileIO(), src, dst, CopyOptions(), &result).ok()) << size;
    EXPECT_EQ(ReadAllBytes(dst), data);
    EXPECT_EQ(result.bytes, size);
    EXPECT_EQ(result.units, (size + 4095) / 4096);
  }
}

TEST(MmapCopier, ErrorsNameTheFile) {
  TempDir dir("h6-mmap");
  CopyResult result;
  Status s = CopyDatabaseFileWithMmap(DefaultFileIO(), dir.Sub("missing"), dir.Sub("out"), CopyOptions(), &result);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_EQ(s.message(), "unable to open file '" + dir.Sub("missing") + "': No such file or directory");
  const std::string src = dir.Sub("src");
  WriteAt(src, 0, "abc");
  s = CopyDatabaseFileWithMmap(DefaultFileIO(), src, dir.Sub("no/such/dir/out"), CopyOptions(), &result);
  EXPECT_EQ(s.message(), "unable to create file '" + dir.Sub("no/such/dir/out") + "': No such file or directory");
  s = CopyDatabaseFileWithMmap(DefaultFileIO(), dir.path(), dir.Sub("out"), CopyOptions(), &result);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "unable to map file '" + dir.path() + "': No such device");
}

TEST(MmapCopier, HookSeesEveryChunkInOrder) {
  TempDir dir("h6-mmap");
  const std::string src = dir.Sub("src");
  WriteAt(src, 0, FileBytes(1, 3, 4096) + "tail");
  std::vector<std::pair<uint64_t, size_t>> seen;
  DatabaseCopier copier = MmapCopierWithHook([&](const std::string& path, uint64_t offset, char*, size_t n) {
    EXPECT_EQ(path, src);
    seen.emplace_back(offset, n);
  });
  CopyResult result;
  ASSERT_TRUE(copier(DefaultFileIO(), src, dir.Sub("dst"), CopyOptions(), &result).ok());
  EXPECT_EQ(seen, (std::vector<std::pair<uint64_t, size_t>>{{0, 4096}, {4096, 4096}, {8192, 4096}, {12288, 4}}));
}

// 8 KiB pages copied in 4 KiB chunks while a writer replaces v1 with v2: the
// chunk hook makes the stored page the head of one version and the tail of the other.
TEST(MmapCopier, ChunkTearHookStoresATornPage) {
  for (TearOrder order : {TearOrder::kOldHeadNewTail, TearOrder::kNewHeadOldTail}) {
    const uint32_t page_bytes = 8192;
    const uint64_t pages = 4;
    TempDir dir("h6-mmap");
    const std::string src = dir.Sub("data.db"), dst = dir.Sub("copy.db");
    WriteAt(src, 0, FileBytes(1, pages, page_bytes));
    TearOptions o = MmapStyleFaultOptions(11);
    o.page_bytes = page_bytes;
    o.target_window = pages;
    o.order = order;
    o.settle_ms_max = 5000;
    ASSERT_TRUE(TornPageInjector::Validate(o).ok());
    FaultLog log;
    TornPageInjector injector(o, &log);
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      WriteAt(src, 0, FileBytes(2, pages, page_bytes));
    });
    CopyResult result;
    Status s = MmapCopierWithHook(ChunkTearHook(&injector, DefaultFileIO()))(DefaultFileIO(), src, dst,
                                                                             CopyOptions(), &result);
    writer.join();
    ASSERT_TRUE(s.ok()) << s.message();
    std::vector<FiredTear> fired = injector.fired();
    ASSERT_EQ(fired.size(), 1u);
    ASSERT_EQ(fired[0].outcome, TearOutcome::kSpliced);
    EXPECT_EQ(fired[0].boundary, 4096u);
    EXPECT_EQ(fired[0].page, injector.plan()[0].page_read);
    const std::string copied = ReadAllBytes(dst);
    const uint64_t p = fired[0].page;
    const std::string v1 = PageBytes(1, p, page_bytes), v2 = PageBytes(2, p, page_bytes);
    const std::string& head = order == TearOrder::kOldHeadNewTail ? v1 : v2;
    const std::string& tail = order == TearOrder::kOldHeadNewTail ? v2 : v1;
    EXPECT_EQ(copied.substr(p * page_bytes, 4096), head.substr(0, 4096));
    EXPECT_EQ(copied.substr(p * page_bytes + 4096, 4096), tail.substr(4096));
    EXPECT_EQ(result.xxh3_hex, Hash(copied));
    ASSERT_EQ(log.Size(), 1u);
    EXPECT_EQ(log.Events()[0].kind, "mmap_fault");
  }
}

}  // namespace
}  // namespace bdb::sim
