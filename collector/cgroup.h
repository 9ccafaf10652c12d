// cgroup.h: where the memory controller lives, which files it has, and how targets map to
// cgroups.
//
// Three layouts exist (KERNEL-FORMATS.md §6.14): pure v2 (sys/fs/cgroup/cgroup.controllers),
// v1 (sys/fs/cgroup/memory/…) and hybrid (v1 controllers plus sys/fs/cgroup/unified for
// systemd; memory stays on v1). detect_cgroup_layout() decides from the tree under the root,
// so --root fixtures and the live host go through the same code.
//
// Cgroup paths are always relative to the memory controller's root and start with '/'
// ("/kubepods.slice/kubepods-burstable.slice/…"), exactly as /proc/<pid>/cgroup prints them.
//
// Example:
//   pod_matches("kubepods-burstable-pod6f1c_2b4e.slice", "6f1c-2b4e")     == true
//   container_matches("cri-containerd-4a5b6c7d8e9f0a1b.scope", "4a5b6c7d8e9f") == true
//   ancestors_of("/a/b/c") == {"/", "/a", "/a/b"}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "collector/sys_root.h"

namespace oomscope::collector {

enum class CgroupMode { kNone, kV1, kV2, kHybrid };
std::string_view to_string(CgroupMode m);

struct CgroupLayout {
  CgroupMode mode = CgroupMode::kNone;
  int memory_version = 0;   // 1 or 2; 0 when no memory controller is mounted
  std::string memory_root;  // relative to the SysRoot: "sys/fs/cgroup" or "sys/fs/cgroup/memory"

  // dir_of(): the directory of cgroup `path` ("/" is the root) relative to the SysRoot.
  std::string dir_of(std::string_view path) const;
};

// detect_cgroup_layout(): see the header comment. Never fails; kNone if nothing is mounted.
CgroupLayout detect_cgroup_layout(const SysRoot& root);

// How a memory-controller file is parsed into the pack (it always goes to raw_files too).
enum class CgroupFileKind {
  kValue,   // one number or "max": memory.current, memory.limit_in_bytes…
  kKeyed,   // "key value" lines: memory.stat, memory.events, memory.oom_control…
  kPsi,     // memory.pressure
  kProcs,   // cgroup.procs: one pid per line, counted
  kRawOnly, // kept verbatim only (memory.numa_stat)
};
struct CgroupFile {
  std::string_view name;
  CgroupFileKind kind;
};

// memory_files(): every memory-controller file the collector reads for a cgroup, for
// controller `version` 1 or 2. Files an older kernel lacks are recorded as ENOENT.
const std::vector<CgroupFile>& memory_files(int version);

// ancestors_of(): "/a/b/c" -> {"/", "/a", "/a/b"}; "/" -> {}.
std::vector<std::string> ancestors_of(std::string_view path);

// is_within(): `path` is `root` or below it ("/a/b" is within "/a", "/ab" is not).
bool is_within(std::string_view path, std::string_view root);

// normalize_cgroup_path(): adds a leading '/', drops a trailing '/' and empty components.
// Returns "" when the path has a ".." or "." component (never climb out of the root).
std::string normalize_cgroup_path(std::string_view path);

// pod_matches(): a cgroup directory name belongs to pod `uid`: cgroupfs "pod<uid>", systemd
// "kubepods[-<qos>]-pod<uid with '_' for '-'>.slice".
bool pod_matches(std::string_view dir_name, std::string_view uid);

// container_matches(): a cgroup directory name is container `id` (full id, or a prefix of at
// least 12 characters): cgroupfs "<id>", systemd "cri-containerd-<id>.scope",
// "crio-<id>.scope", "docker-<id>.scope", "libpod-<id>.scope". crio's "crio-conmon-…" does not match.
bool container_matches(std::string_view dir_name, std::string_view id);

// walk_cgroups(): `start` and every cgroup below it ("/" = the whole memory hierarchy),
// breadth first, at most `max_cgroups`; `*errors` gets (path, errno) for directories that
// could not be listed.
std::vector<std::string> walk_cgroups(const SysRoot& root, const CgroupLayout& layout, std::string_view start,
                                      size_t max_cgroups, std::vector<std::pair<std::string, int>>* errors);

}  // namespace oomscope::collector
