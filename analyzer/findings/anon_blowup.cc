// anon_blowup: anonymous memory (heap, stacks, anonymous mmaps) dominates the limit that was
// hit. Names the culprit (the largest task) and its share of that anonymous memory.
#include <charconv>
#include <iterator>

#include "analyzer/findings/facts.h"
#include "analyzer/findings/rules.h"
#include "analyzer/summary.h"

namespace oomscope::findings {

namespace {
constexpr double kMinShare = 0.5;  // anon must be at least half of the limit (or usage)
constexpr double kMinCulpritShare = 0.2;  // below this share of the anon, no process is "the" culprit
}

void anon_blowup(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out) {
  const ReportLineIndex& lines = facts_of(ctx).lines;
  const MemBreakdown& b = facts_of(ctx).breakdown;
  if (b.basis.empty() || !b.anon || facts_of(ctx).manual_oom) return;
  auto share = b.share(b.anon);
  if (!share || *share < kMinShare) return;
  for (const auto& other : {b.page_cache, b.shmem, b.kernel})
    if (other && *other > *b.anon) return;

  Finding f = event_finding("anon_blowup", Severity::kCritical, "Anonymous memory blowup");
  const std::string limit = b.denominator_label(), anon_total = bytes(b.anon), anon_share = pct(*share);
  f.verdict = cat({"Anonymous memory filled the ", limit, ": anon ", anon_total, " (", anon_share, ")"});
  f.evidence.push_back(cat({"anon ", anon_total, " = ", anon_share, " of the ", limit, " (", b.basis, ")"}));
  f.evidence.push_back(cat({"the rest: page cache ", bytes(b.page_cache), ", shmem ", bytes(b.shmem), ", kernel ", bytes(b.kernel),
                            b.swap && *b.swap ? ", swap " + bytes(b.swap) : std::string()}));
  f.data["basis"] = b.basis;
  f.data["anon_bytes"] = *b.anon;
  if (b.limit) f.data["limit_bytes"] = *b.limit;
  f.data["limit_label"] = b.limit_label;
  f.data["anon_share"] = *share;

  if (const auto& cul = facts_of(ctx).culprit) {
    const Task& t = ev.tasks[cul->task_index];
    std::optional<uint64_t> anon = task_anon_bytes(ev, t);
    if (!anon && cul->is_victim && ev.killed && ev.killed->anon_rss_kb) anon = *ev.killed->anon_rss_kb * 1024;
    // The culprit as the sentences name it, "name (pid N)", in pieces: no string of its own.
    char pid_digits[24];
    std::string_view pid = "?";
    if (t.pid) pid = {pid_digits, static_cast<size_t>(std::to_chars(pid_digits, std::end(pid_digits), *t.pid).ptr - pid_digits)};
    // Spread over many processes: no single one is worth naming as the culprit.
    const uint64_t held = anon ? *anon : cul->rss_bytes;
    if (static_cast<double>(held) < kMinCulpritShare * static_cast<double>(*b.anon)) {
      const std::string who = cat({t.name, " (pid ", pid, ")"});
      // The claim is about anon: the largest anon holder of the table (the RSS culprit can
      // hold less: file pages count in its RSS), when the table has the column.
      uint64_t most = held;
      std::string most_who = who;
      const Task* most_task = &t;
      for (const Task& o : ev.tasks)
        if (auto a = task_anon_bytes(ev, o); a && *a > most) {
          most = *a;
          most_who = o.name + " (pid " + (o.pid ? std::to_string(*o.pid) : "?") + ")";
          most_task = &o;
        }
      f.verdict += "; no single process holds more than " + human_bytes(most) + " of it (largest: " + most_who + ")";
      f.evidence.push_back("largest process by rss " + who + ": rss " + human_bytes(cul->rss_bytes) +
                           (anon ? ", anon " + human_bytes(*anon) : std::string()) + " = " +
                           pct(static_cast<double>(held) / static_cast<double>(*b.anon)) + " of the anon");
      if (most_task != &t) {
        // 039: the largest-RSS worker holds no anon; the verdict's figure is another worker's.
        f.evidence.push_back("largest anon holder " + most_who + ": anon " + human_bytes(most) + " = " +
                             pct(static_cast<double>(most) / static_cast<double>(*b.anon)) + " of the anon");
        quote_task(f, lines, most_task->pid.value_or(-1));
      }
      f.data["spread"] = true;
      f.data["largest_task_bytes"] = most;
      f.next_step = "The anonymous memory is spread over many processes: count them (see many_tasks when present) "
                    "and cap their number or their per-process size; profiling one of them shows little.";
      quote_task(f, lines, t.pid.value_or(-1));
      quote_prefix(f, lines, "memory: usage");
      quote_stat(f, lines, ev.memcg && ev.memcg->stats.count("anon") ? "anon" : "rss");
      quote_prefix(f, lines, "active_anon:");
      out.push_back(std::move(f));
      return;
    }
    f.data["spread"] = false;
    const std::string rss = human_bytes(cul->rss_bytes);
    // ", anon X = Y of …" when the table shows the culprit's anon: the clause's pieces, empty
    // without it (the verdict and the evidence state it, each joined in one string).
    std::string a, of;
    std::string_view anon_is, equals, of_anon_verdict, of_anon_evidence;
    if (anon) {
      double of_anon = std::min(1.0, static_cast<double>(*anon) / static_cast<double>(*b.anon));
      a = human_bytes(*anon);
      of = pct(of_anon);
      anon_is = ", anon ";
      equals = " = ";
      of_anon_verdict = " of the anon";
      // A memcg OOM counts the cgroup's anon, a global one all of it (the rule's basis says which).
      of_anon_evidence = memcg_oom(ev) ? " of the cgroup's anon" : " of all anon";
      f.data["culprit_anon_bytes"] = *anon;
      f.data["culprit_share_of_anon"] = of_anon;
    }
    f.verdict = cat({f.verdict, "; ", t.name, " (pid ", pid, ") is the largest process (rss ", rss, anon_is, a, equals, of,
                     of_anon_verdict, ")"});
    std::string_view killed;
    if (ev.killed) killed = cul->is_victim ? "; it is the process that was killed" : "; it is NOT the process that was killed";
    f.evidence.push_back(cat({"culprit ", t.name, " (pid ", pid, "): rss ", rss, anon_is, a, equals, of, of_anon_evidence, killed}));
    if (t.pid) f.data["culprit_pid"] = *t.pid;
    f.data["culprit_comm"] = t.name;
    f.data["culprit_rss_bytes"] = cul->rss_bytes;
    f.data["culprit_is_victim"] = cul->is_victim;
    f.next_step = cat({"Find what grows in ", t.name,
                  ": take a heap profile (heaptrack, jemalloc/tcmalloc heap profiling, pprof, a JVM heap dump) "
                  "or compare two `oomscope collect` packs taken minutes apart; if this size is expected, raise the "
                  "limit above its peak. Dropping caches does not help: anonymous memory can only be freed by the "
                  "process (or swapped)."});
    if (t.pid) quote_task(f, lines, *t.pid);
  } else {
    f.next_step = "Find the process that grows (the task table is missing: enable vm.oom_dump_tasks, or run "
                  "`oomscope collect` on the node) and profile its heap; if the size is expected, raise the limit.";
  }
  quote_prefix(f, lines, "memory: usage");
  quote_stat(f, lines, ev.memcg && ev.memcg->stats.count("anon") ? "anon" : "rss");
  quote_prefix(f, lines, "active_anon:");
  quote_victim(f, ev, lines);
  out.push_back(std::move(f));
}

}  // namespace oomscope::findings
