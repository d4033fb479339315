#include "engine/copy/copy_buffers.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>
#include <utility>

namespace bdb {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

AlignedBuffer::AlignedBuffer(size_t bytes) {
  if (bytes == 0) return;
  // Plain heap memory (files are still only ever read with pread), on a 2 MiB
  // boundary and a whole number of 2 MiB so the kernel can back it with huge
  // pages: one fault each instead of 512.
  const size_t size = RoundUp(bytes, kHugePage);
  data_ = static_cast<char*>(std::aligned_alloc(kHugePage, size));
  if (data_ == nullptr) throw std::bad_alloc();
  size_ = size;
  (void)madvise(data_, size_, MADV_HUGEPAGE);  // a hint; without THP the buffer still works
}

AlignedBuffer::~AlignedBuffer() { std::free(data_); }

AlignedBuffer::AlignedBuffer(AlignedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

char* CopyBuffers::Get(int slot, size_t bytes) {
  AlignedBuffer& buffer = slots_[slot];
  if (buffer.size() < bytes) buffer = AlignedBuffer(bytes);
  return buffer.data();
}

}  // namespace bdb
