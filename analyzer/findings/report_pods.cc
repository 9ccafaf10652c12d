// What `kubectl get pods -A -o json` (--pods) says was killed, against the kernel OOM events
// of the input:
//   oomkilled_no_kernel_record  a container terminated with reason OOMKilled and no kernel OOM
//                               event of the input names its pod or container
//   sigkill_not_oom             exit code 137 (128 + SIGKILL) with another reason ("Error") and
//                               no kernel OOM event for it: a SIGKILL from outside the kernel's
//                               OOM killer (as far as this input shows)
//   pod_evicted                 status.reason Evicted: the kubelet evicted the pod (node pressure)
// A container's termination is looked at in state.terminated (it is not running now) and in
// lastState.terminated (the previous run, after a restart).
#include <ctime>
#include <iomanip>
#include <sstream>

#include "analyzer/findings/kubernetes.h"
#include "analyzer/findings/report.h"

namespace oomscope::findings {

namespace {

bool id_matches(const std::string& a, const std::string& b) {
  return a.size() >= 12 && b.size() >= 12 && (a.starts_with(b) || b.starts_with(a));
}

// kernel_events_for(): the input's OOM events that name this pod (by UID) or container (by ID).
std::vector<const EventDigest*> kernel_events_for(const ReportFacts& facts, const PodRecord& pod,
                                                  const PodRecord::Container& c) {
  std::vector<const EventDigest*> r;
  for (const EventDigest& d : facts.events()) {
    bool same_pod = !d.pod_uid.empty() && d.pod_uid == pod.uid;
    bool same_container = !d.container_id.empty() && (id_matches(d.container_id, c.id) || id_matches(d.container_id, c.last_id));
    if (same_pod || same_container) r.push_back(&d);
  }
  return r;
}

struct Termination {
  const char* where;  // "lastState" or "state"
  std::string reason, finished_at, container_id;
  std::optional<int64_t> exit_code;
};

void describe(Finding& f, const PodRecord& pod, const PodRecord::Container& c, const Termination& t) {
  f.data["namespace"] = pod.ns;
  f.data["pod"] = pod.name;
  f.data["pod_uid"] = pod.uid;
  if (!pod.node.empty()) f.data["node"] = pod.node;
  f.data["container"] = c.name;
  f.data["termination"] = t.where;
  f.data["reason"] = t.reason;
  f.data["exit_code"] = t.exit_code ? nlohmann::ordered_json(*t.exit_code) : nlohmann::ordered_json(nullptr);
  f.data["finished_at"] = t.finished_at;
  f.data["restart_count"] = c.restarts ? nlohmann::ordered_json(*c.restarts) : nlohmann::ordered_json(nullptr);
  if (!t.container_id.empty()) f.data["container_id"] = t.container_id;
  if (!c.memory_limit.empty()) f.data["memory_limit"] = c.memory_limit;
  std::string s = "kubectl: " + pod.ns + "/" + pod.name + " container " + c.name + ", " + t.where +
                  ".terminated: reason " + (t.reason.empty() ? std::string("(none)") : t.reason) + ", exit code " +
                  (t.exit_code ? std::to_string(*t.exit_code) : std::string("?")) +
                  (t.finished_at.empty() ? std::string() : ", finished " + t.finished_at) +
                  (c.restarts ? ", restarts " + std::to_string(*c.restarts) : std::string());
  f.evidence.push_back(s);
  std::string where = (pod.node.empty() ? std::string("node unknown") : "node " + pod.node) +
                      (c.memory_limit.empty() ? std::string(", no memory limit") : ", memory limit " + c.memory_limit) +
                      (t.container_id.empty() ? std::string() : ", container ID " + t.container_id.substr(0, 12));
  f.evidence.push_back(where);
}

// since(): " --since 'YYYY-MM-DD HH:MM:SS UTC'" one minute before an RFC 3339 UTC time (the
// kernel prints its report just before the container's end is recorded); "" when unreadable.
std::string since(const std::string& finished_at) {
  std::tm tm{};
  std::istringstream in(finished_at);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return "";
  std::time_t t = timegm(&tm) - 60;
  std::tm utc{};
  gmtime_r(&t, &utc);
  char b[64];
  std::strftime(b, sizeof b, " --since '%Y-%m-%d %H:%M:%S UTC'", &utc);
  return b;
}

}  // namespace

void pod_terminations(const ReportFacts& facts, const FindingContext& ctx, std::vector<Finding>& out) {
  if (!ctx.pods) return;
  for (const PodRecord& pod : ctx.pods->pods()) {
    if (pod.status_reason == "Evicted") {
      Finding f;
      f.id = "pod_evicted";
      f.severity = Severity::kWarning;
      f.title = "Pod evicted by the kubelet";
      f.verdict = "Pod " + pod.ns + "/" + pod.name + " was evicted by the kubelet, not OOM-killed by the kernel" +
                  (pod.status_message.empty() ? std::string() : ": " + pod.status_message);
      f.evidence.push_back("kubectl: status.phase " + (pod.phase.empty() ? std::string("?") : pod.phase) +
                           ", status.reason Evicted" +
                           (pod.status_message.empty() ? std::string() : ", message \"" + pod.status_message + "\""));
      f.evidence.push_back("an eviction stops every container of the pod (SIGTERM, then SIGKILL after the grace "
                           "period) because the NODE ran short (memory.available below the eviction threshold); "
                           "the pod's own limit was not necessarily reached");
      f.data["namespace"] = pod.ns;
      f.data["pod"] = pod.name;
      f.data["pod_uid"] = pod.uid;
      if (!pod.node.empty()) f.data["node"] = pod.node;
      f.data["phase"] = pod.phase;
      f.data["message"] = pod.status_message;
      f.next_step = "kubectl describe node " + (pod.node.empty() ? std::string("<node>") : pod.node) +
                    " (MemoryPressure, allocatable) and the kubelet's eviction thresholds; the kubelet evicts first "
                    "the pods that use most above their memory request: set the named container's request to its real "
                    "usage, or give the node headroom (system-reserved, fewer pods).";
      out.push_back(std::move(f));
    }
    for (const PodRecord::Container& c : pod.containers) {
      std::vector<Termination> ts;
      if (c.last_exit_code || !c.last_reason.empty())
        ts.push_back({"lastState", c.last_reason, c.last_finished_at, c.last_id, c.last_exit_code});
      if (c.state_exit_code || !c.state_reason.empty())
        ts.push_back({"state", c.state_reason, c.state_finished_at, c.id, c.state_exit_code});
      for (const Termination& t : ts) {
        const bool oom_killed = t.reason == "OOMKilled";
        const bool sigkill = t.exit_code && *t.exit_code == 137;
        if (!oom_killed && !sigkill) continue;
        if (!kernel_events_for(facts, pod, c).empty()) continue;  // the event's own findings cover it
        // More distinct cgroups than the digest keeps: absence of a record cannot be claimed.
        if (facts.overflowed()) continue;
        Finding f;
        if (oom_killed) {
          f.id = "oomkilled_no_kernel_record";
          f.severity = Severity::kWarning;
          f.title = "OOMKilled with no kernel report in the input";
          f.verdict = "Container " + c.name + " of " + pod.ns + "/" + pod.name + " was OOMKilled" +
                      (t.finished_at.empty() ? std::string() : " at " + t.finished_at) +
                      " but no kernel OOM report in the input names its pod or container: the report is on " +
                      (pod.node.empty() ? std::string("its node") : "node " + pod.node) +
                      " (not collected, another node's log, or lost when the ring buffer wrapped)";
          describe(f, pod, c, t);
          f.evidence.push_back("the runtime sets OOMKilled from the cgroup's OOM event: the kernel did kill a process "
                               "of this container, and printed a report for it");
          f.next_step = "Get that node's kernel log for the time of the kill (journalctl -k" + since(t.finished_at) +
                        " on " + (pod.node.empty() ? std::string("the node") : pod.node) +
                        ", or `oomscope collect` there) and rerun oomscope analyze with it and --pods: the report "
                        "says which memory filled the limit.";
        } else {
          f.id = "sigkill_not_oom";
          f.severity = Severity::kWarning;
          f.title = "SIGKILL, not the kernel OOM killer";
          f.verdict = "Container " + c.name + " of " + pod.ns + "/" + pod.name + " ended with exit code 137 (SIGKILL)" +
                      (t.finished_at.empty() ? std::string() : " at " + t.finished_at) + ", reason " +
                      (t.reason.empty() ? std::string("(none)") : t.reason) +
                      ", and no kernel OOM report in the input names it: it was killed from outside the kernel's OOM "
                      "killer, as far as this input shows";
          describe(f, pod, c, t);
          f.evidence.push_back("exit code 137 = 128 + 9: the process died of SIGKILL. Senders other than the kernel "
                               "OOM killer: the kubelet after a failed liveness probe or an expired termination grace "
                               "period, a userspace OOM killer (systemd-oomd, earlyoom, oomd), `kill -9`");
          f.next_step = "kubectl -n " + pod.ns + " get events --field-selector involvedObject.name=" + pod.name +
                        " (Unhealthy/Killing near the time), and on the node journalctl -u systemd-oomd -u earlyoom" +
                        since(t.finished_at) + "; if the container was at its memory limit, read the node's kernel "
                        "log too: some runtimes report a kernel OOM kill as Error (kubernetes#19825).";
        }
        out.push_back(std::move(f));
      }
    }
  }
}

}  // namespace oomscope::findings
