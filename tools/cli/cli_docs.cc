#include "tools/cli/cli_docs.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "tools/cli/cli_parser.h"

namespace bdb::cli {
namespace {

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// "--home DIR", "[--checkpoint]", "[--pin ID]...", "[SCENARIO_OR_DIR ...]".
std::string Term(const OptionUse& use) {
  const OptionDef& d = *use.def;
  std::string term = d.positional() ? d.value + (d.repeatable ? " ..." : "") : d.name;
  if (!d.positional() && !d.flag()) term += " " + d.value;
  if (use.required) return term;
  return "[" + term + "]" + (d.repeatable && !d.positional() ? "..." : "");
}

std::vector<ExitCode> ExitCodesOf(const Program& program, const Command& command) {
  return command.exit_codes.empty() ? program.exit_codes : command.exit_codes;
}

// Markdown table cell: no pipes, no line breaks.
std::string Cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
  return out;
}

// groff: backslashes escaped, a leading dot or quote neutralised, dashes as \-.
std::string Roff(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\\' ? std::string("\\e") : c == '-' ? std::string("\\-") : std::string(1, c);
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string PageName(const Program& program, const Command& command) {
  std::string name = program.name + "-" + command.path;
  std::replace(name.begin(), name.end(), ' ', '-');
  return name;
}

// The shared options, each with the commands that take it, in table order.
std::vector<std::pair<const OptionDef*, std::vector<std::string>>> SharedOptions(const Program& program) {
  std::vector<std::pair<const OptionDef*, std::vector<std::string>>> shared;
  for (const Command& c : program.commands) {
    for (const OptionUse& use : c.options) {
      if (!use.def->shared) continue;
      auto it = std::find_if(shared.begin(), shared.end(), [&](const auto& s) { return s.first == use.def; });
      if (it == shared.end()) it = shared.insert(shared.end(), {use.def, {}});
      it->second.push_back(c.path);
    }
  }
  return shared;
}

std::string Join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

std::string OptionsTable(const Command& command) {
  std::string out = "| option | type | default | meaning |\n|---|---|---|---|\n";
  for (const OptionUse& use : command.options) {
    const OptionDef& d = *use.def;
    std::string type = ValueTypeName(d.type);
    if (d.type == ValueType::kPath)
      type = d.links == Links::kFollow ? "path (links followed)" : "path (its directory's links followed)";
    if (d.arity > 1) type = fmt::format("{} {}s", d.arity, type == "integer" ? "integer" : type);
    if (d.repeatable) type += ", repeatable";
    if (use.required) type += ", required";
    std::string meaning = d.help;
    if (d.range) meaning += fmt::format(" ({} to {})", d.range->first, d.range->second);
    if (!use.needs.empty()) meaning += "; needs " + use.needs;
    if (!use.excludes.empty()) meaning += "; not with " + use.excludes;
    const std::string term = d.positional() ? d.value : d.name + (d.flag() ? "" : " " + d.value);
    out += fmt::format("| `{}` | {} | {} | {} |\n", Cell(term), type,
                       use.default_text.empty() || use.required ? "" : Cell(use.default_text), Cell(meaning));
  }
  return out;
}

std::string ExitCodeTable(const std::vector<ExitCode>& codes) {
  std::string out = "| exit | meaning |\n|---|---|\n";
  for (const ExitCode& c : codes) out += fmt::format("| {} | {} |\n", c.code, Cell(c.meaning));
  return out;
}

// prefix, then the terms, wrapped at width; continuation lines are indented
// to the first term.
std::string WrapTerms(const std::string& prefix, const std::vector<std::string>& terms, size_t width) {
  std::string out, line = prefix;
  const std::string indent(prefix.size() + 1, ' ');
  for (const std::string& t : terms) {
    if (line.size() > indent.size() && line.size() + 1 + t.size() > width) {
      out += line + "\n";
      line = indent + t;
    } else {
      line += " " + t;
    }
  }
  return out + line;
}

// The full synopsis (shared options too), wrapped between options.
std::string FullSynopsis(const Program& program, const Command& command, size_t width) {
  std::vector<std::string> terms;
  for (const OptionUse& use : command.options) terms.push_back(Term(use));
  return WrapTerms(program.name + " " + command.path, terms, width);
}

std::string Sentence(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text + ".";
}

std::string CommandMarkdown(const Program& program, const Command& command) {
  std::string out = fmt::format("### {} {}\n\n{}\n\n", program.name, command.path, Sentence(command.summary));
  out += "```\n" + FullSynopsis(program, command, 100) + "\n```\n\n";
  if (!command.description.empty()) out += Wrap(command.description, 78, "") + "\n\n";
  out += OptionsTable(command) + "\n";
  if (!command.examples.empty()) out += "Examples:\n\n";
  for (const Example& e : command.examples)
    out += fmt::format("- `{} {}`: {}\n", program.name, e.command, e.explanation);
  if (!command.examples.empty()) out += "\n";
  if (!command.exit_codes.empty()) out += "Exit codes:\n\n" + ExitCodeTable(command.exit_codes) + "\n";
  return out;
}

std::string ManOption(const OptionUse& use) {
  const OptionDef& d = *use.def;
  std::string term = d.positional()
                         ? "\\fI" + Roff(d.value) + "\\fR"
                         : "\\fB" + Roff(d.name) + "\\fR" + (d.flag() ? "" : " \\fI" + Roff(d.value) + "\\fR");
  std::string text = OptionHelp(use);
  if (use.required) text += " (required)";
  if (d.repeatable) text += " (may be given more than once)";
  return ".TP\n" + term + "\n" + Roff(text) + "\n";
}

std::string ManExitAndExamples(const Program& program, const std::vector<ExitCode>& codes,
                               const std::vector<Example>& examples) {
  std::string out = ".SH EXIT STATUS\n";
  for (const ExitCode& c : codes) out += fmt::format(".TP\n.B {}\n{}\n", c.code, Roff(c.meaning));
  if (!examples.empty()) out += ".SH EXAMPLES\n";
  for (const Example& e : examples)
    out += ".PP\n" + Roff(e.explanation) + ":\n.PP\n.nf\n.RS\n" + Roff(program.name + " " + e.command) + "\n.RE\n.fi\n";
  return out;
}

std::string CommandManPage(const Program& program, const Command& command, const std::string& date) {
  const std::string page = PageName(program, command);
  std::string out =
      fmt::format(".TH {} 1 \"{}\" \"{} {}\" \"User Commands\"\n", Upper(page), date, program.name, program.version);
  out += ".SH NAME\n" + Roff(page) + " \\- " + Roff(command.summary) + "\n";
  out += ".SH SYNOPSIS\n.nf\n" + Roff(FullSynopsis(program, command, 78)) + "\n.fi\n";
  if (!command.description.empty()) out += ".SH DESCRIPTION\n" + Roff(command.description) + "\n";
  out += ".SH OPTIONS\n";
  for (const OptionUse& use : command.options) out += ManOption(use);
  out += ManExitAndExamples(program, ExitCodesOf(program, command), command.examples);
  out += ".SH SEE ALSO\n.BR " + program.name + " (1)\n";
  return out;
}

std::string ProgramManPage(const Program& program, const std::string& date) {
  std::string out = fmt::format(".TH {} 1 \"{}\" \"{} {}\" \"User Commands\"\n", Upper(program.name), date,
                                program.name, program.version);
  out += ".SH NAME\n" + program.name + " \\- " + Roff(program.summary) + "\n";
  out += ".SH SYNOPSIS\n.nf\n" + Roff(UsageBlock(program)) + ".fi\n";
  out += ".SH DESCRIPTION\n" + Roff(program.description) + "\n.SH COMMANDS\n";
  for (const Command& c : program.commands)
    out += ".TP\n.B " + Roff(c.path) + "\n" + Roff(c.summary) + " (see \\fB" + PageName(program, c) + "\\fR(1))\n";
  out += ManExitAndExamples(program, program.exit_codes, {});
  out += ".SH SEE ALSO\n";
  std::vector<std::string> refs;
  for (const Command& c : program.commands) refs.push_back(".BR " + PageName(program, c) + " (1)");
  out += Join(refs, ",\n") + "\n";
  return out;
}

}  // namespace

std::string Wrap(const std::string& text, size_t width, const std::string& indent) {
  std::string out, line;
  for (const std::string& w : Words(text)) {
    if (!line.empty() && line.size() + 1 + w.size() > width) {
      out += line + "\n";
      line = indent;
    }
    line += (line.empty() || line == indent ? "" : " ") + w;
  }
  return out + line;
}

std::string Synopsis(const Program& program, const Command& command, bool with_shared) {
  std::string line = program.name + " " + command.path;
  for (const OptionUse& use : command.options)
    if (with_shared || !use.def->shared) line += " " + Term(use);
  return line;
}

std::string UsageBlock(const Program& program, const std::string& group) {
  std::vector<const Command*> commands;
  for (const Command& c : program.commands)
    if (group.empty() || c.path.rfind(group + " ", 0) == 0) commands.push_back(&c);
  size_t width = 0;
  for (const Command* c : commands) width = std::max(width, c->path.size());
  std::string out;
  for (const Command* c : commands) {
    std::vector<std::string> terms;
    for (const OptionUse& use : c->options)
      if (!use.def->shared) terms.push_back(Term(use));
    std::string prefix = program.name + " " + c->path;
    prefix.resize(program.name.size() + 1 + width, ' ');
    out += WrapTerms(prefix, terms, 110) + "\n";
  }
  if (!group.empty()) return out;
  // The shared options, grouped by the commands that take them.
  std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> by_takers;
  for (const auto& [def, takers] : SharedOptions(program)) {
    auto it = std::find_if(by_takers.begin(), by_takers.end(), [&](const auto& b) { return b.first == takers; });
    if (it == by_takers.end()) it = by_takers.insert(by_takers.end(), {takers, {}});
    it->second.push_back("[" + def->name + (def->flag() ? "" : " " + def->value) + "]");
  }
  for (const auto& [takers, terms] : by_takers) {
    const bool all = takers.size() == program.commands.size();
    out += WrapTerms(program.name + " " + (all ? "<every command>" : Join(takers, "|")) + " ...", terms, 110) + "\n";
  }
  for (const std::string& note : program.notes) out += note + "\n";
  return out;
}

std::string MarkdownReference(const Program& program) {
  std::string out = fmt::format("## {}\n\n{}\n\n```\n{}```\n\n", program.name, Wrap(program.description, 78, ""),
                                UsageBlock(program));
  out += ExitCodeTable(program.exit_codes) + "\n";
  for (const Command& c : program.commands) out += CommandMarkdown(program, c);
  return out;
}

std::string ConfigKeysMarkdown(const Program& program) {
  std::vector<std::pair<const OptionDef*, std::vector<std::string>>> keys;
  for (const Command& c : program.commands) {
    for (const OptionUse& use : c.options) {
      auto it = std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.first->name == use.def->name; });
      if (it == keys.end()) it = keys.insert(keys.end(), {use.def, {}});
      it->second.push_back(c.path);
    }
  }
  std::string out = "| key | TOML value | commands |\n|---|---|---|\n";
  for (const auto& [def, commands] : keys) {
    std::string key = def->name.substr(2);
    std::replace(key.begin(), key.end(), '-', '_');
    const std::string value = def->flag()       ? "boolean"
                              : def->repeatable ? "string or list of strings"
                              : def->type == ValueType::kInteger || def->type == ValueType::kNumber
                                  ? "number (or string)"
                                  : "string";
    out += fmt::format("| `{}` | {} | {} |\n", key, value,
                       commands.size() == program.commands.size() ? "every command" : Join(commands, ", "));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ManPages(const Program& program, const std::string& date) {
  std::vector<std::pair<std::string, std::string>> pages = {{program.name + ".1", ProgramManPage(program, date)}};
  for (const Command& c : program.commands)
    pages.emplace_back(PageName(program, c) + ".1", CommandManPage(program, c, date));
  return pages;
}

Status ReplaceGeneratedBlock(const std::string& name, const std::string& content, std::string* document) {
  const std::string begin = "<!-- generated: " + name;
  const std::string end = "<!-- end generated: " + name + " -->";
  const size_t b = document->find(begin);
  const size_t e = document->find(end);
  if (b == std::string::npos || e == std::string::npos || e < b)
    return Status::InvalidArgument("generated block '" + name + "' has no markers");
  const size_t body = document->find('\n', b);
  if (body == std::string::npos || body > e)
    return Status::InvalidArgument("generated block '" + name + "' is malformed");
  document->replace(body + 1, e - body - 1, content);
  return Status::OK();
}

}  // namespace bdb::cli
