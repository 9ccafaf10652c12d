// kernel_memory: kernel allocations charged to the cgroup (or the machine) dominate:
// unreclaimable slab, kernel stacks, page tables, socket buffers, percpu. Lists the top slab
// caches when the report printed `Unreclaimable slab info:`.
#include <algorithm>

#include "analyzer/findings/facts.h"
#include "analyzer/findings/rules.h"
#include "analyzer/summary.h"

namespace oomscope::findings {

namespace {
constexpr double kMinShare = 0.4;

bool kernel_stack_charge(const OomEvent& ev) {
  for (const auto& f : ev.call_trace)
    if (f.find("charge_kernel_stack") != std::string::npos || f == "dup_task_struct" || f == "alloc_thread_stack_node")
      return true;
  return false;
}
}  // namespace

void kernel_memory(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out) {
  const ReportLineIndex& lines = facts_of(ctx).lines;
  const MemBreakdown& b = facts_of(ctx).breakdown;
  if (b.basis.empty() || facts_of(ctx).manual_oom) return;
  // A reference to the event's list, or to an empty one: a conditional expression with a
  // temporary in one branch would copy the list on every event.
  static const std::vector<std::pair<std::string, uint64_t>> kNone;
  const auto& slabs = ev.mem_info ? ev.mem_info->unreclaimable_slab_kb : kNone;
  auto share = b.share(b.kernel);
  bool dominant = b.kernel && share && *share >= kMinShare;
  if (dominant)
    for (const auto& other : {b.anon, b.page_cache, b.shmem})
      if (other && *other > *b.kernel) dominant = false;
  // The kernel prints `Unreclaimable slab info:` when unreclaimable slab exceeds user memory.
  bool slab_over_user = b.global && b.slab_unreclaimable &&
                        *b.slab_unreclaimable > b.anon.value_or(0) + b.page_cache.value_or(0) + b.shmem.value_or(0);
  if (!dominant && !slab_over_user && slabs.empty()) return;

  Finding f = event_finding("kernel_memory", Severity::kCritical, "Kernel memory");
  f.data["basis"] = b.basis;
  if (b.kernel) f.data["kernel_bytes"] = *b.kernel;
  if (share) f.data["kernel_share"] = *share;
  if (b.limit) f.data["limit_bytes"] = *b.limit;
  std::vector<std::pair<std::string, uint64_t>> parts;
  for (auto [k, v] : {std::pair{"slab_unreclaimable", b.slab_unreclaimable}, {"slab_reclaimable", b.slab_reclaimable},
                      {"kernel_stack", b.kernel_stack}, {"pagetables", b.pagetables}, {"sock", b.sock},
                      {"percpu", b.percpu}, {"vmalloc", b.vmalloc}})
    if (v) {
      parts.emplace_back(k, *v);
      f.data[std::string(k) + "_bytes"] = *v;
    }
  std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b2) { return a.second > b2.second; });
  f.verdict = "Kernel memory filled the " + b.denominator_label() + ": " + bytes(b.kernel) +
              (share ? " (" + pct(*share) + ")" : std::string());
  if (!parts.empty() && parts[0].second > 0) f.verdict += ", mostly " + parts[0].first + " " + human_bytes(parts[0].second);
  else if (ev.memcg && ev.memcg->kmem_usage_kb) f.verdict += " (v1 kmem counter)";
  f.evidence.push_back("kernel " + bytes(b.kernel) + (share ? " = " + pct(*share) : std::string()) + " of the " +
                       b.denominator_label() + " (" + b.basis + "); anon " + bytes(b.anon) + ", page cache " +
                       bytes(b.page_cache));
  if (!parts.empty()) {
    std::string s = "by kind:";
    for (const auto& [k, v] : parts) s += " " + k + " " + human_bytes(v) + ",";
    s.pop_back();
    f.evidence.push_back(s);
  }
  if (slab_over_user)
    f.evidence.push_back("unreclaimable slab " + bytes(b.slab_unreclaimable) + " exceeds all user memory (anon + file + shmem)");
  if (!slabs.empty()) {
    auto top = slabs;
    std::sort(top.begin(), top.end(), [](const auto& a, const auto& b2) { return a.second > b2.second; });
    if (top.size() > 5) top.resize(5);
    std::string s = "top unreclaimable slab caches:";
    nlohmann::ordered_json tj = nlohmann::ordered_json::array();
    for (const auto& [name, kb] : top) {
      s += " " + name + " " + human_bytes(kb * 1024) + ",";
      tj.push_back({{"name", name}, {"used_bytes", kb * 1024}});
    }
    s.pop_back();
    f.evidence.push_back(s);
    f.data["top_slab_caches"] = tj;
    f.verdict += "; largest slab cache " + top[0].first + " " + human_bytes(top[0].second * 1024);
    quote_prefix(f, lines, "Unreclaimable slab info");
    for (size_t i = 0; i < top.size() && i < 3; ++i) quote_prefix(f, lines, top[i].first + " ");
  }
  bool stack = kernel_stack_charge(ev);
  f.data["failed_charge_was_kernel_stack"] = stack;
  if (stack) {
    f.evidence.push_back("the charge that failed was a kernel stack for a new thread or process (the call trace "
                         "goes through the kernel-stack charge in clone/fork)");
    f.verdict += "; the failing charge was a new thread's kernel stack";
    quote_if(f, lines, [](std::string_view t) { return t.find("charge_kernel_stack") != std::string_view::npos; });
  }
  f.next_step = stack || (b.kernel_stack && parts.size() && parts[0].first == "kernel_stack")
                    ? "Count the threads and processes in the cgroup (each costs a kernel stack, 16 KiB on x86-64, plus "
                      "its task_struct): look for a thread leak or an unbounded pool; cap it (pids.max, thread pool "
                      "sizes)."
                    : "Find the growing kernel object: /proc/slabinfo or slabtop on the node (oomscope collect keeps "
                      "them), socket counts (ss -s) for sock, page tables for huge sparse mappings. A kernel-memory "
                      "leak is a kernel or driver bug; a growing dentry/inode cache follows file churn.";
  quote_prefix(f, lines, "memory: usage");
  quote_prefix(f, lines, "kmem: usage");
  for (const char* k : {"kernel", "kernel_stack", "slab_unreclaimable", "sock", "pagetables", "percpu"}) quote_stat(f, lines, k);
  quote_contains(f, lines, "slab_unreclaimable:");
  out.push_back(std::move(f));
}

}  // namespace oomscope::findings
