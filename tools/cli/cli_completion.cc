// BashCompletion (cli_docs.h): a bash completion script from a command table.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "tools/cli/cli_docs.h"

namespace bdb::cli {
namespace {

// "cold|hot|incremental" -> "cold hot incremental"; "" when the value is a
// placeholder ("DIR", "ID|latest").
std::string Choices(const OptionDef& def) {
  if (def.value.find('|') == std::string::npos) return "";
  if (std::any_of(def.value.begin(), def.value.end(), [](unsigned char c) { return std::isupper(c); })) return "";
  std::string words = def.value;
  std::replace(words.begin(), words.end(), '|', ' ');
  return words;
}

std::string FunctionName(const Program& program) {
  std::string name = "_" + program.name;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

}  // namespace

std::string BashCompletion(const Program& program) {
  const std::string fn = FunctionName(program);
  std::string out = fmt::format(
      "# bash completion for {0} (generated from its command table)\n"
      "{1}() {{\n"
      "  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} path=\"\" w i\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    w=${{COMP_WORDS[i]}}\n"
      "    case \"$path:$w\" in\n",
      program.name, fn);
  std::set<std::string> steps;  // "parent:word" for every command word
  std::vector<std::string> top;
  for (const Command& c : program.commands) {
    const size_t space = c.path.rfind(' ');
    const std::string parent = space == std::string::npos ? "" : c.path.substr(0, space);
    steps.insert(parent + ":" + c.name());
    if (!parent.empty()) steps.insert(":" + parent);
  }
  for (const std::string& s : steps) out += "      \"" + s + "\") path=\"${path:+$path }$w\" ;;\n";
  out += "    esac\n  done\n  case \"$prev\" in\n";
  std::set<std::string> paths, others;
  std::map<std::string, std::string> choices;
  for (const Command& c : program.commands)
    for (const OptionUse& use : c.options) {
      const OptionDef& d = *use.def;
      if (d.flag() || d.positional()) continue;
      if (!Choices(d).empty())
        choices[d.name] = Choices(d);
      else if (d.type == ValueType::kPath)
        paths.insert(d.name);
      else
        others.insert(d.name);
    }
  for (const auto& [name, words] : choices)
    out += fmt::format("    {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n", name, words);
  auto joined = [](const std::set<std::string>& names) {
    std::string s;
    for (const std::string& n : names) s += (s.empty() ? "" : "|") + n;
    return s;
  };
  if (!paths.empty()) out += "    " + joined(paths) + ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
  if (!others.empty()) out += "    " + joined(others) + ") COMPREPLY=(); return ;;\n";
  out += "  esac\n  case \"$path\" in\n";
  std::map<std::string, std::string> words;  // path -> the words completed after it
  for (const Command& c : program.commands) {
    const size_t space = c.path.rfind(' ');
    const std::string parent = space == std::string::npos ? "" : c.path.substr(0, space);
    words[parent] += (words[parent].empty() ? "" : " ") + c.name();
    if (!parent.empty() && words[""].find(parent) == std::string::npos) words[""] += " " + parent;
    std::string options = "--help";
    for (const OptionUse& use : c.options)
      if (!use.def->positional()) options += " " + use.def->name;
    words[c.path] = options;
    if (std::any_of(c.options.begin(), c.options.end(),
                    [](const OptionUse& u) { return u.def->positional() && u.def->type == ValueType::kPath; }))
      words[c.path] += " FILES";
  }
  words[""] += " --help --version";
  for (const auto& [path, list] : words) {
    std::string w = list;
    const bool files = w.size() >= 6 && w.compare(w.size() - 6, 6, " FILES") == 0;
    if (files) w.resize(w.size() - 6);
    out += fmt::format("    \"{}\") COMPREPLY=($(compgen -W \"{}\" -- \"$cur\"){}) ;;\n", path, w,
                       files ? " $(compgen -f -- \"$cur\")" : "");
  }
  out += "  esac\n}\ncomplete -F " + fn + " " + program.name + "\n";
  return out;
}

}  // namespace bdb::cli
