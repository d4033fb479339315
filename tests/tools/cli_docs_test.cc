// The texts generated from the command tables: the checked-in docs/cli.md and
// the usage blocks of README.md, docs/simulator.md, docs/certify.md and
// docs/contracts.md match what the tables
// produce (and a copy that differs is caught); --help shows every option the
// docs list; --config accepts every key the docs list; every command has a
// man page with its exit codes and examples that man renders; the bash
// completion script parses and completes commands and options.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <set>

#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

const std::string kSource = BDBACKUP_SOURCE_DIR;
const std::string kDocs = BDBACKUP_CLI_DOCS_BIN;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

void CopyTree(const std::string& root, const std::string& to) {
  ASSERT_EQ(::mkdir((to + "/docs").c_str(), 0755), 0);
  for (const char* f : {"README.md", "docs/contracts.md", "docs/cli.md", "docs/simulator.md", "docs/certify.md"})
    WriteFile(to + "/" + f, ReadFileContents(root + "/" + f));
}

// "### bdbackup backup" sections of docs/cli.md -> the options their tables list.
std::map<std::string, std::set<std::string>> DocumentedOptions() {
  std::map<std::string, std::set<std::string>> options;
  std::istringstream in(ReadFileContents(kSource + "/docs/cli.md"));
  std::string line, section;
  const std::regex row(R"(^\| `(--[a-z-]+)[ `])");
  for (std::smatch m; std::getline(in, line);) {
    if (line.rfind("### bdbackup ", 0) == 0 || line.rfind("### bdbsim ", 0) == 0) section = line.substr(4);
    if (line.rfind("### --config", 0) == 0) section.clear();
    if (!section.empty() && std::regex_search(line, m, row)) options[section].insert(m[1]);
  }
  return options;
}

TEST(CliDocsTest, CheckedInCopiesMatchTheCommandTables) {
  ProcessResult r = RunProcess({kDocs, "check", kSource});
  EXPECT_EQ(r.exit_code, 0) << DescribeRun(r);
}

TEST(CliDocsTest, ACopyThatDiffersFailsTheCheckAndWriteRepairsIt) {
  TempDir tmp;
  CopyTree(kSource, tmp.path());
  ASSERT_EQ(RunProcess({kDocs, "check", tmp.path()}).exit_code, 0);
  std::string readme = ReadFileContents(tmp.Sub("README.md"));
  const size_t at = readme.find("bdbackup list    --repo DIR");
  ASSERT_NE(at, std::string::npos);
  readme.replace(at, 27, "bdbackup list    --repository DIR");
  WriteFile(tmp.Sub("README.md"), readme);
  std::string cli = ReadFileContents(tmp.Sub("docs/cli.md"));
  WriteFile(tmp.Sub("docs/cli.md"), cli + "\nan edit by hand\n");
  std::string certify = ReadFileContents(tmp.Sub("docs/certify.md"));
  const size_t listen = certify.find("bdbsim certify listen   --port P");
  ASSERT_NE(listen, std::string::npos);
  certify.replace(listen, 32, "bdbsim certify listen   --port PORT");
  WriteFile(tmp.Sub("docs/certify.md"), certify);
  ProcessResult r = RunProcess({kDocs, "check", tmp.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(tmp.Sub("README.md") + " differs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(tmp.Sub("docs/cli.md") + " differs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(tmp.Sub("docs/certify.md") + " differs"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("simulator.md"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("contracts.md"), std::string::npos) << r.err;
  ASSERT_EQ(RunProcess({kDocs, "write", tmp.path()}).exit_code, 0);
  EXPECT_EQ(RunProcess({kDocs, "check", tmp.path()}).exit_code, 0);
  EXPECT_EQ(ReadFileContents(tmp.Sub("README.md")), ReadFileContents(kSource + "/README.md"));
  EXPECT_EQ(ReadFileContents(tmp.Sub("docs/certify.md")), ReadFileContents(kSource + "/docs/certify.md"));
  // A document without its markers is named, not silently skipped.
  WriteFile(tmp.Sub("docs/contracts.md"), "# Contracts\n");
  r = RunProcess({kDocs, "check", tmp.path()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("generated block 'usage' has no markers"), std::string::npos) << r.err;
}

TEST(CliDocsTest, HelpShowsEveryDocumentedOption) {
  const auto documented = DocumentedOptions();
  ASSERT_GE(documented.size(), 14u) << "docs/cli.md lists fewer commands than the two programs have";
  for (const auto& [section, options] : documented) {
    std::vector<std::string> argv = {section.rfind("bdbackup ", 0) == 0 ? BDBACKUP_BIN : BDBSIM_BIN};
    std::istringstream words(section.substr(section.find(' ') + 1));
    for (std::string w; words >> w;) argv.push_back(w);
    argv.push_back("--help");
    ProcessResult r = RunProcess(argv);
    ASSERT_EQ(r.exit_code, 0) << section << ": " << DescribeRun(r);
    for (const std::string& option : options)
      EXPECT_NE(r.out.find(option + " "), std::string::npos) << section << " --help lacks " << option;
    EXPECT_NE(r.out.find("Exit codes:"), std::string::npos) << section;
    EXPECT_NE(r.out.find("Examples:"), std::string::npos) << section;
  }
}

TEST(CliDocsTest, ConfigAcceptsEveryDocumentedKey) {
  TempDir tmp;
  // Every key of the --config table at the top level: each command takes its
  // own and skips the others; none is refused as unknown.
  const std::string cli = ReadFileContents(kSource + "/docs/cli.md");
  const std::string table = cli.substr(cli.find("### --config keys"));
  std::string toml;
  const std::regex row(R"(\| `([a-z_]+)` \| ([a-z ()]+) \|)");
  int keys = 0;
  for (std::sregex_iterator it(table.begin(), table.end(), row), end; it != end; ++it, ++keys) {
    const std::string key = (*it)[1], type = (*it)[2];
    if (key == "config" || key == "json") continue;
    toml += key + " = " + (type == "boolean" ? "false" : type.rfind("number", 0) == 0 ? "7" : "\"x\"") + "\n";
  }
  ASSERT_GE(keys, 30);
  WriteFile(tmp.Sub("all.toml"), toml);
  ProcessResult r = RunBdbackup({"list", "--config", tmp.Sub("all.toml")});
  EXPECT_EQ(r.exit_code, 2) << DescribeRun(r);
  EXPECT_EQ(r.err, "bdbackup: error: repository 'x' does not exist\n") << DescribeRun(r);
}

TEST(CliDocsTest, EveryCommandHasAManPageWithExitCodesAndExamplesThatManRenders) {
  TempDir tmp;
  ASSERT_EQ(RunProcess({kDocs, "man", tmp.Sub("man")}).exit_code, 0);
  for (const auto& [section, options] : DocumentedOptions()) {
    std::string page = section;
    std::replace(page.begin(), page.end(), ' ', '-');
    const std::string file = tmp.Sub("man/" + page + ".1");
    const std::string text = ReadFileContents(file);
    ASSERT_FALSE(text.empty()) << file;
    EXPECT_NE(text.find(".SH EXIT STATUS"), std::string::npos) << file;
    EXPECT_NE(text.find(".SH EXAMPLES"), std::string::npos) << file;
    if (::access("/usr/bin/man", X_OK) != 0) continue;
    ProcessResult r = RunProcess({"env", "MANWIDTH=80", "man", "--warnings", "-l", "-P", "cat", file});
    EXPECT_EQ(r.exit_code, 0) << file << ": " << DescribeRun(r);
    EXPECT_EQ(r.err, "") << file;
    EXPECT_NE(r.out.find("EXIT STATUS"), std::string::npos) << file;
    for (const std::string& option : options) EXPECT_NE(r.out.find(option), std::string::npos) << file << " " << option;
  }
  EXPECT_FALSE(ReadFileContents(tmp.Sub("man/bdbackup.1")).empty());
  EXPECT_FALSE(ReadFileContents(tmp.Sub("man/bdbsim.1")).empty());
}

TEST(CliDocsTest, BashCompletionCompletesCommandsOptionsAndChoices) {
  TempDir tmp;
  ASSERT_EQ(RunProcess({kDocs, "completion", tmp.Sub("completion")}).exit_code, 0);
  const std::string script = tmp.Sub("completion/bdbackup");
  auto complete = [&](const std::string& line) {
    const std::string program = line.substr(0, line.find(' '));
    const std::string cmd = "source " + tmp.Sub("completion/" + program) + "; COMP_WORDS=(" + line +
                            "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _" + program +
                            "; printf '%s\\n' \"${COMPREPLY[@]}\"";
    return RunProcess({"bash", "-c", cmd});
  };
  ProcessResult r = complete("bdbackup ba");
  ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
  EXPECT_EQ(r.out, "backup\n");
  r = complete("bdbackup backup --home /srv --mo");
  EXPECT_EQ(r.out, "--mode\n") << DescribeRun(r);
  r = complete("bdbackup backup --mode i");
  EXPECT_EQ(r.out, "incremental\n") << DescribeRun(r);
  r = complete("bdbsim certify s");
  EXPECT_EQ(r.out, "simulate\n") << DescribeRun(r);
  r = complete("bdbsim certify simulate --lying");
  EXPECT_EQ(r.out, "--lying-fsync\n") << DescribeRun(r);
  r = complete("bdbackup restore --target " + tmp.Sub("compl"));
  EXPECT_EQ(r.out, tmp.Sub("completion") + "\n") << DescribeRun(r);
}

}  // namespace
}  // namespace bdb
