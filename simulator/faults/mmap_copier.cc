#include "simulator/faults/mmap_copier.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "engine/copy/content_hash.h"

namespace bdb::sim {
namespace {


// Owns a read-only shared mapping of a whole file.
class Mapping {
 public:
  ~Mapping() {
    if (data_ != nullptr) ::munmap(data_, size_);
    if (fd_ >= 0) ::close(fd_);
  }
  Status Open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Status::FromErrno(errno, "unable to open file " + Quote(path));
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Status::FromErrno(errno, "unable to stat file " + Quote(path));
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return Status::OK();  // mmap of 0 bytes is EINVAL; nothing to copy
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return Status::FromErrno(errno, "unable to map file " + Quote(path));
    data_ = static_cast<char*>(p);
    return Status::OK();
  }
  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  int fd_ = -1;
  char* data_ = nullptr;
  size_t size_ = 0;
};

Status CopyMapped(const Mapping& map, const std::string& src, WritableFile* out, const CopyOptions& options,
                  const ChunkFaultHook& hook, CopyResult* result) {
  ContentHash hash;
  const size_t batch_bytes = std::max<size_t>(kMmapChunkBytes, options.read_batch_bytes / kMmapChunkBytes * kMmapChunkBytes);
  std::vector<char> batch(batch_bytes);
  uint64_t units = 0;
  for (size_t start = 0; start < map.size(); start += batch_bytes) {
    const size_t len = std::min(batch_bytes, map.size() - start);
    for (size_t off = 0; off < len; off += kMmapChunkBytes) {
      const size_t n = std::min(kMmapChunkBytes, len - off);
      std::memcpy(batch.data() + off, map.data() + start + off, n);  // no verification: unsafe
      if (hook) hook(src, start + off, batch.data() + off, n);
      ++units;
    }
    hash.Update(batch.data(), len);
    BDB_RETURN_IF_ERROR(out->Append(batch.data(), len));
    if (options.progress != nullptr) options.progress->AddBytes(len);
  }
  BDB_RETURN_IF_ERROR(out->Sync());
  BDB_RETURN_IF_ERROR(out->Close());
  result->bytes = map.size();
  result->xxh3_hex = hash.HexDigest();
  result->units = units;
  result->rereads = 0;
  result->page_size = static_cast<uint32_t>(kMmapChunkBytes);
  result->verification = PageVerification::kNone;
  return Status::OK();
}

// State of ChunkTearHook across the chunks of one copy.
struct ChunkTearState {
  TornPageInjector* injector;
  FileIO* io;
  std::string path;
  std::unique_ptr<ReadableFile> file;
  std::unique_ptr<TornPageInjector::FileCursor> cursor;
  uint64_t page = UINT64_MAX;
  bool torn = false;
  std::string page_bytes;

  void OnChunk(const std::string& chunk_path, uint64_t offset, char* chunk, size_t n) {
    if (chunk_path != path || offset == 0) StartFile(chunk_path);
    if (cursor == nullptr) return;
    const uint32_t p = cursor->page_bytes;
    if (offset / p != page) StartPage(offset / p);
    if (!torn) return;
    const size_t in_page = offset % p;
    std::memcpy(chunk, page_bytes.data() + in_page, std::min<size_t>(n, p - in_page));
  }
  void StartFile(const std::string& chunk_path) {
    path = chunk_path;
    cursor.reset();
    file.reset();
    page = UINT64_MAX;
    torn = false;
    // A file that cannot be opened is simply not torn: the copy reports its own errors.
    if (!io->OpenForRead(path, &file).ok()) return;
    if (!injector->Open(file.get(), &cursor).ok()) cursor.reset();
  }
  void StartPage(uint64_t new_page) {
    page = new_page;
    torn = false;
    const uint32_t p = cursor->page_bytes;
    page_bytes.assign(p, '\0');
    size_t got = 0;
    if (!file->Pread(page * p, p, page_bytes.data(), &got).ok() || got != p) return;
    const std::string before = page_bytes;
    if (!injector->OnPageRead(cursor.get(), page, page_bytes.data(), file.get()).ok()) return;
    torn = page_bytes != before;
  }
};

}  // namespace

Status CopyDatabaseFileWithMmapHook(FileIO* io, const std::string& src, const std::string& dst,
                                    const CopyOptions& options, const ChunkFaultHook& hook, CopyResult* result) {
  Mapping map;
  BDB_RETURN_IF_ERROR(map.Open(src));
  if (options.progress != nullptr) options.progress->StartFile(src, map.size());
  std::unique_ptr<WritableFile> out;
  BDB_RETURN_IF_ERROR(io->CreateForWrite(dst, 0600, &out));
  Status s = CopyMapped(map, src, out.get(), options, hook, result);
  if (!s.ok()) {
    out.reset();
    io->RemoveFile(dst);  // best effort; the copy already failed
  }
  return s;
}

Status CopyDatabaseFileWithMmap(FileIO* io, const std::string& src, const std::string& dst,
                                const CopyOptions& options, CopyResult* result) {
  return CopyDatabaseFileWithMmapHook(io, src, dst, options, ChunkFaultHook(), result);
}

DatabaseCopier MmapCopierWithHook(ChunkFaultHook hook) {
  return [hook = std::move(hook)](FileIO* io, const std::string& src, const std::string& dst,
                                  const CopyOptions& options, CopyResult* result) {
    return CopyDatabaseFileWithMmapHook(io, src, dst, options, hook, result);
  };
}

ChunkFaultHook ChunkTearHook(TornPageInjector* injector, FileIO* io) {
  auto state = std::make_shared<ChunkTearState>();
  state->injector = injector;
  state->io = io;
  return [state](const std::string& path, uint64_t offset, char* chunk, size_t n) {
    state->OnChunk(path, offset, chunk, n);
  };
}

}  // namespace bdb::sim
