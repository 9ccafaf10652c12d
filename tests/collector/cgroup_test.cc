// cgroup layout detection, path helpers and Kubernetes pod/container matching
// (KERNEL-FORMATS.md §6.14 path shapes).
#include "collector/cgroup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "collector/sys_root.h"

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


// read_file() reads through a stack buffer and appends what each read() returned; the size
// of each read() must never change the bytes: fixture files read with tiny, odd and default
// requests, with and without a cap.
TEST(SysRoot, ReadRequestSizeDoesNotChangeTheBytes) {
  const std::string dir = OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1";
  auto root = SysRoot::open(dir);
  ASSERT_TRUE(root.ok());
  for (const char* rel : {"proc/meminfo", "proc/5120/smaps", "proc/5120/status", "proc/vmstat"}) {
    std::ifstream in(dir + "/" + rel, std::ios::binary);
    std::stringstream want;
    want << in.rdbuf();
    ASSERT_FALSE(want.str().empty()) << rel;
    for (size_t request : {size_t{0}, size_t{1}, size_t{7}, size_t{3072}, size_t{1} << 20}) {
      std::string buf = "stale";
      bool truncated = true;
      EXPECT_EQ(root->read_file(rel, buf, SysRoot::kDefaultCap, &truncated, request), 0) << rel;
      EXPECT_EQ(buf, want.str()) << rel << " request " << request;
      EXPECT_FALSE(truncated);
      EXPECT_EQ(root->read_file(rel, buf, 100, &truncated, request), 0);
      EXPECT_EQ(buf, want.str().substr(0, 100)) << rel << " request " << request;
      EXPECT_EQ(truncated, want.str().size() > 100);
    }
  }
  EXPECT_GE(SysRoot::seq_file_request(), 1024u);
  EXPECT_LT(SysRoot::seq_file_request(), static_cast<size_t>(sysconf(_SC_PAGESIZE)));
}

// The live kernel: a full smaps read with seq_file_request() (what the collector does) has
// every mapping a read with 64 KiB requests has, in the same order, with the same fields.
// (Values such as Pss can move between two reads when other processes map the same pages,
// so the mapping headers and the field names are compared, not the numbers.)
TEST(SysRoot, LiveSmapsWithSeqFileRequestHasEveryMapping) {
  auto root = SysRoot::open("/");
  ASSERT_TRUE(root.ok());
  pid_t child = 0;
  char arg0[] = "sleep", arg1[] = "30";
  char* argv[] = {arg0, arg1, nullptr};
  char* envp[] = {nullptr};
  if (posix_spawn(&child, "/bin/sleep", nullptr, nullptr, argv, envp) != 0) GTEST_SKIP() << "no /bin/sleep";
  usleep(100'000);
  auto shape = [](const std::string& smaps) {
    std::string out;
    std::istringstream in(smaps);
    for (std::string line; std::getline(in, line);) {
      size_t colon = line.find(':');
      bool header = line.find('-') < line.find(' ') && colon > line.find(' ');
      out += header ? line : line.substr(0, colon);
      out += '\n';
    }
    return out;
  };
  const std::string rel = "proc/" + std::to_string(child) + "/smaps";
  std::string big, seq, tiny;
  EXPECT_EQ(root->read_file(rel, big, SysRoot::kDefaultCap, nullptr, 64 << 10), 0);
  EXPECT_EQ(root->read_file(rel, seq, SysRoot::kDefaultCap, nullptr, SysRoot::seq_file_request()), 0);
  EXPECT_EQ(root->read_file(rel, tiny, SysRoot::kDefaultCap, nullptr, 100), 0);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_GT(big.size(), 4096u) << "a sleep has more than a page of smaps";
  EXPECT_EQ(shape(seq), shape(big));
  EXPECT_EQ(shape(tiny), shape(big));
}

}  // namespace
}  // namespace oomscope::collector
