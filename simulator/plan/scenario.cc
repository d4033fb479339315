// Scenario loader: parses with toml++, then walks every table with a
// KeyReader that knows each table's keys and checks each key alone (name, type,
// range), then checks every rule across keys in one pass (scenario_rules.cc).
// Every error is recorded with its line; the earliest (by line, then column)
// becomes the returned Status.
#include "simulator/plan/scenario.h"

#include "engine/repository/stored_file.h"
#include "simulator/plan/scenario_rules.h"
#include "simulator/plan/toml_key_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <toml++/toml.h>
#include <utility>

#include <fmt/format.h>

namespace bdb::sim {
namespace {

constexpr int64_t kMaxTrials = 100000;
constexpr int64_t kMaxTxns = 10000000;
constexpr int64_t kMaxAt = 1000000000;

const EnumNames<WritePhase> kCutFromPhases = NamesWithout(kWritePhaseNames, WritePhase::kAfterExit);
const Choices<int> kErrno = {{"EIO", EIO}, {"ENOSPC", ENOSPC}};


bool IsPowerOfTwo(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

void ReadApplication(KeyReader& r, const toml::table& t, WorkloadSpec* w);

void ReadWorkload(KeyReader& r, const toml::table& top, WorkloadSpec* w) {
  const toml::table* t = r.Table(top, "", "workload");
  if (t == nullptr) return;
  const std::string p = "workload.";
  r.CheckKnown(*t, p,
               {"txns", "threads", "value_bytes", "keys_per_txn", "abort_percent", "page_size", "checksums",
                "cache_bytes", "checkpoint_every_txns", "log_file_bytes", "durability", "bulk", "log_auto_remove",
                "data_dir", "encrypt", "load_seconds", "queue", "close_nosync", "command", "replay", "dump", "count"});
  ReadApplication(r, *t, w);
  int64_t v = 0;
  r.Int(*t, p, "txns", 1, kMaxTxns, &w->txns);
  if (r.Int(*t, p, "threads", 1, 64, &v)) w->threads = static_cast<int>(v);
  r.RangeKey(*t, p, "value_bytes", 1, 1 << 20, &w->value_bytes);
  r.RangeKey(*t, p, "keys_per_txn", 1, 1000, &w->keys_per_txn);
  if (r.Int(*t, p, "abort_percent", 0, 100, &v)) w->abort_percent = static_cast<int>(v);
  if (const toml::node* node = t->get("page_size")) {
    auto value = node->as_integer();
    if (value == nullptr || !IsPowerOfTwo(value->get()) || value->get() < 512 || value->get() > 65536) {
      r.Fail(node->source(), "workload.page_size",
             "must be a power of two from 512 to 65536, got " + Shown(*node));
    } else {
      w->page_size = static_cast<uint32_t>(value->get());
    }
  }
  r.Bool(*t, p, "checksums", &w->checksums);
  r.Int(*t, p, "cache_bytes", 16384, int64_t{1} << 34, &w->cache_bytes);
  r.Int(*t, p, "checkpoint_every_txns", 0, kMaxTxns, &w->checkpoint_every_txns);
  r.Int(*t, p, "log_file_bytes", 65536, int64_t{1} << 30, &w->log_file_bytes);
  r.Enum(*t, p, "durability", kCommitDurabilityNames, &w->durability);
  r.Bool(*t, p, "bulk", &w->bulk);
  r.Bool(*t, p, "log_auto_remove", &w->log_auto_remove);
  r.Bool(*t, p, "encrypt", &w->encrypt);
  r.Bool(*t, p, "queue", &w->queue);
  r.Bool(*t, p, "close_nosync", &w->close_nosync);
  r.Int(*t, p, "load_seconds", 1, 3600, &w->load_seconds);
  if (const toml::node* node = t->get("data_dir")) {
    auto value = node->as_string();
    const std::string d = value != nullptr ? value->get() : "";
    auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; };
    const bool good = !d.empty() && d.size() <= 64 && d != "log" && std::all_of(d.begin(), d.end(), name_char);
    if (!good) {
      r.Fail(node->source(), "workload.data_dir",
             "must be a directory name of 1 to 64 letters, digits, '_' or '-', other than \"log\", got " +
                 Shown(*node));
    } else {
      w->data_dir = d;
    }
  }
}

// Resolves a relative program path containing '/' against the scenario's
// directory; checks such a program is executable. A path under "{bin}/" (the
// directory of bdbsim's own binaries) is resolved when a trial runs.
void ResolveProgram(KeyReader& r, const toml::node& node, const std::string& key, std::string* program) {
  if (program->find('/') == std::string::npos) return;  // looked up in PATH at run time
  if (program->rfind("{bin}/", 0) == 0) return;
  std::filesystem::path resolved(*program);
  if (resolved.is_relative()) {
    resolved = std::filesystem::path(r.path()).parent_path() / resolved;
  }
  if (access(resolved.c_str(), X_OK) != 0) {
    r.Fail(node.source(), key,
           fmt::format("names program '{}' which is not executable: {}", resolved.string(),
                       std::strerror(errno)));
    return;
  }
  *program = resolved.string();
}

// An argv: a non-empty array of strings holding every placeholder in
// `needs`; its program resolved as ResolveProgram says.
void ReadArgv(KeyReader& r, const toml::node& node, const std::string& key, const std::vector<std::string>& needs,
              std::vector<std::string>* argv) {
  auto array = node.as_array();
  bool good = array != nullptr && !array->empty() && array->is_homogeneous(toml::node_type::string);
  if (!good) {
    r.Fail(node.source(), key, "must be a non-empty array of strings, got " + Shown(node));
    return;
  }
  argv->clear();
  for (const auto& element : *array) argv->push_back(element.as_string()->get());
  for (const std::string& placeholder : needs) {
    const bool found = std::any_of(argv->begin(), argv->end(), [&](const std::string& arg) {
      return arg.find(placeholder) != std::string::npos;
    });
    if (found) continue;
    std::string wanted = "\"" + needs[0] + "\"";
    if (needs.size() == 2) wanted = "both " + wanted + " and \"" + needs[1] + "\"";
    r.Fail(node.source(), key, "must contain " + wanted + ", got " + Shown(node));
    return;
  }
  ResolveProgram(r, node, key, &argv->front());
}

// workload.command and its oracle's replay, dump and count (each required
// with the command; the keys without it are refused by a rule).
void ReadApplication(KeyReader& r, const toml::table& t, WorkloadSpec* w) {
  const toml::node* command = t.get("command");
  if (command == nullptr) return;
  ApplicationSpec app;
  ReadArgv(r, *command, "workload.command", {"{home}", "{ack}"}, &app.command);
  const std::vector<std::pair<const char*, std::vector<std::string>>> oracle = {
      {"replay", {"{dest}", "{n}"}}, {"dump", {"{home}"}}, {"count", {"{home}"}}};
  for (const auto& [key, needs] : oracle) {
    const toml::node* node = t.get(key);
    if (node == nullptr) {
      r.Fail(command->source(), std::string("workload.") + key, "is required with workload.command");
      continue;
    }
    std::vector<std::string>* argv = std::string_view(key) == "replay" ? &app.replay
                                      : std::string_view(key) == "dump" ? &app.dump
                                                                        : &app.count;
    ReadArgv(r, *node, std::string("workload.") + key, needs, argv);
  }
  w->application = app;
}

void ReadBackup(KeyReader& r, const toml::table& top, Scenario* s) {
  BackupSpec* b = &s->backup;
  b->start_after_txns = s->workload.txns / 2;
  const toml::table* t = r.Table(top, "", "backup");
  if (t == nullptr) return;
  const std::string p = "backup.";
  r.CheckKnown(*t, p,
               {"method", "mode", "start_after_txns", "command", "checkpoint", "copier", "recover_as_you_go",
                "hold_hotbackup", "announce_hotbackup", "durability_shortcut",
                "compress", "encrypt", "logs_first_share"});
  r.Enum(*t, p, "method", kBackupMethodNames, &b->method);
  r.Enum(*t, p, "mode", kBackupModeNames, &b->mode);
  r.Int(*t, p, "start_after_txns", 0, kMaxTxns, &b->start_after_txns);
  r.Bool(*t, p, "checkpoint", &b->checkpoint);
  r.Enum(*t, p, "copier", kCopierNames, &b->copier);
  r.Bool(*t, p, "recover_as_you_go", &b->recover_as_you_go);
  r.Bool(*t, p, "hold_hotbackup", &b->hold_hotbackup);
  r.Bool(*t, p, "announce_hotbackup", &b->announce_hotbackup);
  if (const toml::node* compress = t->get("compress")) {
    const auto* text = compress->as_string();
    Status parsed = text ? ParseCompression(text->get(), &b->compress_level) : Status::InvalidArgument("");
    if (!parsed.ok() || b->compress_level == 0)
      r.Fail(compress->source(), "backup.compress", "must be \"zstd\" or \"zstd:LEVEL\" with LEVEL 1 to 19");
  }
  r.Bool(*t, p, "encrypt", &b->encrypt);
  r.Probability(*t, p, "logs_first_share", &b->logs_first_share);
  r.Enum(*t, p, "durability_shortcut", kDurabilityShortcutNames, &b->durability_shortcut);
  // Whether `command` may be there at all is a rule (scenario_rules.cc); it
  // is read only for the method that runs it.
  const toml::node* command = t->get("command");
  if (b->method == BackupMethod::kCommand && command != nullptr)
    ReadArgv(r, *command, "backup.command", {"{home}", "{dest}"}, &b->command);
}

// Reads `points` (required) at prefix p: a non-empty array of distinct names
// from kIoOpNames; for the workload only "write" and "fsync", the calls its
// hooks can fail.
void ReadIoPoints(KeyReader& r, const toml::table& c, const std::string& p, bool workload,
                  std::vector<IoPoint>* points) {
  const toml::node* node = r.Get(c, p, "points", true);
  if (node == nullptr) return;
  auto array = node->as_array();
  if (array == nullptr || array->empty()) {
    const std::string choices = workload ? "\"write\", \"fsync\"" : ChoiceList(kIoOpNames);
    r.Fail(node->source(), p + "points", "must be a non-empty array of " + choices + ", got " + Shown(*node));
    return;
  }
  for (const auto& element : *array) {
    IoPoint point;
    if (!r.EnumNode(element, p + "points", kIoOpNames, &point)) return;
    const std::string name = "names \"" + std::string(ToString(point)) + "\"";
    if (workload && point != IoPoint::kWrite && point != IoPoint::kFsync) {
      r.Fail(element.source(), p + "points", name + ": the workload's hooks fail only \"write\" or \"fsync\"");
      return;
    }
    if (std::find(points->begin(), points->end(), point) != points->end()) {
      r.Fail(element.source(), p + "points", name + " twice");
      return;
    }
    points->push_back(point);
  }
}

void ReadFaults(KeyReader& r, const toml::table& top, const Scenario& s, FaultSpec* f) {
  const toml::table* t = r.Table(top, "", "faults");
  if (t == nullptr) return;
  r.CheckKnown(*t, "faults.", {"crash", "power_loss", "torn_read", "mmap_fault", "io_error", "workload_io_error"});
  if (const toml::table* c = r.Table(*t, "faults.", "crash")) {
    const std::string p = "faults.crash.";
    r.CheckKnown(*c, p, {"target", "at"});
    CrashFault crash;
    bool good = r.Enum(*c, p, "target", kCrashTargetNames, &crash.target, true);
    good &= r.RangeKey(*c, p, "at", 1, kMaxAt, &crash.at, true);
    if (good) f->crash = crash;
  }
  if (const toml::table* c = r.Table(*t, "faults.", "power_loss")) {
    r.CheckKnown(*c, "faults.power_loss.", {"mode"});
    PowerLossFault power_loss;
    r.Enum(*c, "faults.power_loss.", "mode", kPowerLossModeNames, &power_loss.mode);
    f->power_loss = power_loss;
  }
  if (const toml::table* c = r.Table(*t, "faults.", "torn_read")) {
    const std::string p = "faults.torn_read.";
    r.CheckKnown(*c, p, {"boundary_bytes", "order", "pages"});
    TornReadFault torn;
    if (const toml::node* node = c->get("boundary_bytes")) {
      auto value = node->as_integer();
      if (value == nullptr || value->get() < 512 || value->get() % 512 != 0 || value->get() >= 65536) {
        r.Fail(node->source(), p + "boundary_bytes",
               fmt::format("must be a multiple of 512 below workload.page_size ({}), got {}",
                           s.workload.page_size, Shown(*node)));
      } else {
        torn.boundary_bytes = value->get();
      }
    }
    r.Enum(*c, p, "order", kTearOrderNames, &torn.order);
    r.RangeKey(*c, p, "pages", 1, kMaxAt, &torn.pages);
    f->torn_read = torn;
  }
  if (const toml::table* c = r.Table(*t, "faults.", "mmap_fault")) {
    r.CheckKnown(*c, "faults.mmap_fault.", {"pages"});
    MmapFault mmap;
    r.RangeKey(*c, "faults.mmap_fault.", "pages", 1, kMaxAt, &mmap.pages);
    f->mmap_fault = mmap;
  }
  if (const toml::table* c = r.Table(*t, "faults.", "io_error")) {
    const std::string p = "faults.io_error.";
    r.CheckKnown(*c, p, {"points", "errno", "probability", "at"});
    IoErrorFault io;
    io.error_number = EIO;
    ReadIoPoints(r, *c, p, /*workload=*/false, &io.points);
    r.Enum(*c, p, "errno", kErrno, &io.error_number);
    r.Probability(*c, p, "probability", &io.probability);
    Range at;
    if (r.RangeKey(*c, p, "at", 1, kMaxAt, &at)) {
      if (c->get("probability") != nullptr) {
        r.Fail(c->get("at")->source(), p + "at", "cannot be combined with faults.io_error.probability");
      } else {
        io.at = at;
      }
    }
    f->io_error = io;
  }
  if (const toml::table* c = r.Table(*t, "faults.", "workload_io_error")) {
    const std::string p = "faults.workload_io_error.";
    r.CheckKnown(*c, p, {"points", "errno", "at"});
    WorkloadIoErrorFault io;
    io.error_number = EIO;
    ReadIoPoints(r, *c, p, /*workload=*/true, &io.points);
    r.Enum(*c, p, "errno", kErrno, &io.error_number);
    r.RangeKey(*c, p, "at", 1, kMaxAt, &io.at, true);
    f->workload_io_error = io;
  }
}

// Keys each action accepts besides "action".
std::vector<std::string_view> StepKeys(Step::Action a) {
  switch (a) {
    case Step::Action::kWaitTxns: return {"action", "txns"};
    case Step::Action::kBackup: return {"action", "mode", "checkpoint", "power_cut", "refused"};
    case Step::Action::kArchive: return {"action", "power_cut"};
    case Step::Action::kCrash: return {"action", "target", "at"};
    case Step::Action::kPowerLoss: return {"action", "mode"};
    case Step::Action::kRestoreCheck: return {"action", "backup", "until_txn", "live_logs", "power_cut"};
    case Step::Action::kExpire: return {"action", "keep_full", "pin"};
    default: return {"action"};
  }
}

// A step's power_cut = { from, at, mode }: from and at required.
void ReadPowerCut(KeyReader& r, const toml::table& t, const std::string& p, Step* step) {
  const toml::table* c = r.Table(t, p, "power_cut");
  if (c == nullptr) return;
  const std::string q = p + "power_cut.";
  r.CheckKnown(*c, q, {"from", "at", "mode"});
  AgentPowerCut cut;
  bool good = r.Enum(*c, q, "from", kCutFromPhases, &cut.from, true);
  good &= r.RangeKey(*c, q, "at", 1, kMaxAt, &cut.at, true);
  r.Enum(*c, q, "mode", kPowerLossModeNames, &cut.mode);
  if (cut.mode == PowerLossMode::kAll) {
    r.Fail(c->source(), q + "mode",
           "\"all\" keeps every unsynced write, a power cut that loses nothing (use \"none\" or \"subset\")");
    good = false;
  }
  if (good) step->power_cut = cut;
}

// A backup step's refused = { code, phrase }: both required.
void ReadRefusal(KeyReader& r, const toml::table& t, const std::string& p, Step* step) {
  const toml::table* c = r.Table(t, p, "refused");
  if (c == nullptr) return;
  const std::string q = p + "refused.";
  r.CheckKnown(*c, q, {"code", "phrase"});
  Step::Refusal refusal;
  std::string code;
  bool good = r.Text(*c, q, "code", 40, &code, true);
  good &= r.Text(*c, q, "phrase", 200, &refusal.phrase, true);
  if (good && (!Status::ParseCode(code, &refusal.code) || refusal.code == Status::Code::kOk)) {
    r.Fail(c->get("code")->source(), q + "code",
           "must be a status code name (\"CheckFailed\", \"InvalidArgument\", \"Busy\", ...), got \"" + code + "\"");
    good = false;
  }
  if (good) step->refused = refusal;
}

void ReadStep(KeyReader& r, const toml::table& t, const std::string& p, const Scenario& s, Step* step) {
  step->line = static_cast<int>(t.source().begin.line);
  if (!r.Enum(t, p, "action", kStepActionNames, &step->action, true)) return;
  r.CheckKnown(t, p, StepKeys(step->action),
               fmt::format(" for action \"{}\"", ToString(step->action)));
  if (step->action == Step::Action::kBackup || step->action == Step::Action::kArchive ||
      step->action == Step::Action::kRestoreCheck)
    ReadPowerCut(r, t, p, step);
  switch (step->action) {
    case Step::Action::kWaitTxns:
      r.Int(t, p, "txns", 1, kMaxTxns, &step->txns, true);
      break;
    case Step::Action::kBackup:
      step->mode = s.backup.mode;
      step->checkpoint = s.backup.checkpoint;
      r.Enum(t, p, "mode", kBackupModeNames, &step->mode);
      r.Bool(t, p, "checkpoint", &step->checkpoint);
      ReadRefusal(r, t, p, step);
      break;
    case Step::Action::kCrash:
      r.Enum(t, p, "target", kCrashTargetNames, &step->target, true);
      r.RangeKey(t, p, "at", 1, kMaxAt, &step->at);
      break;
    case Step::Action::kPowerLoss:
      r.Enum(t, p, "mode", kPowerLossModeNames, &step->power_loss_mode);
      break;
    case Step::Action::kExpire:
      r.Int(t, p, "keep_full", 1, 100, &step->keep_full, true);
      r.Int(t, p, "pin", 1, 1000, &step->pin);
      break;
    case Step::Action::kRestoreCheck: {
      if (const toml::node* node = t.get("backup")) {
        auto text = node->as_string();
        auto index = node->as_integer();
        if (text != nullptr && text->get() == "latest") {
          step->backup_index = 0;
        } else if (index != nullptr && index->get() >= 1 && index->get() <= 1000) {
          step->backup_index = static_cast<int>(index->get());
        } else {
          r.Fail(node->source(), p + "backup",
                 "must be \"latest\" or a backup step number from 1 to 1000, got " + Shown(*node));
        }
      }
      int64_t until = 0;
      if (r.Int(t, p, "until_txn", 1, kMaxTxns, &until)) {
        step->until_txn = until;
      }
      r.Bool(t, p, "live_logs", &step->live_logs);
      break;
    }
    default:
      break;
  }
}

void ReadSteps(KeyReader& r, const toml::table& top, Scenario* s) {
  const toml::node* node = top.get("steps");
  if (node == nullptr) return;
  auto array = node->as_array();
  if (array == nullptr || array->empty() || !array->is_homogeneous(toml::node_type::table)) {
    r.Fail(node->source(), "steps", "must be a non-empty array of tables ([[steps]]), got " + Shown(*node));
    return;
  }
  for (size_t i = 0; i < array->size(); ++i) {
    Step step;
    ReadStep(r, *array->get(i)->as_table(), fmt::format("steps[{}].", i + 1), *s, &step);
    s->steps.push_back(step);
  }
}

// wait start_after_txns, (quiesce for cold), backup, restore_check latest;
// none for an incremental (a rule refuses it).
void ImplicitSteps(Scenario* s) {
  s->implicit_steps = true;
  if (s->backup.mode == BackupMode::kIncremental) return;
  if (s->backup.start_after_txns > 0) {
    Step wait;
    wait.action = Step::Action::kWaitTxns;
    wait.txns = s->backup.start_after_txns;
    s->steps.push_back(wait);
  }
  if (s->backup.method == BackupMethod::kEngine && s->backup.mode == BackupMode::kCold) {
    Step quiesce;
    quiesce.action = Step::Action::kQuiesce;
    s->steps.push_back(quiesce);
  }
  Step backup;
  backup.action = Step::Action::kBackup;
  backup.mode = s->backup.mode;
  backup.checkpoint = s->backup.checkpoint;
  s->steps.push_back(backup);
  Step check;
  check.action = Step::Action::kRestoreCheck;
  s->steps.push_back(check);
}

bool ValidName(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

// [file_system] bdb_names. "posix" (BDB's names durable only after a
// directory fsync, which BDB never makes) is refused with its reason: every
// file BDB creates would vanish at every cut (scenarios/README.md).
void ReadFileSystem(KeyReader& r, const toml::table& top, Scenario* s) {
  const toml::table* t = r.Table(top, "", "file_system");
  if (t == nullptr) return;
  r.CheckKnown(*t, "file_system.", {"bdb_names"});
  const toml::node* node = t->get("bdb_names");
  if (node != nullptr && node->is_string() && node->as_string()->get() == "posix") {
    r.Fail(node->source(), "file_system.bdb_names",
           "\"posix\" is not offered: BDB never fsyncs a directory, so every file it creates (each log, each "
           "database) would lose its name at every cut; use \"ordered\" or \"durable\"");
    return;
  }
  r.Enum(*t, "file_system.", "bdb_names", kBdbNamesNames, &s->bdb_names);
}

void ReadTop(KeyReader& r, const toml::table& top, Scenario* s) {
  r.CheckKnown(top, "", {"name", "description", "expect", "trials", "seed", "min_exercised", "min_catch_rate",
                         "workload", "backup", "faults", "file_system", "steps"});
  if (const toml::node* node = r.Get(top, "", "name", true)) {
    auto value = node->as_string();
    if (value == nullptr || value->get().empty() || value->get().size() > 80 || !ValidName(value->get())) {
      r.Fail(node->source(), "name",
             "must be 1 to 80 characters of letters, digits, '-', '_' or '.', got " + Shown(*node));
    } else {
      s->name = value->get();
    }
  }
  r.Text(top, "", "description", 200, &s->description, true);
  r.Enum(top, "", "expect", kExpectNames, &s->expect, true);
  r.Int(top, "", "trials", 1, kMaxTrials, &s->trials);
  int64_t seed = 0;
  if (r.Int(top, "", "seed", 0, INT64_MAX, &seed)) s->seed = static_cast<uint64_t>(seed);
  r.Probability(top, "", "min_exercised", &s->min_exercised);
  r.Probability(top, "", "min_catch_rate", &s->min_catch_rate);
  ReadWorkload(r, top, &s->workload);
  ReadBackup(r, top, s);
  ReadFaults(r, top, *s, &s->faults);
  ReadFileSystem(r, top, s);
  ReadSteps(r, top, s);
}

}  // namespace

Status LoadScenarioString(const std::string& toml_text, const std::string& path_for_messages,
                          Scenario* out) {
  toml::table top;
  try {
    top = toml::parse(toml_text, path_for_messages);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(fmt::format("{}:{}: invalid TOML: {}", path_for_messages,
                                               e.source().begin.line, e.description()));
  }
  KeyReader r(path_for_messages);
  Scenario s;
  s.source_path = path_for_messages;
  ReadTop(r, top, &s);  // first pass: each key alone
  if (r.has_errors()) return r.Result();
  if (s.steps.empty()) ImplicitSteps(&s);
  CheckScenarioRules(s, top, r);  // second pass: every rule across keys
  if (r.has_errors()) return r.Result();
  *out = std::move(s);
  return Status::OK();
}

Status LoadScenarioFile(const std::string& path, Scenario* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    Status s = Status::FromErrno(err, fmt::format("unable to open file '{}'", path));
    if (err == ENOENT) return Status::NotFound(s.message());
    return s;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError(fmt::format("unable to read file '{}'", path));
  return LoadScenarioString(text.str(), path, out);
}

Status LoadScenarios(const std::vector<std::string>& paths, std::vector<Scenario>* out) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      // Every *.toml below the directory, in its subdirectories too: a
      // directory's own files (by name) before its subdirectories' files.
      std::vector<std::string> found;
      for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".toml") found.push_back(it->path().string());
      }
      if (ec) return Status::IOError(fmt::format("unable to list directory '{}': {}", path, ec.message()));
      if (found.empty()) return Status::InvalidArgument(fmt::format("no scenario files (*.toml) in directory '{}'", path));
      std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
        const std::filesystem::path pa(a), pb(b);
        return std::make_pair(pa.parent_path(), pa.filename()) < std::make_pair(pb.parent_path(), pb.filename());
      });
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(path);
    }
  }
  std::vector<Scenario> loaded;
  std::map<std::string, std::string> names;  // name -> file
  for (const std::string& file : files) {
    Scenario s;
    BDB_RETURN_IF_ERROR(LoadScenarioFile(file, &s));
    auto [it, inserted] = names.emplace(s.name, file);
    if (!inserted) {
      return Status::InvalidArgument(
          fmt::format("{}: key 'name' repeats \"{}\", the name of '{}'", file, s.name, it->second));
    }
    loaded.push_back(std::move(s));
  }
  *out = std::move(loaded);
  return Status::OK();
}

const char* ToString(Expect v) { return NameOf(kExpectNames, v); }
const char* ToString(Durability v) { return NameOf(kCommitDurabilityNames, v); }
const char* ToString(BackupMethod v) { return NameOf(kBackupMethodNames, v); }
const char* ToString(BackupMode v) { return NameOf(kBackupModeNames, v); }
const char* ToString(Copier v) { return NameOf(kCopierNames, v); }
const char* ToString(CrashTarget v) { return NameOf(kCrashTargetNames, v); }
const char* ToString(PowerLossMode v) { return NameOf(kPowerLossModeNames, v); }
const char* ToString(TornOrder v) { return NameOf(kTearOrderNames, v); }
const char* ToString(IoPoint v) { return NameOf(kIoOpNames, v); }
const char* ToString(DurabilityShortcut v) { return NameOf(kDurabilityShortcutNames, v); }
const char* ToString(Step::Action v) { return NameOf(kStepActionNames, v); }

}  // namespace bdb::sim
