// Progress: where long engine work (copying, recovery) reports how far it is.
// The engine calls it; tools/ renders it on a terminal (bytes, files, rate) or
// discards it. Implementations must tolerate calls from the copying thread.
#pragma once

#include <cstdint>
#include <string>

namespace bdb {

class Progress {
 public:
  virtual ~Progress() = default;
  // A new phase begins ("copying database files", "catastrophic recovery").
  virtual void Phase(const std::string& /*name*/, uint64_t /*total_bytes*/) {}
  // A file starts being copied.
  virtual void StartFile(const std::string& /*path*/, uint64_t /*size_bytes*/) {}
  // n more bytes were copied.
  virtual void AddBytes(uint64_t /*n*/) {}
};

// A Progress that ignores everything.
inline Progress* NullProgress() {
  static Progress* p = new Progress();
  return p;
}

}  // namespace bdb
