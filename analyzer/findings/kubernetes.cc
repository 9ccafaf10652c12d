// kubernetes: pod UID, container ID and QoS class from the memcg paths (and the cpuset name),
// and with --pods the namespace, pod and container names plus what kubectl recorded.
#include "analyzer/findings/kubernetes.h"

#include <nlohmann/json.hpp>

#include "analyzer/findings/facts.h"
#include "analyzer/findings/rules.h"
#include "common/strings.h"

namespace oomscope {

namespace {

bool all_hex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string_view qos_name(std::string_view s) {
  if (s == "burstable") return "Burstable";
  if (s == "besteffort") return "BestEffort";
  return "";
}

// scope_container(): "cri-containerd-<id>.scope" -> id (runtime "containerd"); "" when `seg`
// is not a container's scope. Views into `seg`: the callers copy only what they keep.
std::string_view scope_container(std::string_view seg, std::string_view* runtime) {
  if (!seg.ends_with(".scope")) return {};
  seg.remove_suffix(6);
  for (auto [prefix, rt] : {std::pair{"cri-containerd-", "containerd"}, {"crio-conmon-", "cri-o"}, {"crio-", "cri-o"},
                            {"docker-", "docker"}, {"containerd-", "containerd"}}) {
    std::string_view p = prefix;
    if (seg.starts_with(p) && all_hex(seg.substr(p.size()))) {
      if (runtime) *runtime = rt;
      return seg.substr(p.size());
    }
  }
  return {};
}

}  // namespace

std::optional<K8sPath> parse_k8s_path(std::string_view path) {
  if (path.find("kubepods") == std::string_view::npos) return std::nullopt;  // the usual case off Kubernetes
  // The path's components one by one (empty ones skipped), without building a list of them:
  // the renderers parse every event's memcg paths.
  size_t at = 0;
  std::string_view s;
  auto next_component = [&] {
    while (at <= path.size()) {
      size_t slash = path.find('/', at);
      if (slash == std::string_view::npos) slash = path.size();
      s = path.substr(at, slash - at);
      at = slash + 1;
      if (!s.empty()) return true;
    }
    return false;
  };
  bool found = false;
  while (!found && next_component()) found = s == "kubepods" || s == "kubepods.slice";
  if (!found) return std::nullopt;
  K8sPath r;
  const bool systemd = s == "kubepods.slice";
  r.driver = systemd ? "systemd" : "cgroupfs";
  r.level = "kubepods";
  while (next_component()) {
    if (systemd) {
      if (s.ends_with(".slice") && s.starts_with("kubepods-")) {
        std::string_view body = s.substr(9, s.size() - 9 - 6);  // between "kubepods-" and ".slice"
        size_t pod = body.find("pod");
        if (pod == std::string_view::npos) {
          r.qos = qos_name(body);
          r.level = "qos";
        } else {
          if (pod > 0) r.qos = qos_name(body.substr(0, pod - 1));
          r.pod_uid = body.substr(pod + 3);
          for (char& c : r.pod_uid)
            if (c == '_') c = '-';
          r.level = "pod";
        }
      } else {
        std::string_view rt;
        if (std::string_view id = scope_container(s, &rt); !id.empty()) {
          r.container_id = id;
          r.runtime = rt;
          r.level = "container";
        }
      }
    } else {
      if (r.level == "kubepods" && (s == "burstable" || s == "besteffort")) {
        r.qos = qos_name(s);
        r.level = "qos";
      } else if (s.starts_with("pod") && s.size() > 3 && r.pod_uid.empty()) {
        r.pod_uid = s.substr(3);
        r.level = "pod";
      } else if (!r.pod_uid.empty() && r.container_id.empty()) {
        std::string_view rt;
        std::string_view id = scope_container(s, &rt);
        r.container_id = id.empty() ? s : id;
        r.runtime = rt;
        r.level = "container";
      }
    }
  }
  if (!r.pod_uid.empty() && r.qos.empty()) r.qos = "Guaranteed";
  return r;
}

std::string container_id_from_cpuset(std::string_view cpuset, std::string* runtime) {
  size_t slash = cpuset.rfind('/');
  if (slash != std::string_view::npos) cpuset = cpuset.substr(slash + 1);
  std::string_view rt;
  if (std::string_view id = scope_container(cpuset, &rt); !id.empty()) {
    if (runtime) *runtime = rt;
    return std::string(id);
  }
  if (cpuset.size() == 64 && all_hex(cpuset)) return std::string(cpuset);
  return "";
}

Result<PodIndex> PodIndex::parse(std::string_view json_text) {
  using json = nlohmann::json;
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Error{ErrorCode::kParse, 0, "not valid JSON"};
  auto str = [](const json& j, const char* k) -> std::string {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::vector<const json*> items;
  if (doc.is_object() && doc.contains("items") && doc["items"].is_array())
    for (const json& it : doc["items"]) items.push_back(&it);
  else if (doc.is_object() && str(doc, "kind") == "Pod")
    items.push_back(&doc);
  PodIndex idx;
  for (const json* p : items) {
    if (!p->is_object() || !p->contains("metadata") || !(*p)["metadata"].is_object()) continue;
    const json& md = (*p)["metadata"];
    PodRecord r;
    r.ns = str(md, "namespace");
    r.name = str(md, "name");
    r.uid = str(md, "uid");
    const json empty = json::object();
    const json& spec = p->contains("spec") && (*p)["spec"].is_object() ? (*p)["spec"] : empty;
    const json& st = p->contains("status") && (*p)["status"].is_object() ? (*p)["status"] : empty;
    r.node = str(spec, "nodeName");
    r.qos_class = str(st, "qosClass");
    r.phase = str(st, "phase");
    r.status_reason = str(st, "reason");
    r.status_message = str(st, "message");
    std::map<std::string, std::string> limits;
    for (const char* list : {"containers", "initContainers"})
      if (spec.contains(list) && spec[list].is_array())
        for (const json& c : spec[list]) {
          if (!c.is_object()) continue;
          const json* lim = nullptr;
          if (c.contains("resources") && c["resources"].is_object() && c["resources"].contains("limits") &&
              c["resources"]["limits"].is_object())
            lim = &c["resources"]["limits"];
          if (lim && lim->contains("memory") && (*lim)["memory"].is_string())
            limits[str(c, "name")] = (*lim)["memory"].get<std::string>();
        }
    for (const char* list : {"containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"}) {
      if (!st.contains(list) || !st[list].is_array()) continue;
      for (const json& c : st[list]) {
        if (!c.is_object()) continue;
        PodRecord::Container ct;
        ct.name = str(c, "name");
        ct.image = str(c, "image");
        std::string id = str(c, "containerID");
        if (size_t s = id.find("://"); s != std::string::npos) id = id.substr(s + 3);
        ct.id = id;
        if (c.contains("restartCount") && c["restartCount"].is_number_integer()) ct.restarts = c["restartCount"].get<int64_t>();
        auto terminated = [&](const char* which) -> const json* {
          if (!c.contains(which) || !c[which].is_object() || !c[which].contains("terminated") ||
              !c[which]["terminated"].is_object())
            return nullptr;
          return &c[which]["terminated"];
        };
        auto exit_code = [](const json& t) -> std::optional<int64_t> {
          if (t.contains("exitCode") && t["exitCode"].is_number_integer()) return t["exitCode"].get<int64_t>();
          return std::nullopt;
        };
        if (const json* t = terminated("lastState")) {
          ct.last_reason = str(*t, "reason");
          ct.last_exit_code = exit_code(*t);
          ct.last_finished_at = str(*t, "finishedAt");
          ct.last_id = str(*t, "containerID");
          if (size_t s = ct.last_id.find("://"); s != std::string::npos) ct.last_id = ct.last_id.substr(s + 3);
        }
        if (const json* t = terminated("state")) {
          ct.state_reason = str(*t, "reason");
          ct.state_exit_code = exit_code(*t);
          ct.state_finished_at = str(*t, "finishedAt");
        }
        if (auto it = limits.find(ct.name); it != limits.end()) ct.memory_limit = it->second;
        r.containers.push_back(std::move(ct));
      }
    }
    if (!r.uid.empty()) idx.pods_.push_back(std::move(r));
  }
  if (idx.pods_.empty()) return Error{ErrorCode::kParse, 0, "no pod with a metadata.uid (expected `kubectl get pods -A -o json`)"};
  return idx;
}

const PodRecord* PodIndex::by_uid(std::string_view uid) const {
  for (const PodRecord& p : pods_)
    if (p.uid == uid) return &p;
  return nullptr;
}

std::optional<std::pair<const PodRecord*, size_t>> PodIndex::by_container(std::string_view id) const {
  if (id.size() < 12) return std::nullopt;
  for (const PodRecord& p : pods_)
    for (size_t i = 0; i < p.containers.size(); ++i) {
      // The kernel names the container that was killed: after a restart that is the
      // previous one (lastState.terminated.containerID), not the running one.
      for (const std::string* cid : {&p.containers[i].id, &p.containers[i].last_id})
        if (!cid->empty() && (cid->starts_with(id) || id.starts_with(*cid))) return std::pair{&p, i};
    }
  return std::nullopt;
}

namespace findings {

void kubernetes(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out) {
  const ReportLineIndex& lines = facts_of(ctx).lines;
  if (!ev.memcg) return;
  // The memcg paths, parsed once per event (EventFacts).
  const std::optional<K8sPath>& task = facts_of(ctx).task_k8s;
  const std::optional<K8sPath>& oom = facts_of(ctx).oom_k8s;
  const std::optional<K8sPath>& stats = facts_of(ctx).stats_k8s;
  const K8sPath* best = nullptr;
  for (const auto* p : {&task, &oom, &stats})
    if (*p && !(*p)->pod_uid.empty()) {
      best = &**p;
      break;
    }
  if (!best)
    for (const auto* p : {&task, &oom, &stats})
      if (*p) {
        best = &**p;
        break;
      }
  if (!best) return;
  // The path's fields as this finding states them: the container may come from the cpuset, the
  // QoS class from kubectl (views, not a copy of the path: the IDs are long strings).
  std::string_view driver = best->driver, qos = best->qos, pod_uid = best->pod_uid,
                   container_id = best->container_id, runtime = best->runtime;
  std::string_view container_source = "task_memcg";
  std::string cpuset_id, cpuset_runtime;
  if (container_id.empty() && ev.cpuset) {
    cpuset_id = container_id_from_cpuset(*ev.cpuset, &cpuset_runtime);
    if (!cpuset_id.empty()) {
      container_id = cpuset_id;
      if (runtime.empty()) runtime = cpuset_runtime;
      container_source = "cpuset (the allocating task's container)";
    }
  }
  Finding f = event_finding("kubernetes", Severity::kInfo, "Kubernetes attribution");
  f.data["driver"] = driver;
  f.data["qos"] = qos;
  f.data["pod_uid"] = pod_uid;
  f.data["container_id"] = container_id;
  f.data["runtime"] = runtime;
  if (oom) f.data["oom_memcg_level"] = oom->level;
  std::string pod = pod_uid.empty() ? std::string("(pod unknown)") : cat({"pod uid ", pod_uid});
  std::string container;
  if (!container_id.empty())
    container = runtime.empty() ? std::string(container_id.substr(0, 12))
                                : cat({container_id.substr(0, 12), " (", runtime, ")"});
  const PodRecord* rec = nullptr;
  std::optional<size_t> ci;
  if (ctx.pods) {
    if (!pod_uid.empty()) rec = ctx.pods->by_uid(pod_uid);
    if (!container_id.empty())
      if (auto hit = ctx.pods->by_container(container_id)) {
        if (!rec) rec = hit->first;
        if (rec == hit->first) ci = hit->second;
      }
  }
  if (rec) {
    pod = "pod " + rec->ns + "/" + rec->name;
    f.data["namespace"] = rec->ns;
    f.data["pod"] = rec->name;
    if (!rec->node.empty()) f.data["node"] = rec->node;
    if (!rec->qos_class.empty()) qos = rec->qos_class;
  }
  f.verdict = qos.empty() ? cat({"Kubernetes ", pod}) : cat({"Kubernetes ", pod, " (QoS ", qos, ")"});
  if (ci) {
    const PodRecord::Container& c = rec->containers[*ci];
    f.verdict += ", container " + c.name;
    f.data["container"] = c.name;
    std::string st = "kubectl: container " + c.name + (c.image.empty() ? "" : " (" + c.image + ")");
    if (!c.memory_limit.empty()) st += ", memory limit " + c.memory_limit;
    if (!c.last_reason.empty())
      st += ", last terminated: " + c.last_reason +
            (c.last_exit_code ? " (exit code " + std::to_string(*c.last_exit_code) + ")" : std::string());
    if (c.restarts) st += ", restarts " + std::to_string(*c.restarts);
    f.evidence.push_back(st);
  } else if (!container.empty()) {
    f.verdict += ", container " + container;
  }
  if (!pod_uid.empty()) f.evidence.push_back(cat({"pod UID ", pod_uid, " from the ", driver, "-driver cgroup path"}));
  if (!container_id.empty()) f.evidence.push_back(cat({"container ID ", container_id, " from ", container_source}));
  if (!qos.empty())
    f.evidence.push_back(cat({"QoS class ", qos, rec && !rec->qos_class.empty() ? " (kubectl)" : " (from the path)"}));
  if (ctx.pods && !rec) f.evidence.push_back("this pod is not in the --pods list (deleted since, or another cluster)");
  if (rec)
    f.next_step = "kubectl -n " + rec->ns + " describe pod " + rec->name + " (Last State, limits) and kubectl -n " +
                  rec->ns + " logs " + rec->name + (ci ? " -c " + rec->containers[*ci].name : std::string()) +
                  " --previous; then act on the root-cause finding above.";
  else
    f.next_step = cat({"Name the pod: `kubectl get pods -A -o json > pods.json` and rerun with --pods pods.json "
                       "(or `kubectl get pods -A -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,UID:.metadata.uid "
                       "| grep ",
                       pod_uid.empty() ? std::string_view("<uid>") : pod_uid, "`)."});
  quote_prefix(f, lines, "oom-kill:");
  quote_contains(f, lines, "Task in ");
  quote_prefix(f, lines, "Memory cgroup stats for");
  out.push_back(std::move(f));
}

}  // namespace findings
}  // namespace oomscope
