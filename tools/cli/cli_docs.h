// The texts generated from a command table (command_table.h): usage lines,
// the usage blocks of README.md and docs/, docs/cli.md, man pages
// (one per command, with exit codes and examples) and a bash completion
// script. tools/cli_docs_main.cc writes or checks them (`tools/run docs`).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tools/cli/command_table.h"

namespace bdb::cli {

// text as lines of at most width columns (words are not split), each line
// after the first starting with indent.
std::string Wrap(const std::string& text, size_t width, const std::string& indent);

// "bdbackup archive --home DIR --repo DIR [--checkpoint] ..."; without
// shared options unless with_shared.
std::string Synopsis(const Program& program, const Command& command, bool with_shared);

// Every command's synopsis, then the shared options with the commands that
// take them, then the program's notes. With group, only that group's
// commands ("certify"), without the notes.
std::string UsageBlock(const Program& program, const std::string& group = "");

// The program's part of docs/cli.md (## heading and below).
std::string MarkdownReference(const Program& program);

// The --config keys (bdbackup): every option as a TOML key, the commands that
// take it and its type.
std::string ConfigKeysMarkdown(const Program& program);

// Man pages: {file name, groff text}; one overview page for the program
// ("bdbackup.1") and one per command ("bdbackup-archive.1").
std::vector<std::pair<std::string, std::string>> ManPages(const Program& program, const std::string& date);

// A bash completion script for the program (commands, options, file names
// after options that take a path, the choices of options like --mode).
std::string BashCompletion(const Program& program);

// Replaces what lies between `<!-- generated: NAME ... -->` and
// `<!-- end generated: NAME -->` in *document with content. InvalidArgument
// naming the block when a marker is missing.
Status ReplaceGeneratedBlock(const std::string& name, const std::string& content, std::string* document);

}  // namespace bdb::cli
