#include "analyzer/findings/report.h"

#include <algorithm>

#include "analyzer/findings/kubernetes.h"

namespace oomscope {

void ReportFacts::add(const OomEvent& ev) {
  EventDigest d;
  d.file = ev.source.file;
  d.first_line = ev.source.first_line;
  d.timestamp = ev.timestamp;
  d.kills = std::max<uint64_t>(ev.kill_lines, ev.victims.size());
  for (const Killed& k : ev.victims) {
    if (d.victims.size() == 4) break;
    d.victims.push_back(k.comm.value_or("?") + " (pid " + (k.pid ? std::to_string(*k.pid) : std::string("?")) + ")");
  }
  if (ev.memcg) {
    d.task_memcg = ev.memcg->task_memcg;
    d.oom_memcg = ev.memcg->oom_memcg;
    d.stats_path = ev.memcg->stats_path;
    for (const auto* p : {&d.task_memcg, &d.oom_memcg, &d.stats_path}) {
      if (!*p) continue;
      if (auto k = parse_k8s_path(**p)) {
        if (d.pod_uid.empty()) d.pod_uid = k->pod_uid;
        if (d.container_id.empty()) d.container_id = k->container_id;
      }
    }
  }
  if (d.container_id.empty() && ev.cpuset) d.container_id = container_id_from_cpuset(*ev.cpuset);
  d.events = 1;
  auto merge_into = [&](const std::string& key, EventDigest&& digest) {
    if (auto it = index_.find(key); it != index_.end()) {
      EventDigest& m = events_[it->second];
      m.kills += digest.kills;
      m.events += digest.events;
      for (std::string& v : digest.victims)
        if (m.victims.size() < 4) m.victims.push_back(std::move(v));
      return true;
    }
    if (index_.size() >= kMaxDigests) return false;
    index_.emplace(key, events_.size());
    events_.push_back(std::move(digest));
    return true;
  };
  const char sep = '\x1f';
  std::string key = d.file + sep + d.task_memcg.value_or("") + sep + d.oom_memcg.value_or("") + sep +
                    d.stats_path.value_or("") + sep + d.pod_uid + sep + d.container_id;
  if (merge_into(key, EventDigest(d))) return;
  // Too many distinct cgroups: keep only the kill count, unattributed, in one digest per file
  // (the bound above leaves room for these: at most one more per input file).
  overflowed_ = true;
  EventDigest rest;
  rest.file = d.file;
  rest.first_line = d.first_line;
  rest.kills = d.kills;
  rest.events = 1;
  const std::string rest_key = d.file + sep + "(overflow)";
  if (auto it = index_.find(rest_key); it != index_.end()) {
    events_[it->second].kills += rest.kills;
    events_[it->second].events += 1;
  } else {
    index_.emplace(rest_key, events_.size());
    events_.push_back(std::move(rest));
  }
}

std::vector<Finding> find_report(const ReportFacts& facts, const FindingContext& ctx) {
  static constexpr findings::ReportRule kReportRules[] = {findings::oom_kill_no_kernel_record,
                                                          findings::pod_terminations};
  std::vector<Finding> out;
  for (findings::ReportRule r : kReportRules) r(facts, ctx, out);
  std::stable_sort(out.begin(), out.end(),
                   [](const Finding& a, const Finding& b) { return a.severity < b.severity; });
  return out;
}

namespace findings {

bool cgroup_path_matches(const std::string& kernel_path, const std::string& pack_path) {
  if (kernel_path == pack_path) return true;
  auto suffix = [](const std::string& longer, const std::string& shorter) {
    return shorter.size() > 1 && longer.size() > shorter.size() && longer.ends_with(shorter) &&
           (shorter.front() == '/' || longer[longer.size() - shorter.size() - 1] == '/');
  };
  return suffix(pack_path, kernel_path) || suffix(kernel_path, pack_path);
}

}  // namespace findings
}  // namespace oomscope
