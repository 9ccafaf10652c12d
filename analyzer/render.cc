#include "analyzer/render.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "analyzer/findings/text.h"
#include "analyzer/summary.h"

namespace oomscope {
namespace {

using json = nlohmann::ordered_json;

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json killed_json(const Killed& k) {
  json j;
  j["pid"] = opt(k.pid);
  j["comm"] = opt(k.comm);
  j["total_vm_kb"] = opt(k.total_vm_kb);
  j["anon_rss_kb"] = opt(k.anon_rss_kb);
  j["file_rss_kb"] = opt(k.file_rss_kb);
  j["shmem_rss_kb"] = opt(k.shmem_rss_kb);
  j["uid"] = opt(k.uid);
  j["pgtables_kb"] = opt(k.pgtables_kb);
  j["oom_score_adj"] = opt(k.oom_score_adj);
  j["score"] = opt(k.score);
  j["prefix"] = k.prefix;
  return j;
}

std::string pct(double x) {
  char b[16];
  std::snprintf(b, sizeof b, "%.0f%%", x * 100);
  return b;
}

}  // namespace

json event_to_json(const OomEvent& ev, const FindingContext& ctx) {
  json j;
  j["source"] = {{"file", ev.source.file}, {"first_line", ev.source.first_line}, {"last_line", ev.source.last_line}};
  j["host"] = opt(ev.host);
  j["timestamp"] = opt(ev.timestamp);
  j["monotonic_s"] = opt(ev.monotonic_s);
  j["kernel"] = opt(ev.kernel);
  j["hardware"] = opt(ev.hardware);
  j["prefix_style"] = opt(ev.prefix_style);
  j["complete"] = ev.complete;
  j["truncated"] = ev.truncated;
  j["missing"] = ev.missing;
  j["notes"] = ev.notes;
  j["trigger"] = {{"comm", opt(ev.trigger.comm)},         {"pid", opt(ev.trigger.pid)},
                  {"gfp_mask", opt(ev.trigger.gfp_mask)}, {"gfp_flags", opt(ev.trigger.gfp_flags)},
                  {"order", opt(ev.trigger.order)},       {"oom_score_adj", opt(ev.trigger.oom_score_adj)},
                  {"nodemask", opt(ev.trigger.nodemask)}};
  j["constraint"] = opt(ev.constraint);
  j["global_oom"] = ev.global_oom;
  j["cpuset"] = opt(ev.cpuset);
  j["mems_allowed"] = opt(ev.mems_allowed);
  if (ev.memcg) {
    const Memcg& m = *ev.memcg;
    json mj;
    mj["oom_memcg"] = opt(m.oom_memcg);
    mj["task_memcg"] = opt(m.task_memcg);
    mj["usage_kb"] = opt(m.usage_kb);
    mj["limit_kb"] = opt(m.limit_kb);
    mj["failcnt"] = opt(m.failcnt);
    mj["memsw_usage_kb"] = opt(m.memsw_usage_kb);
    mj["memsw_limit_kb"] = opt(m.memsw_limit_kb);
    mj["memsw_failcnt"] = opt(m.memsw_failcnt);
    mj["kmem_usage_kb"] = opt(m.kmem_usage_kb);
    mj["kmem_limit_kb"] = opt(m.kmem_limit_kb);
    mj["swap_usage_kb"] = opt(m.swap_usage_kb);
    mj["swap_limit_kb"] = opt(m.swap_limit_kb);
    mj["stats_path"] = opt(m.stats_path);
    mj["stats_format"] = m.stats_format.empty() ? json(nullptr) : json(m.stats_format);
    mj["stats"] = json::object();
    for (auto& [k, v] : m.stats) mj["stats"][k] = v;
    if (!m.subtree_stats.empty()) {
      mj["subtree_stats"] = json::object();
      for (auto& [p, kv] : m.subtree_stats) {
        json s = json::object();
        for (auto& [k, v] : kv) s[k] = v;
        mj["subtree_stats"][p] = s;
      }
    }
    j["memcg"] = mj;
  } else {
    j["memcg"] = nullptr;
  }
  if (ev.mem_info) {
    const MemInfo& mi = *ev.mem_info;
    json m;
    m["counters_pages"] = json::object();
    for (auto& [k, v] : mi.counters_pages) m["counters_pages"][k] = v;
    m["zones"] = json::array();
    for (const ZoneInfo& z : mi.zones) {
      json zj = {{"zone", z.node_zone}, {"free_kb", opt(z.free_kb)}, {"min_kb", opt(z.min_kb)},
                 {"low_kb", opt(z.low_kb)}, {"high_kb", opt(z.high_kb)}, {"present_kb", opt(z.present_kb)},
                 {"managed_kb", opt(z.managed_kb)}};
      if (!z.free_by_order_kb.empty()) {
        json o = json::object();
        for (auto& [ord, kb] : z.free_by_order_kb) o[std::to_string(ord)] = kb;
        zj["free_by_order_kb"] = o;
      }
      m["zones"].push_back(zj);
    }
    m["free_swap_kb"] = opt(mi.free_swap_kb);
    m["total_swap_kb"] = opt(mi.total_swap_kb);
    m["pagecache_pages"] = opt(mi.pagecache_pages);
    m["ram_pages"] = opt(mi.ram_pages);
    m["reserved_pages"] = opt(mi.reserved_pages);
    m["hugepages_total"] = opt(mi.hugepages_total);
    m["hugepages_free"] = opt(mi.hugepages_free);
    m["hugepage_size_kb"] = opt(mi.hugepage_size_kb);
    m["unreclaimable_slab_kb"] = json::array();
    for (auto& [n, kb] : mi.unreclaimable_slab_kb) m["unreclaimable_slab_kb"].push_back({{"name", n}, {"used_kb", kb}});
    j["mem_info"] = m;
  } else {
    j["mem_info"] = nullptr;
  }
  j["page_size"] = opt(ev.page_size);
  j["task_table"] = ev.has_task_table;
  j["task_columns"] = ev.task_columns;
  j["tasks"] = json::array();
  for (const Task& t : ev.tasks) {
    j["tasks"].push_back({{"pid", opt(t.pid)},
                          {"uid", opt(t.uid)},
                          {"tgid", opt(t.tgid)},
                          {"total_vm_pages", opt(t.total_vm_pages)},
                          {"rss_pages", opt(t.rss_pages)},
                          {"rss_anon_pages", opt(t.rss_anon_pages)},
                          {"rss_file_pages", opt(t.rss_file_pages)},
                          {"rss_shmem_pages", opt(t.rss_shmem_pages)},
                          {"pgtables_bytes", opt(t.pgtables_bytes)},
                          {"nr_ptes", opt(t.nr_ptes)},
                          {"swapents", opt(t.swapents)},
                          {"oom_score_adj", opt(t.oom_score_adj)},
                          {"name", t.name}});
  }
  j["killed"] = ev.killed ? killed_json(*ev.killed) : json(nullptr);
  if (ev.victims.size() > 1 || ev.oom_group) {
    j["oom_group"] = opt(ev.oom_group);
    j["victims"] = json::array();
    for (const Killed& k : ev.victims) j["victims"].push_back(killed_json(k));
  }
  j["reaped"] = json::array();
  for (const Reaped& r : ev.reaped)
    j["reaped"].push_back({{"pid", r.pid}, {"comm", r.comm}, {"anon_rss_kb", opt(r.anon_rss_kb)},
                           {"file_rss_kb", opt(r.file_rss_kb)}, {"shmem_rss_kb", opt(r.shmem_rss_kb)},
                           {"unable", r.unable}});
  j["call_trace"] = ev.call_trace;
  j["panic"] = opt(ev.panic);
  j["end_reason"] = opt(ev.end_reason);
  j["suppressed_callbacks"] = opt(ev.suppressed_callbacks);
  Composition c = composition(ev);
  j["composition"] = {{"basis", c.basis.empty() ? json(nullptr) : json(c.basis)},
                      {"anon_bytes", opt(c.anon_bytes)},
                      {"file_bytes", opt(c.file_bytes)},
                      {"shmem_bytes", opt(c.shmem_bytes)},
                      {"kernel_bytes", opt(c.kernel_bytes)},
                      {"swap_bytes", opt(c.swap_bytes)},
                      {"limit_bytes", opt(c.limit_bytes)},
                      {"limit_label", c.limit_label.empty() ? json(nullptr) : json(c.limit_label)}};
  if (auto cul = rank_culprit(ev)) {
    j["culprit"] = {{"pid", opt(ev.tasks[cul->task_index].pid)},
                    {"name", ev.tasks[cul->task_index].name},
                    {"rss_bytes", cul->rss_bytes},
                    {"share_of_limit", opt(cul->share)},
                    {"is_victim", cul->is_victim},
                    {"reason", cul->reason}};
  } else {
    j["culprit"] = nullptr;
  }
  j["findings"] = findings_to_json(find_all(ev, ctx));
  return j;
}

void JsonRenderer::begin() { os_ << "{\"events\":["; }

void JsonRenderer::event(const OomEvent& ev) {
  if (n_++) os_ << ",";
  if (!ev.complete) ++incomplete_;
  // Kernel text is not always UTF-8 (comm names, pasted logs): replace, never throw.
  os_ << "\n" << event_to_json(ev, opts_.findings).dump(-1, ' ', false, json::error_handler_t::replace);
}

void JsonRenderer::end(uint64_t lines_read, uint64_t bytes_read) {
  os_ << "\n],\"summary\":" << json({{"events", n_}, {"incomplete_events", incomplete_},
                                     {"lines_read", lines_read}, {"bytes_read", bytes_read}}).dump()
      << "}\n";
}

void TextRenderer::event(const OomEvent& ev) {
  ++n_;
  if (!ev.complete) ++incomplete_;
  std::ostream& o = os_;
  o << "OOM event " << n_ << "  " << ev.source.file << ":" << ev.source.first_line << "-" << ev.source.last_line;
  if (ev.host) o << "  host " << *ev.host;
  if (ev.timestamp) o << "  " << *ev.timestamp;
  if (ev.monotonic_s) {
    char b[48];
    std::snprintf(b, sizeof b, "  (%.3f s after boot)", *ev.monotonic_s);
    o << b;
  }
  o << "\n";
  o << "  kernel " << ev.kernel.value_or("unknown") << "   "
    << (ev.complete ? "complete report" : ev.truncated ? "PARTIAL report (the kill is not in the log)" : "partial report");
  if (!ev.missing.empty()) {
    o << " - missing:";
    for (auto& m : ev.missing) o << " " << m;
  }
  o << "\n";
  // Where: which limit was hit.
  if (ev.memcg && (ev.memcg->oom_memcg || ev.memcg->limit_kb)) {
    o << "  limit hit: memcg " << ev.memcg->oom_memcg.value_or("?");
    if (ev.constraint) o << "  (" << *ev.constraint << ")";
    o << "\n";
    if (ev.memcg->task_memcg && ev.memcg->task_memcg != ev.memcg->oom_memcg)
      o << "  victim's memcg: " << *ev.memcg->task_memcg << "\n";
  } else if (ev.constraint || ev.global_oom || ev.mem_info) {
    o << "  limit hit: " << (ev.constraint && *ev.constraint != "CONSTRAINT_NONE" ? *ev.constraint : "system-wide (global OOM)");
    if (ev.cpuset && ev.constraint && *ev.constraint == "CONSTRAINT_CPUSET") o << " cpuset " << *ev.cpuset;
    o << "\n";
  }
  if (ev.trigger.comm || ev.trigger.gfp_mask) {
    o << "  trigger: " << ev.trigger.comm.value_or("?");
    if (ev.trigger.pid) o << " (pid " << *ev.trigger.pid << ")";
    if (ev.trigger.gfp_mask) o << " gfp_mask=" << *ev.trigger.gfp_mask;
    if (ev.trigger.gfp_flags) o << "(" << *ev.trigger.gfp_flags << ")";
    if (ev.trigger.order) o << " order=" << *ev.trigger.order << (*ev.trigger.order == -1 ? " (manual sysrq-f)" : "");
    for (const auto& f : ev.call_trace) {
      if (f == "exc_page_fault" || f == "do_page_fault" || f == "pagefault_out_of_memory") { o << "  via page fault"; break; }
      if (f == "moom_callback") { o << "  via sysrq-f"; break; }
    }
    o << "\n";
  }
  if (ev.killed) {
    const Killed& k = *ev.killed;
    o << "  killed: " << k.comm.value_or("?") << " (pid " << (k.pid ? std::to_string(*k.pid) : "?") << ")";
    if (k.anon_rss_kb) o << "  anon " << human_bytes(*k.anon_rss_kb * 1024);
    if (k.file_rss_kb) o << "  file " << human_bytes(*k.file_rss_kb * 1024);
    if (k.shmem_rss_kb) o << "  shmem " << human_bytes(*k.shmem_rss_kb * 1024);
    if (k.total_vm_kb) o << "  total-vm " << human_bytes(*k.total_vm_kb * 1024);
    if (k.oom_score_adj) o << "  oom_score_adj " << *k.oom_score_adj;
    o << "\n";
    if (ev.victims.size() > 1) o << "  group kill: " << ev.victims.size() << " tasks" << (ev.oom_group ? " in " + *ev.oom_group : "") << "\n";
  } else if (ev.end_reason || ev.panic) {
    o << "  no kill: " << (ev.panic ? *ev.panic : *ev.end_reason) << "\n";
  }
  Composition c = composition(ev);
  if (!c.basis.empty()) {
    o << "  memory (" << c.basis << "):";
    auto part = [&](const char* name, const std::optional<uint64_t>& v) {
      if (!v) return;
      o << "  " << name << " " << human_bytes(*v);
      if (c.limit_bytes && *c.limit_bytes) o << " (" << pct(static_cast<double>(*v) / static_cast<double>(*c.limit_bytes)) << ")";
    };
    part("anon", c.anon_bytes);
    part("file", c.file_bytes);
    part("shmem", c.shmem_bytes);
    part("kernel", c.kernel_bytes);
    if (c.swap_bytes && *c.swap_bytes) part("swap", c.swap_bytes);
    if (c.limit_bytes) o << "  of " << c.limit_label << " " << human_bytes(*c.limit_bytes);
    o << "\n";
  }
  if (auto cul = rank_culprit(ev)) o << "  culprit: " << cul->reason << "\n";
  render_findings_text(o, find_all(ev, opts_.findings), opts_.color);
  if (!ev.tasks.empty()) {
    PageSize ps = page_size_of(ev);
    std::vector<const Task*> top;
    for (const Task& t : ev.tasks) top.push_back(&t);
    std::sort(top.begin(), top.end(), [](const Task* a, const Task* b) { return a->rss_pages.value_or(0) > b->rss_pages.value_or(0); });
    if (top.size() > 5) top.resize(5);
    o << "  largest tasks (" << ev.tasks.size() << " in table):\n";
    char b[200];
    std::snprintf(b, sizeof b, "    %8s %10s %10s %10s %6s  %s\n", "pid", "rss", "anon", "swap", "adj", "name");
    o << b;
    for (const Task* t : top) {
      std::string anon = t->rss_anon_pages ? human_bytes(*t->rss_anon_pages * ps.bytes) : "-";
      std::snprintf(b, sizeof b, "    %8lld %10s %10s %10s %6lld  %s\n", static_cast<long long>(t->pid.value_or(0)),
                    human_bytes(t->rss_pages.value_or(0) * ps.bytes).c_str(), anon.c_str(),
                    human_bytes(t->swapents.value_or(0) * ps.bytes).c_str(),
                    static_cast<long long>(t->oom_score_adj.value_or(0)), t->name.c_str());
      o << b;
    }
  }
  for (const auto& n : ev.notes) o << "  note: " << n << "\n";
  o << "\n";
}

void TextRenderer::end(uint64_t lines_read, uint64_t bytes_read) {
  os_ << n_ << " OOM event" << (n_ == 1 ? "" : "s");
  if (incomplete_) os_ << " (" << incomplete_ << " partial)";
  os_ << " in " << lines_read << " lines (" << human_bytes(bytes_read) << ")\n";
}

}  // namespace oomscope
