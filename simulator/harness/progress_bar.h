// ProgressBar: how far a bdbsim run is. On a terminal it redraws one line
// (done/total, rate, ETA, failures so far); elsewhere (CI logs) it prints a
// plain line at each 10% step and a final line from Finish(). Owns nothing but
// its FILE* pointer (not closed). Thread-safe: trial workers call Update().
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>

namespace bdb::sim {

class ProgressBar {
 public:
  using Clock = std::function<double()>;  // seconds since some fixed point

  // Draws on stderr; redraws in place when stderr is a TTY.
  ProgressBar();
  // Draws on out; tty chooses in-place redraws. clock is for tests.
  ProgressBar(FILE* out, bool tty, Clock clock = SteadySeconds);

  // done of total trials finished, failures of them failed their scenario.
  // Ignored after Finish().
  void Update(int done, int total, int failures);
  // Draws the final state and ends the line. Idempotent.
  void Finish();

  // "37/100 trials  12.5/s  ETA 5s  2 failures" (ETA only when known).
  static std::string Describe(int done, int total, int failures, double elapsed_sec);
  static double SteadySeconds();

 private:
  void Draw(bool final_line);  // REQUIRES: mu_ held

  std::mutex mu_;
  FILE* out_;
  bool tty_;
  Clock clock_;
  double start_sec_;
  double last_draw_sec_ = -1;
  int done_ = 0, total_ = 0, failures_ = 0;
  int last_decile_ = 0;
  bool finished_ = false;
};

}  // namespace bdb::sim
