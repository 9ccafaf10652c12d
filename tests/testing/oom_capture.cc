// oom_capture.cc: see oom_capture.h.
#include "tests/testing/oom_capture.h"

#include <thread>

namespace oomscope::testing {

bool has_full_report(const std::vector<KmsgRecord>& records, int pid) {
  const std::string p = std::to_string(pid);
  // "CPU: 0 UID: 0 PID: 5657 Comm: oomscope-hog Not tainted …" (6.x; older: "CPU: 0 PID: 5657 Comm:")
  // "oom-kill:constraint=CONSTRAINT_MEMCG,…,task=oomscope-hog,pid=5657,uid=0" (4.19+)
  return contains_text(records, "Killed process " + p + " (") &&
         (contains_text(records, " PID: " + p + " Comm: ") || contains_text(records, ",pid=" + p + ","));
}

Result<CapturedOom> capture_memcg_oom(const MemcgOomOptions& options, int max_attempts,
                                      std::chrono::milliseconds ratelimit_wait) {
  for (int attempt = 1;; ++attempt) {
    auto kmsg = KmsgReader::open_at_end();
    if (!kmsg) return kmsg.error().with_context("capture_memcg_oom");
    auto run = trigger_memcg_oom_keep(options);
    if (!run) return run.error();
    const MemcgOomResult& r = run->result;
    if (!r.killed_by_sigkill) return Error{ErrorCode::kInternal, 0, "capture_memcg_oom: hog not OOM-killed: " + describe(r)};
    auto records = kmsg->read_until_contains("Killed process " + std::to_string(r.hog_pid) + " (", std::chrono::seconds(2));
    if (!records) return records.error().with_context("capture_memcg_oom");
    if (has_full_report(*records, r.hog_pid)) return CapturedOom{std::move(*run), std::move(*records), attempt};
    if (attempt >= max_attempts)
      return Error{ErrorCode::kInterrupted, 0,
                   "the kernel rate-limited the OOM report " + std::to_string(attempt) +
                       " times (more than 10 OOM kills per 5 s on this machine); only 'Killed process' was logged"};
    std::this_thread::sleep_for(ratelimit_wait);
  }
}

}  // namespace oomscope::testing
