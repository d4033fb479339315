// Helpers built only on the FileIO interface, so wrappers see every call.
#include "base/file_io.h"

#include <cerrno>
#include <cstdlib>

namespace bdb {

std::string Quote(const std::string& path) { return "'" + path + "'"; }

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  if (a.back() == '/') return b.front() == '/' ? a + b.substr(1) : a + b;
  return b.front() == '/' ? a + b : a + "/" + b;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status ReadWholeFile(FileIO* io, const std::string& path, std::string* contents) {
  std::unique_ptr<ReadableFile> file;
  BDB_RETURN_IF_ERROR(io->OpenForRead(path, &file));
  uint64_t size = 0;
  BDB_RETURN_IF_ERROR(file->Size(&size));
  contents->assign(size, '\0');
  size_t got = 0;
  BDB_RETURN_IF_ERROR(file->Pread(0, size, contents->data(), &got));
  contents->resize(got);
  return Status::OK();
}

Status WriteFileAtomically(FileIO* io, const std::string& path, const std::string& contents, mode_t mode) {
  const std::string tmp = path + ".tmp";
  std::unique_ptr<WritableFile> file;
  BDB_RETURN_IF_ERROR(io->CreateForWrite(tmp, mode, &file));
  Status s = file->Append(contents.data(), contents.size());
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = io->Rename(tmp, path);
  if (!s.ok()) {
    file.reset();
    io->RemoveFile(tmp);  // best effort; the original is untouched
    return s;
  }
  return io->SyncDir(DirName(path));
}

Status MakeScratchDir(const std::string& parent, const std::string& prefix, std::string* dir) {
  std::string base = parent;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp && *tmp ? tmp : "/tmp";
  }
  std::string templ = JoinPath(base, prefix + "-XXXXXX");
  if (::mkdtemp(templ.data()) == nullptr)
    return Status::FromErrno(errno, "unable to create scratch directory in '" + base + "'");
  *dir = templ;
  return Status::OK();
}

Status SyncDirectoryTree(FileIO* io, const std::string& dir) {
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(io->ListDir(dir, &names));
  for (const auto& name : names) {
    FileInfo info;
    BDB_RETURN_IF_ERROR(io->Stat(JoinPath(dir, name), &info));
    if (info.is_dir && !info.is_symlink) BDB_RETURN_IF_ERROR(SyncDirectoryTree(io, JoinPath(dir, name)));
  }
  return io->SyncDir(dir);
}

Status RemoveTree(FileIO* io, const std::string& path) {
  FileInfo info;
  BDB_RETURN_IF_ERROR(io->Stat(path, &info));
  if (!info.exists) return Status::OK();
  if (!info.is_dir) return io->RemoveFile(path);
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(io->ListDir(path, &names));
  for (const auto& name : names) BDB_RETURN_IF_ERROR(RemoveTree(io, JoinPath(path, name)));
  return io->RemoveDir(path);
}

}  // namespace bdb
