// report.json writer and strict reader.
#include "simulator/report/report_json.h"

#include <fmt/format.h>

#include <cmath>
#include <initializer_list>
#include <limits>

namespace bdb::sim {

using nlohmann::json;

namespace {

constexpr int kFormatVersion = 4;

json CountsToJson(const OutcomeCounts& c) {
  return json{{"trials", c.trials},
              {"PASS", c.pass},
              {"NOT_EXERCISED", c.not_exercised},
              {"CLEAN_FAILURE", c.clean_failure},
              {"DETECTED", c.detected},
              {"HARNESS_ERROR", c.harness_error},
              {"HANG", c.hang},
              {"LOSS", c.loss},
              {"unexplained_detected", c.unexplained_detected},
              {"exercised", c.exercised}};
}

json TrialToJson(const TrialResult& t) {
  json faults = json::array();
  for (const FaultEvent& f : t.faults) faults.push_back({{"at_ms", f.at_ms}, {"kind", f.kind}, {"detail", f.detail}});
  json exercise = json::array();
  for (const FaultExercise& e : t.exercise)
    exercise.push_back({{"kind", e.kind}, {"step", e.step}, {"planned", e.planned}, {"fired", e.fired}, {"hit", e.hit}});
  return json{{"index", t.index},
              {"exercised", t.exercised ? json(*t.exercised) : json(nullptr)},
              {"exercise", std::move(exercise)},
              {"seed", SeedHex(t.seed)},
              {"outcome", OutcomeName(t.outcome)},
              {"explained", t.explained},
              {"detail", t.detail},
              {"faults", std::move(faults)},
              {"replay", t.replay},
              {"duration_ms", t.duration_ms},
              {"recovery_ms", t.recovery_ms},
              {"commits_per_sec_during_backup", t.commits_per_sec_during_backup},
              {"acked", t.acked},
              {"checked", t.checked},
              {"missing", t.missing},
              {"lost_suffix", t.lost_suffix},
              {"uncovered_pages", t.uncovered_pages},
              {"commits_during_copy", t.commits_during_copy},
              {"listing_order", t.listing_order},
              {"sandbox", t.sandbox},
              {"sandbox_bytes", t.sandbox_bytes},
              {"sandbox_dropped", t.sandbox_dropped}};
}

json ScenarioToJson(const ScenarioResult& s) {
  json trials = json::array();
  for (const TrialResult& t : s.trials) trials.push_back(TrialToJson(t));
  return json{{"name", s.name},
              {"description", s.description},
              {"expect", s.expect},
              {"file", s.file},
              {"verdict", Verdict(s)},
              {"counts", CountsToJson(CountOutcomes(s))},
              {"catch_rate", CatchRate(s)},
              {"catch_rate_ci95", {CatchRateInterval(s).first, CatchRateInterval(s).second}},
              {"min_exercised", s.min_exercised},
              {"min_catch_rate", s.min_catch_rate},
              {"trials", std::move(trials)}};
}

// Strict field access on a JSON object; every error names the JSON path.
class ObjectReader {
 public:
  ObjectReader(const json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  // OK when the value is an object whose keys are all in `allowed`.
  Status Check(std::initializer_list<const char*> allowed) const {
    if (!obj_.is_object()) return Error(path_, "must be an object");
    for (const auto& item : obj_.items()) {
      bool known = false;
      for (const char* k : allowed) known = known || item.key() == k;
      if (!known) return Error(path_, fmt::format("unknown key '{}'", item.key()));
    }
    return Status::OK();
  }
  Status Get(const char* key, const json** value) const {
    auto it = obj_.find(key);
    if (it == obj_.end()) return Error(Path(key), "missing");
    *value = &*it;
    return Status::OK();
  }
  Status String(const char* key, std::string* out) const {
    const json* v = nullptr;
    BDB_RETURN_IF_ERROR(Get(key, &v));
    if (!v->is_string()) return Error(Path(key), "must be a string");
    *out = v->get<std::string>();
    return Status::OK();
  }
  Status Bool(const char* key, bool* out) const {
    const json* v = nullptr;
    BDB_RETURN_IF_ERROR(Get(key, &v));
    if (!v->is_boolean()) return Error(Path(key), "must be true or false");
    *out = v->get<bool>();
    return Status::OK();
  }
  Status Double(const char* key, double* out) const {
    const json* v = nullptr;
    BDB_RETURN_IF_ERROR(Get(key, &v));
    if (!v->is_number()) return Error(Path(key), "must be a number");
    *out = v->get<double>();
    return Status::OK();
  }
  Status Uint(const char* key, uint64_t* out) const {
    const json* v = nullptr;
    BDB_RETURN_IF_ERROR(Get(key, &v));
    // Parsed text holds non-negative integers as unsigned; built JSON may hold them signed.
    if (!v->is_number_integer() || (!v->is_number_unsigned() && v->get<int64_t>() < 0)) {
      return Error(Path(key), "must be a non-negative integer");
    }
    *out = v->get<uint64_t>();
    return Status::OK();
  }
  Status Int(const char* key, int* out) const {
    uint64_t v = 0;
    BDB_RETURN_IF_ERROR(Uint(key, &v));
    if (v > static_cast<uint64_t>(std::numeric_limits<int>::max())) return Error(Path(key), "is too large");
    *out = static_cast<int>(v);
    return Status::OK();
  }
  Status Array(const char* key, const json** out) const {
    BDB_RETURN_IF_ERROR(Get(key, out));
    if (!(*out)->is_array()) return Error(Path(key), "must be an array");
    return Status::OK();
  }
  Status Object(const char* key, const json** out) const {
    BDB_RETURN_IF_ERROR(Get(key, out));
    if (!(*out)->is_object()) return Error(Path(key), "must be an object");
    return Status::OK();
  }
  std::string Path(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  static Status Error(const std::string& path, const std::string& why) {
    return Status::InvalidArgument(fmt::format("{}: {}", path.empty() ? "report" : path, why));
  }

 private:
  const json& obj_;
  std::string path_;
};

Status FaultFromJson(const json& j, const std::string& path, FaultEvent* f) {
  ObjectReader r(j, path);
  BDB_RETURN_IF_ERROR(r.Check({"at_ms", "kind", "detail"}));
  BDB_RETURN_IF_ERROR(r.Double("at_ms", &f->at_ms));
  BDB_RETURN_IF_ERROR(r.String("kind", &f->kind));
  return r.String("detail", &f->detail);
}

Status TrialFromJson(const json& j, const std::string& path, const std::string& scenario, TrialResult* t) {
  ObjectReader r(j, path);
  BDB_RETURN_IF_ERROR(r.Check({"index", "exercised", "exercise", "seed", "outcome", "explained", "detail", "faults",
                               "replay", "duration_ms", "recovery_ms", "commits_per_sec_during_backup", "acked",
                               "checked", "missing", "lost_suffix", "uncovered_pages", "commits_during_copy",
                               "listing_order", "sandbox", "sandbox_bytes", "sandbox_dropped"}));
  t->scenario = scenario;
  BDB_RETURN_IF_ERROR(r.Int("index", &t->index));
  std::string seed_hex, outcome;
  BDB_RETURN_IF_ERROR(r.String("seed", &seed_hex));
  if (!ParseSeedHex(seed_hex, &t->seed)) {
    return ObjectReader::Error(r.Path("seed"), fmt::format("must be 16 lowercase hex digits, got '{}'", seed_hex));
  }
  BDB_RETURN_IF_ERROR(r.String("outcome", &outcome));
  if (!ParseOutcome(outcome, &t->outcome)) {
    return ObjectReader::Error(r.Path("outcome"), fmt::format("unknown outcome '{}'", outcome));
  }
  BDB_RETURN_IF_ERROR(r.Bool("explained", &t->explained));
  BDB_RETURN_IF_ERROR(r.String("detail", &t->detail));
  const json* faults = nullptr;
  BDB_RETURN_IF_ERROR(r.Array("faults", &faults));
  t->faults.resize(faults->size());
  for (size_t i = 0; i < faults->size(); ++i) {
    BDB_RETURN_IF_ERROR(FaultFromJson((*faults)[i], fmt::format("{}[{}]", r.Path("faults"), i), &t->faults[i]));
  }
  BDB_RETURN_IF_ERROR(r.String("replay", &t->replay));
  // Unknown when absent or null: nothing says the trial proved anything.
  if (j.contains("exercised") && !j.at("exercised").is_null()) {
    bool exercised = false;
    BDB_RETURN_IF_ERROR(r.Bool("exercised", &exercised));
    t->exercised = exercised;
  }
  if (j.contains("exercise")) {
    const json* exercise = nullptr;
    BDB_RETURN_IF_ERROR(r.Array("exercise", &exercise));
    for (size_t i = 0; i < exercise->size(); ++i) {
      ObjectReader e((*exercise)[i], fmt::format("{}[{}]", r.Path("exercise"), i));
      BDB_RETURN_IF_ERROR(e.Check({"kind", "step", "planned", "fired", "hit"}));
      FaultExercise x;
      BDB_RETURN_IF_ERROR(e.String("kind", &x.kind));
      BDB_RETURN_IF_ERROR(e.Int("step", &x.step));
      BDB_RETURN_IF_ERROR(e.String("planned", &x.planned));
      BDB_RETURN_IF_ERROR(e.Bool("fired", &x.fired));
      BDB_RETURN_IF_ERROR(e.String("hit", &x.hit));
      t->exercise.push_back(std::move(x));
    }
  }
  BDB_RETURN_IF_ERROR(r.Double("duration_ms", &t->duration_ms));
  BDB_RETURN_IF_ERROR(r.Double("recovery_ms", &t->recovery_ms));
  BDB_RETURN_IF_ERROR(r.Double("commits_per_sec_during_backup", &t->commits_per_sec_during_backup));
  BDB_RETURN_IF_ERROR(r.Uint("acked", &t->acked));
  BDB_RETURN_IF_ERROR(r.Uint("checked", &t->checked));
  BDB_RETURN_IF_ERROR(r.Uint("missing", &t->missing));
  BDB_RETURN_IF_ERROR(r.Uint("lost_suffix", &t->lost_suffix));
  BDB_RETURN_IF_ERROR(r.Uint("uncovered_pages", &t->uncovered_pages));
  BDB_RETURN_IF_ERROR(r.Uint("commits_during_copy", &t->commits_during_copy));
  BDB_RETURN_IF_ERROR(r.String("listing_order", &t->listing_order));
  BDB_RETURN_IF_ERROR(r.String("sandbox", &t->sandbox));
  BDB_RETURN_IF_ERROR(r.Uint("sandbox_bytes", &t->sandbox_bytes));
  return r.String("sandbox_dropped", &t->sandbox_dropped);
}

Status ScenarioFromJson(const json& j, const std::string& path, ScenarioResult* s) {
  ObjectReader r(j, path);
  BDB_RETURN_IF_ERROR(
      r.Check({"name", "description", "expect", "file", "verdict", "counts", "catch_rate", "catch_rate_ci95",
               "min_exercised", "min_catch_rate", "trials"}));
  BDB_RETURN_IF_ERROR(r.String("name", &s->name));
  BDB_RETURN_IF_ERROR(r.String("description", &s->description));
  BDB_RETURN_IF_ERROR(r.String("expect", &s->expect));
  if (s->expect != "pass" && s->expect != "caught") {
    return ObjectReader::Error(r.Path("expect"), fmt::format("must be 'pass' or 'caught', got '{}'", s->expect));
  }
  BDB_RETURN_IF_ERROR(r.String("file", &s->file));
  BDB_RETURN_IF_ERROR(r.Double("min_exercised", &s->min_exercised));
  BDB_RETURN_IF_ERROR(r.Double("min_catch_rate", &s->min_catch_rate));
  const json* trials = nullptr;
  BDB_RETURN_IF_ERROR(r.Array("trials", &trials));
  s->trials.resize(trials->size());
  for (size_t i = 0; i < trials->size(); ++i) {
    BDB_RETURN_IF_ERROR(TrialFromJson((*trials)[i], fmt::format("{}[{}]", r.Path("trials"), i), s->name,
                                      &s->trials[i]));
  }
  // Derived fields must agree with the trials: a hand-edited or truncated
  // report is refused rather than silently recomputed.
  std::string verdict;
  BDB_RETURN_IF_ERROR(r.String("verdict", &verdict));
  if (verdict != Verdict(*s)) {
    return ObjectReader::Error(r.Path("verdict"),
                               fmt::format("is '{}' but the trials give '{}'", verdict, Verdict(*s)));
  }
  const json* counts = nullptr;
  BDB_RETURN_IF_ERROR(r.Object("counts", &counts));
  if (*counts != CountsToJson(CountOutcomes(*s))) {
    return ObjectReader::Error(r.Path("counts"), "do not match the trials");
  }
  double catch_rate = 0;
  BDB_RETURN_IF_ERROR(r.Double("catch_rate", &catch_rate));
  if (std::fabs(catch_rate - CatchRate(*s)) > 1e-9) {
    return ObjectReader::Error(r.Path("catch_rate"), "does not match the trials");
  }
  return Status::OK();
}

}  // namespace

json ReportToJson(const RunReport& report) {
  json scenarios = json::array();
  for (const ScenarioResult& s : report.scenarios) scenarios.push_back(ScenarioToJson(s));
  return json{{"format_version", kFormatVersion},
              {"scenarios", std::move(scenarios)},
              {"settings", report.settings},
              {"versions", report.versions},
              {"timings", {{"wall_ms", report.wall_ms}, {"started_at", report.started_at}}},
              {"all_met", AllMet(report)}};
}

Status ReportFromJson(const json& j, RunReport* report) {
  ObjectReader r(j, "");
  BDB_RETURN_IF_ERROR(r.Check({"format_version", "scenarios", "settings", "versions", "timings", "all_met"}));
  int version = 0;
  BDB_RETURN_IF_ERROR(r.Int("format_version", &version));
  if (version != kFormatVersion) {
    return ObjectReader::Error("format_version", fmt::format("is {}, this bdbsim reads {}", version, kFormatVersion));
  }
  RunReport out;
  const json* scenarios = nullptr;
  BDB_RETURN_IF_ERROR(r.Array("scenarios", &scenarios));
  out.scenarios.resize(scenarios->size());
  for (size_t i = 0; i < scenarios->size(); ++i) {
    BDB_RETURN_IF_ERROR(ScenarioFromJson((*scenarios)[i], fmt::format("scenarios[{}]", i), &out.scenarios[i]));
  }
  const json* settings = nullptr;
  const json* versions = nullptr;
  const json* timings = nullptr;
  BDB_RETURN_IF_ERROR(r.Object("settings", &settings));
  BDB_RETURN_IF_ERROR(r.Object("versions", &versions));
  BDB_RETURN_IF_ERROR(r.Object("timings", &timings));
  out.settings = *settings;
  out.versions = *versions;
  ObjectReader t(*timings, "timings");
  BDB_RETURN_IF_ERROR(t.Check({"wall_ms", "started_at"}));
  BDB_RETURN_IF_ERROR(t.Double("wall_ms", &out.wall_ms));
  BDB_RETURN_IF_ERROR(t.String("started_at", &out.started_at));
  bool all_met = false;
  BDB_RETURN_IF_ERROR(r.Bool("all_met", &all_met));
  if (all_met != AllMet(out)) return ObjectReader::Error("all_met", "does not match the scenario verdicts");
  *report = std::move(out);
  return Status::OK();
}

Status WriteReportJson(const RunReport& report, const std::string& path, FileIO* io) {
  return WriteFileAtomically(io, path, ReportToJson(report).dump(2) + "\n", 0644);
}

Status ReadReportJson(const std::string& path, RunReport* report, FileIO* io) {
  std::string text;
  BDB_RETURN_IF_ERROR(ReadWholeFile(io, path, &text));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::InvalidArgument(fmt::format("invalid report '{}': not valid JSON", path));
  }
  Status s = ReportFromJson(j, report);
  if (!s.ok()) return s.WithContext(fmt::format("invalid report '{}'", path));
  return Status::OK();
}

}  // namespace bdb::sim
