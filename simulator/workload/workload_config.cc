#include "simulator/workload/workload_config.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bdb::sim {

using nlohmann::json;

const char* CommitDurabilityName(CommitDurability d) { return NameOf(kCommitDurabilityNames, d); }

const char* WorkloadIoOpName(WorkloadIoOp op) { return NameOf(kWorkloadIoOpNames, op); }

namespace {

CommitDurability ParseDurability(const std::string& name) {
  CommitDurability d;
  if (!ParseName(kCommitDurabilityNames, name, &d))
    throw std::invalid_argument(fmt::format("'durability' must be sync, write_nosync or nosync, not '{}'", name));
  return d;
}

WorkloadIoOp ParseWorkloadIoOp(const std::string& name) {
  WorkloadIoOp op;
  if (!ParseName(kWorkloadIoOpNames, name, &op))
    throw std::invalid_argument(fmt::format("'io_error_op' must be write or fsync, not '{}'", name));
  return op;
}

}  // namespace

std::string WorkloadConfigToJson(const WorkloadConfig& c) {
  json j = {
      {"seed", c.seed},
      {"home", c.home},
      {"txns", c.txns},
      {"threads", c.threads},
      {"keys_per_txn", {c.keys_per_txn_min, c.keys_per_txn_max}},
      {"value_bytes", {c.value_bytes_min, c.value_bytes_max}},
      {"abort_percent", c.abort_percent},
      {"page_size", c.page_size},
      {"checksums", c.checksums},
      {"cache_bytes", c.cache_bytes},
      {"checkpoint_every_txns", c.checkpoint_every_txns},
      {"log_file_bytes", c.log_file_bytes},
      {"durability", CommitDurabilityName(c.durability)},
      {"journal_path", c.journal_path},
      {"crash_at_write", c.crash_at_write},
      {"hold_after_done", c.hold_after_done},
      {"pause_file", c.pause_file},
      {"load_file", c.load_file},
      {"txns_max", c.txns_max},
      {"load_pace_us", c.load_pace_us},
      {"load_max_ms", c.load_max_ms},
      {"crash_arm_file", c.crash_arm_file},
      {"txn_pause_us", c.txn_pause_us},
      {"io_error_op", WorkloadIoOpName(c.io_error_op)},
      {"io_error_nth", c.io_error_nth},
      {"io_error_errno", c.io_error_errno},
      {"io_error_short_write", c.io_error_short_write},
      {"bulk", c.bulk},
      {"log_auto_remove", c.log_auto_remove},
      {"queue", c.queue},
      {"close_nosync", c.close_nosync},
      {"data_dir", c.data_dir},
      {"password", c.password},
  };
  return j.dump(2);
}

namespace {

template <typename T>
void ReadRange(const json& j, const char* key, T* lo, T* hi) {
  if (!j.contains(key)) return;
  const json& r = j.at(key);
  if (!r.is_array() || r.size() != 2) throw std::invalid_argument(fmt::format("'{}' must be [min, max]", key));
  *lo = r[0].get<T>();
  *hi = r[1].get<T>();
}

template <typename T>
void Read(const json& j, const char* key, T* out) {
  if (j.contains(key)) *out = j.at(key).get<T>();
}

}  // namespace

Status WorkloadConfigFromJson(const std::string& text, WorkloadConfig* config) {
  WorkloadConfig c;
  try {
    json j = json::parse(text);
    if (!j.is_object()) return Status::InvalidArgument("invalid workload config: not a JSON object");
    Read(j, "seed", &c.seed);
    Read(j, "home", &c.home);
    Read(j, "txns", &c.txns);
    Read(j, "threads", &c.threads);
    ReadRange(j, "keys_per_txn", &c.keys_per_txn_min, &c.keys_per_txn_max);
    ReadRange(j, "value_bytes", &c.value_bytes_min, &c.value_bytes_max);
    Read(j, "abort_percent", &c.abort_percent);
    Read(j, "page_size", &c.page_size);
    Read(j, "checksums", &c.checksums);
    Read(j, "cache_bytes", &c.cache_bytes);
    Read(j, "checkpoint_every_txns", &c.checkpoint_every_txns);
    Read(j, "log_file_bytes", &c.log_file_bytes);
    if (j.contains("durability")) c.durability = ParseDurability(j.at("durability").get<std::string>());
    Read(j, "journal_path", &c.journal_path);
    Read(j, "crash_at_write", &c.crash_at_write);
    Read(j, "hold_after_done", &c.hold_after_done);
    Read(j, "pause_file", &c.pause_file);
    Read(j, "load_file", &c.load_file);
    Read(j, "txns_max", &c.txns_max);
    Read(j, "load_pace_us", &c.load_pace_us);
    Read(j, "load_max_ms", &c.load_max_ms);
    Read(j, "crash_arm_file", &c.crash_arm_file);
    Read(j, "txn_pause_us", &c.txn_pause_us);
    if (j.contains("io_error_op")) c.io_error_op = ParseWorkloadIoOp(j.at("io_error_op").get<std::string>());
    Read(j, "io_error_nth", &c.io_error_nth);
    Read(j, "io_error_errno", &c.io_error_errno);
    Read(j, "io_error_short_write", &c.io_error_short_write);
    Read(j, "bulk", &c.bulk);
    Read(j, "log_auto_remove", &c.log_auto_remove);
    Read(j, "queue", &c.queue);
    Read(j, "close_nosync", &c.close_nosync);
    Read(j, "data_dir", &c.data_dir);
    Read(j, "password", &c.password);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("invalid workload config: {}", e.what()));
  }
  BDB_RETURN_IF_ERROR(ValidateWorkloadConfig(c));
  *config = c;
  return Status::OK();
}

Status ValidateWorkloadConfig(const WorkloadConfig& c) {
  auto bad = [](const std::string& why) { return Status::InvalidArgument("invalid workload config: " + why); };
  if (c.home.empty()) return bad("'home' is empty");
  if (c.threads < 1 || c.threads > 64) return bad(fmt::format("'threads' must be 1..64, not {}", c.threads));
  if (c.keys_per_txn_min < 1 || c.keys_per_txn_min > c.keys_per_txn_max || c.keys_per_txn_max > 1000)
    return bad(fmt::format("'keys_per_txn' must satisfy 1 <= min <= max <= 1000, not [{}, {}]", c.keys_per_txn_min,
                           c.keys_per_txn_max));
  if (c.value_bytes_min > c.value_bytes_max || c.value_bytes_max > (1u << 20))
    return bad(fmt::format("'value_bytes' must satisfy min <= max <= 1048576, not [{}, {}]", c.value_bytes_min,
                           c.value_bytes_max));
  if (c.abort_percent > 100) return bad(fmt::format("'abort_percent' must be 0..100, not {}", c.abort_percent));
  if (c.page_size < 512 || c.page_size > 65536 || (c.page_size & (c.page_size - 1)) != 0)
    return bad(fmt::format("'page_size' must be a power of two in 512..65536, not {}", c.page_size));
  if (c.io_error_nth > 0 && (c.io_error_errno <= 0 || c.io_error_errno >= 0x10000))
    return bad(fmt::format("'io_error_errno' must be 1..65535, not {}", c.io_error_errno));
  if (c.io_error_short_write && c.io_error_op != WorkloadIoOp::kWrite)
    return bad("'io_error_short_write' needs io_error_op write");
  if (!c.data_dir.empty() && (c.data_dir.front() == '/' || c.data_dir.find_first_of(" \t\n") != std::string::npos ||
                              c.data_dir == "log" || c.data_dir == "." || c.data_dir.find("..") != std::string::npos))
    return bad(fmt::format("'data_dir' must be a relative directory name without blanks or '..', other than 'log', "
                           "not '{}'",
                           c.data_dir));
  return Status::OK();
}

Status SaveWorkloadConfig(const WorkloadConfig& config, const std::string& path) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return Status::FromErrno(errno, fmt::format("unable to write file '{}'", path));
  if (::chmod(path.c_str(), 0600) != 0) return Status::FromErrno(errno, fmt::format("unable to chmod file '{}'", path));
  out << WorkloadConfigToJson(config) << "\n";
  out.close();
  if (!out) return Status::FromErrno(errno, fmt::format("unable to write file '{}'", path));
  return Status::OK();
}

Status LoadWorkloadConfig(const std::string& path, WorkloadConfig* config) {
  std::ifstream in(path);
  if (!in) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(fmt::format("unable to open file '{}': {}", path, std::strerror(err)));
    return Status::FromErrno(err, fmt::format("unable to open file '{}'", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return WorkloadConfigFromJson(ss.str(), config);
}

}  // namespace bdb::sim
