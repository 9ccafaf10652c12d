// facts.h: the helpers the finding rules share (internal to analyzer/findings/).
//
// MemBreakdown splits the memory of the limit that was hit into what the rules reason about,
// from whichever block the report has: memcg memory.stat (v2 keys, v1 keys, or the <=5.2
// one-line-per-memcg KB format, summed over the subtree) or the global Mem-Info (pages).
// Its anon, page cache, shmem and kernel parts, its limit and its label are the composition()'s
// (summary.h: the summary line and the findings state the same numbers); it adds the LRU and
// kernel details the rules reason about.
//
// Example (tests/data/kernel-logs/037, a tmpfs file filling a 48 MiB v1 memcg):
//   MemBreakdown b = breakdown(ev);
//   // b.shmem == 37748736, b.page_cache == 0 (cache 37748736 - shmem), b.anon == 12464128,
//   // *b.denominator() == 50331648, b.denominator_label() == "48.0 MiB memcg limit"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/event.h"
#include "analyzer/findings/finding.h"
#include "analyzer/findings/kubernetes.h"
#include "analyzer/findings/line_index.h"
#include "analyzer/summary.h"
#include "common/strings.h"

namespace oomscope::findings {

struct MemBreakdown {
  std::string basis;        // "memcg stats", "Mem-Info" or "" (nothing to break down)
  bool global = false;      // from Mem-Info (the whole machine)
  std::optional<uint64_t> anon, page_cache, shmem, kernel, swap;  // bytes
  std::optional<uint64_t> active_file, inactive_file, unevictable, mapped_file, dirty, writeback;
  std::optional<uint64_t> slab_unreclaimable, slab_reclaimable, kernel_stack, pagetables, sock, percpu, vmalloc;
  std::optional<uint64_t> limit, usage;   // of the limit that was hit (bytes)
  std::string limit_label;                // "memcg limit", "memory+swap limit", "RAM", "RAM outside hugepages"
  // Global OOMs: all of RAM (`N pages RAM`) and the hugetlb pools' share of it (composition()'s
  // ram_bytes, hugetlb_bytes): the limit a global OOM hit is RAM less the pools.
  std::optional<uint64_t> ram, hugetlb;

  // denominator(): what shares are taken of: the limit, else the usage, else the sum of parts.
  std::optional<uint64_t> denominator() const;
  std::string denominator_label() const;  // "256.0 MiB memcg limit", "usage 9.8 MiB"…
  // share(): x / denominator(), nullopt when either is unknown or the denominator is 0.
  std::optional<double> share(const std::optional<uint64_t>& x) const;
};
MemBreakdown breakdown(const OomEvent& ev);
MemBreakdown breakdown(const OomEvent& ev, const Composition& c);
// `stats`, when given, are MemcgStats(*ev.memcg), read by composition() already (event_facts()).
MemBreakdown breakdown(const OomEvent& ev, const Composition& c, const MemcgStats* stats);

// EventFacts: what every rule and renderer derives from one event, computed once per event
// (the rules used to recompute the breakdown each: ~8 times per event).
struct EventFacts {
  // Each member is computed where it lives, from the ones before it: assigned, the composition,
  // the breakdown and the line index (1 KiB of chains) were made twice and moved.
  explicit EventFacts(const OomEvent& ev) : EventFacts(ev, memcg_stats(ev)) {}

  Composition composition;
  std::optional<Culprit> culprit;
  MemBreakdown breakdown;
  ReportLineIndex lines;  // the event's kept lines, for the quoting helpers below (points into ev.lines)
  bool manual_oom = false;  // is_manual_oom(ev): most rules stand down for a sysrq-f kill
  // parse_k8s_path() of the memcg's task_memcg, oom_memcg and stats_path (kubernetes and
  // which_limit both read them); nullopt when absent or not a Kubernetes path.
  std::optional<K8sPath> task_k8s, oom_k8s, stats_k8s;

 private:
  // memcg_stats(): the memcg's stats, looked up once for the composition and the breakdown.
  static std::optional<MemcgStats> memcg_stats(const OomEvent& ev);
  EventFacts(const OomEvent& ev, const std::optional<MemcgStats>& stats);
};
// event_facts(): EventFacts(ev).
EventFacts event_facts(const OomEvent& ev);
// facts_of(): the context's facts; rules run through find_all(), which always sets them.
const EventFacts& facts_of(const FindingContext& ctx);

// event_finding(): a finding of the event rules with its id, severity and title (a literal, as
// Finding::title says), and room for the sentences of evidence it states: 2-4 per finding, which
// pushed one at a time regrew the vector (an allocation and a move of every sentence) twice.
Finding event_finding(std::string_view id, Severity severity, std::string_view title = {});

// HugetlbPools, hugetlb_pools(): analyzer/summary.h (composition() takes the pools out of RAM).
using oomscope::HugetlbPools;
using oomscope::hugetlb_pools;

// cat(): analyzer/summary.h (a sentence's pieces joined in one sized string).
using oomscope::cat;
// pct(): 0.987 -> "99%".
std::string pct(double x);
// bytes(): human_bytes() of an optional ("?" when unknown).
std::string bytes(const std::optional<uint64_t>& b);

// memcg_oom(): the report is a memcg OOM (memcg counters, stats or an oom_memcg), not a
// global one whose `oom-kill:` line (4.19+) only names the victim's cgroup:
// `constraint=CONSTRAINT_NONE,…,global_oom,task_memcg=/,…` also gives the event a Memcg.
bool memcg_oom(const OomEvent& ev);

// is_manual_oom(): the OOM was forced with sysrq-f (order=-1 or moom_callback in the trace).
bool is_manual_oom(const OomEvent& ev);
// fragmentation_fires(): the fragmentation rule (global_oom.cc) finds this event a high-order
// failure with free memory in smaller blocks.
bool fragmentation_fires(const OomEvent& ev);

// task_rss_bytes(), task_anon_bytes(): from the task table row, in bytes of the event's page
// size; anon is rss_anon when the kernel printed that column.
std::optional<uint64_t> task_rss_bytes(const OomEvent& ev, const Task& t);
std::optional<uint64_t> task_anon_bytes(const OomEvent& ev, const Task& t);
// victim_task(): the task-table row of the (first) killed process, if listed.
const Task* victim_task(const OomEvent& ev);
// victim_rss_bytes(): the victim's rss from its table row, else from the Killed line.
std::optional<uint64_t> victim_rss_bytes(const OomEvent& ev);

// Quoting report lines (OomEvent::lines, through the event's ReportLineIndex) into a finding;
// each adds at most one line per call and never the same line twice.
// quote_line(): `l` into f.evidence_lines unless it is there already.
void quote_line(Finding& f, const ReportLine& l);
// quote_if(): the first line whose text (leading blanks trimmed) satisfies `pred`. A template,
// not a std::function: rules quote a dozen times per event. For the questions the index answers
// without a walk, use the helpers below.
template <typename Pred>
void quote_if(Finding& f, const ReportLineIndex& lines, Pred&& pred) {
  for (size_t i = 0; i < lines.size(); ++i)
    if (pred(lines.trimmed(i))) {
      quote_line(f, lines.line(i));
      return;
    }
}
void quote_prefix(Finding& f, const ReportLineIndex& lines, std::string_view prefix);
void quote_contains(Finding& f, const ReportLineIndex& lines, std::string_view needle);
// quote_stat(): the memory.stat line of `key` ("anon 266821632", or the <=5.2 one-line block
// holding " key:").
void quote_stat(Finding& f, const ReportLineIndex& lines, std::string_view key);
// quote_task(): the task-table row of `pid`.
void quote_task(Finding& f, const ReportLineIndex& lines, int64_t pid);
// quote_victim(): the `Killed process` line, else the `oom-kill:` line naming the victim.
void quote_victim(Finding& f, const OomEvent& ev, const ReportLineIndex& lines);

}  // namespace oomscope::findings
