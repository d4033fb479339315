#include "engine/bdb/log_record_reader.h"

#include <cstring>

#include "engine/bdb/environment_password.h"

namespace bdb {

uint32_t LogRecordU32(const DBT& rec, size_t at) {
  uint32_t v = 0;
  if (at + sizeof(v) <= rec.size) std::memcpy(&v, static_cast<const char*>(rec.data) + at, sizeof(v));
  return v;
}

Status LogRecordReader::Open(const std::string& log_dir, std::unique_ptr<LogRecordReader>* out) {
  std::unique_ptr<LogRecordReader> reader(new LogRecordReader(log_dir));
  int ret = db_env_create(&reader->env_, 0);
  if (ret != 0) {
    reader->env_ = nullptr;
    return Status::IOError("unable to read the logs in '" + log_dir + "': " + db_strerror(ret));
  }
  reader->errors_.Attach(reader->env_);
  ret = ApplyEnvironmentPassword(reader->env_);
  if (ret == 0) ret = reader->env_->open(reader->env_, log_dir.c_str(), DB_CREATE | DB_PRIVATE | DB_INIT_LOG, 0);
  if (ret == 0) ret = reader->env_->log_cursor(reader->env_, &reader->cursor_, 0);
  if (ret != 0) {
    reader->ret_ = ret;
    return reader->status();
  }
  *out = std::move(reader);
  return Status::OK();
}

LogRecordReader::~LogRecordReader() {
  if (cursor_ != nullptr) cursor_->close(cursor_, 0);
  if (env_ != nullptr) env_->close(env_, 0);
}

bool LogRecordReader::Get(uint32_t flag, DB_LSN* lsn, DBT* rec) {
  if (ret_ != 0) return false;
  ret_ = cursor_->get(cursor_, lsn, rec, flag);
  return ret_ == 0;
}

Status LogRecordReader::status() {
  if (ret_ == 0 || ret_ == DB_NOTFOUND) return Status::OK();
  return Status::IOError("unable to read the logs in '" + log_dir_ + "': " + errors_.Take(ret_));
}

}  // namespace bdb
