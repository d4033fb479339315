// Scenario loader: parses with toml++, then walks every table with a
// KeyReader that knows each table's keys and records every error with its line;
// the earliest error (by line, then column) becomes the returned Status.
#include "simulator/plan/scenario.h"

#include "engine/stored_file.h"

#include "simulator/plan/toml_key_reader.h"
#include "simulator/plan/trial_plan.h"

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

const Choices<Expect> kExpect = {{"pass", Expect::kPass}, {"caught", Expect::kCaught}};
const Choices<Durability> kDurability = {{"sync", Durability::kSync},
                                         {"write_nosync", Durability::kWriteNoSync},
                                         {"nosync", Durability::kNoSync}};
const Choices<BackupMethod> kMethod = {{"engine", BackupMethod::kEngine},
                                       {"command", BackupMethod::kCommand}};
const Choices<BackupMode> kMode = {
    {"cold", BackupMode::kCold}, {"hot", BackupMode::kHot}, {"incremental", BackupMode::kIncremental}};
const Choices<Copier> kCopier = {
    {"verified", Copier::kVerified}, {"unverified", Copier::kUnverified}, {"mmap", Copier::kMmap}};
const Choices<CrashTarget> kTarget = {{"workload", CrashTarget::kWorkload},
                                      {"backup", CrashTarget::kBackup},
                                      {"archive", CrashTarget::kArchive}};
const Choices<PowerLossMode> kPowerLoss = {
    {"all", PowerLossMode::kAll}, {"none", PowerLossMode::kNone}, {"subset", PowerLossMode::kSubset}};
const Choices<TornOrder> kOrder = {
    {"old_new", TornOrder::kOldNew}, {"new_old", TornOrder::kNewOld}, {"both", TornOrder::kBoth}};
const Choices<IoPoint> kPoints = {{"read", IoPoint::kRead},
                                  {"write", IoPoint::kWrite},
                                  {"fsync", IoPoint::kFsync},
                                  {"rename", IoPoint::kRename},
                                  {"open", IoPoint::kOpen}};
const Choices<int> kErrno = {{"EIO", EIO}, {"ENOSPC", ENOSPC}};
const Choices<Step::Action> kActions = {{"wait_txns", Step::Action::kWaitTxns},
                                        {"backup", Step::Action::kBackup},
                                        {"archive", Step::Action::kArchive},
                                        {"crash", Step::Action::kCrash},
                                        {"power_loss", Step::Action::kPowerLoss},
                                        {"restore_check", Step::Action::kRestoreCheck},
                                        {"recover_check", Step::Action::kRecoverCheck},
                                        {"promote_standby", Step::Action::kPromoteStandby},
                                        {"quiesce", Step::Action::kQuiesce},
                                        {"resume", Step::Action::kResume},
                                        {"workload_done", Step::Action::kWorkloadDone}};


bool IsPowerOfTwo(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

void ReadWorkload(KeyReader& r, const toml::table& top, WorkloadSpec* w) {
  const toml::table* t = r.Table(top, "", "workload");
  if (t == nullptr) return;
  const std::string p = "workload.";
  r.CheckKnown(*t, p,
               {"txns", "threads", "value_bytes", "keys_per_txn", "abort_percent", "page_size", "checksums",
                "cache_bytes", "checkpoint_every_txns", "log_file_bytes", "durability", "bulk", "log_auto_remove",
                "data_dir", "encrypt"});
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
  r.Enum(*t, p, "durability", kDurability, &w->durability);
  if (r.Bool(*t, p, "bulk", &w->bulk) && w->bulk && w->threads > 1) {
    // Seen: with two writers BDB 5.3 stops committing within seconds (no deadlock is detected).
    r.Fail(t->get("bulk")->source(), "workload.bulk",
           "= true needs workload.threads = 1 (two DB_TXN_BULK writers hang in BDB 5.3)");
  }
  r.Bool(*t, p, "log_auto_remove", &w->log_auto_remove);
  r.Bool(*t, p, "encrypt", &w->encrypt);
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
// directory; checks such a program is executable.
void ResolveProgram(KeyReader& r, const toml::node& node, std::string* program) {
  if (program->find('/') == std::string::npos) return;  // looked up in PATH at run time
  std::filesystem::path resolved(*program);
  if (resolved.is_relative()) {
    resolved = std::filesystem::path(r.path()).parent_path() / resolved;
  }
  if (access(resolved.c_str(), X_OK) != 0) {
    r.Fail(node.source(), "backup.command",
           fmt::format("names program '{}' which is not executable: {}", resolved.string(),
                       std::strerror(errno)));
    return;
  }
  *program = resolved.string();
}

void ReadCommand(KeyReader& r, const toml::node& node, std::vector<std::string>* command) {
  auto array = node.as_array();
  bool good = array != nullptr && !array->empty() && array->is_homogeneous(toml::node_type::string);
  if (!good) {
    r.Fail(node.source(), "backup.command", "must be a non-empty array of strings, got " + Shown(node));
    return;
  }
  command->clear();
  bool has_home = false;
  bool has_dest = false;
  for (const auto& element : *array) {
    command->push_back(element.as_string()->get());
    has_home |= command->back().find("{home}") != std::string::npos;
    has_dest |= command->back().find("{dest}") != std::string::npos;
  }
  if (!has_home || !has_dest) {
    r.Fail(node.source(), "backup.command", "must contain both \"{home}\" and \"{dest}\", got " + Shown(node));
    return;
  }
  ResolveProgram(r, node, &command->front());
}

void ReadBackup(KeyReader& r, const toml::table& top, Scenario* s) {
  BackupSpec* b = &s->backup;
  b->start_after_txns = s->workload.txns / 2;
  const toml::table* t = r.Table(top, "", "backup");
  if (t == nullptr) return;
  const std::string p = "backup.";
  r.CheckKnown(*t, p,
               {"method", "mode", "start_after_txns", "command", "checkpoint", "copier", "recover_as_you_go",
                "hold_hotbackup", "announce_hotbackup", "compress"});
  r.Enum(*t, p, "method", kMethod, &b->method);
  r.Enum(*t, p, "mode", kMode, &b->mode);
  r.Int(*t, p, "start_after_txns", 0, s->workload.txns, &b->start_after_txns, false, " (workload.txns)");
  r.Bool(*t, p, "checkpoint", &b->checkpoint);
  r.Enum(*t, p, "copier", kCopier, &b->copier);
  r.Bool(*t, p, "recover_as_you_go", &b->recover_as_you_go);
  r.Bool(*t, p, "hold_hotbackup", &b->hold_hotbackup);
  r.Bool(*t, p, "announce_hotbackup", &b->announce_hotbackup);
  if (const toml::node* compress = t->get("compress")) {
    const auto* text = compress->as_string();
    Status parsed = text ? ParseCompression(text->get(), &b->compress_level) : Status::InvalidArgument("");
    if (!parsed.ok() || b->compress_level == 0)
      r.Fail(compress->source(), "backup.compress", "must be \"zstd\" or \"zstd:LEVEL\" with LEVEL 1 to 19");
  }
  if (!b->announce_hotbackup && b->hold_hotbackup) {
    r.Fail(t->get("announce_hotbackup")->source(), "backup.announce_hotbackup",
           "cannot be false with backup.hold_hotbackup = true (holding needs the announcement)");
  } else if (!b->announce_hotbackup && !s->workload.bulk) {
    r.Fail(t->get("announce_hotbackup")->source(), "backup.announce_hotbackup",
           "= false needs workload.bulk = true (without DB_TXN_BULK the announcement changes nothing)");
  }
  if (b->method == BackupMethod::kCommand && s->workload.encrypt) {
    r.Fail(t->source(), "workload.encrypt",
           "is only allowed with backup.method = \"engine\" (the program gets no password)");
  }
  const toml::node* command = t->get("command");
  if (b->method == BackupMethod::kCommand) {
    if (command == nullptr) {
      r.Fail(t->source(), "backup.command", "is required with backup.method = \"command\"");
    } else {
      ReadCommand(r, *command, &b->command);
    }
    for (std::string_view key :
         {"mode", "checkpoint", "copier", "recover_as_you_go", "hold_hotbackup", "announce_hotbackup", "compress"}) {
      if (const toml::node* node = t->get(key)) {
        r.Fail(node->source(), p + std::string(key), "is only allowed with backup.method = \"engine\"");
      }
    }
  } else if (command != nullptr) {
    r.Fail(command->source(), "backup.command", "is only allowed with backup.method = \"command\"");
  }
}

// Reads `points` (required) at prefix p: a non-empty array of distinct names
// from kPoints; for the workload only "write" and "fsync", the calls its
// hooks can fail.
void ReadIoPoints(KeyReader& r, const toml::table& c, const std::string& p, bool workload,
                  std::vector<IoPoint>* points) {
  const toml::node* node = r.Get(c, p, "points", true);
  if (node == nullptr) return;
  auto array = node->as_array();
  if (array == nullptr || array->empty()) {
    const std::string choices = workload ? "\"write\", \"fsync\"" : ChoiceList(kPoints);
    r.Fail(node->source(), p + "points", "must be a non-empty array of " + choices + ", got " + Shown(*node));
    return;
  }
  for (const auto& element : *array) {
    IoPoint point;
    if (!r.EnumNode(element, p + "points", kPoints, &point)) return;
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
    bool good = r.Enum(*c, p, "target", kTarget, &crash.target, true);
    good &= r.RangeKey(*c, p, "at", 1, kMaxAt, &crash.at, true);
    if (good) f->crash = crash;
  }
  if (const toml::table* c = r.Table(*t, "faults.", "power_loss")) {
    r.CheckKnown(*c, "faults.power_loss.", {"mode"});
    PowerLossFault power_loss;
    r.Enum(*c, "faults.power_loss.", "mode", kPowerLoss, &power_loss.mode);
    f->power_loss = power_loss;
  }
  if (const toml::table* c = r.Table(*t, "faults.", "torn_read")) {
    const std::string p = "faults.torn_read.";
    r.CheckKnown(*c, p, {"boundary_bytes", "order", "pages"});
    TornReadFault torn;
    if (const toml::node* node = c->get("boundary_bytes")) {
      auto value = node->as_integer();
      if (value == nullptr || value->get() < 512 || value->get() % 512 != 0 ||
          value->get() >= s.workload.page_size) {
        r.Fail(node->source(), p + "boundary_bytes",
               fmt::format("must be a multiple of 512 below workload.page_size ({}), got {}",
                           s.workload.page_size, Shown(*node)));
      } else {
        torn.boundary_bytes = value->get();
      }
    }
    r.Enum(*c, p, "order", kOrder, &torn.order);
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
  if (s.backup.method == BackupMethod::kCommand) {
    // External programs do not copy through the engine's FileIO, so only a
    // crash or power loss of the workload can be injected around them.
    for (std::string_view key : {"torn_read", "mmap_fault", "io_error"}) {
      if (const toml::node* node = t->get(key)) {
        r.Fail(node->source(), "faults." + std::string(key), "needs backup.method = \"engine\"");
      }
    }
    if (f->crash && f->crash->target != CrashTarget::kWorkload) {
      r.Fail(t->get("crash")->source(), "faults.crash.target",
             "must be \"workload\" with backup.method = \"command\"");
    }
  }
}

// Keys each action accepts besides "action".
std::vector<std::string_view> StepKeys(Step::Action a) {
  switch (a) {
    case Step::Action::kWaitTxns: return {"action", "txns"};
    case Step::Action::kBackup: return {"action", "mode", "checkpoint"};
    case Step::Action::kCrash: return {"action", "target", "at"};
    case Step::Action::kPowerLoss: return {"action", "mode"};
    case Step::Action::kRestoreCheck: return {"action", "backup", "until_txn", "live_logs"};
    default: return {"action"};
  }
}

void ReadStep(KeyReader& r, const toml::table& t, const std::string& p, const Scenario& s, Step* step) {
  step->line = static_cast<int>(t.source().begin.line);
  if (!r.Enum(t, p, "action", kActions, &step->action, true)) return;
  r.CheckKnown(t, p, StepKeys(step->action),
               fmt::format(" for action \"{}\"", ToString(step->action)));
  switch (step->action) {
    case Step::Action::kWaitTxns:
      r.Int(t, p, "txns", 1, s.workload.txns, &step->txns, true, " (workload.txns)");
      break;
    case Step::Action::kBackup:
      step->mode = s.backup.mode;
      step->checkpoint = s.backup.checkpoint;
      r.Enum(t, p, "mode", kMode, &step->mode);
      r.Bool(t, p, "checkpoint", &step->checkpoint);
      break;
    case Step::Action::kCrash:
      r.Enum(t, p, "target", kTarget, &step->target, true);
      r.RangeKey(t, p, "at", 1, kMaxAt, &step->at);
      break;
    case Step::Action::kPowerLoss:
      r.Enum(t, p, "mode", kPowerLoss, &step->power_loss_mode);
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
      if (r.Int(t, p, "until_txn", 1, s.workload.txns, &until, false, " (workload.txns)")) {
        step->until_txn = until;
      }
      r.Bool(t, p, "live_logs", &step->live_logs);
      break;
    }
    default:
      break;
  }
}

// Walks the schedule in order and refuses what cannot happen.
class ScheduleCheck {
 public:
  ScheduleCheck(KeyReader& r, const Scenario& s) : r_(r), s_(s) {}

  void Run() {
    for (size_t i = 0; i < s_.steps.size(); ++i) Visit(i, s_.steps[i]);
    for (const auto& [target, index] : armed_) {
      Fail(index, "target", fmt::format("arms a crash of the next {} step, but none follows",
                                        ToString(target)));
    }
    if (checks_ == 0) {
      Fail(s_.steps.empty() ? 0 : s_.steps.size() - 1, "action",
           "ends a schedule with no restore_check, recover_check or promote_standby step");
    }
    if (s_.faults.crash && s_.faults.crash->target != CrashTarget::kWorkload &&
        count_[s_.faults.crash->target] == 0) {
      r_.FailNoLine("faults.crash.target", fmt::format("is \"{}\" but the schedule has no {} step",
                                                       ToString(s_.faults.crash->target),
                                                       ToString(s_.faults.crash->target)));
    }
  }

 private:
  void Fail(size_t index, const std::string& key, const std::string& what) {
    const Step& step = s_.steps[index];
    r_.FailAt(static_cast<uint32_t>(step.line), fmt::format("steps[{}].{}", index + 1, key), what);
  }

  void Visit(size_t i, const Step& step) {
    using A = Step::Action;
    const A a = step.action;
    const bool after_crash_ok = a == A::kRestoreCheck || a == A::kRecoverCheck ||
                                a == A::kPromoteStandby || a == A::kPowerLoss;
    if (crashed_ && !after_crash_ok) {
      return Fail(i, "action",
                  fmt::format("\"{}\" cannot follow a crash of the workload (only restore_check, "
                              "recover_check, promote_standby and power_loss can)",
                              ToString(a)));
    }
    if (done_ && (a == A::kWaitTxns || a == A::kQuiesce || a == A::kResume || a == A::kWorkloadDone ||
                  (a == A::kCrash && step.target == CrashTarget::kWorkload))) {
      return Fail(i, "action", fmt::format("\"{}\" cannot follow workload_done", ToString(a)));
    }
    switch (a) {
      case A::kWaitTxns:
        if (quiesced_) return Fail(i, "action", "\"wait_txns\" cannot run while writers are quiesced");
        waited_ = std::max(waited_, step.txns);
        break;
      case A::kBackup: {
        bool crash = armed_.erase(CrashTarget::kBackup) > 0;
        ++count_[CrashTarget::kBackup];
        // With faults.power_loss a crash is the whole machine's: the workload dies too.
        if (crash && s_.faults.power_loss) crashed_ = true;
        if (step.mode == BackupMode::kCold && !quiesced_) {
          return Fail(i, "mode", "\"cold\" needs a quiesce step before it");
        }
        if (step.mode == BackupMode::kIncremental && full_backups_ == 0) {
          return Fail(i, "mode", "\"incremental\" needs a full (cold or hot) backup before it");
        }
        if (!crash && step.mode != BackupMode::kIncremental) ++full_backups_;
        backups_.push_back({crash, waited_});
        break;
      }
      case A::kArchive:
        if (armed_.erase(CrashTarget::kArchive) > 0 && s_.faults.power_loss) crashed_ = true;
        ++count_[CrashTarget::kArchive];
        break;
      case A::kCrash:
        if (step.target == CrashTarget::kWorkload) {
          crashed_ = true;
        } else if (!armed_.emplace(step.target, i).second) {
          return Fail(i, "target", fmt::format("arms a second crash of the next {} step", ToString(step.target)));
        }
        break;
      case A::kPowerLoss:
        crashed_ = true;
        break;
      case A::kRestoreCheck:
        ++checks_;
        CheckRestore(i, step);
        break;
      case A::kRecoverCheck:
        ++checks_;
        // A workload I/O error stops the workload like a crash (if BDB absorbs
        // it instead, recover_check kills the workload first).
        if (!crashed_ && !s_.faults.workload_io_error)
          return Fail(i, "action", "\"recover_check\" needs a crash or power_loss step before it");
        break;
      case A::kPromoteStandby:
        ++checks_;
        if (!s_.backup.recover_as_you_go) {
          return Fail(i, "action", "\"promote_standby\" needs backup.recover_as_you_go = true");
        }
        if (full_backups_ == 0) return Fail(i, "action", "\"promote_standby\" needs a backup before it");
        break;
      case A::kQuiesce:
        if (quiesced_) return Fail(i, "action", "\"quiesce\" repeats an earlier quiesce with no resume");
        quiesced_ = true;
        break;
      case A::kResume:
        if (!quiesced_) return Fail(i, "action", "\"resume\" needs a quiesce step before it");
        quiesced_ = false;
        break;
      case A::kWorkloadDone:
        if (quiesced_) return Fail(i, "action", "\"workload_done\" cannot run while writers are quiesced");
        done_ = true;
        break;
    }
  }

  void CheckRestore(size_t i, const Step& step) {
    if (backups_.empty()) return Fail(i, "action", "\"restore_check\" needs a backup step before it");
    const int n = static_cast<int>(backups_.size());
    if (step.backup_index > n) {
      return Fail(i, "backup", fmt::format("names backup {} but only {} backup steps come before it",
                                           step.backup_index, n));
    }
    const BackupSeen& chosen = step.backup_index == 0 ? backups_.back() : backups_[step.backup_index - 1];
    if (step.backup_index > 0 && chosen.crashed) {
      return Fail(i, "backup", fmt::format("names backup {}, which is crashed and never published",
                                           step.backup_index));
    }
    if (step.until_txn) {
      if (*step.until_txn <= chosen.waited) {
        return Fail(i, "until_txn",
                    fmt::format("must be after the chosen backup started (txn {}), got {}", chosen.waited,
                                *step.until_txn));
      }
      if (*step.until_txn > waited_) {
        return Fail(i, "until_txn",
                    fmt::format("must be at most {}, the commits waited for before it, got {}", waited_,
                                *step.until_txn));
      }
    }
  }

  struct BackupSeen {
    bool crashed = false;
    int64_t waited = 0;  // commits waited for when it started
  };
  KeyReader& r_;
  const Scenario& s_;
  bool crashed_ = false;
  bool done_ = false;
  bool quiesced_ = false;
  int full_backups_ = 0;
  int checks_ = 0;
  int64_t waited_ = 0;
  std::vector<BackupSeen> backups_;
  std::map<CrashTarget, size_t> armed_;  // target -> index of the arming step
  std::map<CrashTarget, int> count_;
};

}  // namespace

namespace {

void ReadSteps(KeyReader& r, const toml::table& top, Scenario* s) {
  const toml::node* node = top.get("steps");
  if (node == nullptr) return;
  auto array = node->as_array();
  if (array == nullptr || array->empty() || !array->is_homogeneous(toml::node_type::table)) {
    r.Fail(node->source(), "steps", "must be a non-empty array of tables ([[steps]]), got " + Shown(*node));
    return;
  }
  if (s->backup.method == BackupMethod::kCommand) {
    r.Fail(node->source(), "steps",
           "is not allowed with backup.method = \"command\" (it runs the implicit schedule)");
    return;
  }
  if (const toml::table* backup = top.get_as<toml::table>("backup")) {
    if (const toml::node* start = backup->get("start_after_txns")) {
      r.Fail(start->source(), "backup.start_after_txns", "is only used without [[steps]] (use a wait_txns step)");
    }
  }
  for (size_t i = 0; i < array->size(); ++i) {
    Step step;
    ReadStep(r, *array->get(i)->as_table(), fmt::format("steps[{}].", i + 1), *s, &step);
    s->steps.push_back(step);
  }
}

// wait start_after_txns, (quiesce for cold), backup, restore_check latest.
Status ImplicitSteps(KeyReader& r, const toml::table& top, Scenario* s) {
  s->implicit_steps = true;
  if (s->backup.mode == BackupMode::kIncremental) {
    const toml::node* mode = top.at_path("backup.mode").node();
    r.Fail(mode->source(), "backup.mode",
           "\"incremental\" needs a full backup before it; write a [[steps]] schedule");
    return Status::OK();
  }
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
  return Status::OK();
}

bool ValidName(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

void ReadTop(KeyReader& r, const toml::table& top, Scenario* s) {
  r.CheckKnown(top, "", {"name", "description", "expect", "trials", "seed", "min_exercised", "workload", "backup",
                         "faults", "steps"});
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
  r.Enum(top, "", "expect", kExpect, &s->expect, true);
  r.Int(top, "", "trials", 1, kMaxTrials, &s->trials);
  int64_t seed = 0;
  if (r.Int(top, "", "seed", 0, INT64_MAX, &seed)) s->seed = static_cast<uint64_t>(seed);
  r.Probability(top, "", "min_exercised", &s->min_exercised);
  ReadWorkload(r, top, &s->workload);
  ReadBackup(r, top, s);
  ReadFaults(r, top, *s, &s->faults);
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
  ReadTop(r, top, &s);
  if (r.has_errors()) return r.Result();
  if (s.steps.empty()) BDB_RETURN_IF_ERROR(ImplicitSteps(r, top, &s));
  if (r.has_errors()) return r.Result();
  ScheduleCheck(r, s).Run();
  if (s.faults.power_loss && !s.faults.crash &&
      std::none_of(s.steps.begin(), s.steps.end(), [](const Step& step) {
        return step.action == Step::Action::kCrash;
      })) {
    r.Fail(top.at_path("faults.power_loss").node()->source(), "faults.power_loss",
           "needs a crash to apply to (faults.crash or a crash step)");
  }
  if (r.has_errors()) return r.Result();
  std::string key;
  int line = 0;
  if (Status plannable = ValidatePlannable(s, &key, &line); !plannable.ok()) {
    if (line == 0) {
      if (const toml::node* node = top.at_path(key).node()) line = static_cast<int>(node->source().begin.line);
    }
    r.FailAt(static_cast<uint32_t>(line), key, plannable.message());
    return r.Result();
  }
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
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".toml") {
          found.push_back(entry.path().string());
        }
      }
      if (ec) return Status::IOError(fmt::format("unable to list directory '{}': {}", path, ec.message()));
      if (found.empty()) return Status::InvalidArgument(fmt::format("no scenario files (*.toml) in directory '{}'", path));
      std::sort(found.begin(), found.end());
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

const char* ToString(Expect v) { return NameOf(kExpect, v); }
const char* ToString(Durability v) { return NameOf(kDurability, v); }
const char* ToString(BackupMethod v) { return NameOf(kMethod, v); }
const char* ToString(BackupMode v) { return NameOf(kMode, v); }
const char* ToString(Copier v) { return NameOf(kCopier, v); }
const char* ToString(CrashTarget v) { return NameOf(kTarget, v); }
const char* ToString(PowerLossMode v) { return NameOf(kPowerLoss, v); }
const char* ToString(TornOrder v) { return NameOf(kOrder, v); }
const char* ToString(IoPoint v) { return NameOf(kPoints, v); }
const char* ToString(Step::Action v) { return NameOf(kActions, v); }

}  // namespace bdb::sim
