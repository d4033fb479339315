#include "simulator/faults/torn_read_file_io.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "engine/bdb/database_file.h"
#include "engine/bdb/log_names.h"

namespace bdb::sim {
namespace {

// Reads exactly one page; false if the file is shorter or the read fails.
bool ReadPage(ReadableFile* file, uint64_t page, uint32_t page_bytes, std::string* out) {
  out->assign(page_bytes, '\0');
  size_t got = 0;
  Status s = file->Pread(page * page_bytes, page_bytes, out->data(), &got);
  return s.ok() && got == page_bytes;
}

class TornReadableFile : public ReadableFile {
 public:
  TornReadableFile(std::unique_ptr<ReadableFile> file, std::unique_ptr<TornPageInjector::FileCursor> cursor,
                   TornPageInjector* injector)
      : file_(std::move(file)), cursor_(std::move(cursor)), injector_(injector) {}

  Status Pread(uint64_t offset, size_t n, char* buf, size_t* got) override {
    BDB_RETURN_IF_ERROR(file_->Pread(offset, n, buf, got));
    if (cursor_ == nullptr) return Status::OK();
    // Only whole pages inside the read are counted and can be torn.
    const uint64_t p = cursor_->page_bytes;
    const uint64_t end = offset + *got;
    for (uint64_t page = (offset + p - 1) / p; (page + 1) * p <= end; ++page) {
      BDB_RETURN_IF_ERROR(injector_->OnPageRead(cursor_.get(), page, buf + (page * p - offset), file_.get()));
    }
    return Status::OK();
  }
  Status Size(uint64_t* size) override { return file_->Size(size); }
  const std::string& path() const override { return file_->path(); }

 private:
  std::unique_ptr<ReadableFile> file_;
  std::unique_ptr<TornPageInjector::FileCursor> cursor_;
  TornPageInjector* injector_;
};

}  // namespace

const char* TearOrderName(TearOrder order) {
  switch (order) {
    case TearOrder::kOldHeadNewTail: return "old head + new tail";
    case TearOrder::kNewHeadOldTail: return "new head + old tail";
    case TearOrder::kSeeded: return "seeded";
  }
  return "unknown";
}

TearOptions MmapStyleFaultOptions(uint64_t seed) {
  TearOptions options;
  options.seed = seed;
  options.kind = "mmap_fault";
  options.boundary_bytes = 4096;
  return options;
}

Status TornPageInjector::Validate(const TearOptions& o) {
  auto bad = [](const std::string& why) { return Status::InvalidArgument("invalid tear options: " + why); };
  if (o.boundary_bytes == 0 || o.boundary_bytes % 512 != 0)
    return bad(fmt::format("boundary_bytes {} is not a positive multiple of 512", o.boundary_bytes));
  if (o.page_bytes != 0 && (o.page_bytes <= o.boundary_bytes || o.page_bytes % o.boundary_bytes != 0))
    return bad(fmt::format("page_bytes {} has no interior {}-byte boundary", o.page_bytes, o.boundary_bytes));
  if (o.tear_count > o.target_window)
    return bad(fmt::format("tear_count {} exceeds target_window {}", o.tear_count, o.target_window));
  if (o.kind.empty()) return bad("kind is empty");
  if (o.settle_ms_max < 0 || o.poll_interval_ms <= 0) return bad("settle_ms_max or poll_interval_ms out of range");
  return Status::OK();
}

TornPageInjector::TornPageInjector(const TearOptions& options, FaultLog* log) : options_(options), log_(log) {
  SeededRng rng = FaultSchedule(options.seed).Stream(options.kind);
  for (uint64_t page_read : FaultSchedule::DrawDistinct(&rng, options.tear_count, options.target_window)) {
    TearTarget t;
    t.page_read = page_read;
    t.boundary_draw = rng.Next();
    // Always drawn, so a fixed order does not shift the rest of the stream.
    const bool new_head = rng.Below(2) == 1;
    t.order = options.order != TearOrder::kSeeded ? options.order
              : new_head                          ? TearOrder::kNewHeadOldTail
                                                  : TearOrder::kOldHeadNewTail;
    plan_.push_back(t);
  }
}

std::vector<FiredTear> TornPageInjector::fired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fired_;
}

bool TornPageInjector::IsTargetFile(const std::string& path) const {
  const std::string name = BaseName(path);
  uint32_t number = 0;
  if (ParseLogFileName(name, &number)) return options_.include_logs;
  return name.rfind("__db.", 0) != 0 && name != "DB_CONFIG";
}

const TearTarget* TornPageInjector::FindTarget(uint64_t page_read) const {
  for (const TearTarget& t : plan_) {
    if (t.page_read == page_read) return &t;
  }
  return nullptr;
}

Status TornPageInjector::Open(ReadableFile* file, std::unique_ptr<FileCursor>* cursor) {
  cursor->reset();
  if (!IsTargetFile(file->path())) return Status::OK();
  uint32_t page_bytes = options_.page_bytes;
  if (page_bytes == 0) {
    char meta[kMetaPageBytes];
    size_t got = 0;
    BDB_RETURN_IF_ERROR(file->Pread(0, sizeof(meta), meta, &got));
    DatabaseFileInfo info;
    if (got < sizeof(meta) || !ParseMetaPage(meta, got, &info).ok()) return Status::OK();  // not a database
    page_bytes = info.page_size;
    if (page_bytes <= options_.boundary_bytes || page_bytes % options_.boundary_bytes != 0) {
      if (log_ != nullptr)
        log_->Record(options_.kind, fmt::format("skipped '{}': page size {} has no interior {}-byte boundary",
                                                file->path(), page_bytes, options_.boundary_bytes));
      return Status::OK();
    }
  }
  auto c = std::make_unique<FileCursor>();
  c->path = file->path();
  c->page_bytes = page_bytes;
  uint64_t size = 0;
  BDB_RETURN_IF_ERROR(file->Size(&size));
  uint64_t first_read;
  {
    std::lock_guard<std::mutex> lock(mu_);
    first_read = page_reads_;
  }
  // Predicts targets assuming this file is read next, from page 0 onwards; a
  // target outside the prediction still tears, using the page as first read.
  const uint64_t pages = size / page_bytes;
  if (options_.changed_pages_only) {
    // Remember every page as the copy found it (bounded): the "old" versions.
    const uint64_t limit = std::min<uint64_t>(pages, options_.snapshot_bytes_max / page_bytes);
    for (uint64_t page = 0; page < limit; ++page) {
      std::string old_version;
      if (ReadPage(file, page, page_bytes, &old_version)) c->old_versions[page] = std::move(old_version);
    }
    *cursor = std::move(c);
    return Status::OK();
  }
  for (const TearTarget& t : plan_) {
    if (t.page_read < first_read || t.page_read - first_read >= pages) continue;
    const uint64_t page = t.page_read - first_read;
    std::string old_version;
    if (ReadPage(file, page, page_bytes, &old_version)) c->old_versions[page] = std::move(old_version);
  }
  *cursor = std::move(c);
  return Status::OK();
}

Status TornPageInjector::OnPageRead(FileCursor* cursor, uint64_t page, char* buf, ReadableFile* file) {
  if (page < cursor->seen.size() && cursor->seen[page]) return Status::OK();  // a re-read: the truth
  if (page >= cursor->seen.size()) cursor->seen.resize(page + 1, false);
  cursor->seen[page] = true;
  uint64_t page_read;
  {
    std::lock_guard<std::mutex> lock(mu_);
    page_read = page_reads_++;
  }
  if (options_.changed_pages_only) return OnPageReadChanged(cursor, page, page_read, buf);
  const TearTarget* target = FindTarget(page_read);
  if (target == nullptr) return Status::OK();

  const uint32_t p = cursor->page_bytes;
  FiredTear tear{cursor->path, page, page_read, 0, target->order, TearOutcome::kSpliced};
  std::string old_version(buf, p);
  auto it = cursor->old_versions.find(page);
  if (it != cursor->old_versions.end()) old_version = it->second;
  std::string new_version(buf, p);
  // The workload is writing: wait (bounded) for the page to change.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.settle_ms_max);
  while (new_version == old_version && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_interval_ms));
    std::string reread;
    if (ReadPage(file, page, p, &reread)) new_version = std::move(reread);
  }
  if (new_version == old_version) {
    tear.outcome = TearOutcome::kUnchanged;
    Record(tear, fmt::format("page unchanged for {} ms (harmless)", options_.settle_ms_max));
    return Status::OK();
  }
  Splice(*target, &tear, old_version, std::move(new_version), buf);
  return Status::OK();
}

Status TornPageInjector::OnPageReadChanged(FileCursor* cursor, uint64_t page, uint64_t page_read, char* buf) {
  bool tears_left = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tears_left = next_changed_target_ < plan_.size();
  }
  // Slow only while a planned tear is still to land: past the last one, a
  // slower copy would only grow the backup with the load it lets in.
  if (options_.pace_us > 0 && tears_left) std::this_thread::sleep_for(std::chrono::microseconds(options_.pace_us));
  const TearTarget* target = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (next_changed_target_ < plan_.size() && plan_[next_changed_target_].page_read <= page_read)
      target = &plan_[next_changed_target_];
  }
  if (target == nullptr) return Status::OK();
  auto it = cursor->old_versions.find(page);
  const uint32_t p = cursor->page_bytes;
  if (it == cursor->old_versions.end() || std::memcmp(it->second.data(), buf, p) == 0) return Status::OK();
  FiredTear tear{cursor->path, page, page_read, 0, target->order, TearOutcome::kSpliced};
  // A page whose versions differ within one block cannot be torn visibly:
  // recorded as harmless, and the planned tear waits for the next changed page.
  const bool visible = !VisibleBoundaries(it->second, std::string(buf, p)).empty();
  if (visible) {
    std::lock_guard<std::mutex> lock(mu_);
    ++next_changed_target_;
  }
  Splice(*target, &tear, it->second, std::string(buf, p), buf);
  return Status::OK();
}

// Splits only where the result differs from both versions: after the first
// differing byte, at or before the last one. Versions of equal size that differ.
std::vector<uint32_t> TornPageInjector::VisibleBoundaries(const std::string& old_version,
                                                          const std::string& new_version) const {
  const size_t p = old_version.size();
  size_t first_diff = 0;
  while (first_diff < p && old_version[first_diff] == new_version[first_diff]) ++first_diff;
  if (first_diff == p) return {};
  size_t last_diff = p - 1;
  while (old_version[last_diff] == new_version[last_diff]) --last_diff;
  std::vector<uint32_t> boundaries;
  for (uint32_t b = options_.boundary_bytes; b < p; b += options_.boundary_bytes) {
    if (b > first_diff && b <= last_diff) boundaries.push_back(b);
  }
  return boundaries;
}

void TornPageInjector::Splice(const TearTarget& target_ref, FiredTear* tear_out, const std::string& old_version,
                              std::string new_version, char* buf) {
  const TearTarget* target = &target_ref;
  FiredTear& tear = *tear_out;
  const uint32_t p = static_cast<uint32_t>(old_version.size());
  size_t first_diff = 0;
  while (old_version[first_diff] == new_version[first_diff]) ++first_diff;
  size_t last_diff = p - 1;
  while (old_version[last_diff] == new_version[last_diff]) --last_diff;
  const std::vector<uint32_t> boundaries = VisibleBoundaries(old_version, new_version);
  if (boundaries.empty()) {
    tear.outcome = TearOutcome::kInvisible;
    Record(tear, fmt::format("versions differ only within bytes {}..{}, one {}-byte block (harmless)", first_diff,
                             last_diff, options_.boundary_bytes));
    return;
  }
  tear.boundary = boundaries[target->boundary_draw % boundaries.size()];
  const bool old_head = target->order == TearOrder::kOldHeadNewTail;
  const std::string& head = old_head ? old_version : new_version;
  const std::string& tail = old_head ? new_version : old_version;
  std::memcpy(buf, head.data(), tear.boundary);
  std::memcpy(buf + tear.boundary, tail.data() + tear.boundary, p - tear.boundary);
  Record(tear, fmt::format("split at byte {}, {}", tear.boundary, TearOrderName(tear.order)));
}

void TornPageInjector::Record(const FiredTear& tear, const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    fired_.push_back(tear);
  }
  if (log_ != nullptr)
    log_->Record(options_.kind, fmt::format("'{}' page {} (page read {}): {}", tear.path, tear.page,
                                            tear.page_read, why));
}

Status TornReadFileIO::Create(FileIO* target, const TearOptions& options, FaultLog* log,
                              std::unique_ptr<TornReadFileIO>* out) {
  BDB_RETURN_IF_ERROR(TornPageInjector::Validate(options));
  out->reset(new TornReadFileIO(target, options, log));
  return Status::OK();
}

Status TornReadFileIO::OpenForRead(const std::string& path, std::unique_ptr<ReadableFile>* out) {
  std::unique_ptr<ReadableFile> file;
  BDB_RETURN_IF_ERROR(target()->OpenForRead(path, &file));
  std::unique_ptr<TornPageInjector::FileCursor> cursor;
  BDB_RETURN_IF_ERROR(injector_.Open(file.get(), &cursor));
  *out = std::make_unique<TornReadableFile>(std::move(file), std::move(cursor), &injector_);
  return Status::OK();
}

}  // namespace bdb::sim
