// The statically linked build (issue #3 "Bounded"): `ldd` calls it "not a dynamic
// executable" and it collects with an EMPTY environment (no PATH, no HOME, no locale).
//
// Which binary: build/oomscope when this build is itself static (-DOOMSCOPE_STATIC=ON),
// else build-static/oomscope from `make static`, else $OOMSCOPE_STATIC_BINARY. The test skips
// (saying how to build one) when none exists.
#include <elf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "common/pack.h"
#include "tests/testing/subprocess.h"

namespace oomscope {
namespace {

namespace fs = std::filesystem;

// is_static_elf(): an ELF executable without a PT_INTERP program header.
bool is_static_elf(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  Elf64_Ehdr eh;
  bool ok = pread(fd, &eh, sizeof eh, 0) == sizeof eh && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
            eh.e_ident[EI_CLASS] == ELFCLASS64;
  bool interp = false;
  for (int i = 0; ok && i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (pread(fd, &ph, sizeof ph, static_cast<off_t>(eh.e_phoff + i * eh.e_phentsize)) != sizeof ph) ok = false;
    if (ph.p_type == PT_INTERP) interp = true;
  }
  close(fd);
  return ok && !interp;
}

std::string find_static_binary() {
  std::vector<std::string> candidates = {OOMSCOPE_BINARY, OOMSCOPE_SOURCE_DIR "/build-static/oomscope"};
  if (const char* env = std::getenv("OOMSCOPE_STATIC_BINARY"); env && *env) candidates.insert(candidates.begin(), env);
  for (const auto& c : candidates) {
    if (fs::exists(c) && is_static_elf(c)) return c;
  }
  return "";
}

// run_empty_env(): execve with envp = {} and a closed stdin; returns the exit status.
int run_empty_env(const std::vector<std::string>& argv, const std::string& out_file) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    char* envp[] = {nullptr};
    execve(args[0], args.data(), envp);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(StaticBinary, NotDynamicAndCollectsWithEmptyEnvironment) {
  std::string bin = find_static_binary();
  if (bin.empty()) GTEST_SKIP() << "no static oomscope: run `make static` (build-static/oomscope) or set OOMSCOPE_STATIC_BINARY";
  auto ldd = testing::run_process({"/usr/bin/ldd", bin}, std::chrono::seconds(10));
  ASSERT_TRUE(ldd.ok());
  EXPECT_NE((ldd->out + ldd->err).find("not a dynamic executable"), std::string::npos) << ldd->out << ldd->err;

  auto dir = testing::TempDir::create("oomscope-static");
  ASSERT_TRUE(dir.ok());
  // The fixture tree, then the live host.
  std::string fixture_pack = dir->file("fixture.oompack");
  ASSERT_EQ(run_empty_env({bin, "collect", "--root", OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1", "-o",
                           fixture_pack},
                          dir->file("fixture.log")),
            0);
  auto p = PackReader::open(fixture_pack);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->meta("cgroup_mode"), "v2");
  std::string live_pack = dir->file("live.oompack");
  ASSERT_EQ(run_empty_env({bin, "collect", "-o", live_pack}, dir->file("live.log")), 0);
  auto live = PackReader::open(live_pack);
  ASSERT_TRUE(live.ok()) << live.error().message;
  auto st = live->query("SELECT count(*) FROM processes");
  ASSERT_TRUE(st.ok() && st->step_row());
  EXPECT_GT(st->column_int64(0), 5);
  EXPECT_TRUE(live->meta("hostname").has_value());
}

}  // namespace
}  // namespace oomscope
