// kubernetes.h: Kubernetes attribution of memory cgroup paths, and the pod list given with
// `oomscope analyze --pods FILE` (a `kubectl get pods -A -o json` dump).
//
// parse_k8s_path() reads the pod UID, container ID, QoS class and level from a kubelet
// cgroup path in either driver's layout:
//   cgroupfs: /kubepods/burstable/pod5931aa75-4603-4e65-b552-7c71cf55cfb5/<64-hex id>
//   systemd:  /kubepods.slice/kubepods-burstable.slice/
//             kubepods-burstable-pod5931aa75_4603_4e65_b552_7c71cf55cfb5.slice/cri-containerd-<id>.scope
// (Guaranteed pods have no QoS level: /kubepods/pod<uid>, kubepods-pod<uid>.slice.)
//
// Example:
//   auto r = parse_k8s_path("/kubepods/podf1c273d3-9b36-11ea-b3df-246e9693c184/1f246a3e…");
//   // r->pod_uid == "f1c273d3-9b36-11ea-b3df-246e9693c184", r->qos == "Guaranteed",
//   // r->level == "container", r->driver == "cgroupfs"
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace oomscope {

// The driver, level, QoS class and runtime are names parse_k8s_path() knows, string literals:
// parsing (every event's memcg paths), copying or keeping a K8sPath allocates only for the pod
// UID and the container ID.
struct K8sPath {
  std::string_view driver;   // "systemd" or "cgroupfs"
  std::string_view level;    // "kubepods" (node allocatable), "qos", "pod" or "container"
  std::string_view qos;      // "Guaranteed", "Burstable", "BestEffort"; "" at the kubepods level
  std::string pod_uid;       // with dashes
  std::string container_id;  // as in the path (usually 64 hex digits)
  std::string_view runtime;  // "containerd", "cri-o", "docker" (systemd scope prefix); "" when not shown
};
// parse_k8s_path(): nullopt when the path has no kubepods component.
std::optional<K8sPath> parse_k8s_path(std::string_view path);

// container_id_from_cpuset(): the container ID in a cpuset basename ("cri-containerd-<id>.scope",
// "docker-<id>.scope", "crio-<id>.scope" or a bare 64-hex cgroupfs directory); "" otherwise.
std::string container_id_from_cpuset(std::string_view cpuset, std::string* runtime = nullptr);

struct PodRecord {
  std::string ns, name, uid, qos_class, node;
  std::string phase;               // status.phase ("Running", "Failed")
  std::string status_reason;       // status.reason ("Evicted" after a kubelet eviction)
  std::string status_message;      // status.message ("The node was low on resource: memory. …")
  struct Container {
    std::string name, id, image;   // id without the "containerd://" scheme
    std::string last_reason;       // lastState.terminated.reason ("OOMKilled")
    std::optional<int64_t> last_exit_code;
    std::string last_finished_at;  // lastState.terminated.finishedAt (RFC 3339)
    std::string last_id;           // lastState.terminated.containerID, without the scheme
    std::string state_reason;      // state.terminated.reason (a container that is not running now)
    std::optional<int64_t> state_exit_code;
    std::string state_finished_at;
    std::optional<int64_t> restarts;
    std::string memory_limit;      // spec resources.limits.memory as written ("256Mi")
  };
  std::vector<Container> containers;
};

// PodIndex: pods by UID and containers by ID.
class PodIndex {
 public:
  // parse(): reads `kubectl get pods -A -o json` output (a List with items[]; a single Pod
  // object is accepted too). Fails with kParse on invalid JSON or when there is no pod.
  static Result<PodIndex> parse(std::string_view json_text);

  const PodRecord* by_uid(std::string_view uid) const;
  // by_container(): the pod and the index of its container with this ID (a prefix of at
  // least 12 hex digits matches, as `docker ps` prints them).
  std::optional<std::pair<const PodRecord*, size_t>> by_container(std::string_view id) const;
  size_t size() const { return pods_.size(); }
  const std::vector<PodRecord>& pods() const { return pods_; }

 private:
  std::vector<PodRecord> pods_;
};

}  // namespace oomscope
