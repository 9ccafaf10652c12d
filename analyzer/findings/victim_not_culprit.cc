// victim_not_culprit: the killed process is not the one holding the memory. Usually an
// oom_score_adj skew (a Guaranteed pod's -997/-998, a protected daemon at -1000..-500) or a
// sidecar/pause process killed for the main container's growth. Estimates the kernel's
// badness for both to say why.
#include "analyzer/findings/facts.h"
#include "analyzer/findings/rules.h"
#include "analyzer/summary.h"

namespace oomscope::findings {

namespace {
constexpr double kMinRatio = 2.0;            // culprit rss / victim rss
constexpr double kMinShareOfLimit = 0.10;    // the culprit must matter for the limit
constexpr uint64_t kMinBytesNoLimit = 64ULL << 20;

// badness(): oom_badness() of mm/oom_kill.c (4.19+): rss + swap + page tables (pages), plus
// oom_score_adj * totalpages / 1000; an eligible task never scores below 1.
int64_t badness(const OomEvent& ev, const Task& t, uint64_t totalpages) {
  const uint64_t ps = page_size_of(ev).bytes;
  int64_t points = static_cast<int64_t>(t.rss_pages.value_or(0) + t.swapents.value_or(0));
  if (t.pgtables_bytes) points += static_cast<int64_t>(*t.pgtables_bytes / ps);
  else if (t.nr_ptes) points += static_cast<int64_t>(*t.nr_ptes);
  points += t.oom_score_adj.value_or(0) * static_cast<int64_t>(totalpages) / 1000;
  return points > 0 ? points : 1;
}
}  // namespace

void victim_not_culprit(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out) {
  const ReportLineIndex& lines = facts_of(ctx).lines;
  const auto& cul = facts_of(ctx).culprit;
  if (!cul || cul->is_victim || !ev.killed || !ev.killed->pid || facts_of(ctx).manual_oom) return;
  const Task& c = ev.tasks[cul->task_index];
  auto vrss = victim_rss_bytes(ev);
  if (!vrss) return;
  if (static_cast<double>(cul->rss_bytes) < kMinRatio * static_cast<double>(std::max<uint64_t>(*vrss, 1))) return;
  const MemBreakdown& b = facts_of(ctx).breakdown;
  if (auto d = b.denominator()) {
    if (static_cast<double>(cul->rss_bytes) < kMinShareOfLimit * static_cast<double>(*d)) return;
  } else if (cul->rss_bytes < kMinBytesNoLimit) {
    return;
  }
  const Killed& k = *ev.killed;
  const Task* v = victim_task(ev);
  std::string victim = k.comm.value_or("?") + " (pid " + std::to_string(*k.pid) + ")";
  std::string culprit = c.name + " (pid " + (c.pid ? std::to_string(*c.pid) : "?") + ")";
  Finding f = event_finding("victim_not_culprit", Severity::kWarning, "The victim is not the culprit");
  f.verdict = "The kernel killed " + k.comm.value_or("?") + " (pid " + std::to_string(*k.pid) + ", rss " +
              human_bytes(*vrss) + ") while " + culprit + " holds " + human_bytes(cul->rss_bytes);
  f.evidence.push_back("largest process " + culprit + ": rss " + human_bytes(cul->rss_bytes) +
                       (cul->share ? " = " + pct(*cul->share) + " of the " + b.denominator_label() : std::string()) +
                       ", oom_score_adj " + (c.oom_score_adj ? std::to_string(*c.oom_score_adj) : "?"));
  std::optional<int64_t> vadj = v && v->oom_score_adj ? v->oom_score_adj : k.oom_score_adj;
  f.evidence.push_back("victim " + victim + ": rss " + human_bytes(*vrss) + ", oom_score_adj " +
                       (vadj ? std::to_string(*vadj) : "?"));
  f.data["victim_pid"] = *k.pid;
  f.data["victim_comm"] = k.comm.value_or("");
  f.data["victim_rss_bytes"] = *vrss;
  if (vadj) f.data["victim_oom_score_adj"] = *vadj;
  if (c.pid) f.data["culprit_pid"] = *c.pid;
  f.data["culprit_comm"] = c.name;
  f.data["culprit_rss_bytes"] = cul->rss_bytes;
  if (c.oom_score_adj) f.data["culprit_oom_score_adj"] = *c.oom_score_adj;

  // Why: the badness estimate with the limit (or RAM + swap) as totalpages.
  const uint64_t ps = page_size_of(ev).bytes;
  uint64_t totalpages = 0;
  if (b.limit && !b.global) totalpages = *b.limit / ps;
  else if (ev.mem_info && ev.mem_info->ram_pages)
    totalpages = *ev.mem_info->ram_pages + ev.mem_info->total_swap_kb.value_or(0) * 1024 / ps;
  std::string why;
  if (totalpages) {
    int64_t cs = badness(ev, c, totalpages);
    f.data["culprit_badness_estimate"] = cs;
    if (v) f.data["victim_badness_estimate"] = badness(ev, *v, totalpages);
    if (cs <= 1 && c.oom_score_adj && *c.oom_score_adj < 0) {
      why = "its oom_score_adj " + std::to_string(*c.oom_score_adj) + " subtracts " +
            human_bytes(static_cast<uint64_t>(-*c.oom_score_adj) * totalpages / 1000 * ps) +
            " from its " + human_bytes(cul->rss_bytes) + ", so it scores the floor of 1 like every other task and "
            "the kernel picked the first one it found";
    } else if (vadj && c.oom_score_adj && *vadj > *c.oom_score_adj) {
      why = "the victim's oom_score_adj " + std::to_string(*vadj) + " is higher than the culprit's " +
            std::to_string(*c.oom_score_adj);
    }
  }
  if (why.empty() && vadj && c.oom_score_adj && *vadj > *c.oom_score_adj)
    why = "the victim's oom_score_adj " + std::to_string(*vadj) + " is higher than the culprit's " +
          std::to_string(*c.oom_score_adj);
  if (!why.empty()) {
    f.verdict += ": " + why;
    f.evidence.push_back("why: " + why);
  }
  if (k.comm && (*k.comm == "pause" || *k.comm == "dumb-init" || *k.comm == "tini"))
    f.evidence.push_back(*k.comm + " is a container's init/sandbox process: killing it takes the pod or container down "
                         "but leaves the cause of the growth unnamed");
  f.next_step = "Treat " + c.name + " as the cause: fix its growth or give it its own container and limit. Then fix "
                "the oom_score_adj so the kernel kills the grower (in Kubernetes every container of a Guaranteed pod "
                "gets -997/-998, which can push every task's score to the floor of 1).";
  if (c.pid) quote_task(f, lines, *c.pid);
  quote_task(f, lines, *k.pid);
  quote_victim(f, ev, lines);
  out.push_back(std::move(f));
}

}  // namespace oomscope::findings
