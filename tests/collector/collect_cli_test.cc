// build/oomscope collect on THIS machine: the live host, the refusals, and SIGINT/SIGTERM
// (no pack under the final name, temporary removed, exit 130).
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "common/pack.h"
#include "tests/testing/subprocess.h"

namespace oomscope {
namespace {

namespace fs = std::filesystem;
using testing::run_process;
using testing::TempDir;

std::string q1(PackReader& p, const std::string& sql) {
  auto st = p.query(sql);
  EXPECT_TRUE(st.ok()) << sql;
  if (!st.ok() || !st->step_row()) return "<no row>";
  return st->column_is_null(0) ? "" : std::string(st->column_text(0));
}
int64_t n(PackReader& p, const std::string& sql) { return std::stoll(q1(p, sql)); }

TEST(CollectCli, LiveHost) {
  auto dir = TempDir::create("oomscope-live");
  ASSERT_TRUE(dir.ok());
  // Which smaps_rollup files does the kernel deny us right now? (As root here, pid 1's is.)
  std::set<std::string> denied;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string rel = "proc/" + name + "/smaps_rollup";
    int fd = open(("/" + rel).c_str(), O_RDONLY);
    if (fd >= 0) {
      char c;
      if (read(fd, &c, 1) < 0 && errno == EACCES) denied.insert(rel);
      close(fd);
    } else if (errno == EACCES) {
      denied.insert(rel);
    }
  }
  std::string pack_path = dir->file("live.oompack");
  auto r = run_process({OOMSCOPE_BINARY, "collect", "-o", pack_path}, std::chrono::seconds(60));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->exit_code, 0) << r->err;
  EXPECT_EQ(r->out, pack_path + "\n");
  EXPECT_NE(r->err.find("collection errors"), std::string::npos) << r->err;
  struct stat st;
  ASSERT_EQ(stat(pack_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto p = PackReader::open(pack_path);
  ASSERT_TRUE(p.ok()) << p.error().message;

  EXPECT_EQ(q1(*p, "PRAGMA integrity_check"), "ok");
  std::ifstream rel("/proc/sys/kernel/osrelease");
  std::string release;
  rel >> release;
  EXPECT_EQ(p->meta("kernel_release"), release);
  EXPECT_EQ(p->meta("root"), "/");
  EXPECT_EQ(p->meta("kernel_log_source"), "kmsg");
  EXPECT_EQ(p->meta("boot_time_source"), "clock_realtime-clock_monotonic");
  EXPECT_GT(n(*p, "SELECT count(*) FROM kernel_log"), 0);
  EXPECT_EQ(n(*p, "SELECT count(*) FROM kernel_log WHERE wall_utc IS NULL"), 0);
  std::ifstream mi("/proc/meminfo");
  std::string key;
  int64_t total_kb = 0;
  mi >> key >> total_kb;
  EXPECT_EQ(n(*p, "SELECT value FROM meminfo WHERE name = 'MemTotal'"), total_kb * 1024);
  EXPECT_GT(n(*p, "SELECT count(*) FROM vmstat"), 50);
  EXPECT_GT(n(*p, "SELECT count(*) FROM sysctls"), 5);
  EXPECT_GT(n(*p, "SELECT count(*) FROM processes"), 5);
  EXPECT_GT(n(*p, "SELECT count(*) FROM processes WHERE vm_rss_bytes > 0 AND pss_bytes > 0"), 3);
  EXPECT_GT(n(*p, "SELECT count(*) FROM mappings"), 0);
  EXPECT_GT(n(*p, "SELECT count(*) FROM cgroups"), 0);
  EXPECT_GT(n(*p, "SELECT count(*) FROM raw_files"), 100);
  // Our own process is in the pack, with its command line. Other tests may run collectors at the
  // same time (ctest -j), so look for this run's own output path, which is unique.
  EXPECT_EQ(n(*p, "SELECT count(*) FROM processes WHERE comm = 'oomscope' AND cmdline = '" +
                      std::string(OOMSCOPE_BINARY) + " collect -o " + pack_path + "'"),
            1)
      << q1(*p, "SELECT group_concat(cmdline, ' | ') FROM processes WHERE comm = 'oomscope'");
  // Every smaps_rollup the kernel denied us is listed (unless that process exited since).
  if (denied.empty()) GTEST_SKIP() << "no smaps_rollup was denied on this machine";
  for (const auto& d : denied) {
    if (!fs::exists("/" + d.substr(0, d.rfind('/')))) continue;
    EXPECT_EQ(q1(*p, "SELECT error FROM collection_errors WHERE path = '" + d + "'"), "EACCES") << d;
  }
}

TEST(CollectCli, RefusalsAndHelp) {
  auto dir = TempDir::create("oomscope-cli");
  ASSERT_TRUE(dir.ok());
  auto dash = run_process({OOMSCOPE_BINARY, "collect", "-o", "-"}, std::chrono::seconds(10));
  ASSERT_TRUE(dash.ok());
  EXPECT_EQ(dash->exit_code, 2);
  EXPECT_NE(dash->err.find("a pack is a file"), std::string::npos) << dash->err;

  std::string existing = dir->file("exists.oompack");
  ASSERT_TRUE(testing::write_file(existing, "keep me").ok());
  auto ex = run_process({OOMSCOPE_BINARY, "collect", "--root", OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1",
                         "-o", existing},
                        std::chrono::seconds(10));
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(ex->exit_code, 2);
  EXPECT_NE(ex->err.find("exists (use --force"), std::string::npos) << ex->err;
  std::ifstream in(existing);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "keep me");

  auto bad = run_process({OOMSCOPE_BINARY, "collect", "--smaps", "some"}, std::chrono::seconds(10));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->exit_code, 2);
  EXPECT_NE(bad->err.find("--smaps must be one of"), std::string::npos) << bad->err;

  auto help = run_process({OOMSCOPE_BINARY, "collect", "--help"}, std::chrono::seconds(10));
  ASSERT_TRUE(help.ok());
  EXPECT_EQ(help->exit_code, 0);
  for (const char* opt : {"--root", "--pid", "--cgroup", "--pod", "--container", "--kernel-log", "--samples",
                          "--interval", "--smaps", "--no-redact", "--time-limit", "-o [ --output ]"}) {
    EXPECT_NE(help->out.find(opt), std::string::npos) << opt;
  }
}

// Starts a long collection, waits for its temporary file, sends `sig`.
void interrupt_with(int sig) {
  auto dir = TempDir::create("oomscope-sig");
  ASSERT_TRUE(dir.ok());
  std::string pack = dir->file("never.oompack");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl(OOMSCOPE_BINARY, OOMSCOPE_BINARY, "collect", "--root", OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1",
          "--samples", "100000", "--interval", "0.01", "-o", pack.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  bool temp_seen = false;
  for (int i = 0; i < 500 && !temp_seen; ++i) {
    temp_seen = !fs::is_empty(dir->path());
    if (!temp_seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // mid-collection
  kill(pid, sig);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(temp_seen) << "the temporary file should exist while collecting";
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_TRUE(fs::is_empty(dir->path())) << "no pack and no temporary file may remain";
}

TEST(CollectCli, DiskFullLeavesNothing) {
  auto dir = TempDir::create("oomscope-full");
  ASSERT_TRUE(dir.ok());
  // A 200 KiB tmpfs: the live host's pack (megabytes) cannot fit.
  if (mount("tmpfs", dir->path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=200k") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here: " << strerror(errno);
  }
  std::string pack = dir->file("full.oompack");
  auto r = run_process({OOMSCOPE_BINARY, "collect", "-o", pack}, std::chrono::seconds(60));
  bool empty = fs::is_empty(dir->path());
  umount2(dir->path().c_str(), MNT_DETACH);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 2) << r->err;
  EXPECT_NE(r->err.find("disk is full; no pack written"), std::string::npos) << r->err;
  EXPECT_TRUE(empty) << "no pack and no temporary file may remain";
}

TEST(CollectCli, SigintLeavesNothing) { interrupt_with(SIGINT); }
TEST(CollectCli, SigtermLeavesNothing) { interrupt_with(SIGTERM); }

}  // namespace
}  // namespace oomscope
