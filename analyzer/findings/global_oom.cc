// global_oom: what is specific to an OOM outside any memcg limit, one finding per cause:
//   manual_oom            sysrq-f forced it (order=-1, moom_callback): not a shortage
//   fragmentation         a high-order allocation failed while free memory existed
//   hugepages_reserved    hugetlb pages reserve RAM that no process RSS shows
//   swap_exhausted        swap was full (global), or the memory+swap / swap.max limit was hit (memcg)
//   cpuset_constraint     only the cpuset's nodes were short (CONSTRAINT_CPUSET)
//   mempolicy_constraint  only the NUMA policy's nodes were short (CONSTRAINT_MEMORY_POLICY, nodemask=)
#include <algorithm>
#include <set>

#include "analyzer/findings/facts.h"
#include "analyzer/findings/rules.h"
#include "analyzer/summary.h"
#include "common/parse_num.h"
#include "common/strings.h"

namespace oomscope::findings {

namespace {

std::optional<uint64_t> free_bytes(const OomEvent& ev) {
  if (!ev.mem_info) return std::nullopt;
  auto it = ev.mem_info->counters_pages.find("free");
  if (it == ev.mem_info->counters_pages.end()) return std::nullopt;
  return it->second * page_size_of(ev).bytes;
}

void manual_oom(const OomEvent& ev, const EventFacts& facts, std::vector<Finding>& out) {
  if (!facts.manual_oom) return;
  const MemBreakdown& b = facts.breakdown;
  const ReportLineIndex& lines = facts.lines;
  Finding f = event_finding("manual_oom", Severity::kInfo, "Manual OOM kill (sysrq-f)");
  auto fr = free_bytes(ev);
  f.verdict = "Someone forced this OOM kill with sysrq-f; it is not a memory shortage";
  if (fr && b.ram) {
    f.verdict += ": " + human_bytes(*fr) + " of " + human_bytes(*b.ram) + " RAM was free";
    f.data["free_bytes"] = *fr;
    f.data["ram_bytes"] = *b.ram;
  }
  f.evidence.push_back(ev.trigger.order && *ev.trigger.order == -1 ? "order=-1 in the trigger line"
                                                                    : "moom_callback (the sysrq-f work item) in the call trace");
  if (fr) f.evidence.push_back("free memory " + human_bytes(*fr));
  f.next_step = "Find who wrote 'f' to /proc/sysrq-trigger (or pressed Alt+SysRq+F): automation, a watchdog, an "
                "operator; the audit log and shell histories say. The victim was simply the highest-scoring task.";
  quote_contains(f, lines, "Manual OOM");
  quote_contains(f, lines, "invoked oom-killer");
  quote_prefix(f, lines, "free:");
  quote_victim(f, ev, lines);
  out.push_back(std::move(f));
}

void fragmentation(const OomEvent& ev, const ReportLineIndex& lines, std::vector<Finding>& out) {
  if (memcg_oom(ev) || !ev.mem_info || !ev.trigger.order || *ev.trigger.order < 1 || is_manual_oom(ev)) return;
  const uint64_t order = static_cast<uint64_t>(*ev.trigger.order);
  uint64_t free_kb = 0, min_kb = 0, big_kb = 0;
  bool have_orders = false;
  // The 16 MiB ISA DMA zone is kept for its own users by lowmem_reserve: leave it out when
  // the machine has other zones.
  const bool others = std::any_of(ev.mem_info->zones.begin(), ev.mem_info->zones.end(), [](const ZoneInfo& z) {
    return !z.node_zone.ends_with(" DMA") && z.node_zone != "DMA";
  });
  for (const ZoneInfo& z : ev.mem_info->zones) {
    if (others && (z.node_zone.ends_with(" DMA") || z.node_zone == "DMA")) continue;
    uint64_t zfree = 0;
    for (const auto& [o, kb] : z.free_by_order_kb) zfree += kb;
    free_kb += z.free_kb.value_or(zfree);
    min_kb += z.min_kb.value_or(0);
    if (z.free_by_order_kb.empty()) continue;
    have_orders = true;
    for (const auto& [o, kb] : z.free_by_order_kb)
      if (o >= order) big_kb += kb;
  }
  if (!have_orders || free_kb <= 2 * min_kb || big_kb * 10 > free_kb) return;
  const uint64_t block = (1ULL << order) * page_size_of(ev).bytes;
  Finding f = event_finding("fragmentation", Severity::kWarning, "Fragmentation: a high-order allocation failed");
  f.verdict = "An order-" + std::to_string(order) + " allocation (" + human_bytes(block) + " contiguous) failed with " +
              human_bytes(free_kb * 1024) + " free: only " + human_bytes(big_kb * 1024) + " of it is in blocks that large";
  f.evidence.push_back("zones: free " + human_bytes(free_kb * 1024) + ", min watermarks " + human_bytes(min_kb * 1024));
  f.evidence.push_back("free in blocks of order >= " + std::to_string(order) + ": " + human_bytes(big_kb * 1024));
  f.data["order"] = order;
  f.data["free_bytes"] = free_kb * 1024;
  f.data["free_at_or_above_order_bytes"] = big_kb * 1024;
  f.next_step = "Memory is fragmented, not exhausted: find the high-order allocator in the call trace (network "
                "jumbo frames, a driver, THP, a kernel module), compact (echo 1 > /proc/sys/vm/compact_memory), raise "
                "vm.min_free_kbytes, or make that allocation order-0/vmalloc.";
  quote_contains(f, lines, "invoked oom-killer");
  for (const ZoneInfo& z : ev.mem_info->zones)
    if (!z.free_by_order_kb.empty()) quote_if(f, lines, [&](std::string_view t) { return t.starts_with(z.node_zone + ":"); });
  out.push_back(std::move(f));
}

void hugepages(const OomEvent& ev, const ReportLineIndex& lines, std::vector<Finding>& out) {
  if (!ev.mem_info || !ev.mem_info->ram_pages) return;
  auto h = hugetlb_pools(ev);
  if (!h) return;
  // Per line (count x that line's size): a 1 GiB pool next to a 2 MiB one is not 2 MiB pages.
  const uint64_t reserved = h->bytes();
  const uint64_t ram = *ev.mem_info->ram_pages * page_size_of(ev).bytes;
  if (ram == 0 || reserved == 0 || reserved * 10 < ram) return;
  const uint64_t fr = h->free_bytes();
  Finding f = event_finding("hugepages_reserved", Severity::kWarning, "Hugepages reserve RAM");
  f.verdict = "Hugepages reserve " + human_bytes(reserved) + " (" + pct(static_cast<double>(reserved) / static_cast<double>(ram)) +
              " of RAM), " + human_bytes(fr) + " of it unused: that memory is in no process's RSS and cannot be used otherwise";
  for (const auto& p : h->pools)
    if (p.total > 0)
      f.evidence.push_back(std::to_string(p.total) + " hugepages of " + human_bytes(p.size_kb * 1024) + ", " +
                           std::to_string(p.free) + " free");
  f.evidence.push_back("RAM " + human_bytes(ram) + "; left for everything else: " + human_bytes(ram - std::min(ram, reserved)));
  f.data["hugepages_bytes"] = reserved;
  f.data["hugepages_free_bytes"] = fr;
  f.data["ram_bytes"] = ram;
  f.next_step = "Check vm.nr_hugepages (and hugepages= on the kernel command line) against what the workload uses "
                "(HugePages_Rsvd in /proc/meminfo); release unused ones with sysctl vm.nr_hugepages=N.";
  for (const auto& p : h->pools) {
    if (p.total == 0) continue;
    const std::string size = "hugepages_size=" + std::to_string(p.size_kb) + "kB";
    quote_if(f, lines, [&](std::string_view t) {
      return t.find("hugepages_total=") != std::string_view::npos && t.find("hugepages_total=0 ") == std::string_view::npos &&
             t.find(size) != std::string_view::npos;
    });
  }
  out.push_back(std::move(f));
}

void swap_exhausted(const OomEvent& ev, const ReportLineIndex& lines, std::vector<Finding>& out) {
  Finding f = event_finding("swap_exhausted", Severity::kWarning);
  if (memcg_oom(ev)) {
    const Memcg& m = *ev.memcg;
    // v1 memory+swap: only when swap was allowed (memsw limit above the memory limit).
    if (m.memsw_limit_kb && m.memsw_usage_kb && m.limit_kb && *m.memsw_limit_kb > *m.limit_kb &&
        *m.memsw_usage_kb + 1024 >= *m.memsw_limit_kb) {
      uint64_t swapped = (*m.memsw_usage_kb - std::min(*m.memsw_usage_kb, m.usage_kb.value_or(0))) * 1024;
      f.title = "Memory+swap limit hit";
      f.verdict = "The memory+swap limit " + human_bytes(*m.memsw_limit_kb * 1024) + " was hit (" + human_bytes(swapped) +
                  " in swap" + (m.usage_kb ? ", memory " + human_bytes(*m.usage_kb * 1024) + " of " +
                                                   human_bytes(*m.limit_kb * 1024) : std::string()) +
                  "): swap only postponed the kill";
      f.evidence.push_back("memory+swap usage " + human_bytes(*m.memsw_usage_kb * 1024) + " of " +
                           human_bytes(*m.memsw_limit_kb * 1024));
      f.data["memsw_usage_bytes"] = *m.memsw_usage_kb * 1024;
      f.data["memsw_limit_bytes"] = *m.memsw_limit_kb * 1024;
      f.data["swap_bytes"] = swapped;
      quote_prefix(f, lines, "memory+swap:");
      quote_prefix(f, lines, "memory: usage");
      quote_stat(f, lines, "swap");
    } else if (m.swap_limit_kb && m.swap_usage_kb && *m.swap_limit_kb > 0 && *m.swap_limit_kb < (1ULL << 50) &&
               *m.swap_usage_kb + 1024 >= *m.swap_limit_kb) {
      f.title = "Swap limit hit";
      f.verdict = "The cgroup's swap.max " + human_bytes(*m.swap_limit_kb * 1024) + " was full: swap only postponed the kill";
      f.evidence.push_back("swap usage " + human_bytes(*m.swap_usage_kb * 1024) + " of " + human_bytes(*m.swap_limit_kb * 1024));
      f.data["swap_usage_bytes"] = *m.swap_usage_kb * 1024;
      f.data["swap_limit_bytes"] = *m.swap_limit_kb * 1024;
      quote_prefix(f, lines, "swap: usage");
    } else {
      return;
    }
  } else if (ev.mem_info && ev.mem_info->total_swap_kb && *ev.mem_info->total_swap_kb > 0 && ev.mem_info->free_swap_kb &&
             *ev.mem_info->free_swap_kb * 100 <= *ev.mem_info->total_swap_kb) {
    f.title = "Swap exhausted";
    f.verdict = "Swap was exhausted: " + human_bytes(*ev.mem_info->free_swap_kb * 1024) + " free of " +
                human_bytes(*ev.mem_info->total_swap_kb * 1024) + "; swap only postponed the kill";
    f.evidence.push_back("Free swap " + human_bytes(*ev.mem_info->free_swap_kb * 1024) + ", Total swap " +
                         human_bytes(*ev.mem_info->total_swap_kb * 1024));
    f.data["free_swap_bytes"] = *ev.mem_info->free_swap_kb * 1024;
    f.data["total_swap_bytes"] = *ev.mem_info->total_swap_kb * 1024;
    quote_prefix(f, lines, "Free swap");
    quote_prefix(f, lines, "Total swap");
  } else {
    return;
  }
  f.next_step = "The workload needs more than memory plus swap: reduce it or raise the limit. More swap would only make "
                "the slowdown before the kill longer.";
  out.push_back(std::move(f));
}

std::set<int> parse_nodes(std::string_view s) {
  std::set<int> nodes;
  for (size_t i = 0; i < s.size();) {
    size_t j = s.find(',', i);
    std::string_view part = s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    size_t dash = part.find('-');
    auto a = parse_u64(trim(part.substr(0, dash)));
    auto b = dash == std::string_view::npos ? a : parse_u64(trim(part.substr(dash + 1)));
    if (a && b && *b >= *a && *b - *a < 4096)
      for (uint64_t n = *a; n <= *b; ++n) nodes.insert(static_cast<int>(n));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return nodes;
}

void cpuset_constraint(const OomEvent& ev, const ReportLineIndex& lines, std::vector<Finding>& out) {
  if (!ev.constraint || *ev.constraint != "CONSTRAINT_CPUSET") return;
  Finding f = event_finding("cpuset_constraint", Severity::kWarning, "Cpuset constraint");
  std::string nodes = ev.mems_allowed.value_or("?");
  f.verdict = "Only the memory nodes of cpuset " + ev.cpuset.value_or("?") + " (mems_allowed=" + nodes +
              ") counted: a shortage on those nodes, not necessarily on the machine";
  f.data["cpuset"] = ev.cpuset.value_or("");
  f.data["mems_allowed"] = nodes;
  f.evidence.push_back("constraint=CONSTRAINT_CPUSET, mems_allowed=" + nodes);
  // Free memory on the allowed nodes that this allocation could not use: ZONE_MOVABLE serves
  // only movable allocations.
  std::set<int> allowed = parse_nodes(nodes);
  bool movable_gfp = ev.trigger.gfp_flags && ev.trigger.gfp_flags->find("MOVABLE") != std::string::npos;
  uint64_t movable_free = 0, other_free = 0;
  if (ev.mem_info)
    for (const ZoneInfo& z : ev.mem_info->zones) {
      std::optional<uint64_t> zfree = z.free_kb;
      if (!zfree && !z.free_by_order_kb.empty()) {  // the buddy line's total
        zfree = 0;
        for (const auto& [o, kb] : z.free_by_order_kb) *zfree += kb;
      }
      if (!zfree || !z.node_zone.starts_with("Node ")) continue;
      std::string_view r = std::string_view(z.node_zone).substr(5);
      auto sp = r.find(' ');
      auto node = parse_u64(r.substr(0, sp));
      if (!node || !allowed.count(static_cast<int>(*node))) continue;
      (z.node_zone.ends_with("Movable") ? movable_free : other_free) += *zfree * 1024;
    }
  if (ev.trigger.gfp_flags && !movable_gfp && movable_free > 0 && movable_free > 9 * other_free) {
    f.verdict += "; the allowed nodes' " + human_bytes(movable_free) + " free memory is all in ZONE_MOVABLE, which a " +
                 *ev.trigger.gfp_flags + " (non-movable) allocation cannot use";
    f.evidence.push_back("free in ZONE_MOVABLE of the allowed nodes: " + human_bytes(movable_free) +
                         "; in other zones: " + human_bytes(other_free));
    f.data["movable_free_bytes"] = movable_free;
    f.data["other_free_bytes"] = other_free;
    quote_if(f, lines, [](std::string_view t) { return t.find("Movable free:") != std::string_view::npos; });
    quote_if(f, lines, [](std::string_view t) { return t.starts_with("Node ") && t.find("Movable: ") != std::string_view::npos; });
  }
  f.next_step = "Check the cpuset's cpuset.mems (docker --cpuset-mems, a NUMA-pinned pod) and whether those nodes have "
                "normal-zone memory (movable_node / kernelcore= / movablecore= boot options make whole nodes movable); "
                "allow more nodes or move the workload.";
  quote_prefix(f, lines, "oom-kill:");
  quote_contains(f, lines, "invoked oom-killer");
  out.push_back(std::move(f));
}

void mempolicy_constraint(const OomEvent& ev, const ReportLineIndex& lines, std::vector<Finding>& out) {
  bool by_constraint = ev.constraint && *ev.constraint == "CONSTRAINT_MEMORY_POLICY";
  bool by_nodemask = ev.trigger.nodemask && *ev.trigger.nodemask != "(null)" && !ev.trigger.nodemask->empty();
  if (!by_constraint && !by_nodemask) return;
  Finding f = event_finding("mempolicy_constraint", Severity::kWarning, "NUMA memory policy constraint");
  std::string nm = ev.trigger.nodemask.value_or("?");
  f.verdict = "The allocation was bound by a NUMA memory policy to node(s) " + nm +
              " (mbind/set_mempolicy/numactl --membind): those nodes ran out, others may have had free memory";
  f.data["nodemask"] = nm;
  if (ev.constraint) f.data["constraint"] = *ev.constraint;
  f.evidence.push_back(by_constraint ? "constraint=CONSTRAINT_MEMORY_POLICY" : "nodemask=" + nm + " in the trigger line");
  f.next_step = "Check the process's policy (numactl --show, /proc/PID/numa_maps, mbind() calls, libnuma settings) "
                "and the free memory per node; widen the node set or rebalance.";
  quote_contains(f, lines, "nodemask=");
  out.push_back(std::move(f));
}

}  // namespace

void global_oom(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out) {
  const ReportLineIndex& lines = facts_of(ctx).lines;
  manual_oom(ev, facts_of(ctx), out);
  fragmentation(ev, lines, out);
  hugepages(ev, lines, out);
  swap_exhausted(ev, lines, out);
  cpuset_constraint(ev, lines, out);
  mempolicy_constraint(ev, lines, out);
}

bool fragmentation_fires(const OomEvent& ev) {
  std::vector<Finding> out;
  fragmentation(ev, ReportLineIndex(ev.lines), out);
  return !out.empty();
}

}  // namespace oomscope::findings
