#include "simulator/workload/payload.h"

#include <xxhash.h>

#include <cstring>

#include <fmt/format.h>

#include "base/random.h"

namespace bdb::sim {
namespace {

// A deterministic draw for (seed, txn, what), independent of any library RNG.
uint64_t Draw(uint64_t seed, uint64_t txn, uint64_t what) {
  return SplitMix64(SplitMix64(seed ^ SplitMix64(txn)) ^ what);
}

uint32_t InRange(uint64_t r, uint32_t lo, uint32_t hi) { return lo + static_cast<uint32_t>(r % (uint64_t{hi} - lo + 1)); }

void Put32(char* p, uint32_t v) { std::memcpy(p, &v, 4); }
void Put64(char* p, uint64_t v) { std::memcpy(p, &v, 8); }
uint32_t Get32(const char* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
uint64_t Get64(const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }

constexpr size_t kChecksumOffset = 20;

uint64_t Checksum(const std::string& key, std::string value) {
  std::memset(value.data() + kChecksumOffset, 0, 8);
  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  XXH3_64bits_update(st, key.data(), key.size());
  XXH3_64bits_update(st, value.data(), value.size());
  uint64_t h = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  return h;
}

uint32_t ValueBytes(const WorkloadConfig& c, uint64_t txn, uint32_t index) {
  uint32_t lo = std::max(c.value_bytes_min, kPayloadHeaderBytes);
  uint32_t hi = std::max(c.value_bytes_max, lo);
  return InRange(Draw(c.seed, txn, 0x1000000ull + index), lo, hi);
}

}  // namespace

const char* DatabaseFile(Database db) { return db == Database::kA ? "a.db" : "b.db"; }

std::string FreshKey(uint64_t txn, uint32_t index) { return fmt::format("f/{:016x}/{:04x}", txn, index); }
std::string SlotKey(uint32_t thread) { return fmt::format("s/{:04x}", thread); }

std::optional<ParsedKey> ParseKey(const std::string& key) {
  auto hex = [](const std::string& s, uint64_t* v) {
    if (s.empty()) return false;
    uint64_t r = 0;
    for (char ch : s) {
      int d = (ch >= '0' && ch <= '9') ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10 : -1;
      if (d < 0) return false;
      r = r * 16 + d;
    }
    *v = r;
    return true;
  };
  ParsedKey p;
  uint64_t a = 0, b = 0;
  if (key.size() == 23 && key.compare(0, 2, "f/") == 0 && key[18] == '/' && hex(key.substr(2, 16), &a) &&
      hex(key.substr(19, 4), &b)) {
    p.txn = a;
    p.index = static_cast<uint32_t>(b);
    if (FreshKey(p.txn, p.index) != key) return std::nullopt;
    return p;
  }
  if (key.size() == 6 && key.compare(0, 2, "s/") == 0 && hex(key.substr(2, 4), &a)) {
    p.slot = true;
    p.thread = static_cast<uint32_t>(a);
    return p;
  }
  return std::nullopt;
}

TxnPlan PlanTxn(const WorkloadConfig& c, uint64_t txn) {
  TxnPlan plan;
  plan.txn = txn;
  plan.deliberate_abort = (Draw(c.seed, txn, 1) % 100) < c.abort_percent;
  uint32_t n = InRange(Draw(c.seed, txn, 2), c.keys_per_txn_min, std::max(c.keys_per_txn_min, c.keys_per_txn_max));
  for (uint32_t i = 0; i < n; ++i) {
    // Even indexes to a.db, odd to b.db; the slot writes touch both anyway.
    Database db = (i % 2 == 0) ? Database::kA : Database::kB;
    plan.fresh.push_back({db, i, FreshKey(txn, i), ValueBytes(c, txn, i)});
  }
  std::string slot = SlotKey(TxnThread(txn));
  plan.slot_a = {Database::kA, kSlotIndexA, slot, ValueBytes(c, txn, kSlotIndexA)};
  plan.slot_b = {Database::kB, kSlotIndexB, slot, ValueBytes(c, txn, kSlotIndexB)};
  return plan;
}

std::string MakePayload(uint64_t seed, uint64_t txn, uint32_t key_index, const std::string& key, uint32_t length) {
  length = std::max(length, kPayloadHeaderBytes);
  std::string v(length, '\0');
  Put32(v.data(), kPayloadMagic);
  Put64(v.data() + 4, txn);
  Put32(v.data() + 12, key_index);
  Put32(v.data() + 16, length);
  uint64_t state = Draw(seed, txn, 0x2000000ull + key_index);
  for (size_t i = kPayloadHeaderBytes; i < length; i += 8) {
    state = SplitMix64(state);
    std::memcpy(v.data() + i, &state, std::min<size_t>(8, length - i));
  }
  Put64(v.data() + kChecksumOffset, Checksum(key, v));
  return v;
}

Status DecodePayload(const std::string& key, const std::string& value, DecodedPayload* out) {
  auto bad = [&](const std::string& why) {
    return Status::Corruption(fmt::format("value of key '{}' {}", PrintableKey(key), why));
  };
  if (value.size() < kPayloadHeaderBytes) return bad(fmt::format("is too short ({} bytes)", value.size()));
  if (Get32(value.data()) != kPayloadMagic) return bad("has no payload magic");
  uint32_t length = Get32(value.data() + 16);
  if (length != value.size()) return bad(fmt::format("claims {} bytes but has {}", length, value.size()));
  if (Get64(value.data() + kChecksumOffset) != Checksum(key, value)) return bad("fails its checksum");
  out->txn = Get64(value.data() + 4);
  out->key_index = Get32(value.data() + 12);
  out->length = length;
  return Status::OK();
}

std::string PrintableKey(const std::string& key) {
  std::string out;
  for (unsigned char ch : key) {
    if (ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '\\') out += static_cast<char>(ch);
    else out += fmt::format("\\x{:02x}", ch);
  }
  return out;
}

}  // namespace bdb::sim
