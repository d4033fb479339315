#include "simulator/faults/journaled_file_io.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>

namespace bdb::sim {
namespace {

const char* OpName(FileOp op) {
  switch (op) {
    case FileOp::kCreate: return "create";
    case FileOp::kWrite: return "write";
    case FileOp::kSync: return "fsync";
    case FileOp::kSyncDir: return "directory fsync";
    case FileOp::kRename: return "rename";
    case FileOp::kUnlink: return "unlink";
    case FileOp::kMkdir: return "mkdir";
    case FileOp::kRmdir: return "rmdir";
  }
  return "?";
}

// A file being written: every append and fsync journaled first.
class JournaledWritableFile : public WritableFile {
 public:
  JournaledWritableFile(std::unique_ptr<WritableFile> inner, JournaledFileIO* owner)
      : inner_(std::move(inner)), owner_(owner) {}
  Status Append(const char* data, size_t n) override {
    owner_->Operation(FileOp::kWrite, inner_->path());
    owner_->journal()->Writing(inner_->path(), size_, size_, data, n);
    BDB_RETURN_IF_ERROR(inner_->Append(data, n));
    size_ += n;
    return Status::OK();
  }
  Status Sync() override {
    owner_->Operation(FileOp::kSync, inner_->path());
    const uint64_t upto = owner_->journal()->SyncStarts();
    BDB_RETURN_IF_ERROR(inner_->Sync());
    owner_->journal()->Synced(inner_->path(), upto);
    return Status::OK();
  }
  void StartWriteback() override { inner_->StartWriteback(); }
  Status Close() override { return inner_->Close(); }
  const std::string& path() const override { return inner_->path(); }

 private:
  std::unique_ptr<WritableFile> inner_;
  JournaledFileIO* owner_;
  uint64_t size_ = 0;  // CreateForWrite truncates: appends start at 0
};

}  // namespace

JournaledFileIO::JournaledFileIO(FileIO* target, FileOpJournal* journal, PhaseDirs dirs, AgentCutPoint cut,
                                 SharedCutCounter* counter)
    : FileIOWrapper(target),
      journal_(journal),
      dirs_(std::move(dirs)),
      cut_(cut),
      own_counter_(counter == nullptr ? SharedCutCounter::Private(cut.from, cut.nth) : nullptr),
      counter_(counter == nullptr ? own_counter_.get() : counter) {}

void JournaledFileIO::FinishHelperCut() {
  SharedCutState* state = counter_->state();
  if (state->helper_cut.load() == 0) return;
  std::fprintf(stderr, "%.*s\n", static_cast<int>(sizeof(state->marker)), state->marker);
  std::fflush(stderr);
  ::kill(::getpid(), SIGKILL);
  ::pause();
}

void JournaledFileIO::Operation(FileOp op, const std::string& path) {
  ++operations_;
  FinishHelperCut();
  if (cut_.nth == 0) return;
  const WritePhase phase = ClassifyWrite(dirs_, op, path);
  uint64_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = counter_->Count(phase);
  }
  if (n == 0) return;
  std::fprintf(stderr, "%s%llu (%s): %s '%s'\n", kAgentPowerCutMarker, static_cast<unsigned long long>(n),
               ToString(phase), OpName(op), path.c_str());
  std::fflush(stderr);
  ::kill(::getpid(), SIGKILL);
  ::pause();
}

Status JournaledFileIO::CreateForWrite(const std::string& path, mode_t mode, std::unique_ptr<WritableFile>* out) {
  Operation(FileOp::kCreate, path);
  // What the file held, read straight from the file system (not through the
  // injectors below: this read is the journal's, not the engine's).
  FileInfo before;
  BDB_RETURN_IF_ERROR(DefaultFileIO()->Stat(path, &before));
  std::string old_contents;
  if (before.exists && !before.is_dir && !before.is_symlink)
    BDB_RETURN_IF_ERROR(ReadWholeFile(DefaultFileIO(), path, &old_contents));
  std::unique_ptr<WritableFile> inner;
  BDB_RETURN_IF_ERROR(target()->CreateForWrite(path, mode, &inner));
  if (before.exists) {
    journal_->Truncated(path, old_contents);
  } else {
    journal_->Created(path);
  }
  *out = std::make_unique<JournaledWritableFile>(std::move(inner), this);
  return Status::OK();
}

Status JournaledFileIO::SyncDir(const std::string& dir) {
  Operation(FileOp::kSyncDir, dir);
  const uint64_t upto = journal_->SyncStarts();
  BDB_RETURN_IF_ERROR(target()->SyncDir(dir));
  journal_->DirSynced(dir, upto);
  return Status::OK();
}

Status JournaledFileIO::Rename(const std::string& from, const std::string& to) {
  Operation(FileOp::kRename, from);
  std::string kept;
  journal_->Keep(to, &kept);
  journal_->Renaming(from, to, kept);
  return target()->Rename(from, to);
}

Status JournaledFileIO::RemoveFile(const std::string& path) {
  Operation(FileOp::kUnlink, path);
  std::string kept;
  journal_->Keep(path, &kept);
  journal_->Unlinking(path, kept);
  return target()->RemoveFile(path);
}

Status JournaledFileIO::RemoveDir(const std::string& path) {
  Operation(FileOp::kRmdir, path);
  BDB_RETURN_IF_ERROR(target()->RemoveDir(path));
  journal_->RemovedDir(path);
  return Status::OK();
}

Status JournaledFileIO::MakeDir(const std::string& path, mode_t mode) {
  FileInfo before;
  BDB_RETURN_IF_ERROR(DefaultFileIO()->Stat(path, &before));
  if (before.exists) return target()->MakeDir(path, mode);
  Operation(FileOp::kMkdir, path);
  BDB_RETURN_IF_ERROR(target()->MakeDir(path, mode));
  journal_->MadeDir(path);
  return Status::OK();
}

}  // namespace bdb::sim
