// shmem: shared memory / tmpfs dominates the limit that was hit (/dev/shm, a Kubernetes
// emptyDir with medium: Memory, memfd, SysV shm). Files in tmpfs outlive the processes that
// wrote them, so killing a process frees none of it unless it was the last user of a mapping.
#include "analyzer/findings/facts.h"
#include "analyzer/findings/rules.h"
#include "analyzer/summary.h"

namespace oomscope::findings {

namespace {
constexpr double kMinShare = 0.3;
}

void shmem(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out) {
  const ReportLineIndex& lines = facts_of(ctx).lines;
  const MemBreakdown& b = facts_of(ctx).breakdown;
  if (b.basis.empty() || !b.shmem || facts_of(ctx).manual_oom) return;
  auto share = b.share(b.shmem);
  if (!share || *share < kMinShare) return;
  for (const auto& other : {b.anon, b.page_cache, b.kernel})
    if (other && *other > *b.shmem) return;

  Finding f = event_finding("shmem", Severity::kCritical, "Shared memory / tmpfs");
  f.verdict = "Shared memory (tmpfs, /dev/shm, memfd) filled the " + b.denominator_label() + ": shmem " +
              bytes(b.shmem) + " (" + pct(*share) + ")";
  f.evidence.push_back("shmem " + bytes(b.shmem) + " = " + pct(*share) + " of the " + b.denominator_label() + " (" +
                       b.basis + "); anon " + bytes(b.anon) + ", page cache " + bytes(b.page_cache));
  f.data["basis"] = b.basis;
  f.data["shmem_bytes"] = *b.shmem;
  f.data["shmem_share"] = *share;
  if (b.limit) f.data["limit_bytes"] = *b.limit;
  // How much of it do the listed processes map? tmpfs files nobody maps are in no RSS.
  bool have_col = false;
  uint64_t mapped = 0;
  for (const Task& t : ev.tasks)
    if (t.rss_shmem_pages) {
      have_col = true;
      mapped += *t.rss_shmem_pages * page_size_of(ev).bytes;
    }
  if (have_col) {
    f.data["tasks_rss_shmem_bytes"] = mapped;
    f.evidence.push_back("the listed processes map only " + human_bytes(mapped) +
                         " of it (rss_shmem): the rest is tmpfs files or segments no process maps, which no kill frees");
    if (mapped * 2 < *b.shmem) f.verdict += "; only " + human_bytes(mapped) + " of it is mapped by a process";
  } else if (ev.killed && ev.killed->shmem_rss_kb) {
    f.evidence.push_back("the killed process mapped " + human_bytes(*ev.killed->shmem_rss_kb * 1024) + " of it (shmem-rss)");
  }
  f.next_step = "List the tmpfs mounts charged to this cgroup (df -h /dev/shm and every emptyDir with medium: Memory; "
                "du -sh on them; ipcs -m for SysV segments) and delete what is stale, or cap them (emptyDir sizeLimit, "
                "docker --shm-size). The files stay charged after the kill and the next process will hit the limit again.";
  quote_prefix(f, lines, "memory: usage");
  quote_stat(f, lines, "shmem");
  quote_contains(f, lines, " shmem:");
  quote_victim(f, ev, lines);
  out.push_back(std::move(f));
}

}  // namespace oomscope::findings
