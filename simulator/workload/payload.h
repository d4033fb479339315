// The workload's deterministic, self-describing records. A transaction id
// names (thread, sequence); from (config, txn id) anyone can regenerate which
// keys the txn writes, whether it is aborted on purpose, and the exact bytes of
// every value, so the oracle checks values byte for byte without storing them.
// Value layout (little endian): magic u32, txn u64, key index u32, length u32,
// xxh3-64 u64 over (key bytes + the value with this field zeroed), then filler.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "simulator/workload/workload_config.h"

namespace bdb::sim {

inline constexpr uint32_t kPayloadMagic = 0x53424442;  // "BDBS"
inline constexpr uint32_t kPayloadHeaderBytes = 28;
// Key indexes of the per-thread slot keys (one per database).
inline constexpr uint32_t kSlotIndexA = 0xFFFF0000;
inline constexpr uint32_t kSlotIndexB = 0xFFFF0001;

inline uint64_t MakeTxnId(uint32_t thread, uint32_t seq) { return (uint64_t{thread} << 32) | seq; }
inline uint32_t TxnThread(uint64_t txn) { return static_cast<uint32_t>(txn >> 32); }
inline uint32_t TxnSeq(uint64_t txn) { return static_cast<uint32_t>(txn); }

// workload.queue: every committed txn also appends one fixed-length record to
// a queue database with extent files, its payload under this key and index.
inline constexpr const char* kQueueFile = "q.db";
inline constexpr const char* kQueuePayloadKey = "q";
inline constexpr uint32_t kQueueIndex = 0xFFFF0002;
inline constexpr uint32_t kQueueRecordBytes = 64;
inline constexpr uint32_t kQueuePagesPerExtent = 4;

// Which database a record lives in.
enum class Database { kA, kB };
const char* DatabaseFile(Database db);  // "a.db" or "b.db"

// One record a txn writes.
struct PlannedRecord {
  Database db;
  uint32_t key_index;  // 0.. for fresh keys; kSlotIndexA / kSlotIndexB for slots
  std::string key;
  uint32_t value_bytes;
};

// Everything a txn does, regenerated from (config, txn).
struct TxnPlan {
  uint64_t txn = 0;
  bool deliberate_abort = false;
  std::vector<PlannedRecord> fresh;  // owned by this txn; fresh[i].key_index == i
  PlannedRecord slot_a;              // overwrite of the thread's slot key in a.db
  PlannedRecord slot_b;              // and in b.db
};

TxnPlan PlanTxn(const WorkloadConfig& config, uint64_t txn);

// "f/<txn as 16 hex digits>/<index as 4 hex digits>" and "s/<thread as 4 hex digits>".
std::string FreshKey(uint64_t txn, uint32_t index);
std::string SlotKey(uint32_t thread);
// Parses a fresh or slot key; nullopt if it is neither.
struct ParsedKey {
  bool slot = false;
  uint64_t txn = 0;     // fresh keys
  uint32_t index = 0;   // fresh keys
  uint32_t thread = 0;  // slot keys
};
std::optional<ParsedKey> ParseKey(const std::string& key);

// The exact value txn writes under key (length >= kPayloadHeaderBytes).
std::string MakePayload(uint64_t seed, uint64_t txn, uint32_t key_index, const std::string& key, uint32_t length);

// What a stored value claims about itself.
struct DecodedPayload {
  uint64_t txn = 0;
  uint32_t key_index = 0;
  uint32_t length = 0;
};
// Checks magic, length and checksum (which covers the key). Corruption
// "value of key '<k>' <why>" if the value is not a valid payload for this key.
Status DecodePayload(const std::string& key, const std::string& value, DecodedPayload* out);

// A printable form of a key for reports (non-printable bytes as \xNN).
std::string PrintableKey(const std::string& key);

}  // namespace bdb::sim
