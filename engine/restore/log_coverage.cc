#include "engine/restore/log_coverage.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include "engine/bdb/database_file.h"
#include "engine/bdb/log_names.h"
#include "engine/bdb/log_record_reader.h"

namespace bdb {
namespace {

constexpr size_t kExamples = 5;
constexpr size_t kReadBytes = 1 << 20;

uint32_t Get32(const char* p, bool swapped) {
  uint32_t v = 0;
  std::memcpy(&v, p, 4);
  return swapped ? __builtin_bswap32(v) : v;
}

// The copied logs reach LSN [file][offset]: its record is at or before the
// end of the copied logs.
bool Reached(const LogCoverage& c, uint32_t file, uint32_t offset) {
  if (file == 0) return true;  // never logged (LSN [0][0], [0][1])
  if (file != c.end_file) return file < c.end_file;
  return offset <= c.end_offset;
}

// The LSN of the last valid record of one log file, read by BDB's log cursor
// from a scratch directory holding only a link to it (so newer files beside
// it are not read). False when the file holds no record or cannot be read.
bool LastRecordOf(const std::string& log_path, uint32_t number, DB_LSN* last) {
  std::string scratch;
  if (!MakeScratchDir("", "bdbackup-coverage", &scratch).ok()) return false;
  bool found = false;
  const std::string link = JoinPath(scratch, BaseName(log_path));
  std::error_code ec;
  const std::string target = std::filesystem::absolute(log_path, ec).string();
  if (!ec && ::symlink(target.c_str(), link.c_str()) == 0) {
    std::unique_ptr<LogRecordReader> reader;
    DBT rec;
    std::memset(&rec, 0, sizeof(rec));
    found = LogRecordReader::Open(scratch, &reader).ok() && reader->Get(DB_LAST, last, &rec) &&
            last->file == number;
  }
  RemoveTree(DefaultFileIO(), scratch);  // best effort
  return found;
}

Status CheckDatabase(FileIO* io, const std::string& path, LogCoverage* out) {
  DatabaseFileInfo info;
  BDB_RETURN_IF_ERROR(ReadDatabaseFileInfo(io, path, &info));
  std::unique_ptr<ReadableFile> file;
  BDB_RETURN_IF_ERROR(io->OpenForRead(path, &file));
  const size_t chunk = std::max<size_t>(info.page_size, kReadBytes / info.page_size * info.page_size);
  std::string buf(chunk, '\0');
  for (uint64_t offset = 0;; offset += chunk) {
    size_t got = 0;
    BDB_RETURN_IF_ERROR(file->Pread(offset, chunk, buf.data(), &got));
    for (size_t at = 0; at + info.page_size <= got; at += info.page_size) {
      ++out->pages_checked;
      const uint32_t lsn_file = Get32(buf.data() + at, info.byte_swapped);
      const uint32_t lsn_offset = Get32(buf.data() + at + 4, info.byte_swapped);
      if (Reached(*out, lsn_file, lsn_offset)) continue;
      ++out->uncovered_pages;
      if (out->examples.size() < kExamples)
        out->examples.push_back({path, (offset + at) / info.page_size, lsn_file, lsn_offset});
    }
    if (got < chunk) return Status::OK();
  }
}

}  // namespace

std::string LogCoverage::Describe() const {
  if (!examples.empty()) {
    const UncoveredPage& p = examples.front();
    return fmt::format(
        "database '{}' page {} has LSN [{}][{}], past the end of the copied logs at [{}][{}] ({} such page{}): the "
        "page was copied after changes the copied logs do not hold",
        p.file, p.page, p.lsn_file, p.lsn_offset, end_file, end_offset, uncovered_pages,
        uncovered_pages == 1 ? "" : "s");
  }
  if (!missing_logs.empty()) {
    return fmt::format("the copied logs have a gap: log file '{}' is missing between '{}' and '{}'",
                       LogFileName(missing_logs.front()), LogFileName(first_log), LogFileName(last_log));
  }
  return "";
}

Status CheckLogCoverage(FileIO* io, const std::vector<std::string>& database_paths,
                        const std::vector<std::string>& log_paths, LogCoverage* out) {
  *out = LogCoverage();
  std::set<uint32_t> numbers;
  std::string last_path;
  for (const std::string& path : log_paths) {
    uint32_t n = 0;
    if (!ParseLogFileName(BaseName(path), &n)) continue;
    numbers.insert(n);
    if (n >= out->last_log) {
      out->last_log = n;
      last_path = path;
    }
  }
  if (!numbers.empty()) {
    out->first_log = *numbers.begin();
    FileInfo info;
    BDB_RETURN_IF_ERROR(io->Stat(last_path, &info));
    DB_LSN last;
    out->end_file = out->last_log;
    if (LastRecordOf(last_path, out->last_log, &last)) {
      out->end_offset = last.offset;
      out->end_from_records = true;
    } else {
      out->end_offset = info.size > 0 ? static_cast<uint32_t>(info.size - 1) : 0;
    }
    for (uint32_t n = out->first_log; n < out->last_log; ++n) {
      if (!numbers.count(n)) out->missing_logs.push_back(n);
    }
  }
  for (const std::string& path : database_paths) BDB_RETURN_IF_ERROR(CheckDatabase(io, path, out));
  return Status::OK();
}

}  // namespace bdb
