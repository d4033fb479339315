// CheckPageChecksum against real BDB 5.3 files: every page BDB writes with
// DB_CHKSUM checks kValid (btree, hash, queue, heap; page sizes 512..65536;
// both byte orders), and one flipped byte makes a page kInvalid.
#include "engine/copy/page_checksum.h"

#include <db.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <tuple>
#include <vector>

#include "engine/bdb/database_file.h"
#include "base/file_io.h"

namespace bdb {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/bdbackup-pagesum-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { RemoveTree(DefaultFileIO(), path); }
  std::string path;
};

// Writes `records` records (every 7th one 3000 bytes, so small pages overflow).
void CreateDatabase(const std::string& path, DBTYPE type, uint32_t page_size, bool checksum, int lorder,
                    int records) {
  DB* db = nullptr;
  ASSERT_EQ(db_create(&db, nullptr, 0), 0);
  if (checksum) {
    ASSERT_EQ(db->set_flags(db, DB_CHKSUM), 0);
  }
  ASSERT_EQ(db->set_pagesize(db, page_size), 0);
  ASSERT_EQ(db->set_lorder(db, lorder), 0);
  if (type == DB_QUEUE) {
    ASSERT_EQ(db->set_re_len(db, 64), 0);
  }
  ASSERT_EQ(db->open(db, nullptr, path.c_str(), nullptr, type, DB_CREATE, 0600), 0);
  std::string value(3000, 'v');
  for (int i = 0; i < records; ++i) {
    std::string k = "key" + std::to_string(i);
    value[0] = static_cast<char>('a' + i % 26);
    DBT key = {}, data = {};
    data.data = value.data();
    data.size = type == DB_QUEUE ? 64 : (i % 7 == 0 ? 3000 : 40);
    db_recno_t recno = 0;
    DB_HEAP_RID rid = {};
    int flags = 0;
    if (type == DB_QUEUE || type == DB_HEAP) {
      key.data = type == DB_QUEUE ? static_cast<void*>(&recno) : static_cast<void*>(&rid);
      key.ulen = type == DB_QUEUE ? sizeof(recno) : sizeof(rid);
      key.flags = DB_DBT_USERMEM;
      flags = DB_APPEND;
    } else {
      key.data = k.data();
      key.size = static_cast<u_int32_t>(k.size());
    }
    ASSERT_EQ(db->put(db, nullptr, &key, &data, flags), 0);
  }
  ASSERT_EQ(db->close(db, 0), 0);
}

std::string ReadAll(const std::string& path) {
  std::string s;
  EXPECT_TRUE(ReadWholeFile(DefaultFileIO(), path, &s).ok());
  return s;
}

bool IsAllZero(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

TEST(PageHashTest, IsChrisToreksHash) {
  EXPECT_EQ(PageHash("", 0), 0u);
  EXPECT_EQ(PageHash("a", 1), 97u);
  EXPECT_EQ(PageHash("ab", 2), 97u * 33 + 98);
}

// The 8-bytes-a-step form equals the byte loop for every length and content.
TEST(PageHashTest, EqualsTheByteLoopForEveryLength) {
  std::string data;
  uint32_t x = 12345;
  for (int i = 0; i < 300; ++i) {
    x = x * 1103515245u + 12345u;
    data.push_back(static_cast<char>(x >> 24));
  }
  for (size_t n = 0; n <= data.size(); ++n) {
    uint32_t h = 0;
    for (size_t i = 0; i < n; ++i) h = h * 33 + static_cast<uint8_t>(data[i]);
    ASSERT_EQ(PageHash(data.data(), n), h) << "length " << n;
  }
}

using Param = std::tuple<DBTYPE, uint32_t, int>;  // access method, page size, byte order

class ChecksummedDatabaseTest : public ::testing::TestWithParam<Param> {};

TEST_P(ChecksummedDatabaseTest, EveryPageValidAndAnyFlipInvalid) {
  auto [type, page_size, lorder] = GetParam();
  TempDir dir;
  std::string path = dir.path + "/x.db";
  CreateDatabase(path, type, page_size, /*checksum=*/true, lorder, 300);
  std::string file = ReadAll(path);
  DatabaseFileInfo info;
  ASSERT_TRUE(ParseMetaPage(file.data(), file.size(), &info).ok());
  ASSERT_EQ(info.page_size, page_size);
  ASSERT_TRUE(info.checksummed);
  ASSERT_EQ(info.byte_swapped, lorder == 4321);
  ASSERT_EQ(file.size() % page_size, 0u);
  size_t pages = file.size() / page_size, meta_pages = 0, data_pages = 0;
  ASSERT_GE(pages, 2u);
  for (size_t i = 0; i < pages; ++i) {
    char* page = file.data() + i * page_size;
    ASSERT_EQ(CheckPageChecksum(page, page_size, info), PageCheck::kValid) << "page " << i;
    if (IsAllZero(page, page_size)) continue;
    (IsMetaPageType(static_cast<uint8_t>(page[kPageTypeOffset])) ? meta_pages : data_pages)++;
    const bool whole = ChecksumCoversWholePage(page, page_size);
    const size_t covered = whole ? page_size : kMetaPageBytes;
    for (size_t pos : {size_t{0}, size_t{13}, kPageTypeOffset, kPageChecksumOffset + 1, size_t{300},
                       covered / 2 + 1, covered - 1}) {
      page[pos] ^= 0x40;
      EXPECT_EQ(CheckPageChecksum(page, page_size, info), PageCheck::kInvalid) << "page " << i << " byte " << pos;
      page[pos] ^= 0x40;
    }
    if (!whole) {  // BDB sums only the first 512 bytes of a metadata page
      page[page_size - 1] ^= 0x40;
      EXPECT_EQ(CheckPageChecksum(page, page_size, info), PageCheck::kValid) << "page " << i;
      page[page_size - 1] ^= 0x40;
    }
  }
  EXPECT_GE(meta_pages, 1u);
  EXPECT_GE(data_pages, 1u);
}

std::string ParamName(const ::testing::TestParamInfo<Param>& p) {
  const char* names[] = {"", "btree", "hash", "recno", "queue", "unknown", "heap"};
  return std::string(names[std::get<0>(p.param)]) + "_" + std::to_string(std::get<1>(p.param)) +
         (std::get<2>(p.param) == 4321 ? "_bigendian" : "_littleendian");
}

INSTANTIATE_TEST_SUITE_P(AllMethodsAndSizes, ChecksummedDatabaseTest,
                         ::testing::Combine(::testing::Values(DB_BTREE, DB_HASH, DB_QUEUE, DB_HEAP),
                                            ::testing::Values(512u, 1024u, 2048u, 4096u, 8192u, 16384u, 32768u,
                                                              65536u),
                                            ::testing::Values(1234, 4321)),
                         ParamName);

TEST(PageChecksumTest, DatabaseWithoutChecksumsIsUnchecked) {
  TempDir dir;
  std::string path = dir.path + "/plain.db";
  CreateDatabase(path, DB_HASH, 4096, /*checksum=*/false, 1234, 300);
  std::string file = ReadAll(path);
  DatabaseFileInfo info;
  ASSERT_TRUE(ParseMetaPage(file.data(), file.size(), &info).ok());
  EXPECT_FALSE(info.checksummed);
  for (size_t i = 0; i < file.size() / 4096; ++i) {
    const char* page = file.data() + i * 4096;
    EXPECT_EQ(CheckPageChecksum(page, 4096, info), IsAllZero(page, 4096) ? PageCheck::kValid : PageCheck::kUnchecked);
  }
}

TEST(PageChecksumTest, AllZeroPageIsValidAndHoleHeaderIsUnchecked) {
  DatabaseFileInfo info;
  info.page_size = 4096;
  info.checksummed = true;
  std::vector<char> page(4096, 0);
  EXPECT_EQ(CheckPageChecksum(page.data(), 4096, info), PageCheck::kValid);
  // Zero LSN, pgno 0 and P_INVALID: BDB skips the checksum; so do we, and say so.
  page[2000] = 1;
  EXPECT_EQ(CheckPageChecksum(page.data(), 4096, info), PageCheck::kUnchecked);
  page[8] = 1;  // pgno 1: a real page, whose checksum (0) is wrong
  EXPECT_EQ(CheckPageChecksum(page.data(), 4096, info), PageCheck::kInvalid);
}

TEST(PageChecksumTest, EncryptedIsUnchecked) {
  DatabaseFileInfo info;
  info.page_size = 512;
  info.checksummed = true;
  info.encrypted = true;
  std::vector<char> page(512, 7);
  EXPECT_EQ(CheckPageChecksum(page.data(), 512, info), PageCheck::kUnchecked);
}

}  // namespace
}  // namespace bdb
