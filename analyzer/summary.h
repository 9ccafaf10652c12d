// summary.h: the numbers an on-call engineer wants first, computed from one OomEvent.
//
// Pure functions (no I/O): memory composition (anon / file / shmem / kernel) against the
// limit that was hit, and the culprit ranking with the reason spelled out in numbers.
//
// Example:
//   Composition c = composition(ev);   // c.anon_bytes = 98742272, c.basis = "memcg stats"
//   auto cul = rank_culprit(ev);       // cul->reason: "python3 (pid 16304): rss 69.9 MiB = 107% of the 64.0 MiB limit; victim = culprit"
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "analyzer/event.h"

namespace oomscope {

struct PageSize {
  uint64_t bytes = 4096;
  bool assumed = true;  // the report did not show it and the user did not state it
};
PageSize page_size_of(const OomEvent& ev);

struct Composition {
  // file_bytes is page cache WITHOUT shmem (memory.stat counts tmpfs in both file and shmem).
  std::optional<uint64_t> anon_bytes, file_bytes, shmem_bytes, kernel_bytes, swap_bytes;
  std::optional<uint64_t> limit_bytes;   // the memcg limit that was hit, or RAM for global OOMs
  std::optional<uint64_t> usage_bytes;
  std::string limit_label;               // "memcg limit", "memory+swap limit", "RAM"
  std::string basis;                     // where the figures come from: "memcg stats", "Mem-Info", "victim"
};
Composition composition(const OomEvent& ev);

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

// human_bytes(): "69.9 MiB", "316 KiB", "1.2 GiB".
std::string human_bytes(uint64_t bytes);
// percent(): 0.987 -> "99%", rounded as printf("%.0f%%", x * 100) rounds.
std::string percent(double x);

}  // namespace oomscope
