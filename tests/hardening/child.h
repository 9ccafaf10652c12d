// child.h: run build/oomscope with a generated stdin and measure what it cost.
//
// The bad-input tests feed inputs too big to keep in memory (a 100 MB line, a task table of
// 10 million rows) through a pipe, written by a thread while the child reads, and read the
// child's peak RSS (VmHWM in /proc/<pid>/status, KiB, sampled every 10 ms) to prove memory
// stays bounded. (Not wait4's ru_maxrss: execve folds the forked test process's size into it.)
// stdout and stderr go to files, so a chatty child never blocks on a full pipe.
//
// Example:
//   auto r = run_child({OOMSCOPE_BINARY, "analyze", "-f", "json", "-"},
//                      [](const Writer& w) { return w.write("[1.0] Out of memory: Killed process 1 (x)\n"); },
//                      std::chrono::seconds(60));
//   // r.exit_code == 0, r.max_rss_kb < 204800, r.out holds the JSON
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace oomscope::hardening {

// Writer: the write end of the child's stdin. write() returns false once the child is gone
// (EPIPE); the feeder should then stop.
class Writer {
 public:
  explicit Writer(int fd) : fd_(fd) {}
  bool write(std::string_view bytes) const;

 private:
  int fd_;
};

struct ChildResult {
  int exit_code = -1;      // exit status, or 128 + signal
  bool timed_out = false;  // SIGKILLed after the timeout
  long max_rss_kb = 0;     // peak resident set of the child (VmHWM, sampled; 0 if it ended at once)
  double seconds = 0;      // wall time from fork to exit
  std::string out, err;
};

// run_child(): fork + exec argv with stdin = a pipe fed by `feed` in a thread (then closed).
// Fails the current test (ADD_FAILURE) if the process cannot be started.
ChildResult run_child(const std::vector<std::string>& argv, const std::function<bool(const Writer&)>& feed,
                      std::chrono::seconds timeout);

// run_child_no_input(): the same with stdin from /dev/null and nothing to feed. With
// `as_uid` >= 0 the child drops to that uid and gid (root only) before exec. With
// `without_openat2` the child runs under deny_openat2_enosys() (exit 125 if it cannot).
ChildResult run_child_no_input(const std::vector<std::string>& argv, std::chrono::seconds timeout, int as_uid = -1,
                               bool without_openat2 = false);

// deny_openat2_enosys(): installs a seccomp filter in the calling process that makes
// openat2(2) fail with ENOSYS, as on kernels before 5.6 or under some container seccomp
// profiles. Irreversible and inherited: call it in a forked child. false if it could not
// (unknown architecture, seccomp unavailable).
bool deny_openat2_enosys();

// kUnderSanitizer: this build runs under ASan (RSS bounds are looser: shadow memory and the
// allocator's quarantine count in VmHWM).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kUnderSanitizer = true;
#else
inline constexpr bool kUnderSanitizer = false;
#endif
#else
inline constexpr bool kUnderSanitizer = false;
#endif

// slurp(): a file's bytes ("" if unreadable).
std::string slurp(const std::string& path);

}  // namespace oomscope::hardening
