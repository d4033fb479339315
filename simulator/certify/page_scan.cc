#include "simulator/certify/page_scan.h"

#include <fmt/format.h>

#include "engine/bdb/database_file.h"
#include "base/file_io.h"
#include "engine/copy/page_checksum.h"

namespace bdb::sim::certify {
namespace {

Status ScanFile(const std::string& home, const std::string& rel, PageScan* out) {
  FileIO* io = DefaultFileIO();
  const std::string path = JoinPath(home, rel);
  DatabaseFileInfo info;
  if (!ReadDatabaseFileInfo(io, path, &info).ok()) return Status::OK();  // not a database (or an empty file)
  ++out->databases;
  std::unique_ptr<ReadableFile> file;
  BDB_RETURN_IF_ERROR(io->OpenForRead(path, &file));
  uint64_t size = 0;
  BDB_RETURN_IF_ERROR(file->Size(&size));
  std::string page(info.page_size, '\0');
  for (uint64_t pgno = 0; (pgno + 1) * info.page_size <= size; ++pgno) {
    size_t got = 0;
    BDB_RETURN_IF_ERROR(file->Pread(pgno * info.page_size, page.size(), page.data(), &got));
    if (got < page.size()) break;
    switch (CheckPageChecksum(page.data(), info.page_size, info)) {
      case PageCheck::kValid: ++out->pages; break;
      case PageCheck::kUnchecked: ++out->unchecked; break;
      case PageCheck::kInvalid:
        ++out->pages;
        ++out->bad_count;
        if (out->bad.size() < 1000) out->bad.push_back({rel, pgno});
        break;
    }
  }
  return Status::OK();
}

}  // namespace

Status ScanDatabasePages(const std::string& home, const std::string& data_dir, PageScan* out) {
  *out = PageScan();
  FileIO* io = DefaultFileIO();
  std::vector<std::string> dirs = {""};
  if (!data_dir.empty()) dirs.push_back(data_dir);
  for (const std::string& dir : dirs) {
    std::vector<std::string> names;
    BDB_RETURN_IF_ERROR(io->ListDir(dir.empty() ? home : JoinPath(home, dir), &names));
    for (const std::string& name : names) {
      if (name.rfind("__db.", 0) == 0 || name == "DB_CONFIG") continue;
      const std::string rel = dir.empty() ? name : JoinPath(dir, name);
      FileInfo fi;
      BDB_RETURN_IF_ERROR(io->Stat(JoinPath(home, rel), &fi));
      if (!fi.exists || fi.is_dir || fi.is_symlink) continue;
      BDB_RETURN_IF_ERROR(ScanFile(home, rel, out));
    }
  }
  return Status::OK();
}

}  // namespace bdb::sim::certify
