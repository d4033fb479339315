#include "simulator/harness/app_oracle.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "base/file_io.h"
#include "engine/bdb/bdb_environment.h"
#include "engine/bdb/database_file.h"
#include "engine/bdb/log_names.h"
#include "engine/recovery/recovery.h"
#include "simulator/harness/argv_template.h"
#include "simulator/harness/child_process.h"

namespace bdb::sim {
namespace {

std::vector<std::string> SplitDumpLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string ShownDumpLine(const std::string& line) {
  constexpr size_t kMax = 160;
  return "'" + (line.size() > kMax ? line.substr(0, kMax) + "..." : line) + "'";
}

// Up to three lines of `lines` from `from`, shown: "'a' | 'b' | 'c'"; "(end)" if none.
std::string DumpLinesFrom(const std::vector<std::string>& lines, size_t from) {
  std::string out;
  for (size_t i = from; i < lines.size() && i < from + 3; ++i)
    out += (out.empty() ? "" : " | ") + ShownDumpLine(lines[i]);
  return out.empty() ? "(end of dump)" : out;
}

bool ParseCountOutput(const std::string& text, uint64_t* n) {
  std::string t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  size_t start = 0;
  while (start < t.size() && std::isspace(static_cast<unsigned char>(t[start]))) ++start;
  const char* first = t.data() + start;
  const char* last = t.data() + t.size();
  const auto [end, ec] = std::from_chars(first, last, *n);
  return first != last && ec == std::errc() && end == last;
}

}  // namespace

AppOracle::AppOracle(ApplicationSpec spec, std::string bin_dir, std::string work_dir, int timeout_ms)
    : spec_(std::move(spec)), bin_dir_(std::move(bin_dir)), work_dir_(std::move(work_dir)), timeout_ms_(timeout_ms) {}

Status AppOracle::FindDatabases(const std::string& home, std::vector<std::string>* rel_paths) {
  FileIO* io = DefaultFileIO();
  EnvironmentLayout layout;
  BDB_RETURN_IF_ERROR(InspectEnvironment(io, home, &layout));
  std::set<std::string> dirs(layout.data_dirs.begin(), layout.data_dirs.end());
  dirs.insert(layout.home);
  std::set<std::string> found;
  for (const std::string& dir : dirs) {
    std::vector<std::string> names;
    if (!io->ListDir(dir, &names).ok()) continue;
    for (const std::string& name : names) {
      uint32_t number = 0;
      if (name == "DB_CONFIG" || name.rfind("__db.", 0) == 0 || ParseLogFileName(name, &number)) continue;
      const std::string path = JoinPath(dir, name);
      FileInfo info;
      DatabaseFileInfo db;
      if (!io->Stat(path, &info).ok() || info.is_dir || info.is_symlink) continue;
      if (!ReadDatabaseFileInfo(io, path, &db).ok()) continue;
      const bool inside = path.compare(0, layout.home.size() + 1, layout.home + "/") == 0;
      found.insert(inside ? path.substr(layout.home.size() + 1) : path);
    }
  }
  rel_paths->assign(found.begin(), found.end());
  return Status::OK();
}

std::string AppOracle::FirstDifference(const std::string& restored, const std::string& replayed) {
  if (restored == replayed) return "";
  const std::vector<std::string> a = SplitDumpLines(restored), b = SplitDumpLines(replayed);
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return fmt::format("first difference at line {}: restored {}; replayed {}", i + 1, DumpLinesFrom(a, i),
                     DumpLinesFrom(b, i));
}

bool AppOracle::RunCommand(const std::vector<std::string>& argv, const std::string& what, Outcome failed,
                           std::string* out, AppVerdict* v) {
  ChildResult child;
  Status s = RunChild(argv, timeout_ms_, &child);
  if (!s.ok()) {
    v->outcome = Outcome::kHarnessError;
    v->detail = what + ": " + s.message();
    return false;
  }
  if (child.timed_out) {
    v->outcome = Outcome::kHang;
    v->detail = fmt::format("{} was stopped by the harness timeout after {} ms", what, timeout_ms_);
    return false;
  }
  if (!child.Succeeded()) {
    const std::string last = LastOutputLine(child.err);
    v->outcome = failed;
    v->detail = fmt::format("{} failed ({}){}", what, child.Describe(), last.empty() ? "" : ": " + last);
    return false;
  }
  *out = std::move(child.out);
  return true;
}

bool AppOracle::ReplayedDump(uint64_t n, std::string* dump, AppVerdict* v) {
  if (auto it = replays_.find(n); it != replays_.end()) {
    *dump = it->second;
    return true;
  }
  const std::string dest = JoinPath(work_dir_, fmt::format("replay-{}", n));
  Status made = DefaultFileIO()->MakeDir(dest, 0700);
  if (!made.ok()) {
    v->outcome = Outcome::kHarnessError;
    v->detail = "replay: " + made.message();
    return false;
  }
  const Placeholders values = {{"{dest}", dest}, {"{n}", std::to_string(n)}, {"{bin}", bin_dir_}};
  std::string ignored;
  if (!RunCommand(ExpandArgv(spec_.replay, values), fmt::format("the replay of {} operations", n),
                  Outcome::kHarnessError, &ignored, v))
    return false;
  if (!RunCommand(ExpandArgv(spec_.dump, {{"{home}", dest}, {"{bin}", bin_dir_}}),
                  fmt::format("the dump of the replay of {} operations", n), Outcome::kHarnessError, dump, v))
    return false;
  replays_[n] = *dump;
  return true;
}

AppVerdict AppOracle::Check(const std::string& home, uint64_t acked_before, uint64_t acked_ever) {
  AppVerdict v;
  std::vector<std::string> databases;
  Status s = FindDatabases(home, &databases);
  if (s.ok() && !databases.empty()) s = VerifyDatabases(home, databases);
  if (!s.ok()) {
    v.outcome = Outcome::kDetected;
    v.detail = "DB->verify: " + s.message();
    return v;
  }
  const Placeholders at_home = {{"{home}", home}, {"{bin}", bin_dir_}};
  std::string text;
  if (!RunCommand(ExpandArgv(spec_.count, at_home), "the application's count", Outcome::kLoss, &text, &v)) {
    v.unreadable = v.outcome == Outcome::kLoss;
    return v;
  }
  if (!ParseCountOutput(text, &v.count)) {
    v.outcome = Outcome::kHarnessError;
    v.detail = "the application's count printed " + ShownDumpLine(text.substr(0, 80)) + ", not a number of operations";
    return v;
  }
  v.counted = true;
  if (v.count < acked_before) {
    v.outcome = Outcome::kLoss;
    v.missing = acked_before - v.count;
    v.detail = fmt::format(
        "the state holds {} operations, but {} were acknowledged before it was taken "
        "(operations {} to {} are missing)",
        v.count, acked_before, v.count + 1, acked_before);
    return v;
  }
  if (v.count > acked_ever + kUnackedMargin) {
    v.outcome = Outcome::kLoss;
    v.detail = fmt::format(
        "the state holds {} operations, but only {} were ever acknowledged (at most {} more can "
        "have committed unacknowledged)",
        v.count, acked_ever, kUnackedMargin);
    return v;
  }
  std::string restored, replayed;
  if (!RunCommand(ExpandArgv(spec_.dump, at_home), "the application's dump", Outcome::kLoss, &restored, &v)) {
    v.unreadable = v.outcome == Outcome::kLoss;
    return v;
  }
  v.dump_lines = static_cast<uint64_t>(std::count(restored.begin(), restored.end(), '\n'));
  if (!ReplayedDump(v.count, &replayed, &v)) return v;
  if (const std::string diff = FirstDifference(restored, replayed); !diff.empty()) {
    v.outcome = Outcome::kLoss;
    v.detail = fmt::format("the state's dump differs from the replay of its {} operations: {}", v.count, diff);
    return v;
  }
  v.detail = fmt::format(
      "ok: {} operations ({} acknowledged before), {} databases verified, dump of {} lines "
      "equals the replay's",
      v.count, acked_before, databases.size(), v.dump_lines);
  return v;
}

}  // namespace bdb::sim
