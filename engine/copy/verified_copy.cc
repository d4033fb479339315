// The verified copier: batch reads, per-unit verification, bounded re-reads.
#include "engine/copy/verified_copy.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "engine/copy/content_hash.h"
#include "engine/bdb/database_file.h"
#include "engine/copy/page_checksum.h"

namespace bdb {
namespace {

// How a unit is accepted.
enum class Rule {
  kChecksum,  // BDB's checksum matches. On metadata pages it covers the first
              // 512 bytes only; BDB never reads the rest, so a tear there is harmless.
  kStable,    // two consecutive reads agree
  kNone,      // first read accepted
};

// Bound on rounds of "the file grew, copy the new part" for growing files.
constexpr int kMaxGrowRounds = 64;


// A tiny backoff so a writer in the middle of a page write can finish.
void Backoff(int attempt) {
  if (attempt <= 3) {
    sched_yield();
  } else {
    usleep(static_cast<useconds_t>(std::min(attempt * 10, 1000)));
  }
}

class Copier {
 public:
  Copier(ReadableFile* in, WritableFile* out, const CopyOptions& options, uint32_t unit, PageVerification mode,
         const DatabaseFileInfo& info, const char* unit_name, CopyResult* result)
      : in_(in), out_(out), options_(options), unit_(unit), mode_(mode), info_(info), unit_name_(unit_name),
        result_(result) {
    size_t units_per_batch = std::max<size_t>(1, options.read_batch_bytes / unit);
    batch_bytes_ = units_per_batch * unit;
    CopyBuffers* buffers = options.buffers != nullptr ? options.buffers : &own_buffers_;
    first_ = buffers->Get(0, batch_bytes_);
    if (mode_ == PageVerification::kStableReread) second_ = buffers->Get(1, batch_bytes_);
  }

  // Copies [begin, end) of the source. Sets *copied_end to where the copy
  // stopped: end, or earlier if the file shrank under us.
  Status CopyRange(uint64_t begin, uint64_t end, uint64_t* copied_end) {
    uint64_t offset = begin;
    while (offset < end) {
      size_t len = static_cast<size_t>(std::min<uint64_t>(batch_bytes_, end - offset));
      size_t got1 = 0, got2 = 0;
      BDB_RETURN_IF_ERROR(in_->Pread(offset, len, first_, &got1));
      if (mode_ == PageVerification::kStableReread) {
        BDB_RETURN_IF_ERROR(in_->Pread(offset, len, second_, &got2));
      }
      bool eof = got1 < len;
      size_t good = 0;  // verified bytes of first_
      while (good < got1) {
        size_t unit_len = std::min<size_t>(unit_, got1 - good);
        size_t final_len = unit_len;
        BDB_RETURN_IF_ERROR(VerifyUnit(offset + good, unit_len, got2 >= good + unit_len ? &second_[good] : nullptr,
                                       &first_[good], &final_len));
        good += final_len;
        ++result_->units;
        if (final_len < unit_len) {
          eof = true;
          break;
        }
      }
      BDB_RETURN_IF_ERROR(out_->Append(first_, good));
      hash_.Update(first_, good);
      result_->bytes += good;
      MaybeStartWriteback(good);
      if (options_.progress != nullptr) options_.progress->AddBytes(good);
      if (options_.pacer != nullptr) options_.pacer->Pace(good);
      offset += good;
      if (eof) break;
    }
    *copied_end = offset;
    return Status::OK();
  }

  std::string HexDigest() const { return hash_.HexDigest(); }

 private:
  // Hints each time the bytes copied cross a multiple of writeback_every_bytes.
  void MaybeStartWriteback(size_t appended) {
    const uint64_t every = options_.writeback_every_bytes, now = result_->bytes;
    if (every == 0 || now > options_.writeback_until_bytes) return;
    if (now / every != (now - appended) / every) out_->StartWriteback();
  }

  // Verifies the unit at `data` (unit_len bytes read at offset); `second` is
  // a second read of it or null. Re-reads until it verifies; the good bytes end
  // up in data, *final_len < unit_len only if the file shrank.
  Status VerifyUnit(uint64_t offset, size_t unit_len, const char* second, char* data, size_t* final_len) {
    PageCheck check = PageCheck::kUnchecked;
    Rule rule = RuleFor(data, unit_len, &check);
    const char* prev = nullptr;
    switch (rule) {
      case Rule::kNone: return Status::OK();
      case Rule::kChecksum:
        if (check == PageCheck::kValid) return Status::OK();
        break;
      case Rule::kStable:
        if (second != nullptr && std::memcmp(data, second, unit_len) == 0) return Status::OK();
        prev = second != nullptr ? second : data;
        break;
    }
    return Reread(offset, unit_len, rule, prev, data, final_len);
  }

  // The rule for a unit as read; *check is its checksum result if computed.
  Rule RuleFor(const char* data, size_t unit_len, PageCheck* check) const {
    switch (mode_) {
      case PageVerification::kNone: return Rule::kNone;
      case PageVerification::kStableReread: return Rule::kStable;
      case PageVerification::kChecksum: break;
    }
    if (unit_len < unit_) return Rule::kStable;  // a short tail has no checksum
    *check = CheckPageChecksum(data, unit_, info_);
    return *check == PageCheck::kUnchecked ? Rule::kStable : Rule::kChecksum;
  }

  // Re-reads one unit up to max_rereads times. prev: the previous read of it
  // (unit_len bytes) or null.
  Status Reread(uint64_t offset, size_t unit_len, Rule rule, const char* prev, char* data, size_t* final_len) {
    // Taken only when a unit needs a re-read: fresh memory costs a page fault
    // per 4 KiB on first touch, and a restore copies in 1 MiB units.
    if (page_a_.size() < unit_) {
      page_a_.resize(unit_);
      page_b_.resize(unit_);
    }
    size_t prev_len = 0;
    bool have_prev = prev != nullptr;
    if (have_prev) {
      std::memcpy(page_b_.data(), prev, unit_len);
      prev_len = unit_len;
    }
    bool checksum_failed = false;  // what the last read failed: checksum or sameness
    for (int attempt = 1; attempt <= options_.max_rereads; ++attempt) {
      Backoff(attempt);
      size_t got = 0;
      BDB_RETURN_IF_ERROR(in_->Pread(offset, unit_len, page_a_.data(), &got));
      ++result_->rereads;
      // A unit whose kind changed (e.g. now a tail) is judged by the new read.
      PageCheck check = PageCheck::kUnchecked;
      Rule now = rule == Rule::kStable ? Rule::kStable : RuleFor(page_a_.data(), got, &check);
      bool ok = true;
      if (now == Rule::kChecksum) ok = check == PageCheck::kValid;
      checksum_failed = !ok;
      if (now == Rule::kStable) {
        ok = ok && have_prev && prev_len == got && std::memcmp(page_a_.data(), page_b_.data(), got) == 0;
      }
      if (ok) {
        std::memcpy(data, page_a_.data(), got);
        *final_len = got;
        return Status::OK();
      }
      std::swap(page_a_, page_b_);
      prev_len = got;
      have_prev = true;
    }
    const uint64_t index = offset / unit_;
    if (checksum_failed) {
      return Status::Corruption(fmt::format("{} {} of {} failed its checksum after {} re-reads", unit_name_, index,
                                            Quote(in_->path()), options_.max_rereads));
    }
    return Status::Corruption(fmt::format("{} {} of {} did not read the same twice in {} re-reads", unit_name_,
                                          index, Quote(in_->path()), options_.max_rereads));
  }

  ReadableFile* in_;
  WritableFile* out_;
  const CopyOptions& options_;
  const uint32_t unit_;
  const PageVerification mode_;
  const DatabaseFileInfo info_;
  const char* unit_name_;
  CopyResult* result_;
  size_t batch_bytes_ = 0;
  CopyBuffers own_buffers_;  // used when options.buffers is null
  char* first_ = nullptr;    // batch buffers, from options.buffers or own_buffers_
  char* second_ = nullptr;
  std::vector<char> page_a_, page_b_;
  ContentHash hash_;
};

// Reads the first 512 bytes until two consecutive reads agree, then parses them.
Status ReadStableMetaPage(ReadableFile* in, const CopyOptions& options, DatabaseFileInfo* info) {
  std::vector<char> a(kMetaPageBytes), b(kMetaPageBytes);
  size_t got_a = 0, got_b = 0;
  BDB_RETURN_IF_ERROR(in->Pread(0, a.size(), a.data(), &got_a));
  for (int attempt = 0;; ++attempt) {
    BDB_RETURN_IF_ERROR(in->Pread(0, b.size(), b.data(), &got_b));
    if (got_a == got_b && std::memcmp(a.data(), b.data(), got_a) == 0) break;
    if (attempt >= options.max_rereads) {
      return Status::Corruption(fmt::format("page 0 of {} did not read the same twice in {} re-reads",
                                            Quote(in->path()), options.max_rereads));
    }
    Backoff(attempt + 1);
    std::swap(a, b);
    got_a = got_b;
  }
  Status s = ParseMetaPage(a.data(), got_a, info);
  if (!s.ok()) return Status::InvalidArgument(Quote(in->path()) + " is not a Berkeley DB database: " + s.message());
  return Status::OK();
}

// Runs the copy into dst, then fsyncs and closes it (or, with defer, hands it
// over unsynced in *deferred); removes dst on failure.
template <typename Body>
Status CopyIntoNewFile(FileIO* io, const std::string& dst, bool defer, std::unique_ptr<WritableFile>* deferred,
                       Body body) {
  std::unique_ptr<WritableFile> out;
  BDB_RETURN_IF_ERROR(io->CreateForWrite(dst, 0600, &out));
  Status s = body(out.get());
  if (s.ok() && defer) {
    *deferred = std::move(out);
    return Status::OK();
  }
  if (s.ok()) s = out->Sync();
  if (s.ok()) s = out->Close();
  if (!s.ok()) {
    out.reset();
    io->RemoveFile(dst);  // best effort; the copy's own error is what matters
  }
  return s;
}

// Copies [0, size) and, for growing files, what was appended meanwhile.
Status CopyAll(Copier* copier, ReadableFile* in, const CopyOptions& options, uint64_t size) {
  uint64_t copied = 0;
  BDB_RETURN_IF_ERROR(copier->CopyRange(0, size, &copied));
  if (!options.growing_file || copied < size) return Status::OK();
  for (int round = 0; round < kMaxGrowRounds; ++round) {
    uint64_t now = 0;
    BDB_RETURN_IF_ERROR(in->Size(&now));
    if (now <= copied) break;
    uint64_t end = 0;
    BDB_RETURN_IF_ERROR(copier->CopyRange(copied, now, &end));
    bool shrank = end < now;
    copied = end;
    if (shrank) break;
  }
  return Status::OK();
}

Status CheckOptions(const CopyOptions& options, const std::string& src) {
  if (options.unit_bytes == 0) {
    return Status::InvalidArgument("unable to copy " + Quote(src) + ": unit size must be positive");
  }
  if (options.max_rereads < 1) {
    return Status::InvalidArgument("unable to copy " + Quote(src) + ": max re-reads must be positive");
  }
  return Status::OK();
}

}  // namespace

Status CopyDatabaseFile(FileIO* io, const std::string& src, const std::string& dst, const CopyOptions& options,
                        CopyResult* result) {
  BDB_RETURN_IF_ERROR(CheckOptions(options, src));
  *result = CopyResult();
  std::unique_ptr<ReadableFile> in;
  BDB_RETURN_IF_ERROR(io->OpenForRead(src, &in));
  uint64_t size = 0;
  BDB_RETURN_IF_ERROR(in->Size(&size));
  DatabaseFileInfo info;
  uint32_t unit = options.unit_bytes;
  PageVerification mode = options.verification;
  if (options.read_meta_page) {
    BDB_RETURN_IF_ERROR(ReadStableMetaPage(in.get(), options, &info));
    unit = info.page_size;
    if (mode == PageVerification::kChecksum && (!info.checksummed || info.encrypted)) {
      mode = PageVerification::kStableReread;
    }
  } else {
    info.page_size = unit;
    info.checksummed = true;
  }
  if (mode == PageVerification::kChecksum && unit < kMetaPageBytes) {
    return Status::InvalidArgument(
        fmt::format("unable to copy {}: page size {} is too small for checksums", Quote(src), unit));
  }
  if (options.progress != nullptr) options.progress->StartFile(src, size);
  std::unique_ptr<WritableFile> unsynced;
  Status s = CopyIntoNewFile(io, dst, options.defer_sync, &unsynced, [&](WritableFile* out) {
    Copier copier(in.get(), out, options, unit, mode, info, "page", result);
    Status body = CopyAll(&copier, in.get(), options, size);
    if (body.ok()) result->xxh3_hex = copier.HexDigest();
    return body;
  });
  if (!s.ok()) {
    *result = CopyResult();
    return s;
  }
  result->page_size = unit;
  result->verification = mode;
  result->unsynced = std::move(unsynced);
  return Status::OK();
}

Status CopyLogFile(FileIO* io, const std::string& src, const std::string& dst, const CopyOptions& options,
                   CopyResult* result) {
  BDB_RETURN_IF_ERROR(CheckOptions(options, src));
  *result = CopyResult();
  std::unique_ptr<ReadableFile> in;
  BDB_RETURN_IF_ERROR(io->OpenForRead(src, &in));
  uint64_t size = 0;
  BDB_RETURN_IF_ERROR(in->Size(&size));
  // Everything wanted is already there, written before the copy began and never rewritten.
  const bool within_flushed_end = options.limit_bytes > 0 && size >= options.limit_bytes;
  CopyOptions bounded = options;
  if (within_flushed_end) {
    size = options.limit_bytes;
    bounded.growing_file = false;
  }
  PageVerification mode = options.verification == PageVerification::kNone || options.immutable || within_flushed_end
                              ? PageVerification::kNone
                              : PageVerification::kStableReread;
  if (options.progress != nullptr) options.progress->StartFile(src, size);
  std::unique_ptr<WritableFile> unsynced;
  Status s = CopyIntoNewFile(io, dst, options.defer_sync, &unsynced, [&](WritableFile* out) {
    Copier copier(in.get(), out, bounded, options.unit_bytes, mode, DatabaseFileInfo(), "chunk", result);
    Status body = CopyAll(&copier, in.get(), bounded, size);
    if (body.ok()) result->xxh3_hex = copier.HexDigest();
    return body;
  });
  if (!s.ok()) {
    *result = CopyResult();
    return s;
  }
  result->verification = mode;
  result->unsynced = std::move(unsynced);
  return Status::OK();
}

}  // namespace bdb
