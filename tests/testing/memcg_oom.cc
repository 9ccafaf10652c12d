// memcg_oom.cc: see memcg_oom.h. The hog is a separate executable (hog.c, OOMSCOPE_HOG_BINARY),
// exec'd in a forked child; between fork and exec the child makes only raw system calls.
#include "tests/testing/memcg_oom.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "common/parse_num.h"
#include "common/strings.h"

namespace oomscope::testing {
namespace {

using Clock = std::chrono::steady_clock;

Error io_error(int err, const std::string& what) {
  return Error{ErrorCode::kIo, err, what + ": " + std::strerror(err)};
}

Result<std::string> read_text(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(errno, path);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error(err, path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// write_text(): one write(2), as cgroup files want (each write is one command).
Status write_text(const std::string& path, std::string_view value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return io_error(errno, path);
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n < 0) return io_error(err, "write '" + std::string(value) + "' to " + path);
  return Ok{};
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool has_word(std::string_view list, std::string_view word, char sep) {
  while (!list.empty()) {
    size_t i = list.find(sep);
    std::string_view item = list.substr(0, i);
    if (trim(item) == word) return true;
    if (i == std::string_view::npos) break;
    list.remove_prefix(i + 1);
  }
  return false;
}

// "key value" lines (memory.events, memory.oom_control) -> value of `key`.
std::optional<uint64_t> keyed_value(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    std::string_view k = next_token(line);
    if (k == key) return parse_u64(trim(line));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return std::nullopt;
}

std::optional<uint64_t> read_u64(const std::string& path) {
  auto text = read_text(path);
  if (!text) return std::nullopt;
  return parse_u64(trim(*text));
}

std::string join_path(const std::string& a, std::string_view b) {
  if (b.empty() || b == "/") return a;
  if (!a.empty() && a.back() == '/' && b.front() == '/') return a + std::string(b.substr(1));
  if ((a.empty() || a.back() != '/') && b.front() != '/') return a + "/" + std::string(b);
  return a + std::string(b);
}

// One line of /proc/self/mountinfo, the fields we need. Sample:
//   35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
struct Mount {
  std::string root, mount_point, fstype, super_options;
};

std::vector<Mount> cgroup_mounts() {
  std::vector<Mount> out;
  auto text = read_text("/proc/self/mountinfo");
  if (!text) return out;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    std::string_view rest = line;
    size_t dash = rest.find(" - ");
    if (dash == std::string_view::npos) continue;
    auto head = split_ws(rest.substr(0, dash));
    auto tail = split_ws(rest.substr(dash + 3));
    if (head.size() < 5 || tail.size() < 3) continue;
    if (tail[0] != "cgroup" && tail[0] != "cgroup2") continue;
    out.push_back({std::string(head[3]), std::string(head[4]), std::string(tail[0]), std::string(tail[2])});
  }
  return out;
}

// The path of this process in the hierarchy that has `controller` (v1), or in the unified
// hierarchy when controller is empty. /proc/self/cgroup samples:
//   4:memory:/process_api/4699c37a676a8d0a1865598e8dfe4d48     (v1)
//   0::/user.slice/user-0.slice/session-1.scope                 (v2)
std::optional<std::string> own_cgroup(std::string_view controller) {
  auto text = read_text("/proc/self/cgroup");
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    size_t a = line.find(':');
    size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string_view controllers = std::string_view(line).substr(a + 1, b - a - 1);
    bool match = controller.empty() ? (line.substr(0, a) == "0" && controllers.empty())
                                    : has_word(controllers, controller, ',');
    if (match) return line.substr(b + 1);
  }
  return std::nullopt;
}

// Strips the mount's root from a cgroup path (a bind mount of a sub-tree, as in containers).
std::string relative_to_mount(const std::string& cgroup_path, const std::string& mount_root) {
  if (mount_root == "/" || !cgroup_path.starts_with(mount_root)) return cgroup_path;
  std::string rest = cgroup_path.substr(mount_root.size());
  return rest.empty() ? "/" : rest;
}

bool memory_enabled_below(const std::string& dir) {
  auto text = read_text(dir + "/cgroup.subtree_control");
  return text && has_word(trim(*text), "memory", ' ');
}

bool enable_memory_below(const std::string& dir) {
  if (memory_enabled_below(dir)) return true;
  return write_text(dir + "/cgroup.subtree_control", "+memory").ok() && memory_enabled_below(dir);
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

}  // namespace

std::string hog_executable() { return OOMSCOPE_HOG_BINARY; }

// ---- site discovery ----------------------------------------------------------------------

Result<MemcgSite> find_memcg_site() {
  auto mounts = cgroup_mounts();
  for (const Mount& m : mounts) {
    if (m.fstype != "cgroup" || !has_word(m.super_options, "memory", ',')) continue;
    auto own = own_cgroup("memory");
    if (!own) return Error{ErrorCode::kIo, 0, "memory controller mounted at " + m.mount_point + " (v1) but no memory line in /proc/self/cgroup"};
    MemcgSite site{1, m.mount_point, *own, join_path(m.mount_point, relative_to_mount(*own, m.root))};
    return site;
  }
  for (const Mount& m : mounts) {
    if (m.fstype != "cgroup2") continue;
    auto controllers = read_text(m.mount_point + "/cgroup.controllers");
    if (!controllers || !has_word(trim(*controllers), "memory", ' ')) continue;
    auto own = own_cgroup("");
    if (!own) return Error{ErrorCode::kIo, 0, "cgroup2 at " + m.mount_point + " but no 0:: line in /proc/self/cgroup"};
    std::string own_fs = join_path(m.mount_point, relative_to_mount(*own, m.root));
    // Our own cgroup holds processes, so (no internal processes) it can delegate memory to a
    // child only if that is already enabled; the root cgroup is exempt from the rule.
    if (enable_memory_below(own_fs)) return MemcgSite{2, m.mount_point, *own, own_fs};
    if (m.root == "/" && enable_memory_below(m.mount_point)) return MemcgSite{2, m.mount_point, "/", m.mount_point};
    return Error{ErrorCode::kIo, 0,
                 "cgroup2 at " + m.mount_point + ": cannot enable +memory in cgroup.subtree_control of " + own_fs +
                     " or of the root"};
  }
  return Error{ErrorCode::kIo, 0, "no memory controller: neither a v1 'memory' mount nor a cgroup2 mount offering memory"};
}

std::string why_memcg_oom_not_permitted() {
  if (const char* off = std::getenv("OOMSCOPE_E2E_DISABLE"); off && *off && std::string_view(off) != "0")
    return "OOMSCOPE_E2E_DISABLE is set";
  if (::geteuid() != 0) return "not root (euid " + std::to_string(::geteuid()) + "): creating a memory cgroup needs root";
  auto panic = read_u64("/proc/sys/vm/panic_on_oom");
  if (!panic) return "cannot read /proc/sys/vm/panic_on_oom";
  if (*panic != 0) return "vm.panic_on_oom=" + std::to_string(*panic) + ": an OOM could panic this machine";
  auto site = find_memcg_site();
  if (!site) return site.error().message;
  std::string probe = join_path(site->parent_fs_path, unique_name("oomscope-probe"));
  if (::mkdir(probe.c_str(), 0755) != 0)
    return "cannot create a child memory cgroup in " + site->parent_fs_path + ": " + std::strerror(errno);
  ::rmdir(probe.c_str());
  return "";
}

// ---- ScopedMemcg -----------------------------------------------------------------------

Result<ScopedMemcg> ScopedMemcg::create(const MemcgSite& site, const std::string& name, uint64_t limit_bytes) {
  ScopedMemcg cg;
  std::string fs_path = join_path(site.parent_fs_path, name);
  if (::mkdir(fs_path.c_str(), 0755) != 0) return io_error(errno, "mkdir " + fs_path);
  cg.version_ = site.version;
  cg.fs_path_ = fs_path;
  cg.cgroup_path_ = site.parent_path == "/" ? "/" + name : site.parent_path + "/" + name;
  cg.limit_bytes_ = limit_bytes;
  const std::string limit = std::to_string(limit_bytes);
  auto set = [&](const char* file, std::string_view value) { return write_text(fs_path + "/" + file, value); };
  if (site.version == 1) {
    cg.limit_file_ = fs_path + "/memory.limit_in_bytes";
    if (Status s = set("memory.limit_in_bytes", limit); !s) return s.error();
    if (exists(fs_path + "/memory.memsw.limit_in_bytes"))
      if (Status s = set("memory.memsw.limit_in_bytes", limit); !s) return s.error();
    (void)set("memory.swappiness", "0");  // optional: no effect without swap, refused on some kernels
    if (Status s = set("memory.oom_control", "0"); !s) return s.error();  // OOM killer on, not inherited "disabled"
  } else {
    cg.limit_file_ = fs_path + "/memory.max";
    if (Status s = set("memory.max", limit); !s) return s.error();
    if (exists(fs_path + "/memory.swap.max"))
      if (Status s = set("memory.swap.max", "0"); !s) return s.error();
    if (exists(fs_path + "/memory.zswap.max")) (void)set("memory.zswap.max", "0");
  }
  auto read_back = read_u64(cg.limit_file_);
  if (!read_back || *read_back != limit_bytes)
    return Error{ErrorCode::kIo, 0,
                 cg.limit_file_ + " reads " + (read_back ? std::to_string(*read_back) : "?") + ", not " + limit};
  return cg;
}

ScopedMemcg::ScopedMemcg(ScopedMemcg&& o) noexcept
    : version_(o.version_), fs_path_(std::move(o.fs_path_)), cgroup_path_(std::move(o.cgroup_path_)),
      limit_file_(std::move(o.limit_file_)), limit_bytes_(o.limit_bytes_) {
  o.fs_path_.clear();
}

ScopedMemcg& ScopedMemcg::operator=(ScopedMemcg&& o) noexcept {
  if (this != &o) {
    (void)remove();
    version_ = o.version_;
    fs_path_ = std::move(o.fs_path_);
    cgroup_path_ = std::move(o.cgroup_path_);
    limit_file_ = std::move(o.limit_file_);
    limit_bytes_ = o.limit_bytes_;
    o.fs_path_.clear();
  }
  return *this;
}

ScopedMemcg::~ScopedMemcg() { (void)remove(); }

Status ScopedMemcg::remove() {
  if (fs_path_.empty()) return Ok{};
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  for (;;) {
    if (::rmdir(fs_path_.c_str()) == 0 || errno == ENOENT) break;
    int err = errno;
    if (err != EBUSY || Clock::now() > deadline) return io_error(err, "rmdir " + fs_path_);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  fs_path_.clear();
  return Ok{};
}

Result<MemcgCounters> ScopedMemcg::counters() const {
  MemcgCounters c;
  if (version_ == 1) {
    auto oom_control = read_text(fs_path_ + "/memory.oom_control");
    if (!oom_control) return oom_control.error();
    c.oom_kill = keyed_value(*oom_control, "oom_kill");
    c.failcnt = read_u64(fs_path_ + "/memory.failcnt");
    c.peak_bytes = read_u64(fs_path_ + "/memory.max_usage_in_bytes");
    c.limit_bytes = read_u64(fs_path_ + "/memory.limit_in_bytes");
  } else {
    auto events = read_text(fs_path_ + "/memory.events");
    if (!events) return events.error();
    c.oom_kill = keyed_value(*events, "oom_kill");
    c.oom = keyed_value(*events, "oom");
    c.failcnt = keyed_value(*events, "max");
    c.peak_bytes = read_u64(fs_path_ + "/memory.peak");
    c.limit_bytes = read_u64(fs_path_ + "/memory.max");
  }
  return c;
}

// ---- the run ----------------------------------------------------------------------------

Result<MemcgOomResult> run_hog_in(const ScopedMemcg& memcg, const MemcgOomOptions& o) {
  if (memcg.removed()) return Error{ErrorCode::kInvalidArg, 0, "run_hog_in: the cgroup was removed"};
  if (memcg.limit_bytes() < (4ull << 20) || o.chunk_bytes == 0 || o.cap_factor == 0)
    return Error{ErrorCode::kInvalidArg, 0, "run_hog_in: limit must be >= 4 MiB, chunk and cap_factor > 0"};
  MemcgOomResult r;
  r.cgroup_version = memcg.version();
  r.cgroup_path = memcg.cgroup_path();
  r.fs_path = memcg.fs_path();
  r.limit_bytes = memcg.limit_bytes();
  if (auto before = memcg.counters()) r.before = *before;

  // Everything the child needs is laid out before fork(): between fork and exec it makes only
  // raw system calls (the test process may be ASan-instrumented and is not to allocate there).
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return io_error(errno, "run_hog_in: pipe2");
  const pid_t parent = ::getpid();
  const std::string hog = hog_executable();
  std::vector<std::string> args = {hog,
                                   "--parent", std::to_string(parent),
                                   "--report-fd", std::to_string(pipe_fds[1]),
                                   "--cgroup-version", std::to_string(memcg.version()),
                                   "--procs", memcg.fs_path() + "/cgroup.procs",
                                   "--cgroup", memcg.cgroup_path(),
                                   "--limit-file", memcg.limit_file(),
                                   "--limit", std::to_string(memcg.limit_bytes()),
                                   "--chunk", std::to_string(o.chunk_bytes),
                                   "--cap", std::to_string(memcg.limit_bytes() * o.cap_factor)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  static constexpr char kExecFailed[] = "Eexec of the hog executable failed (errno ";
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return io_error(err, "run_hog_in: fork");
  }
  if (pid == 0) {
    ::close(pipe_fds[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // kept across exec; the hog checks its parent again
    if (::getppid() != parent) ::_exit(kHogExitNotConfined);
    ::fcntl(pipe_fds[1], F_SETFD, 0);  // the report pipe survives exec
    ::execv(argv[0], argv.data());
    int err = errno;
    char digits[16];
    int n = 0;
    for (int v = err; n == 0 || v > 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
    (void)!::write(pipe_fds[1], kExecFailed, sizeof kExecFailed - 1);
    while (n > 0) (void)!::write(pipe_fds[1], &digits[--n], 1);
    (void)!::write(pipe_fds[1], ")", 1);
    ::_exit(kHogExitNotConfined);
  }
  ::close(pipe_fds[1]);
  r.hog_pid = pid;

  // The pipe reaches EOF when the hog exits (its write end is its only copy).
  const auto deadline = Clock::now() + o.timeout;
  Clock::time_point confined_at{};
  std::string report;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      ::kill(pid, SIGKILL);
      r.timed_out = true;
      break;
    }
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    int pr = ::poll(&pfd, 1, static_cast<int>(left));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    char buf[512];
    ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (report.empty() && buf[0] == 'C') confined_at = Clock::now();
    report.append(buf, static_cast<size_t>(n));
  }
  const auto ended_at = Clock::now();
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.wait_status = status;
  r.confined = !report.empty() && report[0] == 'C';
  if (!report.empty() && report[0] == 'E') r.hog_error = report.substr(1);
  r.killed_by_sigkill = !r.timed_out && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (r.confined) r.time_to_kill = std::chrono::duration_cast<std::chrono::microseconds>(ended_at - confined_at);
  if (auto after = memcg.counters()) r.after = *after;
  return r;
}

Result<MemcgOomRun> trigger_memcg_oom_keep(const MemcgOomOptions& o) {
  if (o.limit_bytes < (4ull << 20) || o.chunk_bytes == 0 || o.cap_factor == 0)
    return Error{ErrorCode::kInvalidArg, 0, "trigger_memcg_oom: limit must be >= 4 MiB, chunk and cap_factor > 0"};
  auto site = find_memcg_site();
  if (!site) return site.error().with_context("trigger_memcg_oom");
  auto cg = ScopedMemcg::create(*site, unique_name(o.name_prefix), o.limit_bytes);
  if (!cg) return cg.error().with_context("trigger_memcg_oom");
  auto result = run_hog_in(*cg, o);
  if (!result) return result.error().with_context("trigger_memcg_oom");
  return MemcgOomRun{std::move(*result), std::move(*cg)};
}

Result<MemcgOomResult> trigger_memcg_oom(const MemcgOomOptions& options) {
  auto run = trigger_memcg_oom_keep(options);
  if (!run) return run.error();
  if (Status s = run->cgroup.remove(); !s) return s.error().with_context("trigger_memcg_oom");
  return std::move(run->result);
}

std::string describe(const MemcgOomResult& r) {
  auto opt = [](const std::optional<uint64_t>& v) { return v ? std::to_string(*v) : std::string("-"); };
  std::ostringstream os;
  os << "hog pid " << r.hog_pid << " in " << r.cgroup_path << " (cgroup v" << r.cgroup_version << ", limit "
     << r.limit_bytes << " B): confined=" << r.confined << " sigkill=" << r.killed_by_sigkill
     << " timed_out=" << r.timed_out << " wait_status=0x" << std::hex << r.wait_status << std::dec;
  if (WIFEXITED(r.wait_status)) os << " (exit " << WEXITSTATUS(r.wait_status) << ")";
  if (WIFSIGNALED(r.wait_status)) os << " (signal " << WTERMSIG(r.wait_status) << ")";
  if (!r.hog_error.empty()) os << " hog_error='" << r.hog_error << "'";
  os << " time_to_kill=" << r.time_to_kill.count() << "us oom_kill " << opt(r.before.oom_kill) << "->"
     << opt(r.after.oom_kill) << " failcnt " << opt(r.before.failcnt) << "->" << opt(r.after.failcnt) << " peak "
     << opt(r.after.peak_bytes);
  return os.str();
}

}  // namespace oomscope::testing
