#include "analyzer/findings/facts.h"

#include <cassert>
#include <charconv>
#include <cstdio>
#include <initializer_list>

#include "analyzer/summary.h"
#include "common/strings.h"

namespace oomscope::findings {
namespace {

std::optional<uint64_t> sum(std::initializer_list<std::optional<uint64_t>> parts) {
  std::optional<uint64_t> s;
  for (const auto& p : parts)
    if (p) s = s.value_or(0) + *p;
  return s;
}

// The parts (anon, page cache, shmem, kernel) come from `c` (composition()) when it read the
// same block, else from the functions it uses (memcg_parts(), meminfo_parts()): one formula.
// `stats`, when given, are the memcg's (breakdown()).
void memcg_breakdown(const OomEvent& ev, const Composition& c, const MemcgStats* stats, MemBreakdown& b) {
  const Memcg& m = *ev.memcg;
  if (m.stats.empty() && m.subtree_stats.empty()) return;
  std::optional<MemcgStats> own;
  const MemcgStats& g = stats ? *stats : own.emplace(m);
  b.basis = "memcg stats";
  MemParts p;
  if (c.basis == b.basis) p = {c.anon_bytes, c.file_bytes, c.shmem_bytes, c.kernel_bytes, c.swap_bytes};
  else p = memcg_parts(g);
  b.anon = p.anon;
  b.page_cache = p.file;
  b.shmem = p.shmem;
  b.kernel = p.kernel;
  b.active_file = g(MemcgStats::kActiveFile);
  b.inactive_file = g(MemcgStats::kInactiveFile);
  b.unevictable = g(MemcgStats::kUnevictable);
  if (g.has(MemcgStats::kAnon)) {
    // cgroup v2 memory.stat (also printed on v1 by 5.3-6.4).
    b.mapped_file = g(MemcgStats::kFileMapped);
    b.dirty = g(MemcgStats::kFileDirty);
    b.writeback = g(MemcgStats::kFileWriteback);
    b.slab_unreclaimable = g(MemcgStats::kSlabUnreclaimable);
    b.slab_reclaimable = g(MemcgStats::kSlabReclaimable);
    b.kernel_stack = g(MemcgStats::kKernelStack);
    b.pagetables = sum({g(MemcgStats::kPagetables), g(MemcgStats::kSecPagetables)});
    b.sock = g(MemcgStats::kSock);
    b.percpu = g(MemcgStats::kPercpu);
    b.vmalloc = g(MemcgStats::kVmalloc);
    if (m.swap_usage_kb) b.swap = *m.swap_usage_kb * 1024;
  } else {
    // cgroup v1 memory.stat.
    b.mapped_file = g(MemcgStats::kMappedFile);
    b.dirty = g(MemcgStats::kDirty);
    b.writeback = g(MemcgStats::kWriteback);
    b.swap = p.swap;
  }
}

void meminfo_breakdown(const OomEvent& ev, const Composition& c, MemBreakdown& b) {
  const MemInfo& mi = *ev.mem_info;
  if (mi.counters_pages.empty()) return;
  const uint64_t ps = page_size_of(ev).bytes;
  const MemInfoPages pages(mi);
  auto g = [&](MemInfoPages::Key k) -> std::optional<uint64_t> {
    if (auto n = pages(k)) return *n * ps;
    return std::nullopt;
  };
  b.basis = "Mem-Info";
  b.global = true;
  MemParts p;
  if (c.basis == b.basis) p = {c.anon_bytes, c.file_bytes, c.shmem_bytes, c.kernel_bytes, std::nullopt};
  else p = meminfo_parts(ev);
  b.anon = p.anon;
  b.page_cache = p.file;
  b.shmem = p.shmem;
  b.kernel = p.kernel;
  b.active_file = g(MemInfoPages::kActiveFile);
  b.inactive_file = g(MemInfoPages::kInactiveFile);
  b.unevictable = g(MemInfoPages::kUnevictable);
  b.mapped_file = g(MemInfoPages::kMapped);
  b.dirty = g(MemInfoPages::kDirty);
  b.writeback = g(MemInfoPages::kWriteback);
  b.slab_unreclaimable = g(MemInfoPages::kSlabUnreclaimable);
  b.slab_reclaimable = g(MemInfoPages::kSlabReclaimable);
  b.pagetables = sum({g(MemInfoPages::kPagetables), g(MemInfoPages::kSecPagetables)});
  if (mi.total_swap_kb && mi.free_swap_kb && *mi.total_swap_kb >= *mi.free_swap_kb)
    b.swap = (*mi.total_swap_kb - *mi.free_swap_kb) * 1024;
  // RAM less the hugetlb pools, as composition() states it.
  if (c.ram_bytes) {
    b.ram = c.ram_bytes;
    b.hugetlb = c.hugetlb_bytes;
    b.limit = c.ram_limit();
    b.limit_label = c.ram_limit_label();
    if (auto fr = g(MemInfoPages::kFree); fr && *fr <= *b.limit) b.usage = *b.limit - *fr;
  }
}

bool same_line(const EvidenceLine& a, const ReportLine& b) { return a.line == b.line && a.text == b.text; }

void add_line(Finding& f, const ReportLine& l) {
  for (const auto& e : f.evidence_lines)
    if (same_line(e, l)) return;
  if (f.evidence_lines.empty()) f.evidence_lines.reserve(8);  // a finding quotes 2-7 lines: one allocation
  f.evidence_lines.push_back({l.line, std::string(l.text)});
}

}  // namespace

std::optional<uint64_t> MemBreakdown::denominator() const {
  if (limit && *limit) return limit;
  if (usage && *usage) return usage;
  auto s = sum({anon, page_cache, shmem, kernel});
  if (s && *s) return s;
  return std::nullopt;
}

std::string MemBreakdown::denominator_label() const {
  if (limit && *limit) return cat({human_bytes(*limit), " ", limit_label});
  if (usage && *usage) return cat({"usage of ", human_bytes(*usage)});
  if (auto d = denominator()) return cat({human_bytes(*d), " the report accounts for"});  // callers say "of the …"
  return "?";
}

std::optional<double> MemBreakdown::share(const std::optional<uint64_t>& x) const {
  auto d = denominator();
  if (!x || !d || *d == 0) return std::nullopt;
  return static_cast<double>(*x) / static_cast<double>(*d);
}

MemBreakdown breakdown(const OomEvent& ev) { return breakdown(ev, composition(ev)); }

MemBreakdown breakdown(const OomEvent& ev, const Composition& c) { return breakdown(ev, c, nullptr); }

// `c` (the event's composition) decides which limit was hit (memory vs memory+swap).
MemBreakdown breakdown(const OomEvent& ev, const Composition& c, const MemcgStats* stats) {
  MemBreakdown b;
  // A cpuset or NUMA policy OOM (4.19+ constraint line) ran out on its allowed nodes only: the
  // machine-wide Mem-Info counters are not the limit that was hit (003: 610 GB free).
  const bool node_constrained =
      ev.constraint && (*ev.constraint == "CONSTRAINT_CPUSET" || *ev.constraint == "CONSTRAINT_MEMORY_POLICY");
  if (memcg_oom(ev)) {
    memcg_breakdown(ev, c, stats, b);
    b.limit = c.limit_bytes;
    b.usage = c.usage_bytes;
    b.limit_label = c.limit_label;
  } else if (ev.mem_info && !node_constrained) {
    meminfo_breakdown(ev, c, b);
  }
  return b;
}

std::optional<MemcgStats> EventFacts::memcg_stats(const OomEvent& ev) {
  if (ev.memcg && (!ev.memcg->stats.empty() || !ev.memcg->subtree_stats.empty())) return MemcgStats(*ev.memcg);
  return std::nullopt;
}

EventFacts::EventFacts(const OomEvent& ev, const std::optional<MemcgStats>& stats)
    : composition(oomscope::composition(ev, stats ? &*stats : nullptr)),
      culprit(rank_culprit(ev, composition)),
      breakdown(findings::breakdown(ev, composition, stats ? &*stats : nullptr)),
      lines(ev.lines),
      manual_oom(is_manual_oom(ev)) {
  if (ev.memcg) {
    // The three paths are mostly one (a container's own limit was hit): parsed once then.
    const Memcg& m = *ev.memcg;
    if (m.task_memcg) task_k8s = parse_k8s_path(*m.task_memcg);
    if (m.oom_memcg) oom_k8s = m.oom_memcg == m.task_memcg ? task_k8s : parse_k8s_path(*m.oom_memcg);
    if (m.stats_path) {
      stats_k8s = m.stats_path == m.oom_memcg    ? oom_k8s
                  : m.stats_path == m.task_memcg ? task_k8s
                                                 : parse_k8s_path(*m.stats_path);
    }
  }
}

EventFacts event_facts(const OomEvent& ev) { return EventFacts(ev); }

Finding event_finding(std::string_view id, Severity severity, std::string_view title) {
  Finding f;
  f.id = id;
  f.severity = severity;
  f.title = title;
  f.evidence.reserve(4);
  return f;
}

const EventFacts& facts_of(const FindingContext& ctx) {
  assert(ctx.facts && "finding rules run through find_all(), which sets the event's facts");
  return *ctx.facts;
}

std::string pct(double x) { return percent(x); }

std::string bytes(const std::optional<uint64_t>& b) { return b ? human_bytes(*b) : std::string("?"); }

bool memcg_oom(const OomEvent& ev) {
  if (!ev.memcg || ev.global_oom) return false;
  const Memcg& m = *ev.memcg;
  return m.oom_memcg || m.limit_kb || m.usage_kb || m.memsw_limit_kb || m.swap_limit_kb || !m.stats.empty() ||
         !m.subtree_stats.empty();
}

bool is_manual_oom(const OomEvent& ev) {
  if (ev.trigger.order && *ev.trigger.order == -1) return true;
  for (const auto& f : ev.call_trace)
    if (f == "moom_callback") return true;
  return false;
}

std::optional<uint64_t> task_rss_bytes(const OomEvent& ev, const Task& t) {
  if (!t.rss_pages) return std::nullopt;
  return *t.rss_pages * page_size_of(ev).bytes;
}

std::optional<uint64_t> task_anon_bytes(const OomEvent& ev, const Task& t) {
  if (!t.rss_anon_pages) return std::nullopt;
  return *t.rss_anon_pages * page_size_of(ev).bytes;
}

const Task* victim_task(const OomEvent& ev) {
  if (!ev.killed || !ev.killed->pid) return nullptr;
  for (const Task& t : ev.tasks)
    if (t.pid && *t.pid == *ev.killed->pid) return &t;
  return nullptr;
}

std::optional<uint64_t> victim_rss_bytes(const OomEvent& ev) {
  if (const Task* t = victim_task(ev))
    if (auto r = task_rss_bytes(ev, *t)) return r;
  if (!ev.killed) return std::nullopt;
  const Killed& k = *ev.killed;
  if (!k.anon_rss_kb && !k.file_rss_kb && !k.shmem_rss_kb) return std::nullopt;
  return (k.anon_rss_kb.value_or(0) + k.file_rss_kb.value_or(0) + k.shmem_rss_kb.value_or(0)) * 1024;
}

void quote_line(Finding& f, const ReportLine& l) { add_line(f, l); }

namespace {
void quote_at(Finding& f, const ReportLineIndex& lines, size_t i) {
  if (i != ReportLineIndex::npos) quote_line(f, lines.line(i));
}
}  // namespace

void quote_prefix(Finding& f, const ReportLineIndex& lines, std::string_view prefix) {
  quote_at(f, lines, lines.first_with_prefix(prefix));
}

void quote_contains(Finding& f, const ReportLineIndex& lines, std::string_view needle) {
  quote_at(f, lines, lines.first_containing(needle));
}

void quote_stat(Finding& f, const ReportLineIndex& lines, std::string_view key) {
  // `key N` (one counter per line: v1, v2), else the <=5.2 one-line block holding ` key:`;
  // whichever comes first in the report.
  size_t at = ReportLineIndex::npos;
  for (size_t i = lines.first_with_prefix(key); i != ReportLineIndex::npos; i = lines.first_with_prefix(key, i + 1)) {
    const std::string_view t = lines.trimmed(i);
    if (t.size() > key.size() + 1 && t[key.size()] == ' ' && is_digit(t[key.size() + 1])) {
      at = i;
      break;
    }
  }
  // ` key:` anywhere in the line.
  auto holds_key = [&](std::string_view t) {
    for (size_t p = t.find(key); p != std::string_view::npos; p = t.find(key, p + 1))
      if (p > 0 && t[p - 1] == ' ' && p + key.size() < t.size() && t[p + key.size()] == ':') return true;
    return false;
  };
  constexpr std::string_view kBlock = "Memory cgroup stats for";
  for (size_t i = lines.first_with_prefix(kBlock); i != ReportLineIndex::npos && i < at;
       i = lines.first_with_prefix(kBlock, i + 1))
    if (holds_key(lines.trimmed(i))) {
      at = i;
      break;
    }
  quote_at(f, lines, at);
}

void quote_task(Finding& f, const ReportLineIndex& lines, int64_t pid) { quote_at(f, lines, lines.first_task_row(pid)); }

void quote_victim(Finding& f, const OomEvent& ev, const ReportLineIndex& lines) {
  if (ev.killed && ev.killed->pid) {
    // "Killed process <pid>", in a stack buffer.
    constexpr std::string_view kKilled = "Killed process ";
    char needle[48];
    kKilled.copy(needle, kKilled.size());
    const char* end = std::to_chars(needle + kKilled.size(), needle + sizeof needle, *ev.killed->pid).ptr;
    const size_t at = lines.first_containing(std::string_view(needle, static_cast<size_t>(end - needle)));
    if (at != ReportLineIndex::npos) {
      const size_t before = f.evidence_lines.size();
      quote_line(f, lines.line(at));
      if (f.evidence_lines.size() > before) return;
    }
  }
  quote_prefix(f, lines, "oom-kill:");
}

}  // namespace oomscope::findings
