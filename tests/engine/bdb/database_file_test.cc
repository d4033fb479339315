// ReadDatabaseFileInfo / ParseMetaPage on real BDB 5.3 files of every access
// method, checksummed or not, both byte orders, encrypted; and every error.
#include "engine/bdb/database_file.h"

#include <db.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "base/file_io.h"

namespace bdb {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/bdbackup-dbfile-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { RemoveTree(DefaultFileIO(), path); }
  std::string path;
};

struct Spec {
  DBTYPE type = DB_BTREE;
  uint32_t page_size = 4096;
  bool checksum = false;
  int lorder = 1234;
  const char* password = nullptr;
};

void CreateDatabase(const std::string& path, const Spec& spec) {
  DB* db = nullptr;
  ASSERT_EQ(db_create(&db, nullptr, 0), 0);
  if (spec.checksum) {
    ASSERT_EQ(db->set_flags(db, DB_CHKSUM), 0);
  }
  if (spec.password != nullptr) {
    ASSERT_EQ(db->set_encrypt(db, spec.password, DB_ENCRYPT_AES), 0);
  }
  ASSERT_EQ(db->set_pagesize(db, spec.page_size), 0);
  ASSERT_EQ(db->set_lorder(db, spec.lorder), 0);
  if (spec.type == DB_QUEUE) {
    ASSERT_EQ(db->set_re_len(db, 32), 0);
  }
  ASSERT_EQ(db->open(db, nullptr, path.c_str(), nullptr, spec.type, DB_CREATE, 0600), 0);
  ASSERT_EQ(db->close(db, 0), 0);
}

DatabaseFileInfo InfoOf(const Spec& spec) {
  TempDir dir;
  std::string path = dir.path + "/x.db";
  CreateDatabase(path, spec);
  DatabaseFileInfo info;
  Status s = ReadDatabaseFileInfo(DefaultFileIO(), path, &info);
  EXPECT_TRUE(s.ok()) << s.message();
  return info;
}

TEST(DatabaseFileInfoTest, AccessMethods) {
  EXPECT_EQ(InfoOf({.type = DB_BTREE}).access_method, "btree");
  EXPECT_EQ(InfoOf({.type = DB_RECNO}).access_method, "btree");
  EXPECT_EQ(InfoOf({.type = DB_HASH}).access_method, "hash");
  EXPECT_EQ(InfoOf({.type = DB_QUEUE}).access_method, "queue");
  EXPECT_EQ(InfoOf({.type = DB_HEAP}).access_method, "heap");
  EXPECT_EQ(InfoOf({.type = DB_HASH}).magic, static_cast<uint32_t>(DB_HASHMAGIC));
  EXPECT_EQ(InfoOf({.type = DB_BTREE}).version, 9u);  // BDB 5.3's btree format
}

TEST(DatabaseFileInfoTest, PageSizeChecksumAndByteOrder) {
  for (uint32_t page_size : {512u, 4096u, 65536u}) {
    DatabaseFileInfo plain = InfoOf({.type = DB_HASH, .page_size = page_size});
    EXPECT_EQ(plain.page_size, page_size);
    EXPECT_FALSE(plain.checksummed);
    EXPECT_FALSE(plain.byte_swapped);
    EXPECT_FALSE(plain.encrypted);
    DatabaseFileInfo summed = InfoOf({.type = DB_BTREE, .page_size = page_size, .checksum = true, .lorder = 4321});
    EXPECT_EQ(summed.page_size, page_size);
    EXPECT_TRUE(summed.checksummed);
    EXPECT_TRUE(summed.byte_swapped);
    EXPECT_EQ(summed.access_method, "btree");
  }
}

TEST(DatabaseFileInfoTest, Encrypted) {
  DatabaseFileInfo info = InfoOf({.type = DB_BTREE, .password = "secret"});
  EXPECT_TRUE(info.encrypted);
  EXPECT_TRUE(info.checksummed);  // encryption implies checksums (HMACs)
  EXPECT_EQ(info.page_size, 4096u);
}

Status ReadInfoOfBytes(const std::string& bytes, DatabaseFileInfo* info, std::string* path_out) {
  static TempDir dir;
  *path_out = dir.path + "/bytes.db";
  EXPECT_TRUE(WriteFileAtomically(DefaultFileIO(), *path_out, bytes, 0600).ok());
  return ReadDatabaseFileInfo(DefaultFileIO(), *path_out, info);
}

TEST(DatabaseFileInfoTest, NotADatabase) {
  DatabaseFileInfo info;
  std::string path;
  Status s = ReadInfoOfBytes(std::string(4096, 'x'), &info, &path);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "'" + path + "' is not a Berkeley DB database: unknown magic number 0x78787878");

  s = ReadInfoOfBytes("short", &info, &path);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "'" + path + "' is not a Berkeley DB database: file is 5 bytes, shorter than a metadata page (512 bytes)");
}

std::string ValidMeta() {
  TempDir dir;
  std::string path = dir.path + "/x.db", bytes;
  CreateDatabase(path, {.type = DB_BTREE, .page_size = 1024});
  EXPECT_TRUE(ReadWholeFile(DefaultFileIO(), path, &bytes).ok());
  return bytes.substr(0, 1024);
}

TEST(DatabaseFileInfoTest, BadPageSizeAndPageType) {
  std::string meta = ValidMeta();
  DatabaseFileInfo info;
  ASSERT_TRUE(ParseMetaPage(meta.data(), meta.size(), &info).ok());
  std::string bad = meta;
  bad[20] = 0x10;  // page size 1040 (0x410)
  Status s = ParseMetaPage(bad.data(), bad.size(), &info);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "page size 1040 is not a power of two from 512 to 65536");
  bad = meta;
  bad[kPageTypeOffset] = 5;  // P_LBTREE
  s = ParseMetaPage(bad.data(), bad.size(), &info);
  EXPECT_EQ(s.message(), "page 0 has type 5, not a metadata page");
  s = ParseMetaPage(meta.data(), 511, &info);
  EXPECT_EQ(s.message(), "file is 511 bytes, shorter than a metadata page (512 bytes)");
}

TEST(DatabaseFileInfoTest, MissingFile) {
  DatabaseFileInfo info;
  Status s = ReadDatabaseFileInfo(DefaultFileIO(), "/nonexistent-bdbackup/x.db", &info);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "unable to open file '/nonexistent-bdbackup/x.db': No such file or directory");
}

}  // namespace
}  // namespace bdb
