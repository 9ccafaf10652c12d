// subprocess.h: run a program (build/oomscope) from a test and capture what it printed.
//
// stdout and stderr go to files in a private temp directory rather than pipes, so a chatty
// child can never block on a full pipe while we wait for it.
//
// Example:
//   auto r = run_process({OOMSCOPE_BINARY, "--version"}, std::chrono::seconds(10));
//   // r->exit_code == 0, r->out == "oomscope 0.1.0\n"
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace oomscope::testing {

// TempDir: mkdtemp() under $TMPDIR (or /tmp); removed with its contents by the destructor.
class TempDir {
 public:
  static Result<TempDir> create(const std::string& prefix = "oomscope-test");
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// write_file(): creates or truncates `path` with `content`.
Status write_file(const std::string& path, const std::string& content);

struct ProcessResult {
  int exit_code = -1;    // exit status, or 128 + signal when killed
  bool timed_out = false; // killed with SIGKILL after the timeout
  std::string out;       // everything written to stdout
  std::string err;       // everything written to stderr
};

// run_process(): fork + execv(argv[0]) with stdin from /dev/null; waits up to `timeout`,
// then SIGKILLs it. Fails only when the process cannot be started or waited for.
Result<ProcessResult> run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace oomscope::testing
