#include "analyzer/findings/report.h"

#include <algorithm>

#include "analyzer/findings/kubernetes.h"

namespace oomscope {

namespace {

// victim_name(): how a digest names a victim: "comm (pid N)".
std::string victim_name(const Killed& k) {
  return k.comm.value_or("?") + " (pid " + (k.pid ? std::to_string(*k.pid) : std::string("?")) + ")";
}

}  // namespace

// An event of a key seen before only adds its kills and victims to that key's digest: the
// key is built first (in a buffer kept across events) and the digest only for a new key.
void ReportFacts::add(const OomEvent& ev) {
  const size_t kills = std::max<uint64_t>(ev.kill_lines, ev.victims.size());
  const Memcg* m = ev.memcg ? &*ev.memcg : nullptr;
  auto path = [](const std::optional<std::string>& p) -> std::string_view { return p ? std::string_view(*p) : ""; };
  std::string pod_uid, container_id;
  if (m) {
    for (const auto* p : {&m->task_memcg, &m->oom_memcg, &m->stats_path}) {
      if (!pod_uid.empty() && !container_id.empty()) break;  // the later paths cannot change them
      if (!*p) continue;
      if (auto k = parse_k8s_path(**p)) {
        if (pod_uid.empty()) pod_uid = std::move(k->pod_uid);
        if (container_id.empty()) container_id = std::move(k->container_id);
      }
    }
  }
  if (container_id.empty() && ev.cpuset) container_id = container_id_from_cpuset(*ev.cpuset);
  const char sep = '\x1f';
  key_.clear();
  for (std::string_view part : {std::string_view(ev.source.file), m ? path(m->task_memcg) : "", m ? path(m->oom_memcg) : "",
                                m ? path(m->stats_path) : "", std::string_view(pod_uid)}) {
    key_ += part;
    key_ += sep;
  }
  key_ += container_id;
  if (auto it = index_.find(key_); it != index_.end()) {
    EventDigest& d = events_[it->second];
    d.kills += kills;
    d.events += 1;
    for (const Killed& k : ev.victims) {
      if (d.victims.size() >= 4) break;
      d.victims.push_back(victim_name(k));
    }
    return;
  }
  if (index_.size() < kMaxDigests) {
    EventDigest d;
    d.file = ev.source.file;
    d.first_line = ev.source.first_line;
    d.timestamp = ev.timestamp;
    d.kills = kills;
    for (const Killed& k : ev.victims) {
      if (d.victims.size() == 4) break;
      d.victims.push_back(victim_name(k));
    }
    if (m) {
      d.task_memcg = m->task_memcg;
      d.oom_memcg = m->oom_memcg;
      d.stats_path = m->stats_path;
    }
    d.pod_uid = std::move(pod_uid);
    d.container_id = std::move(container_id);
    d.events = 1;
    index_.emplace(key_, events_.size());
    events_.push_back(std::move(d));
    return;
  }
  // Too many distinct cgroups: keep only the kill count, unattributed, in one digest per file
  // (the bound above leaves room for these: at most one more per input file).
  overflowed_ = true;
  const std::string rest_key = ev.source.file + sep + "(overflow)";
  if (auto it = index_.find(rest_key); it != index_.end()) {
    events_[it->second].kills += kills;
    events_[it->second].events += 1;
  } else {
    EventDigest rest;
    rest.file = ev.source.file;
    rest.first_line = ev.source.first_line;
    rest.kills = kills;
    rest.events = 1;
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
