// The CLI11 parser of a program, built from its command table
// (command_table.h): one subcommand per command (nested ones under their
// group), each option bound to the command's options struct, --help with the
// command's examples and exit codes, --version. RunProgram parses and runs the
// chosen command's function.
// Thread-safety: main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tools/cli/command_table.h"

namespace bdb::cli {

// The help text of one option: its help, its range and its default.
std::string OptionHelp(const OptionUse& use);

// A CLI11 app for the program; *commands (optional) maps each command's
// subcommand to its table entry. REQUIRES: program outlives the app.
std::unique_ptr<CLI::App> BuildApp(const Program& program, std::vector<std::pair<CLI::App*, const Command*>>* commands);

struct ParseHooks {
  // Before parsing: may rewrite the arguments (bdbackup inserts what --config
  // supplies). Returns an exit code to stop with, or -1 to go on.
  std::function<int(std::vector<std::string>* args)> before_parse;
  // A command line CLI11 refused: prints `message` and returns the exit code.
  std::function<int(const std::string& message, const std::vector<std::string>& args)> usage_error;
};

// Parses argv against the table and runs the chosen command; returns the
// process exit code (0 for --help and --version).
int RunProgram(const Program& program, int argc, char** argv, const ParseHooks& hooks);

}  // namespace bdb::cli
