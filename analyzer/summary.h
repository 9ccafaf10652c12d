// summary.h: the numbers an on-call engineer wants first, computed from one OomEvent.
//
// Pure functions (no I/O): memory composition (anon / file / shmem / kernel) against the
// limit that was hit, and the culprit ranking with the reason spelled out in numbers.
//
// The findings (analyzer/findings/facts.h, MemBreakdown) take their parts and their limit from
// the Composition, so the summary line and the findings state the same numbers of the same basis.
//
// Example:
//   Composition c = composition(ev);   // c.anon_bytes = 98742272, c.basis = "memcg stats"
//   auto cul = rank_culprit(ev);       // cul->reason: "python3 (pid 16304): rss 69.9 MiB = 107% of the 64.0 MiB limit; victim = culprit"
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/event.h"

namespace oomscope {

struct PageSize {
  uint64_t bytes = 4096;
  bool assumed = true;  // the report did not show it and the user did not state it
};
PageSize page_size_of(const OomEvent& ev);

// HugetlbPools: the hugetlb pools of a report's `Node N hugepages_total=T hugepages_free=F
// hugepages_surp=S hugepages_size=ZkB` lines (one per node and page size), summed per size.
struct HugetlbPools {
  struct Pool {
    uint64_t size_kb = 0, total = 0, free = 0;  // page size, pages in the pool, pages unused
  };
  std::vector<Pool> pools;  // one per page size, in the report's order
  uint64_t bytes() const;
  uint64_t free_bytes() const;
};
// hugetlb_pools(): from the report's lines when they were kept (each line's count times its
// own size: 1 GiB and 2 MiB pools side by side), else from MemInfo's single size; nullopt
// when the report has no hugepages line.
std::optional<HugetlbPools> hugetlb_pools(const OomEvent& ev);

// memcg_stat(): one memory.stat key of the report, in bytes: the hierarchical `total_<key>`
// when the kernel printed one (v1), the sum over the subtree's lines for the <= 5.2
// one-line-per-memcg format (each line is one memcg's local counters), else the key itself.
std::optional<uint64_t> memcg_stat(const Memcg& m, std::string_view key);
// MemcgStats: memcg_stat() for the many keys that composition() and the findings read of one
// memcg. Whether its stats hold any `total_` key (v1's hierarchical counters; v2 has none) is
// found once, so a v2 block is not searched twice per key for a total_ that cannot be there.
// The keys those read (Key) are found in one walk over the stats when it is made, and read by
// Key after that: composition() and the memory breakdown read ~25 keys per event, and a lookup
// by name (a binary search over ~40 names, twice on v1) costs ~350 instructions.
class MemcgStats {
 public:
  // In the byte order of their names (name()).
  enum Key : uint8_t {
    kActiveFile, kAnon, kCache, kDirty, kFile, kFileDirty, kFileMapped, kFileWriteback, kInactiveFile, kKernel,
    kKernelStack, kMappedFile, kPagetables, kPercpu, kRss, kSecPagetables, kShmem, kSlab, kSlabReclaimable,
    kSlabUnreclaimable, kSock, kSwap, kUnevictable, kVmalloc, kWriteback, kKeys
  };
  static std::string_view name(Key k);

  explicit MemcgStats(const Memcg& m);
  std::optional<uint64_t> operator()(std::string_view key) const;
  std::optional<uint64_t> operator()(Key key) const;
  // has(): the stats hold `key` itself (m.stats.count(name(key)), whatever its total_).
  bool has(Key key) const { return has_plain_ & (1u << key); }
  const Memcg& memcg() const { return m_; }

 private:
  const Memcg& m_;
  bool has_totals_ = false;
  bool by_name_ = false;  // the <=5.2 subtree format: each read sums the subtree (memcg_stat())
  // The values of the Keys' `key` and `total_key` counters, where the bit of the Key is set.
  uint64_t plain_[kKeys], total_[kKeys];
  uint32_t has_plain_ = 0, has_total_ = 0;
};

// MemInfoPages: the Mem-Info counters that composition() and the findings read of a global
// OOM's report, as MemcgStats reads memory.stat: found in one walk over the block's counters
// (both in name order) and read by Key after that. The two read ~20 counters per report, and a
// lookup by name (a binary search over ~30 names) costs ~170 instructions.
class MemInfoPages {
 public:
  // In the byte order of their names (the order KeyedCounts keeps).
  enum Key : uint8_t {
    kActiveAnon, kActiveFile, kDirty, kFree, kInactiveAnon, kInactiveFile, kKernelMiscReclaimable, kMapped,
    kPagetables, kSecPagetables, kShmem, kSlabReclaimable, kSlabUnreclaimable, kUnevictable, kWriteback, kKeys
  };

  explicit MemInfoPages(const MemInfo& mi);
  // operator(): the counter, in pages; nullopt when the block does not have it.
  std::optional<uint64_t> operator()(Key key) const {
    if (has_ & (1u << key)) return pages_[key];
    return std::nullopt;
  }

 private:
  uint64_t pages_[kKeys];  // where the bit of the Key is set in has_
  uint32_t has_ = 0;
};

struct Composition {
  // file_bytes is page cache WITHOUT shmem (memory.stat counts tmpfs in both file and shmem).
  std::optional<uint64_t> anon_bytes, file_bytes, shmem_bytes, kernel_bytes, swap_bytes;
  std::optional<uint64_t> limit_bytes;   // the memcg limit that was hit, or RAM for global OOMs
  std::optional<uint64_t> usage_bytes;
  std::string limit_label;               // "memcg limit", "memory+swap limit", "RAM", "RAM outside hugepages"
  std::string basis;                     // where the figures come from: "memcg stats", "Mem-Info", "victim"
  // From `N pages RAM`: all of RAM, and the hugetlb pools' part of it when they hold some (and
  // less than all). Hugetlb pages serve only hugetlbfs/MAP_HUGETLB mappings, so a global OOM's
  // limit is RAM less them: limit_bytes = ram_bytes - hugetlb_bytes, "RAM outside hugepages".
  std::optional<uint64_t> ram_bytes, hugetlb_bytes;
  // ram_limit(), ram_limit_label(): what a global OOM ran out of (RAM less the pools), and its name.
  std::optional<uint64_t> ram_limit() const;
  const char* ram_limit_label() const;
};
// The second form reads the memcg's stats through `stats` (of *ev.memcg) when it is given: the
// caller that reads more of them (event_facts()) looks them up once.
Composition composition(const OomEvent& ev);
Composition composition(const OomEvent& ev, const MemcgStats* stats);

// The parts of a memcg `memory.stat` block and of a global `Mem-Info` block, as composition()
// reads them; the findings' breakdown reads the same (one formula for both).
struct MemParts {
  std::optional<uint64_t> anon, file, shmem, kernel, swap;  // file without shmem, anon without shmem
};
MemParts memcg_parts(const Memcg& m);
MemParts memcg_parts(const MemcgStats& g);
MemParts meminfo_parts(const OomEvent& ev);

// limit_phrase(): the limit for a summary line, with its basis: "memcg limit 256.0 MiB",
// "RAM 511.5 MiB", "RAM outside hugepages 255.5 MiB (RAM 511.5 MiB less 256.0 MiB of hugepage
// pools)"; "" when there is no limit.
std::string limit_phrase(const Composition& c);

struct Culprit {
  size_t task_index = 0;          // into ev.tasks
  uint64_t rss_bytes = 0;
  std::optional<double> share;    // of limit_bytes
  bool is_victim = false;
  std::string reason;             // one sentence with the numbers
};
// rank_culprit(): the task with the largest RSS (ties: more swap, then lower pid). The second
// form takes the event's composition() when the caller already has it.
std::optional<Culprit> rank_culprit(const OomEvent& ev);
std::optional<Culprit> rank_culprit(const OomEvent& ev, const Composition& comp);

// cat(): the pieces joined in one string, sized once. A verdict, an evidence sentence or a
// culprit's reason is a dozen pieces; `"a" + b + "c" + …` regrows (and reallocates) its string
// several times.
std::string cat(std::initializer_list<std::string_view> pieces);

// human_bytes(): "69.9 MiB", "316 KiB", "1.2 GiB".
std::string human_bytes(uint64_t bytes);
// percent(): 0.987 -> "99%", rounded as printf("%.0f%%", x * 100) rounds.
std::string percent(double x);

}  // namespace oomscope
