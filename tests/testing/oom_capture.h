// oom_capture.h: a real memcg OOM together with the kernel's full report of it.
//
// The kernel rate-limits OOM reports machine-wide (oom_kill.c: 10 per 5 s). A kill beyond
// that logs only "Memory cgroup out of memory: Killed process …", without the header, memcg
// counters and task table. capture_memcg_oom() notices that and tries again once the window
// has passed, so tests that parse the report get a whole one.
//
// Example:
//   auto cap = capture_memcg_oom({.limit_bytes = 32 << 20});
//   if (!cap && cap.error().code == ErrorCode::kInterrupted) GTEST_SKIP() << cap.error().message;
//   render_dmesg(cap->records);  // "[  587.768620] oomscope-hog invoked oom-killer: …" … "Killed process …"
#pragma once

#include <chrono>
#include <vector>

#include "common/result.h"
#include "tests/testing/kmsg_capture.h"
#include "tests/testing/memcg_oom.h"

namespace oomscope::testing {

struct CapturedOom {
  MemcgOomRun run;                  // the OOM; its cgroup is removed when this is destroyed
  std::vector<KmsgRecord> records;  // every kernel record logged from before the hog started
  int attempts = 0;                 // 1 unless reports were rate-limited
};

// has_full_report(): do `records` hold the whole report of the OOM that killed `pid`: the
// "Killed process <pid> (" line and the header (the dump_stack "PID: <pid> Comm:" line or the
// "oom-kill:…,pid=<pid>," summary)?
bool has_full_report(const std::vector<KmsgRecord>& records, int pid);

// capture_memcg_oom(): trigger_memcg_oom_keep() with a KmsgReader opened just before, then
// reads records until the kill is logged (2 s at most). Retries up to max_attempts times,
// waiting `ratelimit_wait` before each retry, when the report was rate-limited. Errors: those
// of trigger_memcg_oom_keep() and KmsgReader; kInternal when the hog was not OOM-killed;
// kInterrupted when every report was rate-limited (something else keeps OOMing).
Result<CapturedOom> capture_memcg_oom(const MemcgOomOptions& options = {}, int max_attempts = 3,
                                      std::chrono::milliseconds ratelimit_wait = std::chrono::milliseconds(5200));

}  // namespace oomscope::testing
