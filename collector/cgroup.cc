#include "collector/cgroup.h"

#include <deque>

namespace oomscope::collector {

std::string_view to_string(CgroupMode m) {
  switch (m) {
    case CgroupMode::kV1: return "v1";
    case CgroupMode::kV2: return "v2";
    case CgroupMode::kHybrid: return "hybrid";
    case CgroupMode::kNone: break;
  }
  return "none";
}

std::string CgroupLayout::dir_of(std::string_view path) const {
  std::string out = memory_root;
  if (path != "/" && !path.empty()) out += path;  // path starts with '/'
  return out;
}

CgroupLayout detect_cgroup_layout(const SysRoot& root) {
  CgroupLayout l;
  if (root.exists("sys/fs/cgroup/cgroup.controllers")) {
    l.mode = CgroupMode::kV2;
    l.memory_version = 2;
    l.memory_root = "sys/fs/cgroup";
    return l;
  }
  bool unified = root.exists("sys/fs/cgroup/unified/cgroup.controllers");
  if (root.exists("sys/fs/cgroup/memory")) {
    l.mode = unified ? CgroupMode::kHybrid : CgroupMode::kV1;
    l.memory_version = 1;
    l.memory_root = "sys/fs/cgroup/memory";
    return l;
  }
  if (unified) {
    l.mode = CgroupMode::kHybrid;  // v1 without a memory hierarchy; memory may be on v2
    l.memory_version = 2;
    l.memory_root = "sys/fs/cgroup/unified";
    return l;
  }
  return l;
}

const std::vector<CgroupFile>& memory_files(int version) {
  using K = CgroupFileKind;
  static const std::vector<CgroupFile> kV2 = {
      {"memory.current", K::kValue},     {"memory.min", K::kValue},
      {"memory.low", K::kValue},         {"memory.high", K::kValue},
      {"memory.max", K::kValue},         {"memory.peak", K::kValue},
      {"memory.events", K::kKeyed},      {"memory.events.local", K::kKeyed},
      {"memory.stat", K::kKeyed},        {"memory.swap.current", K::kValue},
      {"memory.swap.max", K::kValue},    {"memory.swap.high", K::kValue},
      {"memory.swap.peak", K::kValue},   {"memory.swap.events", K::kKeyed},
      {"memory.zswap.current", K::kValue}, {"memory.zswap.max", K::kValue},
      {"memory.pressure", K::kPsi},      {"memory.oom.group", K::kValue},
      {"memory.numa_stat", K::kRawOnly}, {"cgroup.procs", K::kProcs},
  };
  static const std::vector<CgroupFile> kV1 = {
      {"memory.usage_in_bytes", K::kValue},
      {"memory.limit_in_bytes", K::kValue},
      {"memory.max_usage_in_bytes", K::kValue},
      {"memory.soft_limit_in_bytes", K::kValue},
      {"memory.failcnt", K::kValue},
      {"memory.memsw.usage_in_bytes", K::kValue},
      {"memory.memsw.limit_in_bytes", K::kValue},
      {"memory.memsw.max_usage_in_bytes", K::kValue},
      {"memory.memsw.failcnt", K::kValue},
      {"memory.kmem.usage_in_bytes", K::kValue},
      {"memory.kmem.limit_in_bytes", K::kValue},
      {"memory.kmem.max_usage_in_bytes", K::kValue},
      {"memory.kmem.failcnt", K::kValue},
      {"memory.kmem.tcp.usage_in_bytes", K::kValue},
      {"memory.kmem.tcp.limit_in_bytes", K::kValue},
      {"memory.kmem.tcp.max_usage_in_bytes", K::kValue},
      {"memory.kmem.tcp.failcnt", K::kValue},
      {"memory.oom_control", K::kKeyed},
      {"memory.stat", K::kKeyed},
      {"memory.swappiness", K::kValue},
      {"memory.use_hierarchy", K::kValue},
      {"memory.numa_stat", K::kRawOnly},
      {"cgroup.procs", K::kProcs},
  };
  return version == 1 ? kV1 : kV2;
}

std::vector<std::string> ancestors_of(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path == "/") return out;
  out.emplace_back("/");
  for (size_t pos = path.find('/', 1); pos != std::string_view::npos; pos = path.find('/', pos + 1)) {
    out.emplace_back(path.substr(0, pos));
  }
  return out;
}

bool is_within(std::string_view path, std::string_view root) {
  if (root == "/") return !path.empty() && path.front() == '/';
  if (!path.starts_with(root)) return false;
  return path.size() == root.size() || path[root.size()] == '/';
}

std::string normalize_cgroup_path(std::string_view path) {
  std::string out;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view comp = path.substr(pos, end - pos);
    if (comp == ".." || comp == ".") return "";
    if (!comp.empty()) {
      out += '/';
      out += comp;
    }
    pos = end + 1;
  }
  return out.empty() ? "/" : out;
}

bool pod_matches(std::string_view name, std::string_view uid) {
  if (uid.empty()) return false;
  std::string dashed(uid), underscored(uid);
  for (char& c : dashed) c = c == '_' ? '-' : c;
  for (char& c : underscored) c = c == '-' ? '_' : c;
  if (name == "pod" + dashed) return true;  // cgroupfs: /kubepods/burstable/pod<uid>
  // systemd: kubepods-burstable-pod<uid_>.slice, kubepods-pod<uid_>.slice (Guaranteed)
  return name.starts_with("kubepods") && name.ends_with("-pod" + underscored + ".slice");
}

bool container_matches(std::string_view name, std::string_view id) {
  if (id.empty()) return false;
  std::string_view core = name;
  if (core.ends_with(".scope")) {
    core.remove_suffix(6);
    bool known = false;
    for (std::string_view prefix : {"cri-containerd-", "crio-", "docker-", "libpod-", "containerd-"}) {
      if (core.starts_with(prefix)) {
        core.remove_prefix(prefix.size());
        known = true;
        break;
      }
    }
    if (!known || core.starts_with("conmon-")) return false;
  }
  if (core == id) return true;
  return id.size() >= 12 && core.size() > id.size() && core.starts_with(id);
}

std::vector<std::string> walk_cgroups(const SysRoot& root, const CgroupLayout& layout, std::string_view start,
                                      size_t max_cgroups, std::vector<std::pair<std::string, int>>* errors) {
  std::vector<std::string> out;
  if (layout.memory_version == 0) return out;
  std::deque<std::string> queue{std::string(start)};
  std::vector<std::string> names;
  while (!queue.empty() && out.size() < max_cgroups) {
    std::string path = std::move(queue.front());
    queue.pop_front();
    int err = root.list_dir(layout.dir_of(path), names, /*dirs_only=*/true);
    if (err != 0 && errors) errors->emplace_back(path, err);
    out.push_back(path);
    for (const auto& n : names) queue.push_back(path == "/" ? "/" + n : path + "/" + n);
  }
  return out;
}

}  // namespace oomscope::collector
