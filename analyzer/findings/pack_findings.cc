// pack_evidence: findings from an evidence pack's tables, next to the kernel's report:
//   working_set        the target cgroup now: usage vs working set vs page cache vs RSS
//   memory_events      memory.events / oom_control counters and what they mean
//   process_memory     the target's processes by USS (private), PSS and RSS
//   anon_mappings      which mappings hold the private dirty memory ([heap], anonymous regions)
//   malloc_arenas      many 64 MiB-aligned anonymous regions: glibc malloc arenas
//   growth             with several samples: who grew, how fast, when the limit is reached
//   ring_buffer_gap    the pack's kernel log lost records
#include <algorithm>
#include <cstdio>
#include <map>

#include "analyzer/findings/facts.h"
#include "analyzer/findings/pack_evidence.h"
#include "analyzer/findings/rules.h"
#include "analyzer/summary.h"

namespace oomscope::findings {

namespace {

std::string hb(int64_t b) { return human_bytes(b < 0 ? 0 : static_cast<uint64_t>(b)); }

std::string rate(double bytes_per_s) {
  char b[48];
  std::snprintf(b, sizeof b, "%.1f MiB/s", bytes_per_s / (1 << 20));
  return b;
}

// A pack collected with no target: every cgroup is in it with role 'host'.
bool whole_host(const PackEvidence& pe) {
  return std::all_of(pe.targets.begin(), pe.targets.end(), [](const PackEvidence::Target& t) { return t.kind == "host"; });
}

// The pack cgroup that the event is about: the one whose limit was hit (oom_memcg: its
// memory.events counted the `max` and `oom`, its limit is what the usage compares to), else the
// victim's (task_memcg), else the one the stats were printed for (paths can differ by a
// cgroup-namespace prefix, so a suffix match counts), else the first target. The same rule for
// a pack of the pod and a whole-host pack, which both hold the pod slice.
std::string target_cgroup(const OomEvent& ev, const PackEvidence& pe) {
  auto match = [&](const std::string& kernel_path) -> std::string {
    for (const PackCgroup& c : pe.cgroups)
      if (c.path == kernel_path || (kernel_path.size() > 1 && c.path.ends_with(kernel_path)) ||
          (c.path.size() > 1 && kernel_path.ends_with(c.path) && c.role == "target"))
        return c.path;
    return "";
  };
  if (ev.memcg)
    for (const auto* p : {&ev.memcg->oom_memcg, &ev.memcg->task_memcg, &ev.memcg->stats_path})
      if (*p)
        if (std::string m = match(**p); !m.empty()) return m;
  // An event of the pack's own kernel log is about its targets; an event of another input
  // only when its cgroup is in the pack. A whole-host pack (no target: every cgroup is there
  // with role 'host') holds the event's cgroup if it still existed: the root is not a stand-in
  // for a cgroup that is gone.
  if (ev.source.file == pe.path && !pe.target_cgroups.empty() && !whole_host(pe)) return pe.target_cgroups.front();
  return "";
}

const PackCgroup* at(const PackEvidence& pe, const std::string& path, int64_t sample) {
  for (const PackCgroup& c : pe.cgroups)
    if (c.path == path && c.sample == sample) return &c;
  return nullptr;
}

std::optional<int64_t> stat(const PackCgroup& c, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (auto it = c.stat.find(k); it != c.stat.end()) return it->second;
  return std::nullopt;
}

void note_pack(Finding& f, const PackEvidence& pe, int64_t sample) {
  f.data["pack"] = pe.path;
  f.data["sample"] = sample;
  for (const auto& s : pe.samples)
    if (s.sample == sample) f.data["collected_utc"] = s.started_utc;
}

// ring_buffer_gap: the pack's kernel log lost records while it was read. Whether this event's
// own report lies across a gap is told from the line each gap follows (events of the pack's
// own log only; another input's report says nothing about the pack's gaps).
void ring_buffer_gap(const OomEvent& ev, const PackEvidence& pe, std::vector<Finding>& out) {
  if (pe.kernel_log_gaps <= 0) return;
  Finding f;
  f.id = "ring_buffer_gap";
  f.severity = Severity::kInfo;
  f.title = "Kernel log records lost";
  std::optional<int64_t> first_lost, last_lost;
  if (!pe.gaps.empty() && pe.gaps.front().after_seq) first_lost = *pe.gaps.front().after_seq + 1;
  if (!pe.gaps.empty() && pe.gaps.size() == static_cast<size_t>(pe.kernel_log_gaps)) last_lost = pe.gaps.back().next_seq - 1;
  f.verdict = std::to_string(pe.records_lost) + " kernel log record" + (pe.records_lost == 1 ? "" : "s") + " lost in " +
              std::to_string(pe.kernel_log_gaps) + " gap" + (pe.kernel_log_gaps == 1 ? "" : "s") +
              " while the pack's kernel log was read (the ring buffer overwrote them first)";
  if (first_lost && last_lost)
    f.verdict += ", between seq " + std::to_string(*first_lost) + " and " + std::to_string(*last_lost);
  f.verdict += ": reports printed then are missing";
  size_t inside = 0;
  bool cut_start = false, cut_end = false;
  const bool own = ev.source.file == pe.path && ev.source.first_line > 0;
  if (own)
    for (const PackEvidence::KmsgGap& g : pe.gaps) {
      if (g.line_before >= ev.source.first_line && g.line_before < ev.source.last_line) ++inside;
      if (g.line_before + 1 == ev.source.first_line) cut_start = true;
      if (g.line_before == ev.source.last_line) cut_end = true;
    }
  if (inside > 0) {
    f.severity = Severity::kWarning;
    f.verdict += "; " + std::to_string(inside) + " gap" + (inside == 1 ? " falls" : "s fall") +
                 " inside this report (lines " + std::to_string(ev.source.first_line) + "-" +
                 std::to_string(ev.source.last_line) + "): records between its lines were lost, parts of it may be missing";
  } else if ((cut_start && !ev.trigger.comm && !ev.trigger.gfp_mask) || (cut_end && !ev.complete)) {
    f.severity = Severity::kWarning;
    f.verdict += std::string("; records were lost right ") + (cut_start ? "before" : "after") +
                 " this report, which is cut there";
  } else if (own) {
    f.verdict += "; no gap falls inside this report";
  }
  size_t shown = 0;
  for (const PackEvidence::KmsgGap& g : pe.gaps) {
    if (shown++ == 5) {
      f.evidence.push_back("… " + std::to_string(pe.kernel_log_gaps - 5) + " more gap(s)");
      break;
    }
    f.evidence.push_back((g.after_seq ? "after seq " + std::to_string(*g.after_seq) : std::string("at the start")) +
                         ", next seq " + std::to_string(g.next_seq) +
                         (g.lost ? ": " + std::to_string(*g.lost) + " records lost" : std::string()) +
                         (g.line_before ? " (after line " + std::to_string(g.line_before) + ")" : std::string()));
  }
  f.data["gaps"] = pe.kernel_log_gaps;
  f.data["records_lost"] = pe.records_lost;
  if (first_lost) f.data["first_lost_seq"] = *first_lost;
  if (last_lost) f.data["last_lost_seq"] = *last_lost;
  if (own) f.data["gaps_inside_report"] = inside;
  f.next_step = "Read the node's journal (journalctl -k) or syslog for the lost part; enlarge the ring buffer "
                "(log_buf_len=) on nodes that OOM often, and collect before a log flood.";
  out.push_back(std::move(f));
}

}  // namespace

void pack_evidence(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out) {
  if (!ctx.pack) return;
  const PackEvidence& pe = *ctx.pack;
  const int64_t first = pe.samples.empty() ? 1 : pe.samples.front().sample;
  const int64_t last = pe.samples.empty() ? 1 : pe.samples.back().sample;
  const std::string cg = target_cgroup(ev, pe);
  // A target the collector could not find: for a pod or container, its cgroup was removed
  // with it before the pack was taken.
  for (const PackEvidence::Target& t : pe.targets) {
    if (t.status == "ok" || !t.cgroup.empty() || t.kind == "host") continue;
    std::string underscored = t.value;
    std::replace(underscored.begin(), underscored.end(), '-', '_');
    bool about_this = ev.source.file == pe.path;
    if (ev.memcg)
      for (const auto* p : {&ev.memcg->task_memcg, &ev.memcg->oom_memcg, &ev.memcg->stats_path})
        if (*p && t.value.size() >= 8 && ((*p)->find(t.value) != std::string::npos || (*p)->find(underscored) != std::string::npos))
          about_this = true;
    if (!about_this) continue;
    Finding f;
    f.id = "target_gone";
    f.severity = Severity::kWarning;
    f.title = "The target's cgroup was gone";
    note_pack(f, pe, last);
    f.verdict = "The pack's target --" + t.kind + " " + t.value + " was not found when the pack was taken (" + t.status +
                "): its cgroup was removed with the " + (t.kind == "pid" ? std::string("process") : t.kind) +
                ", and its counters with it";
    f.evidence.push_back("targets: " + t.kind + " " + t.value + ", status: " + t.status);
    f.data["kind"] = t.kind;
    f.data["value"] = t.value;
    f.data["status"] = t.status;
    f.next_step = "A deleted cgroup's memory.events survive only in its ancestors (they are hierarchical): collect the "
                  "parent (the pod or QoS slice) with --cgroup, or collect as soon as the pod restarts; this report "
                  "is the record of the kill.";
    out.push_back(std::move(f));
  }
  if (cg.empty() && ev.source.file != pe.path) return;  // another input, about another cgroup
  // A memcg OOM whose cgroup a whole-host pack does not hold (removed before the collect): the
  // host's processes and counters say nothing about it.
  if (cg.empty() && whole_host(pe) && memcg_oom(ev)) {
    ring_buffer_gap(ev, pe, out);
    return;
  }
  const PackCgroup* now = cg.empty() ? nullptr : at(pe, cg, last);
  std::vector<const PackProcess*> procs;
  for (const PackProcess& p : pe.processes)
    if (p.sample == last && (cg.empty() || p.cgroup == cg || p.cgroup.starts_with(cg + "/"))) procs.push_back(&p);

  if (now) {
    Finding f;
    f.id = "working_set";
    f.severity = Severity::kInfo;
    f.title = "The cgroup now (from the pack)";
    note_pack(f, pe, last);
    auto inactive = stat(*now, {"total_inactive_file", "inactive_file"});
    auto cache = stat(*now, {"file", "total_cache", "cache"});
    auto anon = stat(*now, {"anon", "total_rss", "rss"});
    int64_t rss = 0;
    for (const PackProcess* p : procs) rss += p->rss_bytes.value_or(0);
    f.data["cgroup"] = cg;
    if (now->usage_bytes) f.data["usage_bytes"] = *now->usage_bytes;
    if (now->limit_bytes) f.data["limit_bytes"] = *now->limit_bytes;
    if (inactive) f.data["inactive_file_bytes"] = *inactive;
    if (cache) f.data["page_cache_bytes"] = *cache;
    if (anon) f.data["anon_bytes"] = *anon;
    f.data["processes_rss_bytes"] = rss;
    f.verdict = "When the pack was taken, " + cg + " used " + (now->usage_bytes ? hb(*now->usage_bytes) : "?") +
                (now->limit_bytes ? " of " + hb(*now->limit_bytes) : " (no limit)");
    if (now->usage_bytes && inactive) {
      int64_t ws = std::max<int64_t>(0, *now->usage_bytes - *inactive);
      f.data["working_set_bytes"] = ws;
      f.verdict += "; working set " + hb(ws);
      f.evidence.push_back("working set = usage " + hb(*now->usage_bytes) + " - inactive_file " + hb(*inactive) + " = " + hb(ws) +
                           " (kubelet's container_memory_working_set_bytes, the number its eviction and dashboards use)");
    }
    f.verdict += ", processes' RSS " + hb(rss) + (cache ? ", page cache " + hb(*cache) : "");
    if (anon) f.evidence.push_back("anon " + hb(*anon) + (cache ? ", page cache (incl. shmem) " + hb(*cache) : ""));
    f.evidence.push_back(std::to_string(procs.size()) + (procs.size() == 1 ? " process" : " processes") + " in the cgroup, RSS " + hb(rss) +
                         " (RSS double-counts shared pages and misses unmapped page cache and kernel memory)");
    f.next_step = "Compare with the report: if the working set is back near the limit, the same OOM is coming; the "
                  "processes' RSS tells how much is theirs and how much is cache or kernel memory.";
    out.push_back(std::move(f));

    Finding e;
    e.id = "memory_events";
    e.title = "memory.events counters";
    note_pack(e, pe, last);
    e.data["cgroup"] = cg;
    std::string s;
    auto add = [&](const char* k, std::optional<int64_t> v, const char* meaning) {
      if (!v) return;
      e.data[k] = *v;
      s += std::string(s.empty() ? "" : ", ") + k + " " + std::to_string(*v);
      e.evidence.push_back(std::string(k) + " " + std::to_string(*v) + ": " + meaning);
    };
    auto ev_or = [&](const char* k, std::optional<int64_t> col) -> std::optional<int64_t> {
      if (auto it = now->events.find(k); it != now->events.end()) return it->second;
      return col;
    };
    add("high", ev_or("high", std::nullopt), "times usage went over memory.high and was throttled/reclaimed");
    add("max", ev_or("max", std::nullopt), "times usage hit memory.max and had to reclaim");
    add("failcnt", now->failcnt, "times the v1 limit was hit (v1 memory.failcnt)");
    add("oom", ev_or("oom", now->oom_events), "times the limit could not be met and the OOM killer was invoked");
    // memory.events exists on v2 only, where memory.oom.group does too.
    const bool v2 = !now->events.empty();
    add("oom_kill", ev_or("oom_kill", now->oom_kill),
        v2 ? "kills by the OOM killer in this cgroup (one per `Killed process` line; a group kill counts its first "
             "victim twice)"
           : "kills by the OOM killer in this cgroup (one per `Killed process` line)");
    add("oom_group_kill", ev_or("oom_group_kill", now->oom_group_kill), "whole-cgroup kills (memory.oom.group)");
    if (!s.empty()) {
      const int64_t kills = ev_or("oom_kill", now->oom_kill).value_or(0);
      // Repeated OOMs, not repeated kills: one group kill kills several processes (and counts
      // its first victim twice) in one OOM. v2 counts the OOMs (`oom`); v1 only the kills.
      const std::optional<int64_t> ooms = ev_or("oom", now->oom_events);
      const int64_t repeats = ooms ? *ooms : kills;
      e.severity = repeats > 1 ? Severity::kWarning : Severity::kInfo;
      e.verdict = "Counters of " + cg + ": " + s;
      if (kills > 1) {
        e.verdict += ": " + std::to_string(kills) + " OOM kills counted in this cgroup";
        if (const int64_t groups = ev_or("oom_group_kill", now->oom_group_kill).value_or(0); groups > 0)
          e.verdict += ", " + std::to_string(groups) + " group kill" + (groups > 1 ? "s" : "") + " (memory.oom.group)";
      }
      e.data["killed_lines_in_log"] = pe.killed_lines;
      if (kills > pe.killed_lines) {
        // The kernel prints `Killed process` for every kill it counts (a victim found already
        // exiting is neither printed as killed nor counted): kills beyond the log's lines have
        // their report elsewhere (a log that starts later or was not collected, lost records).
        // The report finding oom_kill_no_kernel_record attributes them per cgroup.
        e.severity = Severity::kWarning;
        e.data["kills_without_kernel_line"] = kills - pe.killed_lines;
        e.evidence.push_back(std::to_string(kills - pe.killed_lines) + " of the " + std::to_string(kills) +
                             " kills have no `Killed process` line in the pack's kernel log (a log that starts "
                             "later or was not collected, or lost records)");
        e.verdict += "; " + std::to_string(kills - pe.killed_lines) + " of them with no kernel line in this log";
      }
      e.next_step = repeats > 1 ? "Repeated OOMs: a restart loop with the same limit; fix the root cause or the limit."
                    : kills > 1 ? "One OOM that killed several processes (a group kill): the report above is the one to act on."
                                : "A single kill: the report above is the one to act on.";
      out.push_back(std::move(e));
    }
  }

  // Kernel threads have no memory (no RSS, no smaps_rollup): they are not candidates.
  std::vector<const PackProcess*> top;
  for (const PackProcess* p : procs)
    if ((p->rss_bytes && *p->rss_bytes > 0) || (p->uss_bytes && *p->uss_bytes > 0)) top.push_back(p);
  if (!top.empty()) {
    // By USS; a process whose smaps_rollup could not be read (EACCES: no USS) comes after every
    // process with one, by RSS: an RSS is not private memory and must not outrank a USS.
    std::sort(top.begin(), top.end(), [](const PackProcess* a, const PackProcess* b) {
      if (a->uss_bytes.has_value() != b->uss_bytes.has_value()) return a->uss_bytes.has_value();
      return a->uss_bytes.value_or(a->rss_bytes.value_or(0)) > b->uss_bytes.value_or(b->rss_bytes.value_or(0));
    });
    if (top.size() > 5) top.resize(5);
    Finding f;
    f.id = "process_memory";
    f.severity = Severity::kInfo;
    f.title = "Processes by private memory (from the pack)";
    note_pack(f, pe, last);
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const PackProcess* p : top) {
      f.evidence.push_back(p->comm + " (pid " + std::to_string(p->pid) + "): USS " + (p->uss_bytes ? hb(*p->uss_bytes) : "?") +
                           ", PSS " + (p->pss_bytes ? hb(*p->pss_bytes) : "?") + ", RSS " +
                           (p->rss_bytes ? hb(*p->rss_bytes) : "?") + " (anon " +
                           (p->rss_anon_bytes ? hb(*p->rss_anon_bytes) : "?") + ")" +
                           (p->swap_bytes && *p->swap_bytes ? ", swap " + hb(*p->swap_bytes) : ""));
      nlohmann::ordered_json j = {{"pid", p->pid}, {"comm", p->comm}};
      j["uss_bytes"] = p->uss_bytes ? nlohmann::ordered_json(*p->uss_bytes) : nlohmann::ordered_json(nullptr);
      j["pss_bytes"] = p->pss_bytes ? nlohmann::ordered_json(*p->pss_bytes) : nlohmann::ordered_json(nullptr);
      j["rss_bytes"] = p->rss_bytes ? nlohmann::ordered_json(*p->rss_bytes) : nlohmann::ordered_json(nullptr);
      arr.push_back(j);
    }
    f.data["processes"] = arr;
    const PackProcess* p = top[0];
    if (p->uss_bytes)
      f.verdict = p->comm + " (pid " + std::to_string(p->pid) + ") holds the most private memory: USS " +
                  hb(*p->uss_bytes) + " of RSS " + (p->rss_bytes ? hb(*p->rss_bytes) : "?");
    else
      f.verdict = "No USS in the pack (smaps_rollup was not readable); the largest RSS is " + p->comm + " (pid " +
                  std::to_string(p->pid) + "): " + (p->rss_bytes ? hb(*p->rss_bytes) : "?");
    f.next_step = "USS is what killing the process would free; PSS adds its fair share of shared pages. Start with the "
                  "largest USS.";
    out.push_back(std::move(f));
  }

  // Mappings of the largest process in the target that has its smaps in the pack.
  const PackMappings* maps = nullptr;
  const PackMappings* maps_first = nullptr;
  for (const PackMappings& m : pe.mappings) {
    if (m.sample != last) continue;
    bool in = std::any_of(procs.begin(), procs.end(), [&](const PackProcess* p) { return p->pid == m.pid; });
    if (!in) continue;
    if (!maps || m.private_dirty_bytes > maps->private_dirty_bytes) maps = &m;
  }
  if (maps)
    for (const PackMappings& m : pe.mappings)
      if (m.pid == maps->pid && m.sample == first && first != last) maps_first = &m;
  std::string comm;
  if (maps)
    for (const PackProcess* p : procs)
      if (p->pid == maps->pid) comm = p->comm;
  if (maps && maps->private_dirty_bytes > 0) {
    Finding f;
    f.id = "anon_mappings";
    f.severity = Severity::kInfo;
    f.title = "Where the private dirty memory is";
    note_pack(f, pe, last);
    const double anon_share = static_cast<double>(maps->anon_private_dirty_bytes + maps->heap_private_dirty_bytes) /
                              static_cast<double>(maps->private_dirty_bytes);
    f.verdict = comm + " (pid " + std::to_string(maps->pid) + "): " + hb(maps->private_dirty_bytes) +
                " private dirty, " + pct(anon_share) + " of it anonymous: [heap] " + hb(maps->heap_private_dirty_bytes) +
                ", " + std::to_string(maps->anon_regions) + " anonymous regions " + hb(maps->anon_private_dirty_bytes);
    std::string top = "largest:";
    for (const auto& [name, b] : maps->top) top += " " + name + " " + hb(b) + ",";
    top.pop_back();
    f.evidence.push_back(top);
    f.evidence.push_back(std::to_string(maps->maps) + " mappings in its smaps");
    f.data["pid"] = maps->pid;
    f.data["private_dirty_bytes"] = maps->private_dirty_bytes;
    f.data["heap_private_dirty_bytes"] = maps->heap_private_dirty_bytes;
    f.data["anon_private_dirty_bytes"] = maps->anon_private_dirty_bytes;
    f.data["anon_regions"] = maps->anon_regions;
    // A warning only when it could have filled the limit: a small survivor (the real v2 pod's
    // 4 MiB sidecar next to the 64 MiB limit its killed neighbour filled) is context.
    const bool material = !now || !now->limit_bytes || *now->limit_bytes <= 0 ||
                          static_cast<int64_t>(maps->private_dirty_bytes) * 4 >= *now->limit_bytes;
    if (!material)
      f.evidence.push_back(hb(maps->private_dirty_bytes) + " is " +
                           pct(static_cast<double>(maps->private_dirty_bytes) / static_cast<double>(*now->limit_bytes)) +
                           " of the " + hb(static_cast<uint64_t>(*now->limit_bytes)) +
                           " limit of " + cg + ": too little to have filled it");
    f.data["material"] = material;
    f.severity = anon_share >= 0.5 && material ? Severity::kWarning : Severity::kInfo;
    f.next_step = "Private dirty anonymous memory is the heap: profile allocations in " + comm +
                  " (heaptrack, jemalloc/tcmalloc profiling, the runtime's heap dump).";
    out.push_back(std::move(f));
  }
  if (maps && maps->arenas >= 4 && maps->arena_private_dirty_bytes * 2 >= maps->anon_private_dirty_bytes &&
      maps->arena_private_dirty_bytes > 0) {
    Finding f;
    f.id = "malloc_arenas";
    f.severity = Severity::kWarning;
    f.title = "glibc malloc arenas";
    note_pack(f, pe, last);
    f.verdict = comm + " (pid " + std::to_string(maps->pid) + ") has " + std::to_string(maps->arenas) +
                " glibc malloc arenas (64 MiB-aligned anonymous heaps) holding " + hb(maps->arena_private_dirty_bytes) +
                " private dirty; each reserves 64 MiB of address space";
    f.evidence.push_back(std::to_string(maps->arenas) + " anonymous rw regions aligned to 64 MiB with their ---p "
                         "reserve: the per-thread arenas glibc creates (up to 8 x cores)");
    f.evidence.push_back("arena private dirty " + hb(maps->arena_private_dirty_bytes) + " of " +
                         hb(maps->anon_private_dirty_bytes) + " in anonymous regions");
    f.data["pid"] = maps->pid;
    f.data["arenas"] = maps->arenas;
    f.data["arena_private_dirty_bytes"] = maps->arena_private_dirty_bytes;
    f.next_step = "Cap the arenas with MALLOC_ARENA_MAX=2 (or 4) in the container's environment, or switch to "
                  "jemalloc/tcmalloc; freed memory in many arenas is not returned (fragmentation), so RSS grows with the "
                  "number of threads.";
    out.push_back(std::move(f));
  }

  if (pe.samples.size() >= 2) {
    const double secs = static_cast<double>(pe.samples.back().monotonic_usec - pe.samples.front().monotonic_usec) / 1e6;
    if (secs > 0) {
      Finding f;
      f.id = "growth";
      f.severity = Severity::kInfo;
      f.title = "Growth across samples";
      note_pack(f, pe, last);
      f.data["seconds"] = secs;
      f.data["samples"] = pe.samples.size();
      const PackCgroup* c0 = cg.empty() ? nullptr : at(pe, cg, first);
      double cg_rate = 0;
      if (c0 && now && c0->usage_bytes && now->usage_bytes) {
        int64_t d = *now->usage_bytes - *c0->usage_bytes;
        cg_rate = static_cast<double>(d) / secs;
        f.data["cgroup_usage_delta_bytes"] = d;
        f.evidence.push_back(cg + ": usage " + hb(*c0->usage_bytes) + " -> " + hb(*now->usage_bytes) + " in " +
                             [&] { char b[32]; std::snprintf(b, sizeof b, "%.1f s", secs); return std::string(b); }() +
                             " (" + rate(cg_rate) + ")");
      }
      struct G { std::string comm; int64_t pid, d; };
      std::vector<G> grew;
      for (const PackProcess* p : procs)
        for (const PackProcess& q : pe.processes)
          if (q.sample == first && q.pid == p->pid && q.rss_bytes && p->rss_bytes)
            grew.push_back({p->comm, p->pid, *p->rss_bytes - *q.rss_bytes});
      std::sort(grew.begin(), grew.end(), [](const G& a, const G& b) { return a.d > b.d; });
      for (size_t i = 0; i < grew.size() && i < 3; ++i)
        f.evidence.push_back(grew[i].comm + " (pid " + std::to_string(grew[i].pid) + "): RSS " +
                             (grew[i].d >= 0 ? "+" : "-") + hb(std::abs(grew[i].d)) + " (" +
                             rate(static_cast<double>(grew[i].d) / secs) + ")");
      if (maps && maps_first) {
        int64_t dh = maps->heap_private_dirty_bytes - maps_first->heap_private_dirty_bytes;
        int64_t da = maps->anon_private_dirty_bytes - maps_first->anon_private_dirty_bytes;
        f.evidence.push_back("in " + comm + "'s mappings: [heap] " + (dh >= 0 ? "+" : "-") + hb(std::abs(dh)) +
                             ", anonymous regions " + (da >= 0 ? "+" : "-") + hb(std::abs(da)) +
                             (maps->arenas ? " (" + std::to_string(maps->arenas) + " arenas)" : ""));
        f.data["heap_delta_bytes"] = dh;
        f.data["anon_regions_delta_bytes"] = da;
      }
      if (!grew.empty() && grew[0].d > 0) {
        f.severity = Severity::kWarning;
        f.verdict = grew[0].comm + " (pid " + std::to_string(grew[0].pid) + ") grew " + hb(grew[0].d) + " in " +
                    [&] { char b[32]; std::snprintf(b, sizeof b, "%.1f s", secs); return std::string(b); }() + " (" +
                    rate(static_cast<double>(grew[0].d) / secs) + ")";
        f.data["top_grower_pid"] = grew[0].pid;
        f.data["top_grower_comm"] = grew[0].comm;
        f.data["top_grower_delta_bytes"] = grew[0].d;
      } else {
        f.verdict = "No process in the target grew across the " + std::to_string(pe.samples.size()) + " samples";
      }
      if (cg_rate > 0 && now && now->limit_bytes && now->usage_bytes && *now->limit_bytes > *now->usage_bytes) {
        double eta = static_cast<double>(*now->limit_bytes - *now->usage_bytes) / cg_rate;
        f.data["seconds_to_limit"] = eta;
        char b[64];
        std::snprintf(b, sizeof b, "%.0f s", eta);
        f.verdict += std::string("; at this rate the cgroup reaches its limit in ") + b;
      }
      f.next_step = "The grower is the process to profile; take another pack later (or --samples N --interval S) to "
                    "tell a leak (steady growth) from a warm-up (growth that stops).";
      out.push_back(std::move(f));
    }
  }

  ring_buffer_gap(ev, pe, out);
}

}  // namespace oomscope::findings
