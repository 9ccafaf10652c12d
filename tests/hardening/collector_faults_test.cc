// collector_faults_test.cc: `oomscope collect` when the world misbehaves (issue 5).
//
// As root on this machine (each test skips with the reason otherwise): processes appearing
// and vanishing during a live collection; the output on a full, read-only or missing
// directory; a symlink planted at the output path; SIGTERM while reading a kernel log that
// never ends; a --root tree with unreadable files, dangling symlinks and FIFOs. Documented
// exit codes (cli/collect_cmd.cc): 0 pack written, 2 error (no pack), 130 interrupted.
// In every failing case no file may remain under the final name, and no temporary file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/pack.h"
#include "tests/hardening/child.h"

namespace oomscope::hardening {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

const std::string kRoot = OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1";

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return "";
  return tmpl;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename());
  return out;
}

std::string q1(PackReader& p, const std::string& sql) {
  auto st = p.query(sql);
  if (!st.ok() || !st->step_row()) return "<no row>";
  return st->column_is_null(0) ? "" : std::string(st->column_text(0));
}

class CollectorFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mounts, setuid, the live host's /proc)";
    dir_ = make_temp_dir("oomscope-faults");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    if (!mnt_.empty()) ::umount2(mnt_.c_str(), MNT_DETACH);
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  // mount_tmpfs(): a tmpfs of `size` at dir_/mnt (unmounted by TearDown).
  std::string mount_tmpfs(const std::string& size) {
    std::string m = dir_ + "/mnt";
    fs::create_directory(m);
    if (::mount("tmpfs", m.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, ("size=" + size + ",mode=0700").c_str()) != 0) {
      return "";
    }
    mnt_ = m;
    return m;
  }
  ChildResult collect(std::vector<std::string> args, seconds timeout = seconds(120), int as_uid = -1) {
    std::string bin = OOMSCOPE_BINARY;
    if (as_uid >= 0) {
      // Another user runs a copy in dir_: the build tree may sit in a directory only root can
      // enter (a clone made in `mktemp -d`, mode 0700), where exec would fail with 127.
      bin = dir_ + "/oomscope";
      if (!fs::exists(bin)) fs::copy_file(OOMSCOPE_BINARY, bin);
      fs::permissions(bin, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
      fs::permissions(dir_, fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
    }
    std::vector<std::string> argv = {bin, "collect"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_child_no_input(argv, timeout, as_uid);
  }
  // fifo_root(): a copy of the k8s root at dir_/root whose dev/kmsg is a FIFO ("" on failure).
  std::string fifo_root() {
    std::string root = dir_ + "/root";
    fs::copy(kRoot, root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::remove(root + "/dev/kmsg");
    return ::mkfifo((root + "/dev/kmsg").c_str(), 0600) == 0 ? root : "";
  }
  std::string dir_, mnt_;
};

TEST_F(CollectorFaults, ProcessesAppearAndVanishDuringALiveCollection) {
  // A spawner forks short-lived children and SIGKILLs random ones while the collector walks
  // /proc: pids vanish between readdir and open, and between reading status and smaps.
  std::atomic<bool> stop{false};
  std::atomic<int> spawned{0};
  std::thread spawner([&] {
    std::mt19937 rng(7);
    std::vector<pid_t> alive;
    while (!stop.load() || spawned.load() < 300) {
      pid_t p = ::fork();
      if (p == 0) {
        struct timespec ts {0, static_cast<long>(rng() % 50) * 1000000L};
        ::nanosleep(&ts, nullptr);
        _exit(0);
      }
      if (p > 0) {
        alive.push_back(p);
        spawned.fetch_add(1);
      }
      if (alive.size() > 40 || (p < 0 && !alive.empty())) {
        size_t i = rng() % alive.size();
        ::kill(alive[i], SIGKILL);
        ::waitpid(alive[i], nullptr, 0);
        alive.erase(alive.begin() + static_cast<long>(i));
      }
      for (size_t i = 0; i < alive.size();) {  // reap the ones that ended by themselves
        if (::waitpid(alive[i], nullptr, WNOHANG) == alive[i]) {
          alive.erase(alive.begin() + static_cast<long>(i));
        } else {
          ++i;
        }
      }
    }
    for (pid_t p : alive) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
  });
  std::string pack = dir_ + "/churn.oompack";
  auto r = collect({"--samples", "3", "--interval", "0.2", "--smaps", "all", "-o", pack});
  stop = true;
  spawner.join();
  std::fprintf(stderr, "[ measure ] live collection with %d processes spawned/killed: exit %d, %.2f s, peak RSS %ld KiB\n",
               spawned.load(), r.exit_code, r.seconds, r.max_rss_kb);
  EXPECT_GE(spawned.load(), 300);
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto p = PackReader::open(pack);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(q1(*p, "PRAGMA integrity_check"), "ok");
  EXPECT_GT(std::stoll(q1(*p, "SELECT count(*) FROM processes")), 5);
  // Vanished processes are errors of the collection, not of the collector: rows, not a failure.
  EXPECT_EQ(q1(*p, "SELECT count(*) FROM collection_errors WHERE error NOT IN "
                   "('ENOENT','ESRCH','EACCES','EINVAL','EPERM','ENOTDIR','ELOOP') AND error IS NOT NULL"),
            "0")
      << q1(*p, "SELECT group_concat(DISTINCT error) FROM collection_errors");
}

TEST_F(CollectorFaults, OutputOnAFullFilesystem) {
  std::string m = mount_tmpfs("64k");
  if (m.empty()) GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  std::string pack = m + "/full.oompack";
  auto r = collect({"--root", kRoot, "-o", pack});
  std::fprintf(stderr, "[ measure ] collect to a 64 KiB tmpfs: exit %d, %.2f s: %s", r.exit_code, r.seconds, r.err.c_str());
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no pack written"), std::string::npos) << r.err;
  EXPECT_TRUE(r.err.find("full") != std::string::npos || r.err.find("No space") != std::string::npos) << r.err;
  EXPECT_TRUE(names_in(m).empty()) << "left behind: " << testing::PrintToString(names_in(m));
}

TEST_F(CollectorFaults, OutputOnAReadOnlyFilesystem) {
  std::string m = mount_tmpfs("4m");
  if (m.empty()) GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  ASSERT_EQ(::mount(nullptr, m.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), 0) << std::strerror(errno);
  auto r = collect({"--root", kRoot, "-o", m + "/ro.oompack"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  EXPECT_TRUE(names_in(m).empty());
}

TEST_F(CollectorFaults, OutputDirectoryMissing) {
  std::string pack = dir_ + "/no/such/dir/x.oompack";
  auto r = collect({"--root", kRoot, "-o", pack});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(dir_ + "/no/such/dir"), std::string::npos) << "the message names the path: " << r.err;
  EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/no"));
}

TEST_F(CollectorFaults, SymlinkAtTheOutputPathIsNotFollowed) {
  std::string victim = dir_ + "/victim";
  std::ofstream(victim) << "precious\n";
  std::string pack = dir_ + "/link.oompack";
  ASSERT_EQ(::symlink(victim.c_str(), pack.c_str()), 0);
  auto r = collect({"--root", kRoot, "-o", pack});
  EXPECT_EQ(r.exit_code, 2) << "an existing name (even a symlink) is refused without --force: " << r.err;
  auto forced = collect({"--root", kRoot, "--force", "-o", pack});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(slurp(victim), "precious\n") << "the symlink's target was written through";
  struct stat st;
  ASSERT_EQ(::lstat(pack.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode)) << "--force replaces the symlink itself with the pack";
  EXPECT_EQ(names_in(dir_).size(), 2u) << testing::PrintToString(names_in(dir_));
}

TEST_F(CollectorFaults, SymlinkSwappedInAtTheTemporaryPath) {
  // The temporary name is unpredictable (pid + 48 random bits), so an attacker who can write
  // to the output directory waits for it with inotify and swaps a symlink in. Whatever the
  // moment of the swap, the symlink's target must never be written, and the final name must
  // never end up being the attacker's symlink.
  std::string out_dir = dir_ + "/out";
  fs::create_directory(out_dir);
  std::string victim = dir_ + "/victim";
  std::ofstream(victim) << "precious\n";
  int in = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ASSERT_GE(in, 0);
  ASSERT_GE(::inotify_add_watch(in, out_dir.c_str(), IN_CREATE), 0);
  std::string pack = out_dir + "/x.oompack";
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(OOMSCOPE_BINARY, OOMSCOPE_BINARY, "collect", "--root", kRoot.c_str(), "--samples", "3", "--interval",
            "0.1", "-o", pack.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  bool swapped = false;
  int status = 0;
  auto t0 = std::chrono::steady_clock::now();
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    alignas(struct inotify_event) char buf[4096];
    ssize_t n = ::read(in, buf, sizeof buf);
    for (ssize_t off = 0; n > 0 && off < n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(buf + off);
      std::string name = ev->len ? ev->name : "";
      if (!swapped && name.rfind(".x.oompack.tmp-", 0) == 0) {
        std::string tmp = out_dir + "/" + name;
        ::unlink(tmp.c_str());
        swapped = ::symlink(victim.c_str(), tmp.c_str()) == 0;
      }
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
    }
    if (std::chrono::steady_clock::now() - t0 > seconds(60)) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL() << "collect did not finish";
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ::close(in);
  ASSERT_TRUE(swapped) << "the temporary file was never seen";
  ASSERT_TRUE(WIFEXITED(status));
  std::fprintf(stderr, "[ measure ] symlink swapped in at the temporary path: exit %d\n", WEXITSTATUS(status));
  EXPECT_EQ(slurp(victim), "precious\n") << "the symlink's target was written through";
  struct stat st;
  if (::lstat(pack.c_str(), &st) == 0) {
    EXPECT_FALSE(S_ISLNK(st.st_mode)) << "the final name is the attacker's symlink (collect exited "
                                      << WEXITSTATUS(status) << ")";
  } else {
    EXPECT_EQ(WEXITSTATUS(status), 2) << "no pack, so collect must have failed";
  }
}

// make_hostile_root(): a copy of the v2 fixture root with a FIFO, a dangling symlink, a
// symlink loop, a directory where a file goes and a mode-000 file (unreadable for nobody).
std::string make_hostile_root(const std::string& dir) {
  std::string root = dir + "/root";
  fs::copy(kRoot, root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  // Everything readable by nobody first, so that only the planted faults fail.
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_symlink()) ::chmod(e.path().c_str(), e.is_directory() ? 0755 : 0644);
  }
  ::chmod(dir.c_str(), 0777);
  ::chmod(root.c_str(), 0755);
  fs::remove(root + "/proc/meminfo");
  ::mkfifo((root + "/proc/meminfo").c_str(), 0644);
  fs::remove(root + "/proc/vmstat");
  fs::create_symlink("/nonexistent/vmstat", root + "/proc/vmstat");
  fs::remove(root + "/proc/5120/status");
  fs::create_symlink("status", root + "/proc/5120/status");  // points at itself
  fs::remove(root + "/proc/5120/smaps_rollup");
  fs::create_directory(root + "/proc/5120/smaps_rollup");
  ::chmod((root + "/proc/3001/status").c_str(), 0);
  ::chmod((root + "/proc/3002/smaps_rollup").c_str(), 0);
  return root;
}

TEST_F(CollectorFaults, HostileRootTreeIsRecordedNotFatal) {
  std::string root = make_hostile_root(dir_);
  std::string pack = dir_ + "/hostile.oompack";
  // As nobody, so that mode 000 means EACCES (root reads anything).
  auto r = collect({"--root", root, "-o", pack}, seconds(60), 65534);
  std::fprintf(stderr, "[ measure ] hostile --root tree: exit %d, %.2f s\n", r.exit_code, r.seconds);
  ASSERT_FALSE(r.timed_out) << "a FIFO in the tree must not hang the collector";
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto p = PackReader::open(pack);
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto err_of = [&](const std::string& path) {
    return q1(*p, "SELECT error FROM collection_errors WHERE path = '" + path + "' LIMIT 1");
  };
  EXPECT_EQ(err_of("proc/meminfo"), "EINVAL") << "FIFO";
  EXPECT_EQ(err_of("proc/vmstat"), "ELOOP") << "dangling symlink (O_NOFOLLOW)";
  EXPECT_EQ(err_of("proc/5120/status"), "ELOOP") << "symlink loop";
  EXPECT_EQ(err_of("proc/5120/smaps_rollup"), "EISDIR");
  EXPECT_EQ(err_of("proc/3001/status"), "EACCES");
  EXPECT_EQ(err_of("proc/3002/smaps_rollup"), "EACCES");
  EXPECT_GT(std::stoll(q1(*p, "SELECT count(*) FROM processes")), 0) << "the rest is still collected";
}

// make_escaping_root(): a copy of the v2 fixture root whose proc/pressure, proc/sys and
// sys/fs/cgroup are symlinks out of the tree, to the live host's own directories: absolute
// ("/proc/pressure") or relative, climbing out with ".." ("../../../../../../../../proc/pressure":
// enough ".." to reach "/" from the temporary directory, where extra ones stop). Followed, they would put this machine's PSI, hostname and cgroups
// into a pack that claims to describe the tree.
std::string make_escaping_root(const std::string& dir, bool dotdot) {
  std::string root = dir + "/root";
  fs::copy(kRoot, root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  const std::string up = "../../../../../../../../";
  for (const char* rel : {"proc/pressure", "proc/sys", "sys/fs/cgroup"}) {
    fs::remove_all(root + "/" + rel);
    fs::create_symlink(dotdot ? up + rel : std::string("/") + rel, root + "/" + rel);
  }
  return root;
}

// A --root tree with symlinks in intermediate components pointing out of it: nothing outside
// is read, every refusal is a collection_errors row, the rest of the tree is collected. With
// openat2 the refusal is EXDEV; where openat2 is missing (denied here with seccomp, ENOSYS as
// on kernels < 5.6) the component walk refuses every symlink with ELOOP.
void check_escapes_refused(const std::string& pack_path, const std::string& expect_errno,
                           const std::string& expect_resolution) {
  auto p = PackReader::open(pack_path);
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto err_of = [&](const std::string& path) {
    return q1(*p, "SELECT error FROM collection_errors WHERE path = '" + path + "' LIMIT 1");
  };
  EXPECT_EQ(q1(*p, "SELECT value FROM meta WHERE key = 'path_resolution'"), expect_resolution);
  EXPECT_EQ(err_of("proc/pressure/memory"), expect_errno);
  EXPECT_EQ(err_of("proc/sys/kernel/hostname"), expect_errno);
  EXPECT_EQ(err_of("sys/fs/cgroup"), expect_errno) << "why no cgroup hierarchy was found";
  EXPECT_EQ(q1(*p, "SELECT count(*) FROM raw_files WHERE path LIKE 'proc/pressure/%' OR path LIKE 'proc/sys/%' "
                   "OR path LIKE 'sys/%'"),
            "0")
      << "read through a symlink out of the root";
  EXPECT_EQ(q1(*p, "SELECT count(*) FROM pressure"), "0");
  EXPECT_EQ(q1(*p, "SELECT value FROM meta WHERE key = 'cgroup_mode'"), "none") << "this host's cgroups were read";
  EXPECT_EQ(q1(*p, "SELECT count(*) FROM cgroups"), "0");
  EXPECT_EQ(q1(*p, "SELECT count(*) FROM meta WHERE key = 'hostname'"), "0") << "this host's hostname was read";
  EXPECT_NE(q1(*p, "SELECT message FROM collection_errors WHERE path = 'proc/pressure/memory'").find("not followed"),
            std::string::npos);
  EXPECT_GT(std::stoll(q1(*p, "SELECT count(*) FROM processes")), 0) << "the rest is still collected";
}

TEST_F(CollectorFaults, SymlinksOutOfTheRootTreeAreRecordedNotFollowed) {
  for (bool dotdot : {false, true}) {
    SCOPED_TRACE(dotdot ? "relative symlinks climbing out with .." : "absolute symlinks");
    std::string sub = dir_ + (dotdot ? "/dotdot" : "/abs");
    fs::create_directory(sub);
    std::string root = make_escaping_root(sub, dotdot);
    std::string pack = sub + "/escape.oompack";
    auto r = collect({"--root", root, "-o", pack}, seconds(60));
    std::fprintf(stderr, "[ measure ] --root tree with %s symlinks out of it: exit %d, %.2f s\n",
                 dotdot ? "'..'" : "absolute", r.exit_code, r.seconds);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    check_escapes_refused(pack, "EXDEV", "openat2 RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS");
  }
}

TEST_F(CollectorFaults, SymlinksOutOfTheRootTreeWithoutOpenat2) {
  std::string root = make_escaping_root(dir_, /*dotdot=*/true);
  std::string pack = dir_ + "/walk.oompack";
  auto r = run_child_no_input({OOMSCOPE_BINARY, "collect", "--root", root, "-o", pack}, seconds(60), -1,
                              /*without_openat2=*/true);
  if (r.exit_code == 125) GTEST_SKIP() << "cannot install a seccomp filter here";
  ASSERT_EQ(r.exit_code, 0) << r.err;
  check_escapes_refused(pack, "ELOOP", "component walk, O_NOFOLLOW");
}

// EndlessKmsg: feeds a FIFO at DIR/dev/kmsg with kmsg records without end, from its own thread,
// and keeps the pipe full: an empty FIFO reads EAGAIN, which is how a caught-up /dev/kmsg ends.
class EndlessKmsg {
 public:
  explicit EndlessKmsg(std::string fifo) : fifo_(std::move(fifo)) {
    feeder_ = std::thread([this] { feed(); });
  }
  ~EndlessKmsg() { stop(); }
  void stop() {
    stop_ = true;
    if (feeder_.joinable()) feeder_.join();
  }
  uint64_t written() const { return written_.load(); }
  // wait_for(): until `n` records are in the pipe, at most 30 s.
  bool wait_for(uint64_t n) const {
    for (auto w0 = std::chrono::steady_clock::now();
         written_.load() < n && std::chrono::steady_clock::now() - w0 < seconds(30);)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return written_.load() >= n;
  }

 private:
  void feed() {
    // O_RDWR: the FIFO never reports EOF; O_NONBLOCK: a full pipe never blocks this thread.
    int fd = ::open(fifo_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    ::fcntl(fd, F_SETPIPE_SZ, 1 << 20);  // a full pipe: the reader never sees EAGAIN
    std::string batch;
    for (uint64_t seq = 1; !stop_.load();) {
      // snprintf (libc, optimized whatever this file's -O level) keeps the feeder well ahead
      // of the reader.
      batch.clear();
      for (int i = 0; i < 500; ++i, ++seq) {
        char rec[96];
        int len = std::snprintf(rec, sizeof rec, "6,%llu,%llu,-;endless line %llu\n", static_cast<unsigned long long>(seq),
                                static_cast<unsigned long long>(seq * 10), static_cast<unsigned long long>(seq));
        batch.append(rec, static_cast<size_t>(len));
      }
      // Writes of up to PIPE_BUF are all-or-nothing; a batch is larger, so count what went in.
      ssize_t n = ::write(fd, batch.data(), batch.size());
      if (n < 0) {
        if (errno != EAGAIN) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // full: the reader is behind
        seq -= 500;  // the batch is written again
        continue;
      }
      if (static_cast<size_t>(n) < batch.size()) {
        // A partial write: finish the batch so no record is cut.
        size_t off = static_cast<size_t>(n);
        while (off < batch.size() && !stop_.load()) {
          ssize_t m = ::write(fd, batch.data() + off, batch.size() - off);
          if (m > 0) off += static_cast<size_t>(m);
          else if (m < 0 && errno != EAGAIN) break;
          else std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
      written_ += 500;
    }
    ::close(fd);
  }
  std::string fifo_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> written_{0};
  std::thread feeder_;
};

TEST_F(CollectorFaults, KernelLogFifoThatNeverEndsThenSigterm) {
  // dev/kmsg of the tree is a FIFO fed without end: the collector must keep its memory
  // bounded, stop at its record cap or time limit, and obey SIGTERM (exit 130, no file).
  const std::string root = fifo_root();
  ASSERT_FALSE(root.empty());
  EndlessKmsg feeder(root + "/dev/kmsg");
  // The collector must find the pipe full: a collector started before the first batch, or one
  // that drained the pipe faster than the feeder filled it (a busy machine, ctest -j2 while
  // building), finished at once with exit 0. The pipe holds ~37 000 records.
  ASSERT_TRUE(feeder.wait_for(20'000)) << "the feeder could not fill the pipe in 30 s";
  std::string out_dir = dir_ + "/out";
  fs::create_directory(out_dir);
  std::string pack = out_dir + "/endless.oompack";
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(OOMSCOPE_BINARY, OOMSCOPE_BINARY, "collect", "--root", root.c_str(), "--time-limit", "60", "-o",
            pack.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  // SIGTERM once the collector is well into the kernel log and far from its 2 000 000-record
  // cap: it cannot have read more than the feeder wrote (a sleep here raced a fast collector,
  // which reached the cap, finished and exited 0 before the signal).
  EXPECT_TRUE(feeder.wait_for(200'000)) << "the feeder could not write 200 000 records in 30 s";
  ::kill(pid, SIGTERM);
  int status = 0;
  auto t0 = std::chrono::steady_clock::now();
  pid_t got = 0;
  while ((got = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() - t0 < seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (got == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  feeder.stop();
  double stop_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "[ measure ] SIGTERM while reading an endless dev/kmsg FIFO: stopped in %.2f s\n", stop_s);
  ASSERT_NE(got, 0) << "the collector did not stop within 30 s of SIGTERM";
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_TRUE(names_in(out_dir).empty()) << testing::PrintToString(names_in(out_dir));
}

// The same endless dev/kmsg with --kernel-log-max-records: the collector stops there, writes the
// pack, and says in collection_errors that records were still coming (nothing is dropped
// silently).
TEST_F(CollectorFaults, KernelLogFloodStopsAtTheRecordCapAndSaysSo) {
  const std::string root = fifo_root();
  ASSERT_FALSE(root.empty());
  EndlessKmsg feeder(root + "/dev/kmsg");
  ASSERT_TRUE(feeder.wait_for(20'000)) << "the feeder could not fill the pipe in 30 s";
  std::string pack = dir_ + "/capped.oompack";
  auto r = collect({"--root", root, "--kernel-log-max-records", "30000", "--time-limit", "60", "-o", pack});
  feeder.stop();
  std::fprintf(stderr, "[ measure ] 30 000-record cap on an endless dev/kmsg: exit %d, %.2f s\n", r.exit_code, r.seconds);
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto p = PackReader::open(pack);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(q1(*p, "SELECT count(*) FROM kernel_log"), "30000");
  const std::string why = q1(*p, "SELECT message FROM collection_errors WHERE path = 'dev/kmsg' LIMIT 1");
  EXPECT_NE(why.find("stopped after 30000 records (--kernel-log-max-records)"), std::string::npos) << why;
}

}  // namespace
}  // namespace oomscope::hardening
