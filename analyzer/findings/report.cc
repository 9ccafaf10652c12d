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

EventDigest ReportFacts::digest(const OomEvent& ev) {
  EventDigest d;
  d.file = ev.source.file;
  d.first_line = ev.source.first_line;
  d.timestamp = ev.timestamp;
  d.kills = std::max<uint64_t>(ev.kill_lines, ev.victims.size());
  d.events = 1;
  for (const Killed& k : ev.victims) {
    if (d.victims.size() == 4) break;
    d.victims.push_back(victim_name(k));
  }
  if (const Memcg* m = ev.memcg ? &*ev.memcg : nullptr) {
    d.task_memcg = m->task_memcg;
    d.oom_memcg = m->oom_memcg;
    d.stats_path = m->stats_path;
    for (const auto* p : {&m->task_memcg, &m->oom_memcg, &m->stats_path}) {
      if (!d.pod_uid.empty() && !d.container_id.empty()) break;  // the later paths cannot change them
      if (!*p) continue;
      if (auto k = parse_k8s_path(**p)) {
        if (d.pod_uid.empty()) d.pod_uid = std::move(k->pod_uid);
        if (d.container_id.empty()) d.container_id = std::move(k->container_id);
      }
    }
  }
  if (d.container_id.empty() && ev.cpuset) d.container_id = container_id_from_cpuset(*ev.cpuset);
  return d;
}

// A digest of a key seen before only adds its kills and victims to that key's digest.
void ReportFacts::add(EventDigest&& d) {
  auto path = [](const std::optional<std::string>& p) -> std::string_view { return p ? std::string_view(*p) : ""; };
  const char sep = '\x1f';
  key_.clear();
  for (std::string_view part : {std::string_view(d.file), path(d.task_memcg), path(d.oom_memcg), path(d.stats_path),
                                std::string_view(d.pod_uid)}) {
    key_ += part;
    key_ += sep;
  }
  key_ += d.container_id;
  if (auto it = index_.find(key_); it != index_.end()) {
    EventDigest& into = events_[it->second];
    into.kills += d.kills;
    into.events += d.events;
    for (std::string& v : d.victims) {
      if (into.victims.size() >= 4) break;
      into.victims.push_back(std::move(v));
    }
    return;
  }
  if (index_.size() < kMaxDigests) {
    index_.emplace(key_, events_.size());
    events_.push_back(std::move(d));
    return;
  }
  // Too many distinct cgroups: keep only the kill count, unattributed, in one digest per file
  // (the bound above leaves room for these: at most one more per input file).
  overflowed_ = true;
  const std::string rest_key = d.file + sep + "(overflow)";
  if (auto it = index_.find(rest_key); it != index_.end()) {
    events_[it->second].kills += d.kills;
    events_[it->second].events += d.events;
  } else {
    EventDigest rest;
    rest.file = std::move(d.file);
    rest.first_line = d.first_line;
    rest.kills = d.kills;
    rest.events = d.events;
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
