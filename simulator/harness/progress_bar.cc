// Progress bar for bdbsim run.
#include "simulator/harness/progress_bar.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace bdb::sim {

namespace {

constexpr double kRedrawIntervalSec = 0.1;  // a terminal needs no more than 10 frames/s
constexpr int kBarWidth = 30;

std::string FormatDuration(double sec) {
  long s = std::lround(std::max(0.0, sec));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

}  // namespace

double ProgressBar::SteadySeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

ProgressBar::ProgressBar() : ProgressBar(stderr, isatty(STDERR_FILENO) == 1) {}

ProgressBar::ProgressBar(FILE* out, bool tty, Clock clock)
    : out_(out), tty_(tty), clock_(std::move(clock)), start_sec_(clock_()) {}

std::string ProgressBar::Describe(int done, int total, int failures, double elapsed_sec) {
  std::string line = fmt::format("{}/{} trials", done, total);
  if (elapsed_sec > 0 && done > 0) {
    double rate = done / elapsed_sec;
    line += fmt::format("  {:.1f}/s", rate);
    if (done < total) line += "  ETA " + FormatDuration((total - done) / rate);
  }
  if (done >= total) line += "  in " + FormatDuration(elapsed_sec);
  line += fmt::format("  {} failure{}", failures, failures == 1 ? "" : "s");
  return line;
}

void ProgressBar::Update(int done, int total, int failures) {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  done_ = done, total_ = total, failures_ = failures;
  double now = clock_();
  if (tty_) {
    if (last_draw_sec_ >= 0 && now - last_draw_sec_ < kRedrawIntervalSec && done < total) return;
    last_draw_sec_ = now;
    Draw(false);
    return;
  }
  int decile = total > 0 ? static_cast<int>(10LL * done / total) : 0;
  if (decile > last_decile_ && done < total) {
    last_decile_ = decile;
    Draw(false);
  }
}

void ProgressBar::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  Draw(true);
}

void ProgressBar::Draw(bool final_line) {
  std::string text = Describe(done_, total_, failures_, clock_() - start_sec_);
  if (tty_) {
    int filled = total_ > 0 ? static_cast<int>(static_cast<long long>(kBarWidth) * done_ / total_) : 0;
    filled = std::clamp(filled, 0, kBarWidth);
    std::string bar = "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] ";
    fmt::print(out_, "\r\033[K{}{}{}", bar, text, final_line ? "\n" : "");
  } else {
    fmt::print(out_, "bdbsim: {}\n", text);
  }
  std::fflush(out_);
}

}  // namespace bdb::sim
