// FramedWritableFile: the shape the encoding writers of stored files share
// (zstd compression, AES-256-GCM encryption): a header before the first
// byte, an encoded body, a closing frame written once at the first Sync, and
// nothing appended after it. Subclasses say how each part is encoded; this
// class owns the order and the wrapped file. Thread-safety: one thread.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "base/file_io.h"
#include "base/status.h"

namespace bdb {

class FramedWritableFile : public WritableFile {
 public:
  Status Append(const char* data, size_t n) final {
    if (finished_) return Status::IOError(kind_ + " file '" + path() + "' was appended to after it was synced");
    BDB_RETURN_IF_ERROR(StartOnce());
    return AppendEncoded(data, n);
  }
  Status Sync() final {
    if (!finished_) {
      BDB_RETURN_IF_ERROR(StartOnce());
      BDB_RETURN_IF_ERROR(Finish());
      finished_ = true;
    }
    return out_->Sync();
  }
  void StartWriteback() final { out_->StartWriteback(); }
  Status Close() final { return out_->Close(); }
  const std::string& path() const final { return out_->path(); }

 protected:
  // kind names the encoding in errors ("compressed", "encrypted").
  FramedWritableFile(std::unique_ptr<WritableFile> out, std::string kind)
      : out_(std::move(out)), kind_(std::move(kind)) {}
  WritableFile* out() { return out_.get(); }

  // The header, written before the first encoded byte (also for an empty file).
  virtual Status WriteHeader() = 0;
  // Encodes n more bytes of the original.
  virtual Status AppendEncoded(const char* data, size_t n) = 0;
  // Flushes what is buffered and writes the closing frame.
  virtual Status Finish() = 0;

 private:
  Status StartOnce() {
    if (started_) return Status::OK();
    started_ = true;
    return WriteHeader();
  }

  std::unique_ptr<WritableFile> out_;
  std::string kind_;
  bool started_ = false, finished_ = false;
};

}  // namespace bdb
