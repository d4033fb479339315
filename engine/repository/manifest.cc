#include "engine/repository/manifest.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/repository/backup_id.h"
#include "base/safe_path.h"

namespace bdb {

bool IsLowerHex16(const std::string& s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

bool IsValidPageSize(uint32_t page_size) {
  return page_size >= 512 && page_size <= 65536 && (page_size & (page_size - 1)) == 0;
}

bool IsValidFileKind(const std::string& kind) {
  return kind == "database" || kind == "extent" || kind == "log" || kind == "config";
}

// Reads typed fields of one manifest, naming the file and the field in errors.
class FieldReader {
 public:
  explicit FieldReader(const std::string& path) : prefix_("manifest '" + path + "'") {}

  Status Corrupt(const std::string& what) const { return Status::Corruption(prefix_ + " " + what); }
  Status Invalid(const std::string& field, const std::string& value) const {
    return Corrupt("field '" + field + "' has invalid value '" + value + "'");
  }
  const std::string& prefix() const { return prefix_; }

  Status Find(const Json& obj, const std::string& key, const std::string& field, const Json** out) const {
    auto it = obj.find(key);
    if (it == obj.end()) return Corrupt("is missing field '" + field + "'");
    *out = &*it;
    return Status::OK();
  }
  Status String(const Json& obj, const std::string& key, const std::string& field, std::string* out) const {
    const Json* v = nullptr;
    BDB_RETURN_IF_ERROR(Find(obj, key, field, &v));
    if (!v->is_string()) return Corrupt("field '" + field + "' is not a string");
    *out = v->get<std::string>();
    return Status::OK();
  }
  Status Uint64(const Json& obj, const std::string& key, const std::string& field, uint64_t* out) const {
    const Json* v = nullptr;
    BDB_RETURN_IF_ERROR(Find(obj, key, field, &v));
    if (!v->is_number_unsigned()) return Corrupt("field '" + field + "' is not an unsigned integer");
    *out = v->get<uint64_t>();
    return Status::OK();
  }
  Status Uint32(const Json& obj, const std::string& key, const std::string& field, uint32_t* out) const {
    uint64_t wide = 0;
    BDB_RETURN_IF_ERROR(Uint64(obj, key, field, &wide));
    if (wide > std::numeric_limits<uint32_t>::max()) {
      return Corrupt("field '" + field + "' does not fit in 32 bits");
    }
    *out = static_cast<uint32_t>(wide);
    return Status::OK();
  }
  Status Int64(const Json& obj, const std::string& key, const std::string& field, int64_t* out) const {
    const Json* v = nullptr;
    BDB_RETURN_IF_ERROR(Find(obj, key, field, &v));
    if (!v->is_number_integer()) return Corrupt("field '" + field + "' is not an integer");
    if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()}) {
      return Corrupt("field '" + field + "' does not fit in 64 bits");
    }
    *out = v->get<int64_t>();
    return Status::OK();
  }
  Status Bool(const Json& obj, const std::string& key, const std::string& field, bool* out) const {
    const Json* v = nullptr;
    BDB_RETURN_IF_ERROR(Find(obj, key, field, &v));
    if (!v->is_boolean()) return Corrupt("field '" + field + "' is not a boolean");
    *out = v->get<bool>();
    return Status::OK();
  }
  Status Object(const Json& obj, const std::string& key, const std::string& field, const Json** out) const {
    BDB_RETURN_IF_ERROR(Find(obj, key, field, out));
    if (!(*out)->is_object()) return Corrupt("field '" + field + "' is not an object");
    return Status::OK();
  }
  Status Array(const Json& obj, const std::string& key, const std::string& field, const Json** out) const {
    BDB_RETURN_IF_ERROR(Find(obj, key, field, out));
    if (!(*out)->is_array()) return Corrupt("field '" + field + "' is not an array");
    return Status::OK();
  }
  // An ISO time field that must agree with its millisecond twin.
  Status Time(const Json& obj, const std::string& iso_key, const std::string& ms_key, int64_t* unix_ms) const {
    std::string iso;
    BDB_RETURN_IF_ERROR(String(obj, iso_key, iso_key, &iso));
    BDB_RETURN_IF_ERROR(Int64(obj, ms_key, ms_key, unix_ms));
    int64_t parsed = 0;
    if (!ParseUtcTimestamp(iso, &parsed).ok() || parsed != *unix_ms) {
      return Corrupt("field '" + iso_key + "' ('" + iso + "') does not match field '" + ms_key + "' (" +
                     std::to_string(*unix_ms) + ")");
    }
    return Status::OK();
  }

 private:
  std::string prefix_;
};

Status ParseFile(const FieldReader& r, const Json& entry, size_t index, ManifestFile* f) {
  const std::string at = "files[" + std::to_string(index) + "]";
  if (!entry.is_object()) return r.Corrupt("field '" + at + "' is not an object");
  BDB_RETURN_IF_ERROR(r.String(entry, "path", at + ".path", &f->path));
  BDB_RETURN_IF_ERROR(r.String(entry, "kind", at + ".kind", &f->kind));
  BDB_RETURN_IF_ERROR(r.Uint64(entry, "size", at + ".size", &f->size));
  BDB_RETURN_IF_ERROR(r.String(entry, "xxh3", at + ".xxh3", &f->xxh3));
  BDB_RETURN_IF_ERROR(r.Uint32(entry, "page_size", at + ".page_size", &f->page_size));
  BDB_RETURN_IF_ERROR(r.Bool(entry, "checksummed", at + ".checksummed", &f->checksummed));
  BDB_RETURN_IF_ERROR(ValidateRelativePath(f->path).WithContext(r.prefix()));
  if (f->path == kManifestFileName) {
    return Status::InvalidArgument(r.prefix() + ": manifest path '" + f->path + "' is reserved for the manifest");
  }
  if (!IsValidFileKind(f->kind)) return r.Invalid(at + ".kind", f->kind);
  if (!IsLowerHex16(f->xxh3)) return r.Invalid(at + ".xxh3", f->xxh3);
  if ((f->kind == "database" || f->kind == "extent") && !IsValidPageSize(f->page_size)) {
    return r.Invalid(at + ".page_size", std::to_string(f->page_size));
  }
  return Status::OK();
}

Status ParseIdentity(const FieldReader& r, const Json& doc, Manifest* m) {
  BDB_RETURN_IF_ERROR(r.String(doc, "id", "id", &m->id));
  std::string mode;
  BDB_RETURN_IF_ERROR(r.String(doc, "mode", "mode", &mode));
  BDB_RETURN_IF_ERROR(r.String(doc, "parent", "parent", &m->parent));
  if (!IsValidBackupId(m->id)) return r.Invalid("id", m->id);
  if (!ParseName(kBackupModeNames, mode, &m->mode)) return r.Invalid("mode", mode);
  if (SplitBackupId(m->id).mode != m->mode) {
    return r.Corrupt("field 'mode' ('" + mode + "') does not match id '" + m->id + "'");
  }
  if (m->mode == BackupMode::kIncremental ? !IsValidBackupId(m->parent) : !m->parent.empty()) {
    return r.Invalid("parent", m->parent);
  }
  return Status::OK();
}

Status ParseBody(const FieldReader& r, const Json& doc, Manifest* m) {
  BDB_RETURN_IF_ERROR(ParseIdentity(r, doc, m));
  BDB_RETURN_IF_ERROR(r.Time(doc, "start_time", "start_unix_ms", &m->start_unix_ms));
  BDB_RETURN_IF_ERROR(r.Time(doc, "end_time", "end_unix_ms", &m->end_unix_ms));
  BDB_RETURN_IF_ERROR(r.String(doc, "source_home", "source_home", &m->source_home));
  BDB_RETURN_IF_ERROR(r.String(doc, "tool_version", "tool_version", &m->tool_version));
  BDB_RETURN_IF_ERROR(r.String(doc, "log_dir", "log_dir", &m->log_dir_rel));
  if (!m->log_dir_rel.empty()) BDB_RETURN_IF_ERROR(ValidateRelativePath(m->log_dir_rel).WithContext(r.prefix()));
  BDB_RETURN_IF_ERROR(r.Uint32(doc, "first_log", "first_log", &m->first_log));
  BDB_RETURN_IF_ERROR(r.Uint32(doc, "last_log", "last_log", &m->last_log));
  if (m->first_log > m->last_log) {
    return r.Corrupt("field 'first_log' (" + std::to_string(m->first_log) + ") is after field 'last_log' (" +
                     std::to_string(m->last_log) + ")");
  }
  const Json* lsn;
  BDB_RETURN_IF_ERROR(r.Object(doc, "end_lsn", "end_lsn", &lsn));
  BDB_RETURN_IF_ERROR(r.Uint32(*lsn, "file", "end_lsn.file", &m->end_lsn.file));
  BDB_RETURN_IF_ERROR(r.Uint32(*lsn, "offset", "end_lsn.offset", &m->end_lsn.offset));
  if (doc.contains("hotbackup_hold"))
    BDB_RETURN_IF_ERROR(r.String(doc, "hotbackup_hold", "hotbackup_hold", &m->hotbackup_hold));
  if (doc.contains("encrypted")) BDB_RETURN_IF_ERROR(r.Bool(doc, "encrypted", "encrypted", &m->encrypted));
  if (doc.contains("compression")) {
    BDB_RETURN_IF_ERROR(r.String(doc, "compression", "compression", &m->compression));
    if (m->compression.rfind("zstd:", 0) != 0) return r.Invalid("compression", m->compression);
    if (m->format_version < kManifestFormatVersionCompression)
      return r.Corrupt("field 'compression' needs format version " +
                       std::to_string(kManifestFormatVersionCompression));
  }
  const Json* files;
  BDB_RETURN_IF_ERROR(r.Array(doc, "files", "files", &files));
  std::set<std::string> seen;
  m->files.clear();
  for (size_t i = 0; i < files->size(); ++i) {
    ManifestFile f;
    BDB_RETURN_IF_ERROR(ParseFile(r, (*files)[i], i, &f));
    if (!seen.insert(f.path).second) return r.Corrupt("lists file '" + f.path + "' twice");
    m->files.push_back(std::move(f));
  }
  return Status::OK();
}

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string ParseErrorWhy(const std::exception& e) {
  std::string why = e.what();
  if (!why.empty() && why.front() == '[') {
    size_t end = why.find("] ");
    if (end != std::string::npos) why = why.substr(end + 2);
  }
  return why;
}

}  // namespace

std::string ManifestToJson(const Manifest& m) {
  OrderedJson doc;
  doc["format_version"] = m.format_version;
  doc["id"] = m.id;
  doc["mode"] = BackupModeName(m.mode);
  doc["parent"] = m.parent;
  doc["start_time"] = FormatUtcTimestamp(m.start_unix_ms);
  doc["start_unix_ms"] = m.start_unix_ms;
  doc["end_time"] = FormatUtcTimestamp(m.end_unix_ms);
  doc["end_unix_ms"] = m.end_unix_ms;
  doc["source_home"] = m.source_home;
  doc["tool_version"] = m.tool_version;
  doc["log_dir"] = m.log_dir_rel;
  doc["first_log"] = m.first_log;
  doc["last_log"] = m.last_log;
  doc["end_lsn"] = OrderedJson{{"file", m.end_lsn.file}, {"offset", m.end_lsn.offset}};
  if (!m.hotbackup_hold.empty()) doc["hotbackup_hold"] = m.hotbackup_hold;
  if (m.encrypted) doc["encrypted"] = true;
  if (!m.compression.empty()) doc["compression"] = m.compression;
  OrderedJson files = OrderedJson::array();
  for (const ManifestFile& f : m.files) {
    files.push_back(OrderedJson{{"path", f.path},
                                {"kind", f.kind},
                                {"size", f.size},
                                {"xxh3", f.xxh3},
                                {"page_size", f.page_size},
                                {"checksummed", f.checksummed}});
  }
  doc["files"] = std::move(files);
  // Invalid UTF-8 in a path is written as U+FFFD rather than failing (replace).
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Status ParseManifest(const std::string& json, const std::string& path_for_messages, Manifest* m) {
  const FieldReader r(path_for_messages);
  Json doc;
  try {
    doc = Json::parse(json);
  } catch (const Json::parse_error& e) {
    return r.Corrupt("is not valid JSON: " + ParseErrorWhy(e));
  }
  if (!doc.is_object()) return r.Corrupt("is not a JSON object");
  int64_t version = 0;
  BDB_RETURN_IF_ERROR(r.Int64(doc, "format_version", "format_version", &version));
  if (version > kManifestFormatVersion) {
    return Status::InvalidArgument(r.prefix() + " has format version " + std::to_string(version) +
                                   "; this bdbackup reads up to " + std::to_string(kManifestFormatVersion));
  }
  if (version < 1) return r.Invalid("format_version", std::to_string(version));
  Manifest parsed;
  parsed.format_version = static_cast<int>(version);
  BDB_RETURN_IF_ERROR(ParseBody(r, doc, &parsed));
  *m = std::move(parsed);
  return Status::OK();
}

}  // namespace bdb
