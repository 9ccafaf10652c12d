#include "analyzer/summary.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "common/parse_num.h"
#include "common/strings.h"

namespace oomscope {

PageSize page_size_of(const OomEvent& ev) {
  if (ev.page_size) return {*ev.page_size, false};
  return {};
}

// Integer arithmetic, no printf: the renderers call this a dozen times per event. The value
// b / 2^shift is rounded to `decimals` places half to even, exactly as printf("%.Nf") rounds
// the (exact) double b / 2^shift, so the text is the same as before.
namespace {

// copy_ends(): the n bytes at src (sizeof(W) <= n <= 2 * sizeof(W)) to out, as two words that
// overlap in the middle.
template <typename W>
void copy_ends(char* out, const char* src, size_t n) {
  W lo, hi;
  std::memcpy(&lo, src, sizeof(W));
  std::memcpy(&hi, src + n - sizeof(W), sizeof(W));
  std::memcpy(out, &lo, sizeof(W));
  std::memcpy(out + n - sizeof(W), &hi, sizeof(W));
}

// copy_piece(): `p` to `out`. A sentence's pieces are mostly a few bytes ("; ", " (pid ",
// "254.5 MiB"): those are copied in registers, the first and last 8 (or 4) bytes overlapping,
// rather than by a call to memcpy each (35 000 pieces for the 512 events of an 8 MiB OOM storm).
void copy_piece(char* out, std::string_view p) {
  const size_t n = p.size();
  const char* src = p.data();
  if (n > 16) {
    std::memcpy(out, src, n);
  } else if (n >= 8) {
    copy_ends<uint64_t>(out, src, n);
  } else if (n >= 4) {
    copy_ends<uint32_t>(out, src, n);
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = src[i];  // an empty view's data() may be null: not read
  }
}

}  // namespace

std::string cat(std::initializer_list<std::string_view> pieces) {
  size_t n = 0;
  for (std::string_view p : pieces) n += p.size();
  // Sized once and copied into (append() checks the capacity and the length per piece).
  std::string s(n, '\0');
  char* out = s.data();
  for (std::string_view p : pieces) {
    copy_piece(out, p);
    out += p.size();
  }
  return s;
}

std::string human_bytes(uint64_t b) {
  int shift = 0, decimals = 0;
  std::string_view unit = " B";
  if (b < 1024) shift = 0;
  else if (b < (1ULL << 20)) shift = 10, decimals = 0, unit = " KiB";
  else if (b < (1ULL << 30)) shift = 20, decimals = 1, unit = " MiB";
  else if (b < (1ULL << 40)) shift = 30, decimals = 2, unit = " GiB";
  else shift = 40, decimals = 2, unit = " TiB";
  const unsigned scale = decimals == 0 ? 1 : decimals == 1 ? 10 : 100;
  // q = b * scale / 2^shift, rounded; at most (2^64 - 1) * 100 / 2^40, so 64 bits hold it and
  // its digits are taken without dividing an __int128 (a library call per digit).
  uint64_t q = b;
  if (shift) {
    const unsigned __int128 num = static_cast<unsigned __int128>(b) * scale;
    const unsigned __int128 one = 1;
    unsigned __int128 q128 = num >> shift;
    const unsigned __int128 rem = num & ((one << shift) - 1), half = one << (shift - 1);
    if (rem > half || (rem == half && (q128 & 1))) ++q128;
    q = static_cast<uint64_t>(q128);
  }
  // Written right to left: the unit, the decimals, the whole part; one string at the end.
  char text[48];
  char* const end = text + sizeof text;
  char* p = end - unit.size();
  std::memcpy(p, unit.data(), unit.size());
  if (decimals) {
    unsigned frac = static_cast<unsigned>(q % scale);
    for (int i = 0; i < decimals; ++i, frac /= 10) *--p = static_cast<char>('0' + frac % 10);
    *--p = '.';
  }
  uint64_t whole = q / scale;
  do {
    *--p = static_cast<char>('0' + whole % 10);
    whole /= 10;
  } while (whole);
  return std::string(p, end);
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
std::optional<uint64_t> sum(std::initializer_list<std::optional<uint64_t>> parts) {
  std::optional<uint64_t> s;
  for (auto& p : parts)
    if (p) s = s.value_or(0) + *p;
  return s;
}
std::optional<uint64_t> minus(const std::optional<uint64_t>& a, const std::optional<uint64_t>& b) {
  if (!a) return std::nullopt;
  if (!b) return a;
  return *a > *b ? *a - *b : 0;
}
}  // namespace

uint64_t HugetlbPools::bytes() const {
  uint64_t b = 0;
  for (const Pool& p : pools) b += p.total * p.size_kb * 1024;
  return b;
}

uint64_t HugetlbPools::free_bytes() const {
  uint64_t b = 0;
  for (const Pool& p : pools) b += p.free * p.size_kb * 1024;
  return b;
}

std::optional<HugetlbPools> hugetlb_pools(const OomEvent& ev) {
  // The parser's sum over all lines: no line (nullopt) or all pools empty (0) need no scan.
  if (!ev.mem_info || !ev.mem_info->hugepages_total) return std::nullopt;
  HugetlbPools h;
  if (*ev.mem_info->hugepages_total == 0) return h;
  auto add = [&](uint64_t size_kb, uint64_t total, uint64_t free) {
    for (auto& p : h.pools)
      if (p.size_kb == size_kb) {
        p.total += total;
        p.free += free;
        return;
      }
    h.pools.push_back({size_kb, total, free});
  };
  bool seen = false;
  for (const ReportLine& l : ev.lines) {
    std::string_view t = l.text;
    auto num = [&](std::string_view key) -> std::optional<uint64_t> {
      size_t p = t.find(key);
      if (p == std::string_view::npos) return std::nullopt;
      std::string_view v = t.substr(p + key.size());
      return parse_u64_prefix(v);
    };
    auto total = num("hugepages_total="), size = num("hugepages_size=");
    if (!total || !size) continue;
    seen = true;
    add(*size, *total, num("hugepages_free=").value_or(0));
  }
  if (!seen) {
    if (!ev.mem_info->hugepage_size_kb) return std::nullopt;
    add(*ev.mem_info->hugepage_size_kb, *ev.mem_info->hugepages_total, ev.mem_info->hugepages_free.value_or(0));
  }
  return h;
}

namespace {

// stat(): memcg_stat(); `try_total` is false when the stats hold no total_ key at all.
std::optional<uint64_t> stat(const Memcg& m, std::string_view k, bool try_total) {
  if (m.stats_format == "v1-kb-line" && !m.subtree_stats.empty()) {
    std::optional<uint64_t> s;
    for (const auto& [path, kv] : m.subtree_stats) {
      auto it = kv.find(k);
      if (it != kv.end()) s = s.value_or(0) + it->second;
    }
    return s;
  }
  if (try_total) {
    char total[64] = "total_";  // the keys are ours, all short
    std::string_view total_k(total, 6 + k.copy(total + 6, sizeof total - 6));
    if (auto it = m.stats.find(total_k); it != m.stats.end()) return it->second;
  }
  auto it = m.stats.find(k);
  if (it == m.stats.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::optional<uint64_t> memcg_stat(const Memcg& m, std::string_view k) { return stat(m, k, true); }

namespace {

constexpr std::string_view kStatNames[MemcgStats::kKeys] = {
    "active_file", "anon", "cache", "dirty", "file", "file_dirty", "file_mapped", "file_writeback", "inactive_file",
    "kernel", "kernel_stack", "mapped_file", "pagetables", "percpu", "rss", "sec_pagetables", "shmem", "slab",
    "slab_reclaimable", "slab_unreclaimable", "sock", "swap", "unevictable", "vmalloc", "writeback"};
static_assert(std::is_sorted(std::begin(kStatNames), std::end(kStatNames)), "MemcgStats::Key is in name order");

// stat_slot(): where kKeyAtSlot holds the Key that may be named `name` (not empty): a hash of
// its size and its first and last bytes, which tells the Keys' names apart (checked below).
constexpr size_t stat_slot(std::string_view name) {
  return (name.size() * 4 + static_cast<unsigned char>(name.front()) * 29 + static_cast<unsigned char>(name.back())) % 64;
}

// kKeyAtSlot[stat_slot(name)]: the Key of that slot, kKeys for none.
constexpr std::array<uint8_t, 64> kKeyAtSlot = [] {
  std::array<uint8_t, 64> a{};
  a.fill(MemcgStats::kKeys);
  for (size_t k = 0; k < MemcgStats::kKeys; ++k) a[stat_slot(kStatNames[k])] = static_cast<uint8_t>(k);
  return a;
}();
static_assert([] {
  for (size_t k = 0; k < MemcgStats::kKeys; ++k)
    if (kKeyAtSlot[stat_slot(kStatNames[k])] != k) return false;
  return true;
}(), "two MemcgStats::Key names share a slot of kKeyAtSlot: change stat_slot()");

// stat_key(): the Key named `name`, kKeys when none: compared only with the one name of its
// slot. A memory.stat block has 40-70 keys, each looked up when the event's MemcgStats is made;
// a walk over the names that start with the same byte cost twice as much.
size_t stat_key(std::string_view name) {
  if (name.empty()) return MemcgStats::kKeys;
  const size_t k = kKeyAtSlot[stat_slot(name)];
  if (k == MemcgStats::kKeys || kStatNames[k] != name) return MemcgStats::kKeys;
  return k;
}

}  // namespace

std::string_view MemcgStats::name(Key k) { return kStatNames[k]; }

// One walk over the stats: each stat name is looked up among the Keys' names (its `total_`
// prefix set aside).
MemcgStats::MemcgStats(const Memcg& m) : m_(m) {
  by_name_ = m.stats_format == "v1-kb-line" && !m.subtree_stats.empty();
  constexpr std::string_view kTotal = "total_";
  for (const auto& [k, v] : m.stats) {
    const std::string_view key = k;
    if (!key.empty() && key[0] == 't' && key.starts_with(kTotal)) {
      has_totals_ = true;
      if (const size_t i = stat_key(key.substr(kTotal.size())); i < kKeys) {
        total_[i] = v;
        has_total_ |= 1u << i;
      }
    } else if (const size_t i = stat_key(key); i < kKeys) {
      plain_[i] = v;
      has_plain_ |= 1u << i;
    }
  }
}

std::optional<uint64_t> MemcgStats::operator()(std::string_view key) const { return stat(m_, key, has_totals_); }

std::optional<uint64_t> MemcgStats::operator()(Key key) const {
  if (by_name_) return stat(m_, kStatNames[key], has_totals_);
  if (has_total_ & (1u << key)) return total_[key];
  if (has_plain_ & (1u << key)) return plain_[key];
  return std::nullopt;
}

MemParts memcg_parts(const Memcg& m) { return memcg_parts(MemcgStats(m)); }

MemParts memcg_parts(const MemcgStats& g) {
  const Memcg& m = g.memcg();
  MemParts p;
  p.shmem = g(MemcgStats::kShmem);
  if (g.has(MemcgStats::kAnon)) {
    // cgroup v2 memory.stat (also printed on v1 by 5.3-6.4): `file` includes shmem.
    p.anon = g(MemcgStats::kAnon);
    p.file = minus(g(MemcgStats::kFile), p.shmem);
    p.kernel = g(MemcgStats::kKernel);
    if (!p.kernel) {
      auto slab = g(MemcgStats::kSlab);
      if (!slab) slab = sum({g(MemcgStats::kSlabReclaimable), g(MemcgStats::kSlabUnreclaimable)});
      p.kernel = sum({g(MemcgStats::kKernelStack), g(MemcgStats::kPagetables), g(MemcgStats::kSecPagetables),
                      g(MemcgStats::kPercpu), g(MemcgStats::kSock), g(MemcgStats::kVmalloc), slab});
      // Before 5.18's `kernel` key the stat shows only some kernel parts (5.10 has no
      // pagetables); the report's `kmem: usage` counter holds them all when it is printed (035:
      // kernel_stack + slab = 224 KiB, kmem 1272 KiB).
      if (m.kmem_usage_kb && *m.kmem_usage_kb * 1024 > p.kernel.value_or(0)) p.kernel = *m.kmem_usage_kb * 1024;
    }
    p.swap = g(MemcgStats::kSwap);
  } else {
    // cgroup v1 memory.stat: `rss` is anonymous memory, `cache` includes shmem.
    p.anon = g(MemcgStats::kRss);
    p.file = minus(g(MemcgStats::kCache), p.shmem);
    p.swap = g(MemcgStats::kSwap);
    if (m.kmem_usage_kb && *m.kmem_usage_kb > 0) p.kernel = *m.kmem_usage_kb * 1024;
  }
  return p;
}

namespace {

constexpr std::string_view kMemInfoNames[MemInfoPages::kKeys] = {
    "active_anon", "active_file", "dirty", "free", "inactive_anon", "inactive_file", "kernel_misc_reclaimable",
    "mapped", "pagetables", "sec_pagetables", "shmem", "slab_reclaimable", "slab_unreclaimable", "unevictable",
    "writeback"};
static_assert(std::is_sorted(std::begin(kMemInfoNames), std::end(kMemInfoNames)), "MemInfoPages::Key is in name order");

}  // namespace

// The counters and the Keys' names side by side, both in name order: each step passes over a
// counter or a name, or takes the counter of the name (one compare of the two, a byte at a time:
// the names mostly differ in their first bytes).
MemInfoPages::MemInfoPages(const MemInfo& mi) {
  const KeyedCounts& c = mi.counters_pages;
  auto it = c.begin();
  size_t k = 0;
  while (it != c.end() && k < kKeys) {
    const std::string_view a = it->first, b = kMemInfoNames[k];
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    if (i < n ? static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]) : a.size() < b.size()) {
      ++it;  // a counter no Key reads
    } else {
      if (i == n && a.size() == b.size()) {
        pages_[k] = it->second;
        has_ |= 1u << k;
        ++it;
      }
      ++k;
    }
  }
}

MemParts meminfo_parts(const OomEvent& ev) {
  MemParts p;
  if (!ev.mem_info) return p;
  const uint64_t ps = page_size_of(ev).bytes;
  const MemInfoPages g(*ev.mem_info);
  auto bytes = [&](MemInfoPages::Key k) -> std::optional<uint64_t> {
    if (auto n = g(k)) return *n * ps;
    return std::nullopt;
  };
  p.shmem = bytes(MemInfoPages::kShmem);
  // Global LRUs: shmem pages sit on the anon lists (they are swap-backed).
  p.anon = minus(sum({bytes(MemInfoPages::kActiveAnon), bytes(MemInfoPages::kInactiveAnon)}), p.shmem);
  p.file = sum({bytes(MemInfoPages::kActiveFile), bytes(MemInfoPages::kInactiveFile)});
  p.kernel = sum({bytes(MemInfoPages::kSlabUnreclaimable), bytes(MemInfoPages::kSlabReclaimable),
                  bytes(MemInfoPages::kPagetables), bytes(MemInfoPages::kSecPagetables),
                  bytes(MemInfoPages::kKernelMiscReclaimable)});
  return p;
}

std::optional<uint64_t> Composition::ram_limit() const {
  if (!ram_bytes) return std::nullopt;
  return hugetlb_bytes ? *ram_bytes - *hugetlb_bytes : *ram_bytes;
}

const char* Composition::ram_limit_label() const { return hugetlb_bytes ? "RAM outside hugepages" : "RAM"; }

Composition composition(const OomEvent& ev) { return composition(ev, nullptr); }

Composition composition(const OomEvent& ev, const MemcgStats* stats) {
  Composition c;
  PageSize ps = page_size_of(ev);
  if (ev.mem_info && ev.mem_info->ram_pages) {
    c.ram_bytes = *ev.mem_info->ram_pages * ps.bytes;
    // Hugetlb pages, used or not, are there for nothing else: what a global OOM ran out of is
    // the rest (`free:` does not count free hugepages either).
    if (auto h = hugetlb_pools(ev); h && h->bytes() > 0 && h->bytes() < *c.ram_bytes) c.hugetlb_bytes = h->bytes();
  }
  // A global OOM's oom-kill: line names the victim's task_memcg too; the memcg block is only
  // the basis when the report printed memcg counters or stats.
  const bool memcg_report = ev.memcg && (ev.memcg->limit_kb || ev.memcg->usage_kb || !ev.memcg->stats.empty() ||
                                         !ev.memcg->subtree_stats.empty());
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
    if (!m.stats.empty() || !m.subtree_stats.empty()) {
      c.basis = "memcg stats";
      MemParts p = stats ? memcg_parts(*stats) : memcg_parts(m);
      c.anon_bytes = p.anon, c.file_bytes = p.file, c.shmem_bytes = p.shmem, c.kernel_bytes = p.kernel, c.swap_bytes = p.swap;
    }
  } else if (ev.mem_info) {
    if (!ev.mem_info->counters_pages.empty()) {
      c.basis = "Mem-Info";
      MemParts p = meminfo_parts(ev);
      c.anon_bytes = p.anon, c.file_bytes = p.file, c.shmem_bytes = p.shmem, c.kernel_bytes = p.kernel;
    }
    if (c.ram_bytes) {
      c.limit_bytes = c.ram_limit();
      c.limit_label = c.ram_limit_label();
    }
  }
  if (c.basis.empty() && ev.killed && ev.killed->anon_rss_kb) {
    c.basis = "victim";
    c.anon_bytes = *ev.killed->anon_rss_kb * 1024;
    if (ev.killed->file_rss_kb) c.file_bytes = *ev.killed->file_rss_kb * 1024;
    if (ev.killed->shmem_rss_kb) c.shmem_bytes = *ev.killed->shmem_rss_kb * 1024;
  }
  return c;
}

std::string limit_phrase(const Composition& c) {
  if (!c.limit_bytes) return "";
  std::string r = c.limit_label + " " + human_bytes(*c.limit_bytes);
  if (c.limit_label == "RAM outside hugepages" && c.ram_bytes && c.hugetlb_bytes)
    r += " (RAM " + human_bytes(*c.ram_bytes) + " less " + human_bytes(*c.hugetlb_bytes) + " of hugepage pools)";
  return r;
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
  // The reason is a dozen pieces, appended to one buffer sized for them.
  std::string r;
  r.reserve(256);
  auto add = [&r](std::initializer_list<std::string_view> pieces) {
    for (std::string_view p : pieces) r.append(p);
  };
  add({t.name, " (pid ", t.pid ? std::to_string(*t.pid) : "?", "): rss ", human_bytes(c.rss_bytes)});
  // RSS counts mapped file pages that may be charged elsewhere, so it can exceed a memcg
  // limit; the anonymous part is what the process itself allocated.
  if (t.rss_anon_pages) add({" (anon ", human_bytes(*t.rss_anon_pages * ps.bytes), ")"});
  else if (c.is_victim && ev.killed->anon_rss_kb) add({" (anon ", human_bytes(*ev.killed->anon_rss_kb * 1024), ")"});
  if (t.swapents && *t.swapents > 0) add({" + swap ", human_bytes(*t.swapents * ps.bytes)});
  if (comp.limit_bytes && *comp.limit_bytes > 0) {
    c.share = static_cast<double>(c.rss_bytes) / static_cast<double>(*comp.limit_bytes);
    add({" = ", percent(*c.share), " of the ", human_bytes(*comp.limit_bytes), " ", comp.limit_label});
    // Said where it happens, so nobody reads it as a broken limit (035: 300.4 MiB, 117%).
    if (c.rss_bytes > *comp.limit_bytes) add({" (above the limit: rss counts mapped file pages charged elsewhere)"});
  }
  if (ev.killed && ev.killed->pid) {
    if (c.is_victim) add({"; victim = culprit"});
    else {
      add({"; victim was ", ev.killed->comm ? std::string_view(*ev.killed->comm) : "?", " (pid ",
           std::to_string(*ev.killed->pid), ")"});
      // A victim bigger than every task listed: the table is cut or filtered (030, grep'ed to
      // systemd-oomd's row while tracker-miner-f was killed with 58 GiB of anon).
      const Killed& k = *ev.killed;
      const bool listed = std::any_of(ev.tasks.begin(), ev.tasks.end(), [&](const Task& x) { return x.pid && x.pid == k.pid; });
      if (!listed && (k.anon_rss_kb || k.file_rss_kb)) {
        const uint64_t victim = (k.anon_rss_kb.value_or(0) + k.file_rss_kb.value_or(0) + k.shmem_rss_kb.value_or(0)) * 1024;
        if (victim > c.rss_bytes)
          add({", whose kill line shows rss ", human_bytes(victim), ": the task table here is incomplete"});
      }
    }
  }
  if (ps.assumed) add({" [assuming 4 KiB pages]"});
  c.reason = std::move(r);
  return c;
}

}  // namespace oomscope
