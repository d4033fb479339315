#include "tools/cli/cli_parser.h"

#include <fmt/format.h>

#include "tools/cli/cli_docs.h"

namespace bdb::cli {
namespace {

std::string Number(double v) {
  return v == static_cast<int64_t>(v) ? std::to_string(static_cast<int64_t>(v)) : fmt::format("{}", v);
}

// Examples and exit codes after the options of `<program> <command> --help`.
std::string HelpFooter(const Program& program, const Command& command) {
  std::string footer;
  if (!command.description.empty()) footer += "\n" + Wrap(command.description, 100, "") + "\n";
  if (!command.examples.empty()) footer += "\nExamples:\n";
  for (const Example& e : command.examples)
    footer += "  " + program.name + " " + e.command + "\n      " + e.explanation + "\n";
  const std::vector<ExitCode>& codes = command.exit_codes.empty() ? program.exit_codes : command.exit_codes;
  if (!codes.empty()) footer += "\nExit codes:\n";
  for (const ExitCode& c : codes) footer += fmt::format("  {}  {}\n", c.code, c.meaning);
  return footer;
}

CLI::App* FindOrAddGroup(const Program& program, CLI::App* app, const std::string& name) {
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; }))
    if (sub->get_name() == name) return sub;
  std::string summary;
  for (const CommandGroup& g : program.groups)
    if (g.name == name) summary = g.summary;
  CLI::App* group = app->add_subcommand(name, summary);
  group->require_subcommand(1);
  return group;
}

CLI::App* AddCommand(const Program& program, CLI::App* app, const Command& command) {
  CLI::App* parent = app;
  const size_t space = command.path.rfind(' ');
  if (space != std::string::npos) parent = FindOrAddGroup(program, app, command.path.substr(0, space));
  CLI::App* cmd = parent->add_subcommand(command.name(), command.summary);
  cmd->footer(HelpFooter(program, command));
  std::vector<std::pair<CLI::Option*, const OptionUse*>> added;
  for (const OptionUse& use : command.options) {
    CLI::Option* opt = use.add(cmd);
    opt->description(OptionHelp(use));
    if (use.required) opt->required();
    added.emplace_back(opt, &use);
  }
  for (const auto& [opt, use] : added) {
    if (!use->needs.empty()) opt->needs(cmd->get_option(use->needs));
    if (!use->excludes.empty()) opt->excludes(cmd->get_option(use->excludes));
  }
  return cmd;
}

}  // namespace

std::string OptionHelp(const OptionUse& use) {
  std::string help = use.def->help;
  if (use.def->range) help += fmt::format(" ({} to {})", Number(use.def->range->first), Number(use.def->range->second));
  if (!use.default_text.empty() && !use.required) help += " (default: " + use.default_text + ")";
  return help;
}

std::unique_ptr<CLI::App> BuildApp(const Program& program,
                                   std::vector<std::pair<CLI::App*, const Command*>>* commands) {
  auto app = std::make_unique<CLI::App>(program.name + " " + program.version + ": " + program.summary, program.name);
  app->set_version_flag("--version", program.version);
  app->require_subcommand(1);
  std::string footer = "\n" + program.name +
                       " COMMAND --help: a command's options, examples and exit codes (also man " + program.name +
                       "-COMMAND).\n\nExit codes:\n";
  for (const ExitCode& c : program.exit_codes) footer += fmt::format("  {}  {}\n", c.code, c.meaning);
  app->footer(footer);
  for (const Command& command : program.commands) {
    CLI::App* cmd = AddCommand(program, app.get(), command);
    if (commands != nullptr) commands->emplace_back(cmd, &command);
  }
  return app;
}

int RunProgram(const Program& program, int argc, char** argv, const ParseHooks& hooks) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (hooks.before_parse) {
    if (int code = hooks.before_parse(&args); code >= 0) return code;
  }
  std::vector<std::pair<CLI::App*, const Command*>> commands;
  std::unique_ptr<CLI::App> app = BuildApp(program, &commands);
  std::vector<const char*> cargs = {argv[0]};
  for (const std::string& a : args) cargs.push_back(a.c_str());
  try {
    app->parse(static_cast<int>(cargs.size()), const_cast<char**>(cargs.data()));
  } catch (const CLI::CallForHelp& e) {
    return app->exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app->exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app->exit(e);
  } catch (const CLI::ParseError& e) {
    return hooks.usage_error(std::string("bad usage: ") + e.what(), args);
  }
  for (const auto& [cmd, command] : commands)
    if (cmd->parsed()) return command->run(Invocation{args});
  return hooks.usage_error("bad usage: no command given", args);
}

}  // namespace bdb::cli
