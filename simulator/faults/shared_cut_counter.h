// SharedCutCounter: the count of journaled operations toward a planned power
// cut (journaled_file_io.h), shared by the backup agent and the recovery
// helper it starts (bdbsim-recover), so that a cut can land on Berkeley DB's
// own writes inside the helper's recovery of a standby or restore target.
// A small file mapped MAP_SHARED by both processes. The two never count at
// once (the agent waits for its helper), and every field is a lock-free
// atomic, so a count is never torn. When the cut lands in the helper, the
// helper stores its marker line here and SIGKILLs itself; the agent, at its
// next journaled operation or when its request ends, prints that line and
// SIGKILLs itself too, doing nothing durable in between: the machine's power
// went with the helper.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "simulator/faults/write_phase.h"

namespace bdb::sim {

// The environment variable naming the counter's file for bdbsim-recover.
inline constexpr const char* kRecoverCutCounterEnv = "BDBSIM_RECOVER_CUT_COUNTER";
// The environment variable naming the power-loss journal for bdbsim-recover.
inline constexpr const char* kRecoverJournalEnv = "BDBSIM_RECOVER_JOURNAL";

struct SharedCutState {
  std::atomic<uint32_t> from{0};         // WritePhase the count starts at
  std::atomic<uint64_t> nth{0};          // 0 = no cut planned
  std::atomic<uint32_t> reached{0};      // 1 once an operation of phase `from` ran
  std::atomic<uint64_t> since_from{0};   // operations counted from that one
  std::atomic<uint32_t> helper_cut{0};   // 1: the helper cut power at `marker`
  char marker[1024] = {};                // written before helper_cut is set
};
static_assert(std::atomic<uint64_t>::is_always_lock_free, "shared between processes");

class SharedCutCounter {
 public:
  // A new counter file at path (replaced if present) for the cut point.
  // IOError "unable to create file '<path>': <why>".
  static Status Create(const std::string& path, WritePhase from, uint64_t nth, std::unique_ptr<SharedCutCounter>* out);
  // The counter an agent created. IOError "unable to open file '<path>': <why>".
  static Status Attach(const std::string& path, std::unique_ptr<SharedCutCounter>* out);
  // An in-process counter (no file): a JournaledFileIO without a helper to share with.
  static std::unique_ptr<SharedCutCounter> Private(WritePhase from, uint64_t nth);
  ~SharedCutCounter();
  SharedCutCounter(const SharedCutCounter&) = delete;
  SharedCutCounter& operator=(const SharedCutCounter&) = delete;

  // Counts one operation of `phase`; returns its number from the first
  // operation of phase `from` if it is the planned cut, else 0.
  uint64_t Count(WritePhase phase);
  SharedCutState* state() { return state_; }

 private:
  SharedCutCounter(SharedCutState* state, bool mapped) : state_(state), mapped_(mapped) {}
  SharedCutState* state_;
  bool mapped_;
};

}  // namespace bdb::sim
