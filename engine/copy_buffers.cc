#include "engine/copy_buffers.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>
#include <utility>

namespace bdb {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

AlignedBuffer::AlignedBuffer(size_t bytes) {
  if (bytes == 0) return;
  // Reserve one huge page more than needed so the data can start on a 2 MiB
  // boundary; the kernel then backs it with huge pages (one fault each).
  const size_t want = RoundUp(bytes, kHugePage);
  map_bytes_ = want + kHugePage;
  map_ = mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    map_bytes_ = 0;
    throw std::bad_alloc();
  }
  const uintptr_t start = reinterpret_cast<uintptr_t>(map_);
  data_ = reinterpret_cast<char*>(RoundUp(start, kHugePage));
  size_ = want;
  (void)madvise(data_, want, MADV_HUGEPAGE);  // a hint; without THP the buffer still works
}

AlignedBuffer::~AlignedBuffer() { Release(); }

AlignedBuffer::AlignedBuffer(AlignedBuffer&& other) noexcept { *this = std::move(other); }

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& other) noexcept {
  if (this != &other) {
    Release();
    map_ = std::exchange(other.map_, nullptr);
    map_bytes_ = std::exchange(other.map_bytes_, 0);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void AlignedBuffer::Release() {
  if (map_ != nullptr) munmap(map_, map_bytes_);
  map_ = nullptr;
  map_bytes_ = 0;
  data_ = nullptr;
  size_ = 0;
}

char* CopyBuffers::Get(int slot, size_t bytes) {
  AlignedBuffer& buffer = slots_[slot];
  if (buffer.size() < bytes) buffer = AlignedBuffer(bytes);
  return buffer.data();
}

}  // namespace bdb
