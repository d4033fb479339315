// The encrypted file format (encrypted_file.h) on real files: round trips at
// chunk-size edges, with and without compression underneath, random reads;
// a modified byte anywhere, a file cut at or inside a chunk, chunks swapped
// within a file or taken from another file, a renamed file and a wrong key
// are all Corruption naming the file; the key file rules (repository_key.h).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "engine/repository/encrypted_file.h"
#include "engine/repository/repository_key.h"
#include "engine/repository/stored_file.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;
constexpr size_t kHeader = 36, kTag = 16, kChunk = kEncryptedChunkBytes;

RepositoryKey KeyOf(char fill) {
  RepositoryKey key;
  key.bytes.fill(static_cast<unsigned char>(fill));
  return key;
}

std::string Pattern(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() % 7);  // compressible, not constant
  return s;
}

void WriteStored(const std::string& path, const std::string& data, int level, const RepositoryKey* key) {
  StoredWriteIO stored(DefaultFileIO(), level, key);
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(stored.io()->CreateForWrite(path, 0600, &f).ok());
  for (size_t at = 0; at < data.size(); at += 10007) {  // odd pieces across chunk boundaries
    ASSERT_TRUE(f->Append(data.data() + at, std::min<size_t>(10007, data.size() - at)).ok());
  }
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Close().ok());
}

Status ReadStored(const std::string& path, const RepositoryKey* key, std::string* out) {
  ScopedThreadRepositoryKey scope(key);
  std::unique_ptr<ReadableFile> f;
  BDB_RETURN_IF_ERROR(DefaultStoredFileIO()->OpenForRead(path, &f));
  uint64_t size = 0;
  BDB_RETURN_IF_ERROR(f->Size(&size));
  out->assign(size, '\0');
  size_t got = 0;
  BDB_RETURN_IF_ERROR(f->Pread(0, out->size(), out->data(), &got));
  if (got != size) return Status::Corruption("short read");
  return Status::OK();
}

void Overwrite(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

class EncryptedFileTest : public ::testing::Test {
 protected:
  std::string Sub(const std::string& name) { return tmp_.Sub(name); }
  void ExpectCorrupt(const std::string& path, const RepositoryKey& key) {
    std::string back;
    Status s = ReadStored(path, &key, &back);
    EXPECT_TRUE(s.IsCorruption()) << s.message();
    EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  }
  TempDir tmp_{"bdbackup-encfile"};
  RepositoryKey key_ = KeyOf(7);
};

TEST_F(EncryptedFileTest, RoundTripsAtChunkEdgesRawAndCompressed) {
  for (size_t n : {size_t{0}, size_t{1}, kChunk - 1, kChunk, kChunk + 1, 3 * kChunk + 5}) {
    for (int level : {0, 3}) {
      const std::string path = Sub("f" + std::to_string(n) + "-" + std::to_string(level));
      const std::string data = Pattern(n, static_cast<uint32_t>(n));
      WriteStored(path, data, level, &key_);
      const std::string stored = ReadFileContents(path);
      EXPECT_EQ(stored.substr(0, 8), kEncryptedMagic);
      if (level == 0) {
        EXPECT_EQ(stored.size(), kHeader + n + kTag * (n == 0 ? 1 : (n + kChunk - 1) / kChunk));
      }
      std::string back;
      ASSERT_TRUE(ReadStored(path, &key_, &back).ok()) << n;
      EXPECT_EQ(back, data) << n << " level " << level;
      bool container = false;
      ASSERT_TRUE(IsStoredContainer(DefaultFileIO(), path, &container).ok());
      EXPECT_TRUE(container);
    }
  }
}

TEST_F(EncryptedFileTest, PositionalReadsAnywhere) {
  const std::string path = Sub("a.db");
  const std::string data = Pattern(3 * kChunk + 100, 1);
  WriteStored(path, data, 0, &key_);
  ScopedThreadRepositoryKey scope(&key_);
  std::unique_ptr<ReadableFile> f;
  ASSERT_TRUE(DefaultStoredFileIO()->OpenForRead(path, &f).ok());
  for (uint64_t at : {uint64_t{2 * kChunk + 3}, uint64_t{5}, uint64_t{kChunk - 10}, uint64_t{3 * kChunk + 90}}) {
    char buf[64];
    size_t got = 0;
    ASSERT_TRUE(f->Pread(at, sizeof(buf), buf, &got).ok());
    EXPECT_EQ(std::string(buf, got), data.substr(at, sizeof(buf)));
  }
}

TEST_F(EncryptedFileTest, EveryTamperingIsCorruptionNamingTheFile) {
  const std::string data = Pattern(3 * kChunk + 10, 2);
  const std::string good = Sub("log.0000000001");
  WriteStored(good, data, 0, &key_);
  const std::string stored = ReadFileContents(good);
  // A modified byte in the header, in a middle chunk, in the last tag.
  for (size_t at : {size_t{20}, kHeader + kChunk + 77, stored.size() - 1}) {
    std::string bad = stored;
    bad[at] ^= 0x01;
    Overwrite(good, bad);
    ExpectCorrupt(good, key_);
  }
  // Cut at a chunk boundary (the new last chunk was not sealed final), and inside one.
  for (size_t len : {kHeader + 2 * (kChunk + kTag), kHeader + kChunk + 100}) {
    Overwrite(good, stored.substr(0, len));
    ExpectCorrupt(good, key_);
  }
  // Chunks 0 and 1 swapped.
  std::string swapped = stored;
  swapped.replace(kHeader, kChunk + kTag, stored.substr(kHeader + kChunk + kTag, kChunk + kTag));
  swapped.replace(kHeader + kChunk + kTag, kChunk + kTag, stored.substr(kHeader, kChunk + kTag));
  Overwrite(good, swapped);
  ExpectCorrupt(good, key_);
  // A chunk taken from another file of the same name (another salt, another key).
  const std::string other = Sub("other/log.0000000001");
  fs::create_directories(Sub("other"));
  WriteStored(other, data, 0, &key_);
  std::string spliced = stored;
  spliced.replace(kHeader + kChunk + kTag, kChunk + kTag, ReadFileContents(other).substr(kHeader + kChunk + kTag, kChunk + kTag));
  Overwrite(good, spliced);
  ExpectCorrupt(good, key_);
  // The intact file under another name, and under the wrong key.
  Overwrite(good, stored);
  fs::copy_file(good, Sub("log.0000000002"));
  ExpectCorrupt(Sub("log.0000000002"), key_);
  ExpectCorrupt(good, KeyOf(8));
  std::string back;
  EXPECT_TRUE(ReadStored(good, &key_, &back).ok());
  EXPECT_EQ(back, data);
  // No key at all: one line asking for it.
  Status s = ReadStored(good, nullptr, &back);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.message();
}

TEST_F(EncryptedFileTest, AWriterTmpNameBindsTheFinalName) {
  WriteStored(Sub("log.0000000003.tmp"), "abc", 0, &key_);
  fs::rename(Sub("log.0000000003.tmp"), Sub("log.0000000003"));
  std::string back;
  ASSERT_TRUE(ReadStored(Sub("log.0000000003"), &key_, &back).ok());
  EXPECT_EQ(back, "abc");
}

TEST(RepositoryKeyTest, KeyFilesRawOrHexOwnerOnly) {
  TempDir tmp("bdbackup-key");
  RepositoryKey key;
  EXPECT_TRUE(ParseRepositoryKey(std::string(32, 'k'), "f", &key).ok());
  EXPECT_EQ(key.bytes[0], 'k');
  EXPECT_TRUE(ParseRepositoryKey(std::string(64, 'A').append("\n"), "f", &key).ok());
  EXPECT_EQ(key.bytes[31], 0xaa);
  for (const std::string& bad : {std::string(31, 'k'), std::string(63, 'a'), std::string(64, 'g'), std::string()}) {
    Status s = ParseRepositoryKey(bad, "f", &key);
    EXPECT_EQ(s.message(), "key file 'f' is not a key: expected 32 raw bytes or 64 hex digits");
  }
  const std::string file = tmp.Sub("key");
  Overwrite(file, std::string(64, '1'));
  ::chmod(file.c_str(), 0640);
  Status s = LoadRepositoryKey(file);
  EXPECT_EQ(s.message(), "key file '" + file + "' is readable by group or other (mode 0640): chmod 600 it");
  EXPECT_TRUE(LoadRepositoryKey(tmp.Sub("missing")).IsNotFound());
  std::string a, b, c;
  ASSERT_TRUE(KeyCheckValue(KeyOf(1), &a).ok());
  ASSERT_TRUE(KeyCheckValue(KeyOf(1), &b).ok());
  ASSERT_TRUE(KeyCheckValue(KeyOf(2), &c).ok());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.size(), 64u);
}

}  // namespace
}  // namespace bdb
