// report.html: one self-contained page (inline CSS and SVG, no script, no
// network) for people: the summary, a stacked outcome bar per scenario, a
// histogram of recovery times, the commit rate during backups, and the fault
// timeline and replay line of every failing or caught trial. All text from the
// report is escaped. Stateless functions; thread-compatible.
#pragma once

#include <string>

#include "base/file_io.h"
#include "simulator/report/trial_result.h"

namespace bdb::sim {

// At most this many failing or caught trials of one scenario get a timeline
// (the rest are counted; report.json has them all).
inline constexpr int kHtmlTrialsPerScenario = 20;

// The whole HTML document.
std::string RenderHtml(const RunReport& report);
// Writes RenderHtml to path atomically.
Status WriteHtml(const RunReport& report, const std::string& path, FileIO* io = DefaultFileIO());

}  // namespace bdb::sim
