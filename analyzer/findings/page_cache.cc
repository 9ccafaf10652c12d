// page_cache: file pages (page cache) dominate the limit that was hit. That is not a leak: the
// kernel could not reclaim them in time (dirty or under writeback, mlocked, or hot), or the
// limit counts cache the application never asked for. Explains the working-set metric.
#include "analyzer/findings/facts.h"
#include "analyzer/findings/rules.h"
#include "analyzer/summary.h"

namespace oomscope::findings {

namespace {
constexpr double kMinShare = 0.4;
}

void page_cache(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out) {
  const ReportLineIndex& lines = facts_of(ctx).lines;
  const MemBreakdown& b = facts_of(ctx).breakdown;
  if (b.basis.empty() || !b.page_cache || facts_of(ctx).manual_oom) return;
  auto share = b.share(b.page_cache);
  if (!share || *share < kMinShare) return;
  for (const auto& other : {b.anon, b.shmem, b.kernel})
    if (other && *other > *b.page_cache) return;

  const uint64_t pc = *b.page_cache;
  const uint64_t unevictable = b.unevictable.value_or(0);
  const uint64_t dirty = b.dirty.value_or(0) + b.writeback.value_or(0);
  Finding f = event_finding("page_cache", Severity::kWarning, "Page cache, not a leak");
  f.data["basis"] = b.basis;
  f.data["page_cache_bytes"] = pc;
  f.data["page_cache_share"] = *share;
  if (b.limit) f.data["limit_bytes"] = *b.limit;
  for (auto [k, v] : {std::pair{"active_file_bytes", b.active_file}, {"inactive_file_bytes", b.inactive_file},
                      {"unevictable_bytes", b.unevictable}, {"mapped_file_bytes", b.mapped_file},
                      {"dirty_bytes", b.dirty}, {"writeback_bytes", b.writeback}, {"anon_bytes", b.anon}})
    if (v) f.data[k] = *v;
  std::string head = "File pages (page cache) " + human_bytes(pc) + " = " + pct(*share) + " of the " + b.denominator_label();
  if (unevictable * 2 >= pc && unevictable > 0) {
    f.data["cause"] = "unevictable";
    f.verdict = head + ", and " + human_bytes(unevictable) + " of them are unevictable (mlocked): not an anonymous leak";
    f.next_step = "Find who locks file pages (mlock/mlockall, MAP_LOCKED, SHM_LOCK: `Locked:` in /proc/PID/smaps, "
                  "VmLck in /proc/PID/status, `oomscope collect` keeps both): locked page cache counts against the "
                  "limit and cannot be reclaimed. Size the limit for the locked files plus the heap, or lock less.";
  } else if (dirty * 10 >= pc * 3) {
    f.data["cause"] = "dirty";
    f.verdict = head + ", " + human_bytes(dirty) + " dirty or under writeback: writes outran the disk; not an anonymous leak";
    f.next_step = "The cgroup writes faster than its storage: use fsync/O_DIRECT for bulk writes, lower vm.dirty_ratio / "
                  "vm.dirty_background_bytes, or (cgroup v2) set memory.high below memory.max so writeback starts earlier.";
  } else if (b.global && fragmentation_fires(ev)) {
    // 043: an order-2 request failed while free memory existed in smaller blocks (the
    // fragmentation finding): what was missing was a contiguous block, not memory. Context.
    f.data["cause"] = "reclaim";
    f.severity = Severity::kInfo;
    f.verdict = head + "; not an anonymous leak, and not what failed: the request was for order " +
                std::to_string(*ev.trigger.order) + " (" +
                human_bytes((uint64_t{1} << *ev.trigger.order) * page_size_of(ev).bytes) +
                " contiguous), which free or reclaimable pages scattered in smaller blocks cannot serve";
    f.next_step = "Do not chase a heap leak: read the fragmentation finding (per-order free lists, who asked for the "
                  "high-order block); compaction (vm.compaction_proactiveness, /proc/sys/vm/compact_memory) or a "
                  "driver/socket setting that avoids high-order allocations is the fix, not the cache.";
  } else {
    f.data["cause"] = "reclaim";
    f.verdict = head + ": the kernel could not reclaim cache fast enough; not an anonymous leak";
    f.next_step = "Do not chase a heap leak. Look at the I/O pattern (files read or written inside the cgroup): use "
                  "posix_fadvise(DONTNEED)/O_DIRECT for streaming I/O, give the limit headroom above the working set, "
                  "or on cgroup v2 set memory.high below memory.max so reclaim starts before the hard limit.";
  }
  f.evidence.push_back(head + " (" + b.basis + ")");
  std::string lru = "active_file " + bytes(b.active_file) + ", inactive_file " + bytes(b.inactive_file) +
                    ", unevictable " + bytes(b.unevictable) + ", mapped " + bytes(b.mapped_file) +
                    ", dirty " + bytes(b.dirty) + ", writeback " + bytes(b.writeback);
  f.evidence.push_back(lru);
  if (!b.global && b.usage && b.inactive_file) {
    uint64_t ws = *b.usage > *b.inactive_file ? *b.usage - *b.inactive_file : 0;
    f.data["working_set_bytes"] = ws;
    f.evidence.push_back("working set = usage " + human_bytes(*b.usage) + " - inactive_file " + bytes(b.inactive_file) +
                         " = " + human_bytes(ws) +
                         " (what kubelet/cAdvisor report as container_memory_working_set_bytes; it counts "
                         "active_file as in use)");
  }
  uint64_t rss_sum = 0;
  for (const Task& t : ev.tasks) rss_sum += task_rss_bytes(ev, t).value_or(0);
  if (!ev.tasks.empty()) {
    f.data["tasks_rss_bytes"] = rss_sum;
    f.evidence.push_back("anon " + bytes(b.anon) + "; the listed processes' rss adds up to " + human_bytes(rss_sum) +
                         " (rss counts only the file pages a process maps)");
  }
  quote_prefix(f, lines, "memory: usage");
  quote_stat(f, lines, ev.memcg && ev.memcg->stats.count("file") ? "file" : "cache");
  quote_stat(f, lines, "active_file");
  quote_stat(f, lines, "inactive_file");
  if (f.data["cause"] == "unevictable") quote_stat(f, lines, "unevictable");
  if (f.data["cause"] == "dirty") {
    // The counters that prove it: v2 file_dirty/file_writeback, v1 dirty/writeback; the ones
    // that are not zero (045: dirty 0, writeback 50102272).
    const bool v2 = ev.memcg && (ev.memcg->stats.count("file_dirty") || ev.memcg->stats.count("file_writeback"));
    if (b.dirty.value_or(0) > 0) quote_stat(f, lines, v2 ? "file_dirty" : "dirty");
    if (b.writeback.value_or(0) > 0) quote_stat(f, lines, v2 ? "file_writeback" : "writeback");
  }
  quote_prefix(f, lines, "active_file:");
  out.push_back(std::move(f));
}

}  // namespace oomscope::findings
