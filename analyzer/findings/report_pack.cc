// oom_kill_no_kernel_record: the kernel counted OOM kills the pack's kernel log has no record of.
//
// The kernel raises the oom_kill counters (/proc/vmstat oom_kill, the victim's memcg v1
// memory.oom_control oom_kill, v2 memory.events oom_kill, hierarchical) in __oom_kill_process(),
// right before it prints `Killed process` (mm/oom_kill.c); that line is not rate limited. So
// on a complete log every counted kill has its line. When a counter is higher than the kill
// records the pack's log holds for that cgroup, records are missing: the ring buffer wrapped
// before the collection (or while the log was read), the log given with --kernel-log is not
// the right one, /dev/kmsg was not readable (dmesg_restrict, a container without
// CAP_SYSLOG), or the kill happened in an earlier boot's log... The counters are the proof
// that the kills happened; the reports are what is missing.
//
// A kill line is attributed to a cgroup by its report's task_memcg (the victim's cgroup, whose
// counter the kernel raises). Kill lines without one (rate-limited bare `Killed process` lines,
// kernels before 4.19) could be anyone's: they are subtracted from every counter, so the finding
// is only made when the counter exceeds what the log could possibly account for.
#include <algorithm>
#include <map>

#include "analyzer/findings/pack_evidence.h"
#include "analyzer/findings/report.h"

namespace oomscope::findings {

namespace {

bool under(const std::string& path, const std::string& ancestor) {
  if (ancestor == "/") return true;
  return path.size() > ancestor.size() && path.starts_with(ancestor) && path[ancestor.size()] == '/';
}

std::string why_missing(const PackEvidence& pe) {
  auto meta = [&](const char* k) -> std::string {
    auto it = pe.meta.find(k);
    return it == pe.meta.end() ? std::string() : it->second;
  };
  std::string source = meta("kernel_log_source");
  std::string s = "the pack's kernel log has " + std::to_string(pe.kernel_log_rows) + " lines (source: " +
                  (source.empty() ? std::string("unknown") : source) + ")";
  if (source == "files") s += ": a log given with --kernel-log, which may not cover the kills";
  else if (source == "none" || pe.kernel_log_rows == 0) s += ": no kernel log could be read (dmesg_restrict, no CAP_SYSLOG in a container)";
  else if (source == "kmsg" && pe.first_kmsg_seq && *pe.first_kmsg_seq > 0)
    s += ": /dev/kmsg started at sequence " + std::to_string(*pe.first_kmsg_seq) +
         ", so the ring buffer had already dropped the records before it";
  if (pe.kernel_log_gaps > 0) s += "; " + std::to_string(pe.kernel_log_gaps) + " gap(s) while reading";
  return s;
}

}  // namespace

void oom_kill_no_kernel_record(const ReportFacts& facts, const FindingContext& ctx, std::vector<Finding>& out) {
  if (!ctx.pack) return;
  const PackEvidence& pe = *ctx.pack;
  auto v = pe.meta.find("memory_cgroup_version");
  const bool hierarchical = v != pe.meta.end() && v->second == "2";  // v2 memory.events counts descendants
  int64_t last = 0;
  for (const PackCgroup& c : pe.cgroups) last = std::max(last, c.sample);

  // The pack's own kernel log: its kill lines, by the victim's cgroup.
  std::vector<std::pair<std::string, size_t>> attributed;  // (task_memcg, kills)
  size_t unattributed = 0, total = 0;
  for (const EventDigest& d : facts.events()) {
    if (d.file != pe.path || d.kills == 0) continue;
    total += d.kills;
    if (d.task_memcg) attributed.emplace_back(*d.task_memcg, d.kills);
    else unattributed += d.kills;
  }

  struct Gap {
    const PackCgroup* c;
    int64_t counter;
    size_t records;
    int64_t missing;
  };
  std::vector<Gap> gaps;
  for (const PackCgroup& c : pe.cgroups) {
    if (c.sample != last) continue;
    std::optional<int64_t> kills = c.oom_kill;
    if (auto it = c.events.find("oom_kill"); it != c.events.end()) kills = it->second;
    if (!kills || *kills <= 0) continue;
    size_t records = 0;
    for (const auto& [memcg, n] : attributed)
      if (cgroup_path_matches(memcg, c.path) || (hierarchical && under(memcg, c.path))) records += n;
    const int64_t missing = *kills - static_cast<int64_t>(records + unattributed);
    if (missing > 0) gaps.push_back({&c, *kills, records, missing});
  }
  // v2 counters are hierarchical: an ancestor's gap that its reported descendants already
  // explain is not reported again.
  std::sort(gaps.begin(), gaps.end(), [](const Gap& a, const Gap& b) { return a.c->path.size() > b.c->path.size(); });
  std::vector<const Gap*> reported;
  for (const Gap& g : gaps) {
    int64_t explained = 0;
    if (hierarchical)
      for (const Gap* r : reported) {
        if (!under(r->c->path, g.c->path)) continue;
        bool nested = std::any_of(reported.begin(), reported.end(), [&](const Gap* o) {
          return o != r && under(o->c->path, g.c->path) && under(r->c->path, o->c->path);
        });
        if (!nested) explained += r->missing;
      }
    if (g.missing - explained <= 0) continue;
    reported.push_back(&g);
    Finding f;
    f.id = "oom_kill_no_kernel_record";
    f.severity = Severity::kWarning;
    f.title = "OOM kills with no kernel record";
    const int64_t m = g.missing - explained;
    f.verdict = "The kernel counted " + std::to_string(g.counter) + " OOM kill" + (g.counter == 1 ? "" : "s") + " in " +
                g.c->path + " but the pack's kernel log has " + std::to_string(g.records) + " kill record" +
                (g.records == 1 ? "" : "s") + " for it: " + std::to_string(m) + " kill" + (m == 1 ? "" : "s") +
                " happened with no report here";
    f.evidence.push_back(std::string(hierarchical ? "memory.events oom_kill " : "memory.oom_control oom_kill ") +
                         std::to_string(g.counter) + " (" + g.c->role + " cgroup, sample " + std::to_string(last) +
                         "): the kernel raises it for every process its OOM killer kills");
    f.evidence.push_back(std::to_string(g.records) + " `Killed process` line(s) whose report names " + g.c->path +
                         (hierarchical ? " or a cgroup below it" : "") + " as the victim's cgroup (task_memcg)" +
                         (unattributed ? "; " + std::to_string(unattributed) +
                                             " more kill line(s) name no cgroup and were counted as if they were its"
                                       : std::string()));
    f.evidence.push_back(why_missing(pe));
    f.data["scope"] = "cgroup";
    f.data["cgroup"] = g.c->path;
    f.data["role"] = g.c->role;
    f.data["cgroup_version"] = hierarchical ? 2 : 1;
    f.data["oom_kill"] = g.counter;
    f.data["kernel_kill_records"] = g.records;
    f.data["unattributed_kill_records"] = unattributed;
    f.data["kills_without_record"] = m;
    f.data["kernel_log_lines"] = pe.kernel_log_rows;
    f.data["pack"] = pe.path;
    f.next_step = "The kills are real (the counter says so); find their reports: journalctl -k (or /var/log/kern.log, "
                  "syslog) on that node around the kill, or the node's log shipper; if none has them, the ring buffer "
                  "wrapped: enlarge it (log_buf_len=) and collect sooner after the kill (`oomscope collect` reads "
                  "/dev/kmsg; in a container it needs CAP_SYSLOG and dmesg_restrict=0 or root).";
    out.push_back(std::move(f));
  }

  // The node-wide counter: /proc/vmstat oom_kill counts every kill since boot.
  if (!pe.vmstat_oom_kill.empty()) {
    const int64_t node = pe.vmstat_oom_kill.back().second;
    if (node > static_cast<int64_t>(total)) {
      Finding f;
      f.id = "oom_kill_no_kernel_record";
      f.severity = reported.empty() ? Severity::kWarning : Severity::kInfo;
      f.title = "OOM kills with no kernel record";
      const int64_t m = node - static_cast<int64_t>(total);
      f.verdict = "/proc/vmstat oom_kill says this node killed " + std::to_string(node) + " process" +
                  (node == 1 ? "" : "es") + " since boot, the pack's kernel log records " + std::to_string(total) +
                  ": " + std::to_string(m) + " kill" + (m == 1 ? "" : "s") + " left no report in it";
      f.evidence.push_back("/proc/vmstat oom_kill " + std::to_string(node) + " (sample " +
                           std::to_string(pe.vmstat_oom_kill.back().first) + ")");
      f.evidence.push_back(std::to_string(total) + " `Killed process` line(s) in the pack's kernel log");
      f.evidence.push_back(why_missing(pe));
      f.data["scope"] = "node";
      f.data["oom_kill"] = node;
      f.data["kernel_kill_records"] = total;
      f.data["kills_without_record"] = m;
      f.data["kernel_log_lines"] = pe.kernel_log_rows;
      f.data["pack"] = pe.path;
      f.next_step = "Read the node's persistent log (journalctl -k -b, /var/log/kern.log) for the missing reports; the "
                    "cgroups' memory.events oom_kill say where they happened.";
      out.push_back(std::move(f));
    }
  }
}

}  // namespace oomscope::findings
