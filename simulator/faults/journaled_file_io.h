// JournaledFileIO: the backup agent's FileIO wrapper that journals every
// write, fsync, create, rename, unlink, mkdir, rmdir and directory fsync the
// engine makes (FileOpJournal, into the power-loss journal BDB's hooks
// write), so a power cut rewinds the repository, the environment's removed
// logs and a restore target with the same model as the live environment.
// It can cut power at a seeded point: before the n-th journaled operation
// counted from the first one in phase `from` (write_phase.h) it prints
// "<kAgentPowerCutMarker><n> (<phase>): <op> '<path>'" on stderr and SIGKILLs
// its process; the harness then applies the cut. The count may be shared
// (shared_cut_counter.h) with the recovery helper the agent starts, whose
// BDB writes then count too; a cut the helper took is finished here, at this
// object's next operation or at FinishHelperCut: the same line, then SIGKILL.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/file_io.h"
#include "simulator/faults/journal_writer.h"
#include "simulator/faults/shared_cut_counter.h"
#include "simulator/faults/write_phase.h"

namespace bdb::sim {

inline constexpr const char* kAgentPowerCutMarker = "bdbsim agent: power cut at journaled operation #";

struct AgentCutPoint {
  WritePhase from = WritePhase::kSetup;
  uint64_t nth = 0;  // 0 = no cut
};

class JournaledFileIO : public FileIOWrapper {
 public:
  // counter: shared with a helper (not owned); nullptr = a private count.
  JournaledFileIO(FileIO* target, FileOpJournal* journal, PhaseDirs dirs, AgentCutPoint cut,
                  SharedCutCounter* counter = nullptr);

  Status CreateForWrite(const std::string& path, mode_t mode, std::unique_ptr<WritableFile>* out) override;
  Status SyncDir(const std::string& dir) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status MakeDir(const std::string& path, mode_t mode) override;

  // Counts one operation and cuts power if it is the planned one.
  void Operation(FileOp op, const std::string& path);
  FileOpJournal* journal() const { return journal_; }
  // True once an operation of the cut's `from` phase was seen.
  bool reached_cut_phase() const { return counter_->state()->reached.load() != 0; }
  // If the recovery helper cut power, prints its marker line and SIGKILLs
  // this process; else returns.
  void FinishHelperCut();
  uint64_t operations() const { return operations_.load(); }

 private:
  FileOpJournal* const journal_;
  const PhaseDirs dirs_;
  const AgentCutPoint cut_;
  std::unique_ptr<SharedCutCounter> own_counter_;  // when none is shared
  SharedCutCounter* const counter_;
  std::mutex mu_;  // one Count at a time in this process
  std::atomic<uint64_t> operations_{0};
};

}  // namespace bdb::sim
