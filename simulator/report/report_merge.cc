// Merging the reports of a sharded run.
#include "simulator/report/report_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "simulator/report/report_json.h"
#include "simulator/report/shard.h"

namespace bdb::sim {

using nlohmann::json;

namespace {

// Where each shard's sandboxes were: true of one shard's process only.
bool SandboxSetting(const std::string& key) {
  return key == "sandbox_root" || key == "sandbox_root_in_memory" || key == "kept_sandboxes_in";
}

bool PerProcessSetting(const std::string& key) {
  return key == "shard" || key == "command_line" || key == "jobs" || key == "report" || key == "keep_sandboxes" ||
         key == "keep_sandboxes_mib" || SandboxSetting(key);
}

std::string Show(const json& settings, const std::string& key) {
  auto it = settings.find(key);
  return it == settings.end() ? "(absent)" : it->dump();
}

// The first setting (by name) on which a and b differ, ignoring per-process ones.
Status CompareSettings(const json& a, const json& b, size_t b_number) {
  std::set<std::string> keys;
  for (const auto& item : a.items()) keys.insert(item.key());
  for (const auto& item : b.items()) keys.insert(item.key());
  for (const std::string& key : keys) {
    if (PerProcessSetting(key)) continue;
    if (Show(a, key) != Show(b, key)) {
      return Status::InvalidArgument(fmt::format("shard reports disagree on setting '{}': {} in report 1, {} in report {}",
                                                 key, Show(a, key), Show(b, key), b_number));
    }
  }
  return Status::OK();
}

// Drops "--shard K/N" and "--shard=K/N" from a list of arguments.
std::vector<std::string> WithoutShardArgs(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--shard") {
      ++i;
      continue;
    }
    if (args[i].rfind("--shard=", 0) == 0) continue;
    out.push_back(args[i]);
  }
  return out;
}

json UnshardedSettings(json settings) {
  settings.erase("shard");
  for (const char* key : {"sandbox_root", "sandbox_root_in_memory", "kept_sandboxes_in"}) settings.erase(key);
  auto it = settings.find("command_line");
  if (it == settings.end()) return settings;
  if (it->is_array() && std::all_of(it->begin(), it->end(), [](const json& a) { return a.is_string(); })) {
    *it = WithoutShardArgs(it->get<std::vector<std::string>>());
  } else if (it->is_string()) {
    std::vector<std::string> words;
    std::string text = it->get<std::string>(), word;
    for (char c : text + " ") {
      if (c == ' ') {
        if (!word.empty()) words.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
    std::string joined;
    for (const std::string& w : WithoutShardArgs(words)) joined += (joined.empty() ? "" : " ") + w;
    *it = joined;
  }
  return settings;
}

Status CheckShardCoverage(const std::vector<RunReport>& shards) {
  for (const RunReport& r : shards) {
    auto it = r.settings.find("shard");
    if (it == r.settings.end()) return Status::OK();  // not all sharded: nothing to check
  }
  int n_all = 0;
  std::set<int> seen;
  for (size_t i = 0; i < shards.size(); ++i) {
    const json& value = shards[i].settings["shard"];
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    int k = 0, n = 0;
    Status s = ParseShard(text, &k, &n);
    if (!s.ok()) return s.WithContext(fmt::format("report {}", i + 1));
    if (n_all != 0 && n != n_all) {
      return Status::InvalidArgument(
          fmt::format("shard reports split the run differently: shard {} and shard {}", ShardName(*seen.begin(), n_all),
                      text));
    }
    n_all = n;
    if (!seen.insert(k).second) {
      return Status::InvalidArgument(fmt::format("shard {} appears in two reports", ShardName(k, n)));
    }
  }
  for (int k = 1; k <= n_all; ++k) {
    if (!seen.count(k)) {
      return Status::InvalidArgument(fmt::format("shard {} is missing from the reports", ShardName(k, n_all)));
    }
  }
  return Status::OK();
}

Status MergeScenario(const ScenarioResult& from, size_t report_number, ScenarioResult* into) {
  auto differs = [&](const char* field, const std::string& a, const std::string& b) {
    return Status::InvalidArgument(fmt::format("shard reports disagree on scenario '{}': {} '{}' in one, '{}' in report {}",
                                               from.name, field, a, b, report_number));
  };
  if (from.expect != into->expect) return differs("expect", into->expect, from.expect);
  if (from.description != into->description) return differs("description", into->description, from.description);
  if (from.file != into->file) return differs("file", into->file, from.file);
  if (from.min_exercised != into->min_exercised)
    return differs("min_exercised", fmt::format("{}", into->min_exercised), fmt::format("{}", from.min_exercised));
  if (from.min_catch_rate != into->min_catch_rate)
    return differs("min_catch_rate", fmt::format("{}", into->min_catch_rate), fmt::format("{}", from.min_catch_rate));
  into->trials.insert(into->trials.end(), from.trials.begin(), from.trials.end());
  return Status::OK();
}

// REQUIRES: no index appears twice.
Status SortAndCheckTrials(ScenarioResult* s) {
  std::stable_sort(s->trials.begin(), s->trials.end(),
                   [](const TrialResult& a, const TrialResult& b) { return a.index < b.index; });
  for (size_t i = 0; i < s->trials.size(); ++i) {
    if (s->trials[i].index != static_cast<int>(i)) {
      return Status::InvalidArgument(fmt::format("trial {} of '{}' is missing from the shard reports", i, s->name));
    }
  }
  return Status::OK();
}

}  // namespace

Status MergeReports(const std::vector<RunReport>& shards, RunReport* merged) {
  if (shards.empty()) return Status::InvalidArgument("no shard reports to merge");
  const RunReport& first = shards.front();
  for (size_t i = 1; i < shards.size(); ++i) {
    BDB_RETURN_IF_ERROR(CompareSettings(first.settings, shards[i].settings, i + 1));
    if (shards[i].versions != first.versions) {
      return Status::InvalidArgument(fmt::format("shard reports come from different versions: {} in report 1, {} in report {}",
                                                 first.versions.dump(), shards[i].versions.dump(), i + 1));
    }
  }
  RunReport out;
  out.settings = UnshardedSettings(first.settings);
  out.versions = first.versions;
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < shards.size(); ++i) {
    const RunReport& shard = shards[i];
    out.wall_ms = std::max(out.wall_ms, shard.wall_ms);
    if (!shard.started_at.empty() && (out.started_at.empty() || shard.started_at < out.started_at)) {
      out.started_at = shard.started_at;
    }
    for (const ScenarioResult& s : shard.scenarios) {
      auto [it, inserted] = position.emplace(s.name, out.scenarios.size());
      if (inserted) {
        out.scenarios.push_back(s);
        continue;
      }
      BDB_RETURN_IF_ERROR(MergeScenario(s, i + 1, &out.scenarios[it->second]));
    }
  }
  for (ScenarioResult& s : out.scenarios) {
    // The same index twice is an overlap even before coverage is checked.
    std::set<int> seen;
    for (const TrialResult& t : s.trials) {
      if (!seen.insert(t.index).second) {
        return Status::InvalidArgument(fmt::format("trial {} of '{}' appears in two shard reports", t.index, s.name));
      }
    }
  }
  BDB_RETURN_IF_ERROR(CheckShardCoverage(shards));
  for (ScenarioResult& s : out.scenarios) BDB_RETURN_IF_ERROR(SortAndCheckTrials(&s));
  *merged = std::move(out);
  return Status::OK();
}

Status MergeReportDirs(const std::vector<std::string>& dirs, RunReport* merged, FileIO* io) {
  std::vector<RunReport> shards(dirs.size());
  for (size_t i = 0; i < dirs.size(); ++i) {
    BDB_RETURN_IF_ERROR(ReadReportJson(JoinPath(dirs[i], "report.json"), &shards[i], io));
  }
  return MergeReports(shards, merged);
}

}  // namespace bdb::sim
