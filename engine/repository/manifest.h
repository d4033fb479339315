// Manifest: what one published backup holds (manifest.json inside
// backups/<ID>/): its identity, times, source, log range and every file with
// size and XXH3 checksum. Serialized as pretty JSON with a stable key order;
// parsed strictly, since restore trusts every path it names.
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/repository/backup_mode_name.h"

namespace bdb {

// True for exactly 16 lowercase hex digits: an XXH3 checksum as manifests and sidecars write it.
bool IsLowerHex16(const std::string& s);

// The newest manifest format this build reads and the one it writes.
inline constexpr int kManifestFormatVersion = 2;
// Version 2 adds `compression`; a manifest without it is still written as
// version 1, so older bdbackups keep reading uncompressed backups.
inline constexpr int kManifestFormatVersionCompression = 2;
// File name of the manifest inside a backup directory (reserved: no backed-up
// file may have this path).
inline constexpr char kManifestFileName[] = "manifest.json";

struct ManifestLsn {
  uint32_t file = 0;
  uint32_t offset = 0;
  bool operator==(const ManifestLsn&) const = default;
};

struct ManifestFile {
  std::string path;         // relative to the backup dir AND to the environment home ("a.db", "log/log.0000000003")
  std::string kind;         // "database" | "extent" (queue extent file) | "log" | "config"
  uint64_t size = 0;
  std::string xxh3;         // 16 lowercase hex digits
  uint32_t page_size = 0;   // databases and extents only (512..65536, a power of two); 0 otherwise
  bool checksummed = false; // databases only: created with DB_CHKSUM
  bool operator==(const ManifestFile&) const = default;
};

struct Manifest {
  int format_version = 1;  // 1, or kManifestFormatVersionCompression when compression is set
  std::string id;
  BackupMode mode = BackupMode::kHot;
  std::string parent;    // incrementals: parent id; "" otherwise
  int64_t start_unix_ms = 0, end_unix_ms = 0;  // serialized as ISO strings AND ms numbers
  std::string source_home, tool_version;
  std::string log_dir_rel;  // where logs live relative to home ("log" or "")
  uint32_t first_log = 0, last_log = 0;  // log file numbers covered by this backup's own files
  ManifestLsn end_lsn;                   // end of log when copying finished
  // The environment's region instance (RegionInstance) when this backup left
  // its hot backup announcement counted (--hold-hotbackup); "" otherwise.
  // Optional in manifest.json (absent when "").
  std::string hotbackup_hold;
  // The environment is encrypted (DB_ENCRYPT_AES): restoring needs its
  // password. Optional in manifest.json (absent when false).
  bool encrypted = false;
  // How the copied database and log files are stored (stored_file.h):
  // "zstd:LEVEL", or "" for raw. Sizes and checksums are of the original
  // bytes either way. Optional in manifest.json (absent when ""); present
  // only in format version 2.
  std::string compression;
  std::vector<ManifestFile> files;
  bool operator==(const Manifest&) const = default;
};

// Pretty JSON, stable key order, ending in a newline.
std::string ManifestToJson(const Manifest& m);

// Strict parse. Not JSON / truncated: Corruption "manifest '<path>' is not
// valid JSON: <why>"; a missing, wrong-typed or invalid field: Corruption
// naming the field ("manifest '<path>' is missing field 'files[1].xxh3'");
// format_version > kManifestFormatVersion: InvalidArgument "manifest '<path>'
// has format version 2; this bdbackup reads up to 1"; a file path refused by
// ValidateRelativePath or equal to "manifest.json": InvalidArgument
// "manifest '<path>': manifest path ..."; a path listed twice: Corruption.
Status ParseManifest(const std::string& json, const std::string& path_for_messages, Manifest* m);

}  // namespace bdb
