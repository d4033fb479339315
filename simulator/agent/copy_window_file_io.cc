#include "simulator/agent/copy_window_file_io.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/bdb/bdb_environment.h"
#include "engine/bdb/log_names.h"

namespace bdb::sim {
namespace {

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

class CopyWindowFileIO::NotingFile : public ReadableFile {
 public:
  NotingFile(std::unique_ptr<ReadableFile> inner, Window* window, CopyWindowFileIO* owner)
      : inner_(std::move(inner)), window_(window), owner_(owner) {}
  Status Pread(uint64_t offset, size_t n, char* buf, size_t* got) override {
    if (window_->First()) {
      window_->Note(NowUnixMs());
      if (owner_->hold_for_commit_) owner_->HoldForACommit();
    }
    Status s = inner_->Pread(offset, n, buf, got);
    window_->Note(NowUnixMs());
    return s;
  }
  Status Size(uint64_t* size) override { return inner_->Size(size); }
  const std::string& path() const override { return inner_->path(); }

 private:
  std::unique_ptr<ReadableFile> inner_;
  Window* window_;
  CopyWindowFileIO* owner_;
};

void CopyWindowFileIO::Window::Note(int64_t now_ms) {
  int64_t expected = 0;
  from_.compare_exchange_strong(expected, now_ms);
  int64_t to = to_.load();
  while (to < now_ms && !to_.compare_exchange_weak(to, now_ms)) {
  }
  reads_.fetch_add(1);
}

CopyWindow CopyWindowFileIO::Window::Get() const { return CopyWindow{from_.load(), to_.load(), reads_.load()}; }

CopyWindowFileIO::CopyWindowFileIO(FileIO* target, std::string home, bool hold_for_commit)
    : FileIOWrapper(target), home_(std::move(home)), hold_for_commit_(hold_for_commit) {
  while (home_.size() > 1 && home_.back() == '/') home_.pop_back();
  // The log directory DB_CONFIG names (set_lg_dir), read once and beside the
  // stack: a read through target() would count toward the step's planned faults.
  EnvironmentLayout layout;
  if (hold_for_commit_ && InspectEnvironment(DefaultFileIO(), home_, &layout).ok()) log_dir_ = layout.log_dir;
}

uint64_t CopyWindowFileIO::NewestLogSize() {
  std::vector<std::string> dirs = {JoinPath(home_, "log"), home_};
  if (!log_dir_.empty()) dirs.insert(dirs.begin(), log_dir_);
  for (const std::string& dir : dirs) {
    std::vector<std::string> names;
    if (!target()->ListDir(dir, &names).ok()) continue;
    uint32_t newest = 0;
    for (const std::string& name : names) {
      uint32_t n = 0;
      if (ParseLogFileName(name, &n)) newest = std::max(newest, n);
    }
    if (newest == 0) continue;
    FileInfo info;
    if (target()->Stat(JoinPath(dir, LogFileName(newest)), &info).ok()) return (uint64_t{newest} << 40) + info.size;
  }
  return 0;
}

void CopyWindowFileIO::HoldForACommit() {
  constexpr auto kMaxWait = std::chrono::seconds(2);
  constexpr auto kAckDelivery = std::chrono::milliseconds(20);
  const auto deadline = std::chrono::steady_clock::now() + kMaxWait;
  const uint64_t before = NewestLogSize();
  while (NewestLogSize() == before && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // The commit that grew the log is acknowledged right after its flush.
  std::this_thread::sleep_for(kAckDelivery);
}

CopyWindowFileIO::Window* CopyWindowFileIO::WindowFor(const std::string& path) {
  if (path.size() <= home_.size() + 1 || path.compare(0, home_.size(), home_) != 0 || path[home_.size()] != '/')
    return nullptr;
  const std::string name = BaseName(path);
  uint32_t number = 0;
  if (ParseLogFileName(name, &number)) return &logs_;
  if (name == "DB_CONFIG" || name.rfind("__db.", 0) == 0) return nullptr;
  return &database_;
}

Status CopyWindowFileIO::OpenForRead(const std::string& path, std::unique_ptr<ReadableFile>* out) {
  std::unique_ptr<ReadableFile> inner;
  BDB_RETURN_IF_ERROR(target()->OpenForRead(path, &inner));
  Window* window = WindowFor(path);
  if (window == nullptr) {
    *out = std::move(inner);
  } else {
    *out = std::make_unique<NotingFile>(std::move(inner), window, this);
  }
  return Status::OK();
}

}  // namespace bdb::sim
