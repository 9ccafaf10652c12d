#include "analyzer/summary.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace oomscope {

PageSize page_size_of(const OomEvent& ev) {
  if (ev.page_size) return {*ev.page_size, false};
  return {};
}

// Integer arithmetic, no printf: the renderers call this a dozen times per event. The value
// b / 2^shift is rounded to `decimals` places half to even, exactly as printf("%.Nf") rounds
// the (exact) double b / 2^shift, so the text is the same as before.
std::string human_bytes(uint64_t b) {
  char digits[48];
  auto put = [&](char* end, unsigned __int128 v) {  // writes v right-aligned before `end`
    char* p = end;
    do {
      *--p = static_cast<char>('0' + static_cast<unsigned>(v % 10));
      v /= 10;
    } while (v);
    return p;
  };
  char* end = digits + sizeof digits;
  if (b < 1024) return std::string(put(end, b), end) + " B";
  int shift, decimals;
  const char* unit;
  if (b < (1ULL << 20)) shift = 10, decimals = 0, unit = " KiB";
  else if (b < (1ULL << 30)) shift = 20, decimals = 1, unit = " MiB";
  else if (b < (1ULL << 40)) shift = 30, decimals = 2, unit = " GiB";
  else shift = 40, decimals = 2, unit = " TiB";
  const unsigned scale = decimals == 0 ? 1 : decimals == 1 ? 10 : 100;
  const unsigned __int128 num = static_cast<unsigned __int128>(b) * scale;
  const unsigned __int128 one = 1;
  unsigned __int128 q = num >> shift;
  const unsigned __int128 rem = num & ((one << shift) - 1), half = one << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) ++q;
  char* p = end;
  if (decimals) {
    unsigned frac = static_cast<unsigned>(q % scale);
    for (int i = 0; i < decimals; ++i, frac /= 10) *--p = static_cast<char>('0' + frac % 10);
    *--p = '.';
  }
  p = put(p, q / scale);
  return std::string(p, end) + unit;
}

std::string percent(double x) {
  const double p = x * 100;
  // printf rounds the exact binary value to nearest, ties to even; so does nearbyint() in the
  // default rounding mode. Shares are never negative nor near 2^53; printf keeps those (and
  // -0, NaN) as it prints them.
  if (!std::signbit(p) && p < 9007199254740992.0) {
    char b[24];
    char* end = std::to_chars(b, b + sizeof b - 1, static_cast<uint64_t>(std::nearbyint(p))).ptr;
    *end++ = '%';
    return std::string(b, end);
  }
  char b[512];
  std::snprintf(b, sizeof b, "%.0f%%", p);
  return b;
}

namespace {
std::optional<uint64_t> stat(const KeyedCounts& m, const char* k) {
  auto it = m.find(k);
  if (it == m.end()) return std::nullopt;
  return it->second;
}
std::optional<uint64_t> sum(std::initializer_list<std::optional<uint64_t>> parts) {
  std::optional<uint64_t> s;
  for (auto& p : parts)
    if (p) s = s.value_or(0) + *p;
  return s;
}
}  // namespace

Composition composition(const OomEvent& ev) {
  Composition c;
  PageSize ps = page_size_of(ev);
  // A global OOM's oom-kill: line names the victim's task_memcg too; the memcg block is only
  // the basis when the report printed memcg counters or stats.
  const bool memcg_report = ev.memcg && (ev.memcg->limit_kb || ev.memcg->usage_kb || !ev.memcg->stats.empty());
  if (memcg_report) {
    const Memcg& m = *ev.memcg;
    // The limit that was hit: memory+swap when memory itself was below its limit (v1 memsw).
    if (m.limit_kb) {
      c.limit_bytes = *m.limit_kb * 1024;
      c.limit_label = "memcg limit";
      if (m.usage_kb) c.usage_bytes = *m.usage_kb * 1024;
      if (m.memsw_limit_kb && m.memsw_usage_kb && m.usage_kb && *m.usage_kb + 1024 < *m.limit_kb &&
          *m.memsw_usage_kb + 1024 >= *m.memsw_limit_kb) {
        c.limit_bytes = *m.memsw_limit_kb * 1024;
        c.usage_bytes = *m.memsw_usage_kb * 1024;
        c.limit_label = "memory+swap limit";
      }
    }
    const auto& s = m.stats;
    if (!s.empty()) {
      c.basis = "memcg stats";
      if (s.count("anon")) {  // cgroup v2 memory.stat (also printed on v1 by 5.3-6.4)
        c.anon_bytes = stat(s, "anon");
        c.file_bytes = stat(s, "file");
        c.shmem_bytes = stat(s, "shmem");
        c.kernel_bytes = s.count("kernel") ? stat(s, "kernel")
                                           : sum({stat(s, "kernel_stack"), stat(s, "pagetables"), stat(s, "percpu"),
                                                  stat(s, "sock"), stat(s, "slab"), stat(s, "sec_pagetables")});
        c.swap_bytes = stat(s, "swap");
      } else {  // cgroup v1 memory.stat
        c.anon_bytes = s.count("total_rss") ? stat(s, "total_rss") : stat(s, "rss");
        c.file_bytes = s.count("total_cache") ? stat(s, "total_cache") : stat(s, "cache");
        c.shmem_bytes = s.count("total_shmem") ? stat(s, "total_shmem") : stat(s, "shmem");
        c.swap_bytes = s.count("total_swap") ? stat(s, "total_swap") : stat(s, "swap");
        if (m.kmem_usage_kb && *m.kmem_usage_kb > 0) c.kernel_bytes = *m.kmem_usage_kb * 1024;
      }
    }
  } else if (ev.mem_info) {
    const auto& p = ev.mem_info->counters_pages;
    auto pages = [&](const char* k) -> std::optional<uint64_t> {
      auto v = stat(p, k);
      if (!v) return std::nullopt;
      return *v * ps.bytes;
    };
    if (!p.empty()) {
      c.basis = "Mem-Info";
      c.anon_bytes = sum({pages("active_anon"), pages("inactive_anon")});
      c.file_bytes = sum({pages("active_file"), pages("inactive_file")});
      c.shmem_bytes = pages("shmem");
      c.kernel_bytes = sum({pages("slab_unreclaimable"), pages("slab_reclaimable"), pages("pagetables"),
                            pages("sec_pagetables"), pages("kernel_misc_reclaimable")});
    }
    if (ev.mem_info->ram_pages) {
      c.limit_bytes = *ev.mem_info->ram_pages * ps.bytes;
      c.limit_label = "RAM";
    }
  }
  // memory.stat's `file` (v2) and `cache` (v1) include tmpfs/shmem pages: report page cache
  // without them, so the parts add up and match the findings' breakdown.
  if (c.basis == "memcg stats" && c.file_bytes && c.shmem_bytes)
    c.file_bytes = *c.file_bytes > *c.shmem_bytes ? *c.file_bytes - *c.shmem_bytes : 0;
  // Mem-Info's active_anon + inactive_anon hold shmem pages (they are swap-backed).
  if (c.basis == "Mem-Info" && c.anon_bytes && c.shmem_bytes)
    c.anon_bytes = *c.anon_bytes > *c.shmem_bytes ? *c.anon_bytes - *c.shmem_bytes : 0;
  if (c.basis.empty() && ev.killed && ev.killed->anon_rss_kb) {
    c.basis = "victim";
    c.anon_bytes = *ev.killed->anon_rss_kb * 1024;
    if (ev.killed->file_rss_kb) c.file_bytes = *ev.killed->file_rss_kb * 1024;
    if (ev.killed->shmem_rss_kb) c.shmem_bytes = *ev.killed->shmem_rss_kb * 1024;
  }
  return c;
}

std::optional<Culprit> rank_culprit(const OomEvent& ev) {
  if (ev.tasks.empty()) return std::nullopt;
  return rank_culprit(ev, composition(ev));
}

std::optional<Culprit> rank_culprit(const OomEvent& ev, const Composition& comp) {
  if (ev.tasks.empty()) return std::nullopt;
  PageSize ps = page_size_of(ev);
  size_t best = SIZE_MAX;
  for (size_t i = 0; i < ev.tasks.size(); ++i) {
    const Task& t = ev.tasks[i];
    if (!t.rss_pages) continue;
    if (best == SIZE_MAX) { best = i; continue; }
    const Task& b = ev.tasks[best];
    if (*t.rss_pages > *b.rss_pages ||
        (*t.rss_pages == *b.rss_pages && t.swapents.value_or(0) > b.swapents.value_or(0)))
      best = i;
  }
  if (best == SIZE_MAX) return std::nullopt;
  const Task& t = ev.tasks[best];
  Culprit c;
  c.task_index = best;
  c.rss_bytes = *t.rss_pages * ps.bytes;
  c.is_victim = ev.killed && ev.killed->pid && t.pid && *ev.killed->pid == *t.pid;
  std::string r = t.name + " (pid " + (t.pid ? std::to_string(*t.pid) : "?") + "): rss " + human_bytes(c.rss_bytes);
  // RSS counts mapped file pages that may be charged elsewhere, so it can exceed a memcg
  // limit; the anonymous part is what the process itself allocated.
  if (t.rss_anon_pages) r += " (anon " + human_bytes(*t.rss_anon_pages * ps.bytes) + ")";
  else if (c.is_victim && ev.killed->anon_rss_kb) r += " (anon " + human_bytes(*ev.killed->anon_rss_kb * 1024) + ")";
  if (t.swapents && *t.swapents > 0) r += " + swap " + human_bytes(*t.swapents * ps.bytes);
  if (comp.limit_bytes && *comp.limit_bytes > 0) {
    c.share = static_cast<double>(c.rss_bytes) / static_cast<double>(*comp.limit_bytes);
    r += " = " + percent(*c.share) + " of the " + human_bytes(*comp.limit_bytes) + " " + comp.limit_label;
  }
  if (ev.killed && ev.killed->pid) {
    if (c.is_victim) r += "; victim = culprit";
    else r += "; victim was " + ev.killed->comm.value_or("?") + " (pid " + std::to_string(*ev.killed->pid) + ")";
  }
  if (ps.assumed) r += " [assuming 4 KiB pages]";
  c.reason = r;
  return c;
}

}  // namespace oomscope
