#include "tools/bdbackup/config_file.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

namespace bdb {
namespace {

bool Given(const std::vector<std::string>& args, const std::string& flag) {
  const std::string eq = flag + "=";
  return std::any_of(args.begin(), args.end(),
                     [&](const std::string& a) { return a == flag || a.compare(0, eq.size(), eq) == 0; });
}

Status AddKey(const std::string& path, const std::string& key, const toml::node& value,
              const std::vector<std::string>& known_flags, const std::vector<std::string>& repeatable_flags,
              const std::vector<std::string>& given, std::vector<std::string>* extra) {
  const std::string line = std::to_string(value.source().begin.line);
  std::string flag = "--" + key;
  std::replace(flag.begin(), flag.end(), '_', '-');
  if (std::find(known_flags.begin(), known_flags.end(), flag) == known_flags.end())
    return Status::InvalidArgument("config file '" + path + "':" + line + ": key '" + key +
                                   "' is not an option of this command");
  if (Given(given, flag)) return Status::OK();
  // By the node's own type: toml++'s value<bool>() would also read an integer (0 as false).
  if (const auto* b = value.as_boolean()) {
    if (b->get()) extra->push_back(flag);
    return Status::OK();
  }
  if (const auto* s = value.as_string()) {
    extra->push_back(flag);
    extra->push_back(s->get());
    return Status::OK();
  }
  if (const auto* i = value.as_integer()) {
    extra->push_back(flag);
    extra->push_back(std::to_string(i->get()));
    return Status::OK();
  }
  if (const auto* d = value.as_floating_point()) {
    std::ostringstream text;
    text.precision(17);
    text << d->get();
    extra->push_back(flag);
    extra->push_back(text.str());
    return Status::OK();
  }
  const bool repeatable = std::find(repeatable_flags.begin(), repeatable_flags.end(), flag) != repeatable_flags.end();
  const auto* array = value.as_array();
  if (array != nullptr && repeatable) {  // pin = ["A", "B"]
    for (const toml::node& element : *array) {
      if (const auto* s = element.as_string()) {
        extra->push_back(flag);
        extra->push_back(s->get());
      } else {
        return Status::InvalidArgument("config file '" + path + "':" + line + ": key '" + key +
                                       "' may only list strings");
      }
    }
    return Status::OK();
  }
  return Status::InvalidArgument(
      "config file '" + path + "':" + line + ": key '" + key +
      (repeatable ? "' must be a string or a list of strings" : "' must be a string, a number or a boolean"));
}

}  // namespace

Status ArgsFromConfigFile(const std::string& path, const std::string& command,
                          const std::vector<std::string>& known_flags, const ConfigVocabulary& vocabulary,
                          const std::vector<std::string>& given_args, std::vector<std::string>* extra) {
  extra->clear();
  // toml++ reports a missing file as a parse error at line 0; say what it is.
  if (::access(path.c_str(), F_OK) != 0) return Status::NotFound("config file '" + path + "' does not exist");
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& err) {
    return Status::InvalidArgument("config file '" + path + "':" + std::to_string(err.source().begin.line) + ": " +
                                   std::string(err.description()));
  }
  for (const auto& [key, value] : root) {
    const std::string k(key.str());
    if (value.is_table() && k == kSystemdTable) continue;  // the unit's settings, for bdbackup-systemd-generator
    if (value.is_table()) {
      if (std::find(vocabulary.commands.begin(), vocabulary.commands.end(), k) == vocabulary.commands.end())
        return Status::InvalidArgument("config file '" + path + "':" + std::to_string(value.source().begin.line) +
                                       ": table '" + k + "' is not a bdbackup command");
      if (k != command) continue;
      for (const auto& [sub_key, sub_value] : *value.as_table())
        BDB_RETURN_IF_ERROR(AddKey(path, std::string(sub_key.str()), sub_value, known_flags,
                                   vocabulary.repeatable_flags, given_args, extra));
      continue;
    }
    // Top-level keys apply to every command that has the flag.
    std::string flag = "--" + k;
    std::replace(flag.begin(), flag.end(), '_', '-');
    if (std::find(known_flags.begin(), known_flags.end(), flag) == known_flags.end()) {
      if (std::find(vocabulary.flags.begin(), vocabulary.flags.end(), flag) == vocabulary.flags.end())
        return Status::InvalidArgument("config file '" + path + "':" + std::to_string(value.source().begin.line) +
                                       ": key '" + k + "' is not a bdbackup option");
      continue;  // an option of another command
    }
    BDB_RETURN_IF_ERROR(AddKey(path, k, value, known_flags, vocabulary.repeatable_flags, given_args, extra));
  }
  return Status::OK();
}

ConfigVocabulary VocabularyOf(const cli::Program& program) {
  ConfigVocabulary v;
  for (const cli::Command& c : program.commands) {
    v.commands.push_back(c.path);
    for (const cli::OptionUse& use : c.options) {
      v.flags.push_back(use.def->name);
      if (use.def->repeatable) v.repeatable_flags.push_back(use.def->name);
    }
  }
  return v;
}

Status ApplyConfigFile(const cli::Program& program, std::vector<std::string>* args) {
  auto sub = std::find_if(args->begin(), args->end(), [](const std::string& a) { return a.empty() || a[0] != '-'; });
  if (sub == args->end()) return Status::OK();
  const cli::Command* command = program.Find(*sub);
  const ConfigVocabulary vocabulary = VocabularyOf(program);
  if (command == nullptr) {
    std::string expected;
    const std::vector<std::string>& names = vocabulary.commands;
    for (size_t i = 0; i < names.size(); ++i)
      expected += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return Status::InvalidArgument("bad usage: unknown command '" + *sub + "': expected " + expected);
  }
  std::string config;
  bool found = false;
  for (auto it = sub + 1; it != args->end(); ++it) {
    if (*it == "--config" && it + 1 != args->end()) {
      config = *(it + 1);
      found = true;
    } else if (it->rfind("--config=", 0) == 0) {
      config = it->substr(9);
      found = true;
    }
  }
  if (!found) return Status::OK();
  if (config.empty()) return Status::InvalidArgument("bad usage: --config needs a file name");
  std::vector<std::string> flags, extra;
  for (const cli::OptionUse& use : command->options) flags.push_back(use.def->name);
  const std::vector<std::string> given(sub + 1, args->end());
  BDB_RETURN_IF_ERROR(ArgsFromConfigFile(config, command->path, flags, vocabulary, given, &extra));
  args->insert(sub + 1, extra.begin(), extra.end());
  return Status::OK();
}

}  // namespace bdb
