// which_limit: which limit was hit: a container's, a pod's, a QoS slice's, the node's
// allocatable (kubepods), a Docker container's, another cgroup's, memory+swap, the whole
// machine, a cpuset or a NUMA memory policy. Compares oom_memcg (whose limit was hit) with
// task_memcg (where the victim lived).
#include "analyzer/findings/facts.h"
#include "analyzer/findings/kubernetes.h"
#include "analyzer/findings/rules.h"
#include "analyzer/summary.h"

namespace oomscope::findings {

namespace {

// `k8s` is parse_k8s_path(path) (EventFacts has it).
std::string cgroup_kind(const std::string& path, const std::optional<K8sPath>& k8s, std::string* detail) {
  if (const auto& k = k8s) {
    if (k->level == "container") { *detail = "the container's own limit"; return "container"; }
    if (k->level == "pod") { *detail = "the pod's limit (the sum of its containers' limits)"; return "pod"; }
    if (k->level == "qos") { *detail = cat({"the ", k->qos, " QoS slice's limit"}); return "qos"; }
    *detail = "the node allocatable limit on all pods (kubepods)";
    return "node_allocatable";
  }
  std::string rt;
  if (path.find("/docker/") != std::string::npos || path.find("docker-") != std::string::npos ||
      !container_id_from_cpuset(path, &rt).empty()) {
    *detail = "a container's limit";
    return "container";
  }
  if (path.ends_with(".service") || path.ends_with(".scope") || path.ends_with(".slice")) {
    *detail = "the systemd unit's MemoryMax/MemoryLimit";
    return "systemd_unit";
  }
  *detail = "the cgroup's limit";
  return "cgroup";
}

}  // namespace

void which_limit(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out) {
  const ReportLineIndex& lines = facts_of(ctx).lines;
  if (facts_of(ctx).manual_oom) return;  // manual_oom says it: no limit was hit
  Finding f = event_finding("which_limit", Severity::kInfo, "Which limit was hit");
  const Composition& c = facts_of(ctx).composition;
  const bool memcg = ev.memcg && (ev.memcg->oom_memcg || ev.memcg->limit_kb) &&
                     !(ev.constraint && *ev.constraint != "CONSTRAINT_MEMCG");
  if (memcg) {
    const Memcg& m = *ev.memcg;
    std::string detail;
    std::string kind = m.oom_memcg ? cgroup_kind(*m.oom_memcg, facts_of(ctx).oom_k8s, &detail) : std::string("cgroup");
    if (detail.empty()) detail = "the cgroup's limit";
    f.data["scope"] = kind;
    f.data["oom_memcg"] = m.oom_memcg.value_or("");
    if (m.task_memcg) f.data["task_memcg"] = *m.task_memcg;
    if (c.limit_bytes) f.data["limit_bytes"] = *c.limit_bytes;
    f.data["limit_label"] = c.limit_label;
    const bool memsw = c.limit_label == "memory+swap limit";
    f.verdict = cat({"A memory cgroup limit, not the machine: ", detail, c.limit_bytes ? ", " : "",
                     c.limit_bytes ? human_bytes(*c.limit_bytes) : std::string(), c.limit_bytes && memsw ? " memory+swap" : ""});
    if (m.oom_memcg) f.evidence.push_back(cat({"oom_memcg (whose limit was hit): ", *m.oom_memcg}));
    if (m.task_memcg && m.task_memcg != m.oom_memcg) {
      f.evidence.push_back(cat({"task_memcg (where the victim lived): ", *m.task_memcg}));
      std::string vdetail;
      std::string vkind = cgroup_kind(*m.task_memcg, facts_of(ctx).task_k8s, &vdetail);
      if (kind == "pod" && vkind == "container")
        f.evidence.push_back("the pod slice hit its limit while the victim is in a container scope: the pod's cgroup "
                             "is charged for all its containers (and the pause container), so it reaches its limit "
                             "first when a container's own limit is as high or higher, or there is none");
    }
    if (m.usage_kb && m.limit_kb)
      f.evidence.push_back(cat({"memory usage ", human_bytes(*m.usage_kb * 1024), " of ", human_bytes(*m.limit_kb * 1024),
                                m.failcnt ? ", failcnt " : "", m.failcnt ? std::to_string(*m.failcnt) : std::string()}));
    if (memsw) f.evidence.push_back("memory itself was below its limit; memory+swap was not");
    // v1 charges memory+swap before memory: with the two limits equal (no swap headroom) the
    // memory+swap counter refuses the charges and counts them (016: failcnt 2339 against 0).
    if (m.memsw_usage_kb && m.memsw_limit_kb && m.memsw_failcnt && *m.memsw_failcnt > m.failcnt.value_or(0))
      f.evidence.push_back("memory+swap usage " + human_bytes(*m.memsw_usage_kb * 1024) + " of " +
                           human_bytes(*m.memsw_limit_kb * 1024) + ", failcnt " + std::to_string(*m.memsw_failcnt) +
                           ": the memory+swap limit refused the charges" +
                           (m.limit_kb && *m.memsw_limit_kb <= *m.limit_kb ? " (it is no higher than the memory limit: no swap headroom)"
                                                                            : ""));
    if (kind == "qos" || kind == "node_allocatable")
      f.evidence.push_back("the limit is shared: the task table lists every process below " +
                           m.oom_memcg.value_or(std::string("it")) + ", other pods' included");
    if (kind == "pod" || kind == "container")
      f.next_step = "Compare the container's resources.limits.memory with the peak of the root-cause finding; "
                    "raise the limit or cut the usage. The node itself was not out of memory.";
    else if (kind == "qos")
      f.next_step = "This limit is shared by every pod of the QoS class (set on the QoS slice, e.g. by kubelet's "
                    "--qos-reserved): pods without a memory limit of their own filled it. Give them limits (requests "
                    "near their real use) or raise the slice's limit. The node itself was not out of memory.";
    else if (kind == "node_allocatable")
      f.next_step = "kubepods' limit is the node's allocatable memory (capacity minus kube-reserved, system-reserved "
                    "and the hard eviction threshold): pods without memory limits, or with limits above their "
                    "requests, overcommitted it. Set pod limits and compare `kubectl describe node` Allocatable with "
                    "the pods' use; the machine itself was not out of memory (the rest is reserved for the system).";
    else
      f.next_step = "Raise or keep the cgroup's limit according to the root-cause finding; the machine itself "
                    "was not out of memory.";
    quote_prefix(f, lines, "memory: usage");
    quote_prefix(f, lines, "memory+swap:");
    quote_prefix(f, lines, "oom-kill:");
    quote_contains(f, lines, "Task in ");
  } else if (ev.constraint && *ev.constraint == "CONSTRAINT_CPUSET") {
    f.data["scope"] = "cpuset";
    f.verdict = "A cpuset's memory nodes (mems_allowed=" + ev.mems_allowed.value_or("?") + "), not the whole machine";
    f.evidence.push_back("constraint=CONSTRAINT_CPUSET, cpuset " + ev.cpuset.value_or("?"));
    f.next_step = "See cpuset_constraint.";
    quote_prefix(f, lines, "oom-kill:");
  } else if ((ev.constraint && *ev.constraint == "CONSTRAINT_MEMORY_POLICY") ||
             (ev.trigger.nodemask && *ev.trigger.nodemask != "(null)")) {
    f.data["scope"] = "mempolicy";
    f.verdict = "A NUMA memory policy's nodes (nodemask=" + ev.trigger.nodemask.value_or("?") + "), not the whole machine";
    f.evidence.push_back(ev.constraint ? "constraint=" + *ev.constraint : "nodemask= in the trigger line");
    f.next_step = "See mempolicy_constraint.";
    quote_contains(f, lines, "nodemask=");
  } else if (ev.global_oom || (ev.constraint && *ev.constraint == "CONSTRAINT_NONE") || ev.mem_info) {
    f.data["scope"] = "node";
    f.verdict = "The whole machine ran out (global OOM): no cgroup limit was hit";
    const MemBreakdown& b = facts_of(ctx).breakdown;
    if (b.ram) {
      f.verdict += "; RAM " + human_bytes(*b.ram);
      f.data["ram_bytes"] = *b.ram;
      if (b.hugetlb) {
        f.verdict += ", " + human_bytes(*b.hugetlb) + " of it in hugepages";
        f.data["hugepages_bytes"] = *b.hugetlb;
      }
    }
    if (ev.mem_info && ev.mem_info->total_swap_kb) f.evidence.push_back("swap " + human_bytes(*ev.mem_info->total_swap_kb * 1024));
    f.evidence.push_back(ev.constraint ? "constraint=" + *ev.constraint : "a Mem-Info block and no memcg lines");
    f.next_step = "On a node with containers, find which cgroups grew (usage without limits, or limits that overcommit "
                  "the node); set limits, add RAM, or move work.";
    quote_prefix(f, lines, "oom-kill:");
    quote_prefix(f, lines, "Mem-Info");
  } else {
    return;
  }
  out.push_back(std::move(f));
}

}  // namespace oomscope::findings
