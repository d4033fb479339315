#include "simulator/harness/child_process.h"

#include <sys/wait.h>

#include <chrono>
#include <future>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process.hpp>

namespace bdb::sim {

namespace bp = boost::process;

std::string ChildResult::Describe() const {
  if (timed_out) return "timed out and was killed";
  if (exited) return "exit code " + std::to_string(exit_code);
  return "killed by signal " + std::to_string(signal);
}

// Boost.Process runs the child (no shell; a program name without '/' is
// looked up in PATH) with stdin from /dev/null and both output streams read
// asynchronously on one io_context, with a timer that SIGKILLs the child at
// the deadline; on_exit cancels the timer, and the io_context returns once
// the child has exited and both pipes reached end of file.
Status RunChild(const std::vector<std::string>& argv, int timeout_ms, ChildResult* result) {
  *result = ChildResult();
  const std::string cannot_start = "unable to start '" + argv[0] + "'";
  boost::filesystem::path program = argv[0];
  if (argv[0].find('/') == std::string::npos) {
    program = bp::search_path(argv[0]);
    if (program.empty()) return Status::NotFound(cannot_start + ": not found in PATH");
  }
  boost::asio::io_context io;
  boost::asio::steady_timer deadline(io, std::chrono::milliseconds(timeout_ms));
  std::future<std::string> out, err;
  std::error_code start_error;
  bp::child child(program, bp::args(std::vector<std::string>(argv.begin() + 1, argv.end())), bp::std_in < bp::null,
                  bp::std_out > out, bp::std_err > err, io,
                  bp::on_exit([&](int, const std::error_code&) { deadline.cancel(); }),
                  start_error);
  if (start_error) return Status::IOError(cannot_start + ": " + start_error.message());
  deadline.async_wait([&](const boost::system::error_code& cancelled) {
    if (cancelled) return;
    result->timed_out = true;
    std::error_code ignored;
    child.terminate(ignored);  // SIGKILL
  });
  io.run();
  result->out = out.get();
  result->err = err.get();
  // The raw wait status: on_exit's and exit_code()'s value folds a signal
  // into the same number as an exit code.
  const int exit_status = child.native_exit_code();
  if (WIFEXITED(exit_status)) {
    result->exited = true;
    result->exit_code = WEXITSTATUS(exit_status);
  } else if (WIFSIGNALED(exit_status)) {
    result->signal = WTERMSIG(exit_status);
  }
  return Status::OK();
}

}  // namespace bdb::sim
