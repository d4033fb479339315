// One command table per program: every command with its options (name,
// value, type, default, help), examples and exit codes, and the function that
// runs it. The CLI11 parser and --help are built from it (cli_parser.h); so are
// docs/cli.md, the usage blocks of README.md and docs/ (simulator.md,
// certify.md, contracts.md), the man pages and the bash completion (cli_docs.h), and bdbackup's --config
// vocabulary. Each command keeps its parsed options in a struct of its own
// (CommandBuilder<Options>), owned by the Command.
// Thread-safety: built and used on one thread (the main thread of a tool).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace bdb::cli {

// What an option's value is, for the docs and --config's type check.
enum class ValueType { kFlag, kString, kPath, kInteger, kNumber, kDuration };

// How the parser treats symbolic links in a kPath value (base/user_path.h):
// a path a user names is followed; a path the command creates or empties
// (a restore target) has only its directory followed.
enum class Links { kFollow, kFollowParent };

// "flag", "path", "integer", ... as the docs name them.
const char* ValueTypeName(ValueType type);

// An option as it is written, once for every command that takes it.
struct OptionDef {
  std::string name{};   // "--home"; a positional argument's name has no dashes ("scenarios")
  std::string value{};  // placeholder in usage lines ("DIR"); "" for a flag
  ValueType type = ValueType::kString;
  std::string help{};
  std::string default_text{};                        // when the default is not a plain value ("the core count")
  bool repeatable = false;                           // given once per value (--pin A --pin B; a TOML list in --config)
  int arity = 1;                                     // values per occurrence (--value-bytes MIN MAX: 2)
  std::optional<std::pair<double, double>> range{};  // inclusive bounds of each value
  bool shared = false;                               // usage summaries list it once for every command that takes it
  Links links = Links::kFollow;                      // kPath only

  bool positional() const { return name.rfind("--", 0) != 0; }
  bool flag() const { return type == ValueType::kFlag; }
};

struct ExitCode {
  int code;
  std::string meaning;
};

struct Example {
  std::string command;  // without the program name: "archive --home /srv/app --repo /backup/app"
  std::string explanation;
};

// One option of one command, as the docs and the parser see it.
struct OptionUse {
  const OptionDef* def = nullptr;
  bool required = false;
  std::string default_text;  // resolved: the def's, else the options struct's initial value
  std::string needs;         // another option's name this one needs
  std::string excludes;      // another option's name this one cannot go with
  // Registers the option on cmd, bound to the command's options struct.
  std::function<CLI::Option*(CLI::App* cmd)> add;
};

// What a command's run function is given besides its options.
struct Invocation {
  std::vector<std::string> args;  // the command line after the program name, as parsed
};

struct Command {
  std::string path;         // "archive"; nested: "certify run"
  std::string summary;      // one line
  std::string description;  // a paragraph for the docs and the man page
  std::vector<OptionUse> options;
  std::vector<Example> examples;
  std::vector<ExitCode> exit_codes;  // empty: the program's
  std::function<int(const Invocation&)> run;

  std::string name() const;  // the last word of path
  const OptionUse* Find(const std::string& option_name) const;
};

// A word that groups nested commands ("certify" of "certify run").
struct CommandGroup {
  std::string name;
  std::string summary;
};

struct Program {
  std::string name;     // "bdbackup"
  std::string version;  // "0.1.0"
  std::string summary;  // one line
  std::string description;
  std::vector<ExitCode> exit_codes;
  std::vector<CommandGroup> groups;
  std::vector<Command> commands;
  std::vector<std::string> notes;  // lines the usage summaries end with ("DURATION is ...")

  const Command* Find(const std::string& path) const;
};

namespace internal {

// A CLI11 transform that replaces a path by the one ResolveUserPath (or, for
// kFollowParent, ResolveUserPathParent) gives.
CLI::Validator FollowLinks(Links links);

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
std::string FormatDefault(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return "";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return value;
  } else if constexpr (IsOptional<T>::value) {
    return value ? FormatDefault(*value) : "";
  } else if constexpr (std::is_arithmetic_v<T>) {
    std::ostringstream out;
    out << value;
    return out.str();
  } else {
    std::string joined;  // a vector: its values, space-separated
    for (const auto& v : value) joined += (joined.empty() ? "" : " ") + FormatDefault(v);
    return joined;
  }
}

// Adds the option to CLI11 bound to *field, by the field's type.
template <class T>
CLI::Option* AddBound(CLI::App* cmd, const OptionDef& def, T* field) {
  CLI::Option* opt = nullptr;
  if constexpr (std::is_same_v<T, bool>) {
    opt = cmd->add_flag(def.name, *field, def.help);
  } else if constexpr (IsOptional<T>::value) {
    using V = typename T::value_type;
    opt = cmd->add_option_function<V>(
        def.name, [field](const V& v) { *field = v; }, def.help);
  } else {
    opt = cmd->add_option(def.name, *field, def.help);
  }
  if (!def.flag()) opt->type_name(def.value);
  if (def.arity > 1) opt->expected(def.arity)->option_text(def.value);
  if (def.range && def.type == ValueType::kInteger) {
    opt->check(
        CLI::Range(static_cast<int64_t>(def.range->first), static_cast<int64_t>(def.range->second)).description(""));
  } else if (def.range) {
    opt->check(CLI::Range(def.range->first, def.range->second).description(""));
  }
  if (def.type == ValueType::kPath) opt->transform(FollowLinks(def.links));
  return opt;
}

}  // namespace internal

// Builds one Command whose options live in an Options struct of its own
// (REQUIRES: every OptionDef given is a namespace-scope constant):
//   CommandBuilder<ArchiveOptions>("archive", "move finished log files ...")
//       .Add(kHome, &ArchiveOptions::home).Required() ... .Build(run);
// Defaults are the struct's initial values unless the OptionDef names one.
template <class Options>
class CommandBuilder {
 public:
  CommandBuilder(std::string path, std::string summary) : options_(std::make_shared<Options>()) {
    command_.path = std::move(path);
    command_.summary = std::move(summary);
  }

  CommandBuilder& Describe(std::string description) {
    command_.description = std::move(description);
    return *this;
  }

  // A field of Options (or of one of its bases).
  template <class T, class Base>
  CommandBuilder& Add(const OptionDef& def, T Base::*field) {
    return AddAt(def, [field](Options& o) -> T& { return o.*field; });
  }

  // A field reached through a function (a member of a member).
  template <class Get>
  CommandBuilder& AddAt(const OptionDef& def, Get get) {
    using T = std::remove_reference_t<decltype(get(std::declval<Options&>()))>;
    OptionUse use;
    use.def = &def;
    use.default_text = def.default_text.empty() ? internal::FormatDefault<T>(get(*options_)) : def.default_text;
    std::shared_ptr<Options> options = options_;
    use.add = [options, get, &def](CLI::App* cmd) { return internal::AddBound<T>(cmd, def, &get(*options)); };
    command_.options.push_back(std::move(use));
    return *this;
  }

  CommandBuilder& Required() {
    command_.options.back().required = true;
    return *this;
  }
  CommandBuilder& Needs(const OptionDef& other) {
    command_.options.back().needs = other.name;
    return *this;
  }
  CommandBuilder& Excludes(const OptionDef& other) {
    command_.options.back().excludes = other.name;
    return *this;
  }
  CommandBuilder& Example(std::string command, std::string explanation) {
    command_.examples.push_back({std::move(command), std::move(explanation)});
    return *this;
  }
  CommandBuilder& ExitCodes(std::vector<ExitCode> codes) {
    command_.exit_codes = std::move(codes);
    return *this;
  }
  // run is called with the parsed options once the command line parsed.
  Command Build(std::function<int(Options&, const Invocation&)> run) {
    std::shared_ptr<Options> options = options_;
    command_.run = [options, run](const Invocation& invocation) { return run(*options, invocation); };
    return std::move(command_);
  }

 private:
  std::shared_ptr<Options> options_;
  Command command_;
};

}  // namespace bdb::cli
