// memcg_oom.h: trigger a REAL kernel OOM kill inside a small child memory cgroup.
//
// The e2e tests need genuine kernel OOM reports, printed by the kernel that runs the tests,
// not fixtures. This module creates a child memory cgroup below the cgroup this process is in
// (cgroup v1 memory hierarchy, or cgroup v2 with the memory controller), limits it to a few
// MiB with swap disabled, forks and execs a "hog" (the oomscope-hog executable, hog.c) that
// moves itself into it and allocates until the kernel's memcg OOM killer SIGKILLs it, then
// reaps the hog and removes the cgroup.
//
// The hog is its own tiny C program, built without sanitizer flags even when the tests are
// (OOMSCOPE_SANITIZE): a fork of an ASan-instrumented test process would carry the parent's
// shadow and allocator pages in its RSS (anon-rss 120% of the limit was measured), and the
// kernel's report would not describe a process that holds only what it allocated.
//
// Safety: a global OOM would kill this machine's real processes, so the hog never allocates
// outside the limited cgroup. After joining it, the hog re-reads /proc/self/cgroup and the
// cgroup's limit file; only if it is in exactly that cgroup and the limit reads exactly the
// small limit does it start touching memory, 1 MiB at a time, and it exits by itself after
// cap_factor x limit. It also sets its oom_score_adj to 1000 and PR_SET_PDEATHSIG(SIGKILL).
// The parent kills it if it is still alive after `timeout`. The cgroup is removed on every
// path (rmdir after the hog is reaped, retried briefly on EBUSY).
//
// Example:
//   if (std::string why = oomscope::testing::why_memcg_oom_not_permitted(); !why.empty())
//     GTEST_SKIP() << why;
//   auto oom = oomscope::testing::trigger_memcg_oom({.limit_bytes = 32 << 20});
//   ASSERT_TRUE(oom.ok()) << oom.error().message;
//   EXPECT_TRUE(oom->killed_by_sigkill);  // oom->hog_pid was killed by the memcg OOM killer
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "tests/testing/hog_protocol.h"

namespace oomscope::testing {

// Where child memory cgroups can be made: the memory controller's mount and the cgroup of
// this process in it.
struct MemcgSite {
  int version = 0;           // 1 (legacy "memory" hierarchy) or 2 (cgroup2 with +memory)
  std::string mount_point;   // "/sys/fs/cgroup/memory"
  std::string parent_path;   // cgroup path of the parent, "/process_api/4699c37a…" ("/" for the root)
  std::string parent_fs_path;  // mount_point + parent_path
};

// find_memcg_site(): locates the memory controller (v1 mount with "memory" in its super
// options first, else a cgroup2 mount whose root lists "memory" in cgroup.controllers) and
// the cgroup to create children in. On v2 that is this process's cgroup when "memory" is (or
// can be made) enabled in its cgroup.subtree_control, else the root of the mount. Fails with
// kIo/kInvalidArg and a message that says what is missing.
Result<MemcgSite> find_memcg_site();

// why_memcg_oom_not_permitted(): "" when trigger_memcg_oom() may run here; otherwise the
// reason, for GTEST_SKIP(): not root, OOMSCOPE_E2E_DISABLE set, vm.panic_on_oom != 0, no
// memory controller, or a child cgroup cannot be created (a probe mkdir/rmdir is made).
std::string why_memcg_oom_not_permitted();

// Counters of one memory cgroup; a counter the kernel does not provide is std::nullopt.
struct MemcgCounters {
  std::optional<uint64_t> oom_kill;    // v1 memory.oom_control "oom_kill", v2 memory.events "oom_kill"
  std::optional<uint64_t> oom;         // v2 memory.events "oom" (times the OOM killer was invoked)
  std::optional<uint64_t> failcnt;     // v1 memory.failcnt, v2 memory.events "max"
  std::optional<uint64_t> peak_bytes;  // v1 memory.max_usage_in_bytes, v2 memory.peak
  std::optional<uint64_t> limit_bytes; // v1 memory.limit_in_bytes, v2 memory.max ("max" = nullopt)
};

// ScopedMemcg: owns a child memory cgroup; the destructor removes it (see remove()).
class ScopedMemcg {
 public:
  // create(): mkdir site.parent_fs_path/name, then set the limit and disable swap:
  // v1 memory.limit_in_bytes, memory.memsw.limit_in_bytes (= limit, if the file exists),
  // memory.swappiness=0, memory.oom_control=0 (OOM killer enabled); v2 memory.max,
  // memory.swap.max=0, memory.zswap.max=0 (when present). The limit is read back and must
  // equal limit_bytes. On failure the directory is removed again.
  static Result<ScopedMemcg> create(const MemcgSite& site, const std::string& name, uint64_t limit_bytes);

  ScopedMemcg(ScopedMemcg&& other) noexcept;
  ScopedMemcg& operator=(ScopedMemcg&& other) noexcept;
  ScopedMemcg(const ScopedMemcg&) = delete;
  ScopedMemcg& operator=(const ScopedMemcg&) = delete;
  ~ScopedMemcg();

  // remove(): rmdir, retried for up to 2 s while it fails with EBUSY (a task not yet reaped).
  // Idempotent. Fails with kIo when the directory is still there afterwards.
  Status remove();

  int version() const { return version_; }
  const std::string& fs_path() const { return fs_path_; }        // "/sys/fs/cgroup/memory/process_api/…/oomscope-e2e-12-1"
  const std::string& cgroup_path() const { return cgroup_path_; } // "/process_api/…/oomscope-e2e-12-1"
  const std::string& limit_file() const { return limit_file_; }  // memory.limit_in_bytes | memory.max
  uint64_t limit_bytes() const { return limit_bytes_; }
  bool removed() const { return fs_path_.empty(); }

  // counters(): reads MemcgCounters now; fails only when the cgroup directory is unreadable.
  Result<MemcgCounters> counters() const;

 private:
  ScopedMemcg() = default;
  int version_ = 0;
  std::string fs_path_;
  std::string cgroup_path_;
  std::string limit_file_;
  uint64_t limit_bytes_ = 0;
};

struct MemcgOomOptions {
  uint64_t limit_bytes = 32ull << 20;  // memory limit of the child cgroup (4 MiB minimum)
  uint64_t chunk_bytes = 1ull << 20;   // the hog mmaps and memsets this much per step
  unsigned cap_factor = 4;             // the hog exits (code kHogExitCapReached) after cap_factor x limit
  std::chrono::milliseconds timeout{30000};  // the hog is SIGKILLed by the parent after this
  std::string name_prefix = "oomscope-e2e";  // cgroup name is <prefix>-<pid>-<n>
};

// Exit codes of the hog when it was not killed; anything else is a bug (hog_protocol.h).
inline constexpr int kHogExitNotConfined = OOMSCOPE_HOG_EXIT_NOT_CONFINED;  // bad args, exec, join or verification failed: allocated nothing
inline constexpr int kHogExitCapReached = OOMSCOPE_HOG_EXIT_CAP_REACHED;    // touched cap_factor x limit and was not killed
inline constexpr int kHogExitNoMemory = OOMSCOPE_HOG_EXIT_NO_MEMORY;        // mmap failed (ENOMEM) before the OOM killer acted

inline constexpr char kHogComm[] = OOMSCOPE_HOG_COMM;  // the hog's comm, as the kernel prints it

// hog_executable(): the path of the hog program this build made (tests/testing/hog.c, built
// without sanitizers even in the OOMSCOPE_SANITIZE build).
std::string hog_executable();

struct MemcgOomResult {
  int hog_pid = 0;
  int cgroup_version = 0;
  std::string cgroup_path;   // as the kernel prints it: "/process_api/<id>/oomscope-e2e-<pid>-<n>"
                             // (as seen from this process's cgroup namespace; the same outside one)
  std::string fs_path;       // the cgroup's directory
  uint64_t limit_bytes = 0;
  bool confined = false;          // the hog reported that it verified the cgroup and the limit
  bool killed_by_sigkill = false; // the hog died of SIGKILL, not by the parent's timeout kill
  bool timed_out = false;         // the parent had to kill the hog
  int wait_status = 0;            // raw waitpid() status
  std::string hog_error;          // what the hog reported when it did not get confined
  std::chrono::microseconds time_to_kill{0};  // from "confined, allocating" to the hog's exit
  MemcgCounters before;           // counters of the fresh cgroup before the hog started
  MemcgCounters after;            // counters after the hog was reaped
};

// A run whose cgroup is still there, for tests that read its counters; removed by `cgroup`'s
// destructor.
struct MemcgOomRun {
  MemcgOomResult result;
  ScopedMemcg cgroup;
};

// run_hog_in(): runs the hog in an existing cgroup and waits for it. The hog checks that it
// is in `cgroup` and that its limit file reads cgroup.limit_bytes() before it allocates;
// options.limit_bytes is ignored. A hog that refused or was not killed is not an error: look
// at confined/hog_error, killed_by_sigkill and wait_status.
Result<MemcgOomResult> run_hog_in(const ScopedMemcg& cgroup, const MemcgOomOptions& options = {});

// trigger_memcg_oom_keep(): creates the cgroup, runs the hog in it and waits for it (see the
// top of this file). Returns an error when the cgroup cannot be set up or the hog cannot be
// started; a hog that was not killed is NOT an error: look at killed_by_sigkill/wait_status.
Result<MemcgOomRun> trigger_memcg_oom_keep(const MemcgOomOptions& options = {});

// trigger_memcg_oom(): trigger_memcg_oom_keep() then remove the cgroup; fails if it could not
// be removed.
Result<MemcgOomResult> trigger_memcg_oom(const MemcgOomOptions& options = {});

// describe(): one line for test failure messages and logs.
std::string describe(const MemcgOomResult& r);

}  // namespace oomscope::testing
