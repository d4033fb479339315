#include "engine/repository/verify_record.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "engine/repository/backup_id.h"

namespace bdb {

Status WriteVerifyRecord(FileIO* io, Repository* repo, const VerifyRecord& record) {
  nlohmann::ordered_json doc = {{"backup", record.backup_id},
                                {"ok", record.ok},
                                {"at", FormatUtcTimestamp(record.at_unix_ms)},
                                {"at_unix_ms", record.at_unix_ms},
                                {"problem", record.problem}};
  const std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::string path = JoinPath(repo->root(), kVerifyRecordName);
  const std::string tmp = path + "." + std::to_string(::getpid()) + ".tmp";
  std::unique_ptr<WritableFile> file;
  BDB_RETURN_IF_ERROR(io->CreateForWrite(tmp, 0600, &file));
  Status s = file->Append(text.data(), text.size());
  if (s.ok()) s = file->Sync();
  Status closed = file->Close();
  if (s.ok()) s = closed;
  if (s.ok()) s = io->Rename(tmp, path);
  if (!s.ok()) {
    io->RemoveFile(tmp);  // best effort
    return s;
  }
  return io->SyncDir(repo->root());
}

Status ReadVerifyRecord(FileIO* io, Repository* repo, std::optional<VerifyRecord>* record) {
  record->reset();
  const std::string path = JoinPath(repo->root(), kVerifyRecordName);
  FileInfo info;
  BDB_RETURN_IF_ERROR(io->Stat(path, &info));
  if (!info.exists) return Status::OK();
  std::string text;
  BDB_RETURN_IF_ERROR(ReadWholeFile(io, path, &text));
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  VerifyRecord r;
  const bool valid = doc.is_object() && doc.contains("backup") && doc["backup"].is_string() && doc.contains("ok") &&
                     doc["ok"].is_boolean() && doc.contains("at_unix_ms") && doc["at_unix_ms"].is_number_integer() &&
                     doc.contains("problem") && doc["problem"].is_string();
  if (!valid) return Status::Corruption("verify record '" + path + "' is not valid");
  r.backup_id = doc["backup"].get<std::string>();
  r.ok = doc["ok"].get<bool>();
  r.at_unix_ms = doc["at_unix_ms"].get<int64_t>();
  r.problem = doc["problem"].get<std::string>();
  *record = r;
  return Status::OK();
}

}  // namespace bdb
