#include "simulator/faults/shared_cut_counter.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include <fmt/format.h>

namespace bdb::sim {
namespace {

Status Map(int fd, const std::string& path, SharedCutState** out) {
  void* p = ::mmap(nullptr, sizeof(SharedCutState), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int err = errno;
  ::close(fd);
  if (p == MAP_FAILED) return Status::FromErrno(err, fmt::format("unable to map file '{}'", path));
  *out = static_cast<SharedCutState*>(p);
  return Status::OK();
}

}  // namespace

Status SharedCutCounter::Create(const std::string& path, WritePhase from, uint64_t nth,
                                std::unique_ptr<SharedCutCounter>* out) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, fmt::format("unable to create file '{}'", path));
  if (::ftruncate(fd, sizeof(SharedCutState)) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::FromErrno(err, fmt::format("unable to create file '{}'", path));
  }
  SharedCutState* state = nullptr;
  BDB_RETURN_IF_ERROR(Map(fd, path, &state));
  new (state) SharedCutState();
  state->from = static_cast<uint32_t>(from);
  state->nth = nth;
  out->reset(new SharedCutCounter(state, true));
  return Status::OK();
}

Status SharedCutCounter::Attach(const std::string& path, std::unique_ptr<SharedCutCounter>* out) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, fmt::format("unable to open file '{}'", path));
  SharedCutState* state = nullptr;
  BDB_RETURN_IF_ERROR(Map(fd, path, &state));
  out->reset(new SharedCutCounter(state, true));
  return Status::OK();
}

std::unique_ptr<SharedCutCounter> SharedCutCounter::Private(WritePhase from, uint64_t nth) {
  auto* state = new SharedCutState();
  state->from = static_cast<uint32_t>(from);
  state->nth = nth;
  return std::unique_ptr<SharedCutCounter>(new SharedCutCounter(state, false));
}

SharedCutCounter::~SharedCutCounter() {
  if (mapped_) {
    ::munmap(state_, sizeof(SharedCutState));
  } else {
    delete state_;
  }
}

uint64_t SharedCutCounter::Count(WritePhase phase) {
  const uint64_t nth = state_->nth.load();
  if (nth == 0) return 0;
  if (state_->reached.load() == 0) {
    if (static_cast<uint32_t>(phase) != state_->from.load()) return 0;
    state_->reached = 1;
  }
  const uint64_t n = ++state_->since_from;
  return n == nth ? n : 0;
}

}  // namespace bdb::sim
