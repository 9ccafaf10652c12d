// cgroup layout detection, path helpers and Kubernetes pod/container matching
// (KERNEL-FORMATS.md §6.14 path shapes).
#include "collector/cgroup.h"

#include <gtest/gtest.h>

namespace oomscope::collector {
namespace {

TEST(PodMatches, Table) {
  struct {
    const char* dir;
    const char* uid;
    bool want;
  } cases[] = {
      {"kubepods-burstable-pod7a9c1d2e_3f4b_4c5d_8e6f_0a1b2c3d4e5f.slice", "7a9c1d2e-3f4b-4c5d-8e6f-0a1b2c3d4e5f", true},
      {"kubepods-besteffort-pod0badf00d_aaaa_4bbb_8ccc_ddddeeeeffff.slice", "0badf00d-aaaa-4bbb-8ccc-ddddeeeeffff", true},
      {"kubepods-pod12345678_90ab_4cde_8f01_23456789abcd.slice", "12345678-90ab-4cde-8f01-23456789abcd", true},
      {"pod7a9c1d2e-3f4b-4c5d-8e6f-0a1b2c3d4e5f", "7a9c1d2e-3f4b-4c5d-8e6f-0a1b2c3d4e5f", true},  // cgroupfs
      {"kubepods-burstable-pod7a9c1d2e_3f4b_4c5d_8e6f_0a1b2c3d4e5f.slice", "7a9c1d2e", false},   // no partial uids
      {"kubepods-burstable.slice", "7a9c1d2e-3f4b-4c5d-8e6f-0a1b2c3d4e5f", false},
      {"pod7a9c1d2e-3f4b-4c5d-8e6f-0a1b2c3d4e5f", "", false},
  };
  for (const auto& c : cases) EXPECT_EQ(pod_matches(c.dir, c.uid), c.want) << c.dir << " / " << c.uid;
}

TEST(ContainerMatches, Table) {
  const std::string id = "3b1f5e2a9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f";
  struct {
    std::string dir, id;
    bool want;
  } cases[] = {
      {"cri-containerd-" + id + ".scope", id, true},
      {"cri-containerd-" + id + ".scope", id.substr(0, 12), true},  // short id as kubectl/crictl print it
      {"crio-" + id + ".scope", id, true},
      {"docker-" + id + ".scope", id, true},
      {"libpod-" + id + ".scope", id, true},
      {id, id, true},                     // cgroupfs: /kubepods/burstable/pod<uid>/<id>
      {"crio-conmon-" + id + ".scope", id, false},
      {"cri-containerd-" + id + ".scope", id.substr(0, 8), false},  // too short to be unique
      {"something-" + id + ".scope", id, false},
      {"kubepods-burstable.slice", id, false},
  };
  for (const auto& c : cases) EXPECT_EQ(container_matches(c.dir, c.id), c.want) << c.dir << " / " << c.id;
}

TEST(CgroupPaths, AncestorsWithinNormalize) {
  EXPECT_EQ(ancestors_of("/a/b/c"), (std::vector<std::string>{"/", "/a", "/a/b"}));
  EXPECT_TRUE(ancestors_of("/").empty());
  EXPECT_TRUE(is_within("/a/b", "/a"));
  EXPECT_TRUE(is_within("/a", "/a"));
  EXPECT_FALSE(is_within("/ab", "/a"));
  EXPECT_TRUE(is_within("/x", "/"));
  EXPECT_EQ(normalize_cgroup_path("kubepods//burstable/"), "/kubepods/burstable");
  EXPECT_EQ(normalize_cgroup_path("/"), "/");
  EXPECT_EQ(normalize_cgroup_path("/a/../../etc"), "");
  EXPECT_EQ(normalize_cgroup_path("/a/./b"), "");
}

TEST(DetectCgroupLayout, FixtureRoots) {
  struct {
    const char* root;
    CgroupMode mode;
    int version;
    const char* memory_root;
  } cases[] = {
      {OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1", CgroupMode::kV2, 2, "sys/fs/cgroup"},
      {OOMSCOPE_TEST_DATA "/roots/cgroup-v1-hybrid-6.18", CgroupMode::kHybrid, 1, "sys/fs/cgroup/memory"},
      {OOMSCOPE_TEST_DATA "/proc", CgroupMode::kNone, 0, ""},
  };
  for (const auto& c : cases) {
    auto root = SysRoot::open(c.root);
    ASSERT_TRUE(root.ok()) << root.error().message;
    CgroupLayout l = detect_cgroup_layout(*root);
    EXPECT_EQ(l.mode, c.mode) << c.root;
    EXPECT_EQ(l.memory_version, c.version) << c.root;
    EXPECT_EQ(l.memory_root, c.memory_root) << c.root;
  }
}

TEST(WalkCgroups, V2FixtureTree) {
  auto root = SysRoot::open(OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1");
  ASSERT_TRUE(root.ok());
  CgroupLayout l = detect_cgroup_layout(*root);
  std::vector<std::pair<std::string, int>> errors;
  auto all = walk_cgroups(*root, l, "/", 1000, &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(all.size(), 17u);
  EXPECT_EQ(all.front(), "/");
  auto bounded = walk_cgroups(*root, l, "/", 3, nullptr);
  EXPECT_EQ(bounded.size(), 3u);
  auto sub = walk_cgroups(*root, l, "/kubepods.slice/kubepods-besteffort.slice", 1000, nullptr);
  EXPECT_EQ(sub.size(), 3u);  // the QoS slice, the pod, its container
}

TEST(SysRoot, RefusesEscapesAndSpecialFiles) {
  auto root = SysRoot::open(OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1");
  ASSERT_TRUE(root.ok());
  std::string buf;
  EXPECT_EQ(root->read_file("../../../etc/passwd", buf), EINVAL);
  EXPECT_EQ(root->read_file("/etc/passwd", buf), EINVAL);
  EXPECT_EQ(root->read_file("proc/5120/exe", buf), ELOOP) << "the final symlink is not followed";
  EXPECT_EQ(root->read_file("proc/5120", buf), EISDIR);
  EXPECT_EQ(root->read_file("proc/424242/status", buf), ENOENT);
  EXPECT_EQ(root->read_file("proc/5120/comm", buf), 0);
  EXPECT_EQ(buf, "java\n");
  std::string link;
  EXPECT_EQ(root->read_link("proc/5120/exe", link), 0);
  EXPECT_EQ(link, "/usr/lib/jvm/java-17/bin/java");
  bool truncated = false;
  EXPECT_EQ(root->read_file("proc/meminfo", buf, 10, &truncated), 0);
  EXPECT_EQ(buf, "MemTotal: ");
  EXPECT_TRUE(truncated);
}

}  // namespace
}  // namespace oomscope::collector
