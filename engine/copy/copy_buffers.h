// CopyBuffers: the read buffers of the verified copier, kept for a whole
// backup instead of allocated per file. Fresh anonymous memory costs a page
// fault per 4 KiB page on first touch (measured ~12 us each on the VMs we run
// on, 3 ms per MiB); a backup copies tens of files, so the buffers are taken
// once, 2 MiB-aligned heap memory with MADV_HUGEPAGE where the kernel offers
// transparent huge pages, and reused. Not thread-safe: one copy at a time
// uses them.
#pragma once

#include <cstddef>

namespace bdb {

// At least `bytes` of uninitialized heap memory on a 2 MiB boundary, freed when destroyed.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes);
  ~AlignedBuffer();
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& other) noexcept;
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept;

  char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  char* data_ = nullptr;  // from aligned_alloc
  size_t size_ = 0;
};

// The batch buffers of one copier: first and second read of a batch.
class CopyBuffers {
 public:
  // Returns a buffer of at least `bytes` for slot 0 (first read) or 1
  // (second read); reallocates only when a larger one is asked for.
  char* Get(int slot, size_t bytes);

 private:
  AlignedBuffer slots_[2];
};

}  // namespace bdb
