// sys_root_test.cc: collector/sys_root never reaches outside its root (issue 5).
//
// A hostile --root tree may hold symlinks in INTERMEDIATE components (DIR/abs -> /outside,
// DIR/dotdot -> ../outside): with openat2 RESOLVE_BENEATH they fail with EXDEV, with the
// fallback component walk (no openat2) every symlink fails with ELOOP. Each case runs with
// both resolutions; the fallback is also reached the real way, with openat2 denied by seccomp.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "collector/sys_root.h"
#include "tests/hardening/child.h"

namespace oomscope::collector {
// For gtest's test names and messages: "kOpenat2" rather than "4-byte object <00-00 00-00>".
inline void PrintTo(SysRoot::Resolution r, std::ostream* os) {
  *os << (r == SysRoot::Resolution::kOpenat2 ? "kOpenat2" : "kWalk");
}
}  // namespace oomscope::collector

namespace oomscope::hardening {
namespace {

namespace fs = std::filesystem;
using collector::SysRoot;
using Resolution = SysRoot::Resolution;

std::string resolution_name(Resolution r) { return r == Resolution::kOpenat2 ? "Openat2" : "Walk"; }

// The tree:
//   <base>/outside/secret                    "SECRET"        (outside the root)
//   <base>/outside/sub/secret                "SECRET"
//   <base>/root/in/file                      "inside"
//   <base>/root/in/link -> file              final symlink (never followed)
//   <base>/root/in/up -> ../in               relative, via "..", stays inside
//   <base>/root/rel -> in                    relative, stays inside
//   <base>/root/abs -> <base>/outside        absolute: out of the root
//   <base>/root/dotdot -> ../outside         relative with "..": out of the root
//   <base>/root/deep/a/b -> ../../../outside deeper "..": out of the root
//   <base>/root/in/exe -> /usr/bin/none      a link to read, never to follow
class SysRootEscape : public ::testing::TestWithParam<Resolution> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oomscope-sysroot-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    root_ = base_ + "/root";
    fs::create_directories(base_ + "/outside/sub");
    fs::create_directories(root_ + "/in");
    fs::create_directories(root_ + "/deep/a");
    std::ofstream(base_ + "/outside/secret") << "SECRET";
    std::ofstream(base_ + "/outside/sub/secret") << "SECRET";
    std::ofstream(root_ + "/in/file") << "inside";
    fs::create_symlink("file", root_ + "/in/link");
    fs::create_symlink("../in", root_ + "/in/up");
    fs::create_symlink("in", root_ + "/rel");
    fs::create_symlink(base_ + "/outside", root_ + "/abs");
    fs::create_symlink("../outside", root_ + "/dotdot");
    fs::create_symlink("../../../outside", root_ + "/deep/a/b");
    fs::create_symlink("/usr/bin/none", root_ + "/in/exe");
  }
  void TearDown() override {
    if (!base_.empty()) fs::remove_all(base_);
  }
  SysRoot open_root() {
    auto r = SysRoot::open(root_, GetParam());
    if (!r.ok()) {
      ADD_FAILURE() << r.error().message;
      std::abort();
    }
    return std::move(*r);
  }
  // The errno of a path that leads out of the root.
  int escape_errno() const { return GetParam() == Resolution::kOpenat2 ? EXDEV : ELOOP; }
  std::string base_, root_;
};

TEST_P(SysRootEscape, IntermediateSymlinkOutOfTheRootIsNotFollowed) {
  SysRoot root = open_root();
  EXPECT_EQ(root.resolution(), GetParam());
  for (const char* rel : {"abs/secret", "dotdot/secret", "deep/a/b/secret", "abs/sub/secret", "dotdot/sub/secret"}) {
    std::string buf = "untouched";
    EXPECT_EQ(root.read_file(rel, buf), escape_errno()) << rel;
    EXPECT_EQ(buf.find("SECRET"), std::string::npos) << rel << " was read from outside the root";
    EXPECT_FALSE(root.exists(rel)) << rel;
    EXPECT_EQ(root.lookup(rel), escape_errno()) << rel;
  }
  std::vector<std::string> names;
  EXPECT_EQ(root.list_dir("abs/sub", names), escape_errno());
  EXPECT_TRUE(names.empty());
  EXPECT_EQ(root.list_dir("dotdot/.", names), escape_errno());
  EXPECT_EQ(root.open_dir("deep/a/b/sub"), -escape_errno());
  EXPECT_EQ(root.open_fd("abs/secret", O_RDONLY), -escape_errno());
  std::string target;
  EXPECT_EQ(root.read_link("abs/sub/secret", target), escape_errno());
  // The symlinks themselves are there (a final component is found, not followed).
  EXPECT_TRUE(root.exists("abs"));
  EXPECT_TRUE(root.exists("deep/a/b"));
  EXPECT_EQ(root.read_link("abs", target), 0);
  EXPECT_EQ(target, base_ + "/outside");
}

TEST_P(SysRootEscape, DotDotInTheRequestedPathIsRefused) {
  SysRoot root = open_root();
  std::string buf;
  for (const char* rel : {"../outside/secret", "in/../../outside/secret", "in/..", "..", "/etc/passwd", ""}) {
    EXPECT_EQ(root.read_file(rel, buf), EINVAL) << rel;
    EXPECT_EQ(root.lookup(rel), EINVAL) << rel;
  }
  std::vector<std::string> names;
  EXPECT_EQ(root.list_dir("in/../..", names), EINVAL);
}

TEST_P(SysRootEscape, SymlinksInsideTheRoot) {
  SysRoot root = open_root();
  std::string buf;
  // Plain paths and final symlinks behave the same in both resolutions.
  EXPECT_EQ(root.read_file("in/file", buf), 0);
  EXPECT_EQ(buf, "inside");
  EXPECT_EQ(root.read_file("./in/./file", buf), 0);
  EXPECT_EQ(buf, "inside");
  EXPECT_EQ(root.read_file("in/link", buf), ELOOP) << "a final symlink is never followed";
  std::string target;
  EXPECT_EQ(root.read_link("in/exe", target), 0);
  EXPECT_EQ(target, "/usr/bin/none");
  // An intermediate symlink that stays inside: followed by openat2 (RESOLVE_BENEATH allows
  // it), refused by the stricter walk.
  int rel = root.read_file("rel/file", buf);
  int up = root.read_file("in/up/file", buf);
  if (GetParam() == Resolution::kOpenat2) {
    EXPECT_EQ(rel, 0);
    EXPECT_EQ(up, 0);
    EXPECT_EQ(buf, "inside");
  } else {
    EXPECT_EQ(rel, ELOOP);
    EXPECT_EQ(up, ELOOP);
  }
}

INSTANTIATE_TEST_SUITE_P(BothResolutions, SysRootEscape, ::testing::Values(Resolution::kOpenat2, Resolution::kWalk),
                         [](const auto& info) { return resolution_name(info.param); });

// Where openat2 is missing, open() must notice by itself and fall back to the walk. A forked
// child denies openat2 with seccomp (ENOSYS, as kernels < 5.6 answer), opens the tree and
// reports through its exit code.
TEST(SysRootResolution, FallsBackToTheWalkWhenOpenat2IsUnavailable) {
  auto probe = SysRoot::open("/tmp");
  ASSERT_TRUE(probe.ok());
  if (probe->resolution() != Resolution::kOpenat2) GTEST_SKIP() << "no openat2 here: the fallback is the default";
  char tmpl[] = "/tmp/oomscope-sysroot-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string base = tmpl;
  fs::create_directories(base + "/outside");
  fs::create_directories(base + "/root");
  std::ofstream(base + "/outside/secret") << "SECRET";
  fs::create_symlink(base + "/outside", base + "/root/abs");
  pid_t pid = ::fork();
  if (pid == 0) {
    if (!deny_openat2_enosys()) _exit(10);
    auto r = SysRoot::open(base + "/root");
    if (!r.ok()) _exit(11);
    if (r->resolution() != Resolution::kWalk) _exit(12);
    std::string buf;
    if (r->read_file("abs/secret", buf) != ELOOP) _exit(13);
    if (!buf.empty()) _exit(14);
    if (SysRoot::open(base + "/root", Resolution::kOpenat2).ok()) _exit(15);  // forcing it must fail
    _exit(0);
  }
  ASSERT_GT(pid, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  fs::remove_all(base);
  ASSERT_TRUE(WIFEXITED(status)) << "signal " << WTERMSIG(status);
  if (WEXITSTATUS(status) == 10) GTEST_SKIP() << "seccomp is not available here";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "see the _exit codes in the child above";
}

// The live host ("/"): openat2 without RESOLVE_BENEATH, magic links refused; the collector's
// own reads (a process's files through its /proc/<pid> dir, readlink of exe) still work.
TEST(SysRootResolution, LiveHostReadsProcButNeverThroughMagicLinks) {
  auto root = SysRoot::open("/");
  ASSERT_TRUE(root.ok()) << root.error().message;
  ASSERT_TRUE(root->is_live());
  const std::string self = "proc/" + std::to_string(::getpid());
  std::string buf;
  EXPECT_EQ(root->read_file(self + "/status", buf), 0);
  EXPECT_NE(buf.find("Pid:\t" + std::to_string(::getpid())), std::string::npos);
  std::string exe;
  EXPECT_EQ(root->read_link(self + "/exe", exe), 0);
  EXPECT_EQ(exe, fs::read_symlink("/proc/self/exe").string());
  int dfd = root->open_dir(self);
  ASSERT_GE(dfd, 0);
  EXPECT_EQ(root->read_link_at(dfd, "exe", exe), 0);
  EXPECT_EQ(exe, fs::read_symlink("/proc/self/exe").string());
  EXPECT_EQ(root->read_file_at(dfd, "cmdline", buf), 0);
  EXPECT_FALSE(buf.empty());
  ::close(dfd);
  // /proc/<pid>/root and cwd are magic links: nothing is read through them.
  EXPECT_EQ(root->read_file(self + "/root/etc/hostname", buf), ELOOP);
  EXPECT_EQ(root->lookup(self + "/cwd/."), ELOOP);
  if (root->resolution() == Resolution::kOpenat2) {
    EXPECT_EQ(root->resolution_name(), "openat2 RESOLVE_NO_MAGICLINKS");
  }
}

TEST(SysRootResolution, ErrnoTextSaysWhatWasRefused) {
  EXPECT_EQ(collector::errno_name(EXDEV), "EXDEV");
  EXPECT_EQ(collector::errno_text(EXDEV), "leads out of the root (not followed)");
  EXPECT_EQ(collector::errno_text(ELOOP), "a symlink (not followed)");
  EXPECT_EQ(collector::errno_text(ENOENT), "No such file or directory");
}

}  // namespace
}  // namespace oomscope::hardening
