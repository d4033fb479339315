// junit.xml: one <testsuite> with one <testcase classname="bdbsim"> per
// scenario, so CI systems (GitLab, Jenkins, GitHub test reporters) show each
// scenario's verdict. A scenario whose verdict is FAIL carries a <failure>
// holding the replay lines of its failing trials. Stateless; thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "base/file_io.h"
#include "simulator/report/trial_result.h"

namespace bdb::sim {

// Escapes text for XML/HTML content and attribute values (& < > " '), drops
// characters XML 1.0 forbids (controls other than tab, LF, CR) and replaces
// invalid UTF-8 with U+FFFD, so any input yields a well-formed document.
std::string EscapeXml(std::string_view text);

// The junit.xml document.
std::string RenderJUnit(const RunReport& report);
// Writes RenderJUnit to path atomically.
Status WriteJUnit(const RunReport& report, const std::string& path, FileIO* io = DefaultFileIO());

}  // namespace bdb::sim
