// `bdbsim certify listen|run|check|simulate`: the command lines of storage
// certification (simulator/certify/). AddCertifyCommands registers the
// subcommands and their options on the bdbsim app; RunCertifyCommand runs the
// one that was parsed and returns the process exit code (0 PASS or success,
// 1 FAIL, 2 bad usage or input, 4 I/O, device or listener failure).
#pragma once

#include <CLI/CLI.hpp>

namespace bdb::sim::certify {

struct CertifyCommands;  // the parsed options (certify_commands.cc)

// The returned object lives as long as the app. REQUIRES: called once.
CertifyCommands* AddCertifyCommands(CLI::App* app, const std::string& workload_binary);
// -1 when no certify subcommand was parsed.
int RunCertifyCommand(CertifyCommands* commands);

}  // namespace bdb::sim::certify
