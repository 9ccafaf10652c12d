#include "analyzer/findings/report.h"

#include <algorithm>

#include "analyzer/findings/kubernetes.h"

namespace oomscope {

void ReportFacts::add(const OomEvent& ev) {
  EventDigest d;
  d.file = ev.source.file;
  d.first_line = ev.source.first_line;
  d.timestamp = ev.timestamp;
  d.kills = ev.victims.size();
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
  events_.push_back(std::move(d));
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
