#include "collector/collect.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <thread>

#include "collector/cgroup.h"
#include "collector/kmsg.h"
#include "collector/pack_writer.h"
#include "collector/proc_parse.h"
#include "collector/redact.h"
#include "collector/sys_root.h"
#include "common/line_reader.h"
#include "common/pack.h"
#include "common/parse_num.h"
#include "common/strings.h"

namespace oomscope::collector {

namespace {

using sqlite::Statement;

// System-wide files read in every snapshot (raw_files; the first three are also parsed).
constexpr std::string_view kSystemFiles[] = {
    "proc/meminfo", "proc/vmstat",  "proc/pressure/memory", "proc/buddyinfo", "proc/zoneinfo",
    "proc/slabinfo", "proc/swaps",  "proc/loadavg",
};

// The vm.* sysctls that decide how and when the OOM killer runs.
constexpr std::string_view kSysctls[] = {
    "vm/overcommit_memory", "vm/overcommit_ratio",      "vm/overcommit_kbytes", "vm/min_free_kbytes",
    "vm/panic_on_oom",      "vm/oom_kill_allocating_task", "vm/oom_dump_tasks", "vm/swappiness",
    "vm/nr_hugepages",      "vm/watermark_scale_factor", "vm/admin_reserve_kbytes", "vm/user_reserve_kbytes",
};

constexpr size_t kSmapsCap = 64u << 20;
// v1 reports "no limit" as PAGE_COUNTER_MAX pages (9223372036854771712 on 4 KiB pages).
constexpr int64_t kV1Unlimited = int64_t{1} << 62;

struct Target {
  std::string kind, value;
  std::vector<std::string> cgroups;  // resolved memory cgroups
  std::string status = "ok";
};

// Roles in the cgroup plan, by priority.
int role_rank(std::string_view role) {
  if (role == "target") return 3;
  if (role == "descendant") return 2;
  if (role == "ancestor") return 1;
  return 0;
}

std::string sysctl_name(std::string_view rel) {
  std::string s(rel);
  std::replace(s.begin(), s.end(), '/', '.');
  return s;
}

bool is_pid_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// OrderedReader: runs `fn(i)` for i in [0, n) on `threads` worker threads and hands the
// results to the one consumer in index order, at most `window` results ahead of it (so memory
// stays bounded however many items there are). The workers only read files (kernel work: the
// page-table walks behind smaps_rollup and smaps); parsing and every SQLite call stay on the
// consumer's thread, and rows are written in the same order as without threads. threads = 0:
// fn runs inline in next(). Destroying the reader early (an error, a signal, the time limit)
// lets each worker finish the item in hand and joins it.
template <class R>
class OrderedReader {
 public:
  OrderedReader(size_t n, int threads, size_t window, std::function<R(size_t)> fn)
      : n_(n), window_(std::max<size_t>(window, 1)), fn_(std::move(fn)), slots_(window_) {
    for (int t = 0; t < threads && static_cast<size_t>(t) < n_; ++t) workers_.emplace_back([this] { work(); });
  }
  ~OrderedReader() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    can_take_.notify_all();
    for (auto& w : workers_) w.join();
  }
  OrderedReader(const OrderedReader&) = delete;
  OrderedReader& operator=(const OrderedReader&) = delete;

  // next(): the result for the next index into `out`; false when all n were delivered.
  bool next(R& out) {
    if (consumed_ == n_) return false;
    if (workers_.empty()) {
      out = fn_(consumed_++);
      return true;
    }
    std::unique_lock<std::mutex> lock(mu_);
    auto& slot = slots_[consumed_ % window_];
    ready_.wait(lock, [&] { return slot.value || slot.error; });
    if (slot.error) std::rethrow_exception(slot.error);  // std::bad_alloc in a reader: as without threads
    out = std::move(*slot.value);
    slot.value.reset();
    consumed_++;
    lock.unlock();
    can_take_.notify_all();
    return true;
  }

 private:
  void work() {
    for (;;) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(mu_);
        can_take_.wait(lock, [&] { return stop_ || taken_ >= n_ || taken_ < consumed_ + window_; });
        if (stop_ || taken_ >= n_) return;
        i = taken_++;
      }
      std::optional<R> r;
      std::exception_ptr error;
      try {
        r = fn_(i);
      } catch (...) {
        error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        slots_[i % window_].value = std::move(r);
        slots_[i % window_].error = error;
      }
      ready_.notify_one();
      if (error) return;
    }
  }

  const size_t n_, window_;
  std::function<R(size_t)> fn_;
  std::mutex mu_;
  std::condition_variable can_take_, ready_;
  struct Slot {
    std::optional<R> value;
    std::exception_ptr error;
  };
  std::vector<Slot> slots_;
  size_t taken_ = 0, consumed_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

// FileRead: one file as a reader thread read it.
struct FileRead {
  int err = -1;  // 0 read, errno on failure, -1 not attempted
  bool truncated = false;
  std::string bytes;
};

// ProcRead: the files of one process, read through one /proc/<pid> directory fd.
struct ProcRead {
  int64_t pid = 0;
  int dir_err = 0;      // open_dir() failed with this errno: nothing else was read
  bool target = false;  // in_target(); when filtering and false, nothing else was read
  std::optional<std::string> cg;
  FileRead cgroup, status, stat, rollup, oom_score, oom_score_adj, cmdline, exe;
};

class Collector {
 public:
  Collector(const CollectConfig& cfg, const Clock& clock, const volatile std::sig_atomic_t* stop, std::ostream& diag,
            SysRoot root, PackWriter writer)
      : cfg_(cfg), clock_(clock), stop_(stop), diag_(diag), root_(std::move(root)), w_(std::move(writer)),
        redactor_(cfg.redact) {
    readers_ = cfg.reader_threads;
    if (readers_ < 0) {
      cpu_set_t cpus;
      readers_ = sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) >= 2 ? 2 : 0;
    }
  }

  Result<CollectSummary> run();

 private:
  Status prepare_statements();
  // stopping(): true (and fatal_ set) on a signal or when the time limit has passed.
  bool stopping();
  void check(const Status& s) {
    if (!s && !fatal_) fatal_ = s.error();
  }
  void error(int64_t sample, std::string_view path, int err, std::string_view message) {
    check(w_.insert_error(sample, path, err, message));
    summary_.collection_errors++;
  }
  void sys_error(int64_t sample, std::string_view path, int err) {
    error(sample, path, err, std::string(path) + ": " + errno_text(err));
  }
  // read(): reads `rel` into `buf`; keeps it in raw_files (when `keep`) or records the error.
  bool read(int64_t sample, const std::string& rel, std::string& buf, bool keep = true,
            size_t cap = SysRoot::kDefaultCap);
  void raw(int64_t sample, std::string_view rel, std::string_view bytes, bool truncated) {
    check(w_.insert_raw(sample, rel, bytes, static_cast<int64_t>(bytes.size()), truncated));
    summary_.raw_files++;
  }

  void host_facts();
  void resolve_targets();
  void plan_cgroups();
  void kernel_log();
  void kernel_log_files();
  void system(int64_t sample);
  void cgroup(int64_t sample, const std::string& path, const std::string& role, std::set<std::string>& enoent_seen);
  void processes(int64_t sample);
  ProcRead read_process(int64_t pid) const;  // thread-safe: reads only
  // process_row(): the collection_errors, raw_files and processes rows of one ProcRead.
  // Returns the RSS for the top-N choice, or nullopt when no row was written.
  std::optional<int64_t> process_row(int64_t sample, ProcRead& r);
  void smaps(int64_t sample, int64_t pid, FileRead& file);
  void redactions(int64_t sample);
  bool in_target(int64_t pid, const std::optional<std::string>& cg) const;
  void sleep_interval();

  const CollectConfig& cfg_;
  const Clock& clock_;
  const volatile std::sig_atomic_t* stop_;
  std::ostream& diag_;
  SysRoot root_;
  PackWriter w_;
  Redactor redactor_;
  CgroupLayout layout_;
  std::optional<Error> fatal_;
  CollectSummary summary_;
  int64_t start_mono_ = 0;
  int64_t boot_utc_usec_ = 0;
  bool boot_known_ = false;
  int64_t ticks_per_sec_ = 100;
  std::vector<Target> targets_;
  bool filter_processes_ = false;  // only processes in target cgroups / target pids
  std::set<int64_t> target_pids_;
  std::vector<std::string> target_cgroups_;
  std::vector<std::pair<std::string, std::string>> cgroup_plan_;  // (path, role)
  std::vector<std::string> all_cgroups_;                          // lazily walked
  std::string buf_, buf2_;
  int readers_ = 0;  // reader threads for per-process files (0: read inline)
  Statement ins_sample_, ins_target_, ins_klog_, ins_gap_, ins_sysctl_, ins_meminfo_, ins_vmstat_, ins_psi_,
      ins_cgroup_, ins_cgstat_, ins_process_, ins_mapping_, upd_smaps_, ins_redaction_;
};

Status Collector::prepare_statements() {
  struct {
    Statement* st;
    const char* sql;
  } stmts[] = {
      {&ins_sample_, "INSERT INTO samples(sample, started_utc, monotonic_usec, duration_usec) VALUES (?1,?2,?3,?4)"},
      {&ins_target_, "INSERT INTO targets(kind, value, cgroup, status) VALUES (?1,?2,?3,?4)"},
      {&ins_klog_,
       "INSERT INTO kernel_log(source, seq, facility, level, mono_usec, wall_utc, flags, message, raw, dict) "
       "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"},
      {&ins_gap_, "INSERT INTO kernel_log_gaps(after_seq, next_seq, lost_records) VALUES (?1,?2,?3)"},
      {&ins_sysctl_, "INSERT OR REPLACE INTO sysctls(sample, name, value) VALUES (?1,?2,?3)"},
      {&ins_meminfo_, "INSERT OR REPLACE INTO meminfo(sample, name, value, unit) VALUES (?1,?2,?3,?4)"},
      {&ins_vmstat_, "INSERT OR REPLACE INTO vmstat(sample, name, value) VALUES (?1,?2,?3)"},
      {&ins_psi_,
       "INSERT INTO pressure(sample, cgroup, kind, avg10, avg60, avg300, total_usec) VALUES (?1,?2,?3,?4,?5,?6,?7)"},
      {&ins_cgroup_,
       "INSERT OR REPLACE INTO cgroups(sample, path, version, role, usage_bytes, limit_bytes, high_bytes, peak_bytes, "
       "swap_usage_bytes, swap_limit_bytes, failcnt, oom_events, oom_kill, oom_group_kill, under_oom, "
       "oom_kill_disable, oom_group, nr_procs) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)"},
      {&ins_cgstat_, "INSERT OR REPLACE INTO cgroup_stats(sample, cgroup, file, key, value) VALUES (?1,?2,?3,?4,?5)"},
      {&ins_process_,
       "INSERT OR REPLACE INTO processes(sample, pid, ppid, comm, state, uid, exe, cmdline, cgroup, start_time_ticks, "
       "start_time_utc, threads, vm_size_bytes, vm_rss_bytes, vm_hwm_bytes, rss_anon_bytes, rss_file_bytes, "
       "rss_shmem_bytes, vm_swap_bytes, vm_pte_bytes, pss_bytes, pss_anon_bytes, pss_file_bytes, pss_shmem_bytes, "
       "shared_clean_bytes, shared_dirty_bytes, private_clean_bytes, private_dirty_bytes, swap_bytes, swap_pss_bytes, "
       "oom_score, oom_score_adj, in_target, smaps_collected) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,"
       "?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34)"},
      {&ins_mapping_,
       "INSERT INTO mappings(sample, pid, start_addr, end_addr, perms, file_offset, dev, inode, name, size_bytes, "
       "rss_bytes, pss_bytes, shared_clean_bytes, shared_dirty_bytes, private_clean_bytes, private_dirty_bytes, "
       "anonymous_bytes, swap_bytes, swap_pss_bytes, locked_bytes) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
       "?13,?14,?15,?16,?17,?18,?19,?20)"},
      {&upd_smaps_, "UPDATE processes SET smaps_collected = 1 WHERE sample = ?1 AND pid = ?2"},
      {&ins_redaction_, "INSERT OR REPLACE INTO redactions(sample, pattern, count) VALUES (?1,?2,?3)"},
  };
  for (auto& s : stmts) {
    auto st = w_.db().prepare(s.sql);
    if (!st) return st.error();
    *s.st = std::move(*st);
  }
  return Ok{};
}

bool Collector::stopping() {
  if (fatal_) return true;
  if (stop_ && *stop_) {
    fatal_ = Error{ErrorCode::kInterrupted, EINTR, "interrupted by a signal"};
    return true;
  }
  if (cfg_.time_limit_sec > 0 &&
      clock_.monotonic_usec() - start_mono_ > static_cast<int64_t>(cfg_.time_limit_sec * 1e6)) {
    fatal_ = Error{ErrorCode::kInterrupted, ETIME,
                   "time limit of " + std::to_string(static_cast<int64_t>(cfg_.time_limit_sec)) +
                       " s reached (raise it with --time-limit)"};
    return true;
  }
  return false;
}

bool Collector::read(int64_t sample, const std::string& rel, std::string& buf, bool keep, size_t cap) {
  bool truncated = false;
  int err = root_.read_file(rel, buf, cap, &truncated);
  if (err != 0) {
    sys_error(sample, rel, err);
    return false;
  }
  if (truncated) error(sample, rel, EFBIG, rel + ": larger than " + std::to_string(cap) + " bytes; kept the head");
  if (keep) raw(sample, rel, buf, truncated);
  return true;
}

void Collector::host_facts() {
  auto fact = [&](const char* key, const std::string& rel) -> std::optional<std::string> {
    if (!read(1, rel, buf_)) return std::nullopt;
    std::string v(trim(buf_));
    check(w_.set_meta(key, v));
    return v;
  };
  fact("hostname", "proc/sys/kernel/hostname");
  fact("kernel_release", "proc/sys/kernel/osrelease");
  fact("kernel_version", "proc/sys/kernel/version");
  fact("boot_id", "proc/sys/kernel/random/boot_id");
  if (read(1, "proc/uptime", buf_)) {
    if (auto up = parse_uptime(buf_)) check(w_.set_meta("uptime_sec", std::to_string(*up)));
  }
  // Boot time: on the live host from the clocks (microsecond precision); under --root from
  // the tree's /proc/stat btime (seconds), since our clocks are not that host's.
  if (root_.is_live()) {
    boot_utc_usec_ = clock_.utc_now_usec() - clock_.monotonic_usec();
    boot_known_ = true;
    check(w_.set_meta("boot_time_source", "clock_realtime-clock_monotonic"));
  }
  if (read(1, "proc/stat", buf_)) {
    if (auto bt = parse_btime(buf_); bt && !boot_known_) {
      boot_utc_usec_ = *bt * 1'000'000;
      boot_known_ = true;
      check(w_.set_meta("boot_time_source", "proc/stat btime"));
    }
  }
  if (boot_known_) check(w_.set_meta("boot_time_utc", format_utc_usec(boot_utc_usec_)));
  ticks_per_sec_ = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
  check(w_.set_meta("clock_ticks_per_sec", std::to_string(ticks_per_sec_)));
  check(w_.set_meta("page_size_bytes", std::to_string(sysconf(_SC_PAGESIZE))));
}

void Collector::resolve_targets() {
  auto all = [&]() -> const std::vector<std::string>& {
    if (all_cgroups_.empty()) {
      std::vector<std::pair<std::string, int>> errs;
      all_cgroups_ = walk_cgroups(root_, layout_, "/", cfg_.max_cgroups, &errs);
      for (auto& [p, e] : errs) sys_error(0, layout_.dir_of(p), e);
    }
    return all_cgroups_;
  };
  auto base = [](const std::string& p) { return std::string_view(p).substr(p.rfind('/') + 1); };

  for (int64_t pid : cfg_.pids) {
    Target t{"pid", std::to_string(pid)};
    target_pids_.insert(pid);
    std::string rel = "proc/" + std::to_string(pid) + "/cgroup";
    int err = root_.read_file(rel, buf_);
    if (err != 0) {
      t.status = std::string("cannot read ") + rel + ": " + std::strerror(err);
      sys_error(0, rel, err);
    } else if (auto lines = parse_proc_cgroup(buf_); !lines) {
      t.status = lines.error().message;
    } else if (auto cg = memory_cgroup_path(*lines, layout_.memory_version == 1)) {
      t.cgroups.push_back(normalize_cgroup_path(*cg));
    } else {
      t.status = "process has no memory cgroup";
    }
    targets_.push_back(std::move(t));
  }
  for (const auto& c : cfg_.cgroups) {
    Target t{"cgroup", c};
    std::string p = normalize_cgroup_path(c);
    if (p.empty()) {
      t.status = "refused: '.' or '..' in the path";
    } else {
      if (!root_.exists(layout_.dir_of(p))) t.status = "no such cgroup (deleted with its container?); ancestors collected";
      t.cgroups.push_back(p);
    }
    targets_.push_back(std::move(t));
  }
  for (const auto& uid : cfg_.pods) {
    Target t{"pod", uid};
    for (const auto& p : all()) {
      if (pod_matches(base(p), uid)) t.cgroups.push_back(p);
    }
    if (t.cgroups.empty()) t.status = "no cgroup for this pod UID";
    targets_.push_back(std::move(t));
  }
  for (const auto& id : cfg_.containers) {
    Target t{"container", id};
    for (const auto& p : all()) {
      if (container_matches(base(p), id)) t.cgroups.push_back(p);
    }
    if (t.cgroups.empty()) t.status = "no cgroup for this container id";
    targets_.push_back(std::move(t));
  }

  bool any_target = !targets_.empty();
  for (const auto& t : targets_) {
    for (const auto& c : t.cgroups) target_cgroups_.push_back(c);
  }
  filter_processes_ = any_target && (!target_cgroups_.empty() || !target_pids_.empty());
  if (any_target && !filter_processes_) {
    diag_ << "oomscope collect: warning: no target could be resolved; collecting the whole host\n";
  }
  if (!any_target) targets_.push_back(Target{"host", "", {"/"}, "ok"});
  for (const auto& t : targets_) {
    if (t.cgroups.empty()) {
      ins_target_.bind(1, t.kind).bind(2, t.value).bind_null(3).bind(4, t.status);
      check(ins_target_.step());
    }
    for (const auto& c : t.cgroups) {
      ins_target_.bind(1, t.kind).bind(2, t.value).bind(3, c).bind(4, t.status);
      check(ins_target_.step());
    }
  }
}

void Collector::plan_cgroups() {
  if (layout_.memory_version == 0) return;
  std::map<std::string, std::string> role;  // path -> role
  auto add = [&](const std::string& p, const std::string& r) {
    auto [it, inserted] = role.emplace(p, r);
    if (!inserted && role_rank(r) > role_rank(it->second)) it->second = r;
  };
  if (target_cgroups_.empty()) {
    std::vector<std::pair<std::string, int>> errs;
    for (auto& p : walk_cgroups(root_, layout_, "/", cfg_.max_cgroups, &errs)) add(p, "host");
    for (auto& [p, e] : errs) sys_error(0, layout_.dir_of(p), e);
  } else {
    for (const auto& t : target_cgroups_) {
      for (auto& a : ancestors_of(t)) {
        if (root_.exists(layout_.dir_of(a))) add(a, "ancestor");
      }
      if (!root_.exists(layout_.dir_of(t))) continue;
      std::vector<std::pair<std::string, int>> errs;
      for (auto& d : walk_cgroups(root_, layout_, t, cfg_.max_cgroups, &errs)) add(d, d == t ? "target" : "descendant");
      for (auto& [p, e] : errs) sys_error(0, layout_.dir_of(p), e);
    }
  }
  cgroup_plan_.assign(role.begin(), role.end());
  if (target_cgroups_.empty()) {
    // Whole host: cgroups that have had an OOM kill are read first, so a time limit or an
    // interruption still leaves (in the log) the ones that matter; the walk order otherwise.
    std::vector<std::pair<std::string, std::string>> killed, rest;
    const char* counter_file = layout_.memory_version == 1 ? "memory.oom_control" : "memory.events";
    for (auto& entry : cgroup_plan_) {
      bool had_kill = false;
      if (root_.read_file(layout_.dir_of(entry.first) + "/" + counter_file, buf_) == 0) {
        if (auto rows = parse_flat_keyed(buf_)) {
          for (const auto& r : *rows) had_kill = had_kill || (r.name == "oom_kill" && r.value > 0);
        }
      }
      (had_kill ? killed : rest).push_back(std::move(entry));
    }
    check(w_.set_meta("cgroups_with_oom_kill", std::to_string(killed.size())));
    cgroup_plan_ = std::move(killed);
    cgroup_plan_.insert(cgroup_plan_.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
  }
}

void Collector::kernel_log() {
  if (!cfg_.kernel_logs.empty()) {
    kernel_log_files();
    return;
  }
  int fd = root_.open_fd("dev/kmsg", O_RDONLY | O_NONBLOCK);
  if (fd < 0) {
    sys_error(1, "dev/kmsg", -fd);
    check(w_.set_meta("kernel_log_source", "none"));
    return;
  }
  int64_t gaps = 0;
  std::string wall;
  auto on_record = [&](const KmsgRecord& r) {
    // Every string bound here outlives the step(): no copies (2 500+ records on a live host).
    ins_klog_.bind_text_nocopy(1, "kmsg").bind(2, r.seq).bind(3, r.facility).bind(4, r.level).bind(5, r.usec);
    if (boot_known_) {
      wall = format_utc_usec(boot_utc_usec_ + static_cast<int64_t>(r.usec));
      ins_klog_.bind_text_nocopy(6, wall);
    } else {
      ins_klog_.bind_null(6);
    }
    ins_klog_.bind_text_nocopy(7, r.flags).bind_text_nocopy(8, r.message).bind_text_nocopy(9, r.raw);
    if (r.dict.empty()) {
      ins_klog_.bind_null(10);
    } else {
      ins_klog_.bind_text_nocopy(10, r.dict);
    }
    check(ins_klog_.step());
  };
  auto on_gap = [&](std::optional<uint64_t> after, uint64_t next) {
    gaps++;
    ins_gap_.bind(1, after).bind(2, next);
    if (after && next > *after + 1) {
      ins_gap_.bind(3, next - *after - 1);
    } else {
      ins_gap_.bind_null(3);
    }
    check(ins_gap_.step());
  };
  auto stats = read_kmsg(fd, on_record, on_gap, [&] { return stopping(); }, cfg_.kmsg_max_records);
  ::close(fd);
  if (!stats) {
    error(1, "dev/kmsg", stats.error().sys_errno, stats.error().message);
  } else {
    summary_.kernel_log_records = static_cast<int64_t>(stats->records);
    if (stats->records >= cfg_.kmsg_max_records && !stopping())
      error(1, "dev/kmsg", 0,
            "stopped after " + std::to_string(stats->records) +
                " records (--kernel-log-max-records): records were still coming (a log flood?); the later "
                "ones are not in the pack");
    if (stats->bad_records > 0) {
      error(1, "dev/kmsg", 0, std::to_string(stats->bad_records) + " records did not parse and were skipped");
    }
  }
  check(w_.set_meta("kernel_log_source", "kmsg"));
  check(w_.set_meta("kernel_log_gaps", std::to_string(gaps)));
}

void Collector::kernel_log_files() {
  for (const auto& path : cfg_.kernel_logs) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
      sys_error(1, path, errno);
      continue;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      error(1, path, EINVAL, path + ": not a regular file");
      continue;
    }
    LineReader lines(fd);
    Line line;
    while (lines.next(line) && !stopping()) {
      ins_klog_.bind(1, path).bind_null(2).bind_null(3).bind_null(4).bind_null(5).bind_null(6).bind_null(7);
      ins_klog_.bind(8, line.text).bind(9, line.text).bind_null(10);
      check(ins_klog_.step());
      summary_.kernel_log_records++;
    }
    if (lines.error() != 0) sys_error(1, path, lines.error());
    ::close(fd);
  }
  check(w_.set_meta("kernel_log_source", "files"));
}

void Collector::system(int64_t sample) {
  for (std::string_view f : kSystemFiles) {
    if (stopping()) return;
    std::string rel(f);
    if (!read(sample, rel, buf_)) continue;
    if (f == "proc/meminfo") {
      auto rows = parse_meminfo(buf_);
      if (!rows) {
        error(sample, rel, 0, rows.error().message);
        continue;
      }
      for (const auto& r : *rows) {
        ins_meminfo_.bind(1, sample).bind(2, r.name).bind(3, r.value).bind(4, r.in_bytes ? "bytes" : "count");
        check(ins_meminfo_.step());
      }
    } else if (f == "proc/vmstat") {
      auto rows = parse_flat_keyed(buf_);
      if (!rows) {
        error(sample, rel, 0, rows.error().message);
        continue;
      }
      for (const auto& r : *rows) {
        ins_vmstat_.bind(1, sample).bind(2, r.name).bind(3, r.value);
        check(ins_vmstat_.step());
      }
    } else if (f == "proc/pressure/memory") {
      auto rows = parse_psi(buf_);
      if (!rows) {
        error(sample, rel, 0, rows.error().message);
        continue;
      }
      for (const auto& p : *rows) {
        ins_psi_.bind(1, sample).bind_null(2).bind(3, p.kind).bind(4, p.avg10).bind(5, p.avg60).bind(6, p.avg300);
        ins_psi_.bind(7, p.total_usec);
        check(ins_psi_.step());
      }
    }
  }
  for (std::string_view s : kSysctls) {
    std::string rel = "proc/sys/" + std::string(s);
    if (!read(sample, rel, buf_)) continue;
    ins_sysctl_.bind(1, sample).bind(2, sysctl_name(s)).bind(3, trim(buf_));
    check(ins_sysctl_.step());
  }
}

void Collector::cgroup(int64_t sample, const std::string& path, const std::string& role,
                       std::set<std::string>& enoent_seen) {
  std::string dir = layout_.dir_of(path);
  std::optional<int64_t> usage, limit, high, peak, swap_usage, swap_limit, failcnt, oom_events, oom_kill,
      oom_group_kill, under_oom, oom_kill_disable, oom_group, nr_procs;
  auto unlimited = [&](const CgroupValue& v) -> std::optional<int64_t> {
    if (v.is_max || !v.value || (layout_.memory_version == 1 && *v.value >= kV1Unlimited)) return std::nullopt;
    return v.value;
  };
  for (const auto& f : memory_files(layout_.memory_version)) {
    if (stopping()) return;
    std::string rel = dir + "/" + std::string(f.name);
    bool truncated = false;
    int err = root_.read_file(rel, buf_, SysRoot::kDefaultCap, &truncated);
    if (err != 0) {
      // A file this kernel does not have (memory.peak before 5.19, the root cgroup's missing
      // memory.current…) is recorded once per file name and snapshot in a whole-host walk,
      // and for every cgroup that was asked for.
      // The v2 root cgroup has no limits or counters of its own (only memory.stat,
      // memory.pressure, memory.numa_stat): ENOENT there is the normal case.
      if (err == ENOENT && path == "/" && layout_.memory_version == 2) continue;
      if (err == ENOENT && role == "host" && !enoent_seen.insert(std::string(f.name)).second) continue;
      sys_error(sample, rel, err);
      continue;
    }
    raw(sample, rel, buf_, truncated);
    std::string_view name = f.name;
    switch (f.kind) {
      case CgroupFileKind::kValue: {
        auto v = parse_cgroup_value(buf_);
        if (!v) {
          error(sample, rel, 0, rel + ": " + v.error().message);
          break;
        }
        ins_cgstat_.bind(1, sample).bind(2, path).bind(3, name).bind(4, "").bind(5, v->is_max ? -1 : *v->value);
        check(ins_cgstat_.step());
        if (name == "memory.current" || name == "memory.usage_in_bytes") usage = v->value;
        if (name == "memory.max" || name == "memory.limit_in_bytes") limit = unlimited(*v);
        if (name == "memory.high") high = unlimited(*v);
        if (name == "memory.peak" || name == "memory.max_usage_in_bytes") peak = v->value;
        if (name == "memory.swap.current" || name == "memory.memsw.usage_in_bytes") swap_usage = v->value;
        if (name == "memory.swap.max" || name == "memory.memsw.limit_in_bytes") swap_limit = unlimited(*v);
        if (name == "memory.failcnt") failcnt = v->value;
        if (name == "memory.oom.group") oom_group = v->value;
        break;
      }
      case CgroupFileKind::kKeyed: {
        auto rows = parse_flat_keyed(buf_);
        if (!rows) {
          error(sample, rel, 0, rel + ": " + rows.error().message);
          break;
        }
        for (const auto& r : *rows) {
          ins_cgstat_.bind(1, sample).bind(2, path).bind(3, name).bind(4, r.name).bind(5, r.value);
          check(ins_cgstat_.step());
          if (name == "memory.events") {
            if (r.name == "oom") oom_events = r.value;
            if (r.name == "oom_kill") oom_kill = r.value;
            if (r.name == "oom_group_kill") oom_group_kill = r.value;
          } else if (name == "memory.oom_control") {
            if (r.name == "oom_kill") oom_kill = r.value;
            if (r.name == "under_oom") under_oom = r.value;
            if (r.name == "oom_kill_disable") oom_kill_disable = r.value;
          }
        }
        break;
      }
      case CgroupFileKind::kPsi: {
        auto rows = parse_psi(buf_);
        if (!rows) {
          error(sample, rel, 0, rel + ": " + rows.error().message);
          break;
        }
        for (const auto& p : *rows) {
          ins_psi_.bind(1, sample).bind(2, path).bind(3, p.kind).bind(4, p.avg10).bind(5, p.avg60).bind(6, p.avg300);
          ins_psi_.bind(7, p.total_usec);
          check(ins_psi_.step());
        }
        break;
      }
      case CgroupFileKind::kProcs: {
        int64_t n = 0;
        for (char c : buf_) n += c == '\n';
        if (!buf_.empty() && buf_.back() != '\n') n++;
        nr_procs = n;
        break;
      }
      case CgroupFileKind::kRawOnly:
        break;
    }
  }
  ins_cgroup_.bind(1, sample).bind(2, path).bind(3, layout_.memory_version).bind(4, role);
  ins_cgroup_.bind(5, usage).bind(6, limit).bind(7, high).bind(8, peak).bind(9, swap_usage).bind(10, swap_limit);
  ins_cgroup_.bind(11, failcnt).bind(12, oom_events).bind(13, oom_kill).bind(14, oom_group_kill);
  ins_cgroup_.bind(15, under_oom).bind(16, oom_kill_disable).bind(17, oom_group).bind(18, nr_procs);
  check(ins_cgroup_.step());
  summary_.cgroups++;
}

bool Collector::in_target(int64_t pid, const std::optional<std::string>& cg) const {
  if (!filter_processes_) return true;
  if (target_pids_.count(pid)) return true;
  if (!cg) return false;
  std::string norm = normalize_cgroup_path(*cg);
  for (const auto& t : target_cgroups_) {
    if (is_within(norm, t)) return true;
  }
  return false;
}

ProcRead Collector::read_process(int64_t pid) const {
  ProcRead r;
  r.pid = pid;
  std::string dir = "proc/" + std::to_string(pid);
  // One fd for /proc/<pid>: every file below is this very process, not a successor that got
  // the pid recycled mid-read, and the pid is looked up once.
  int dfd = root_.open_dir(dir);
  if (dfd < 0) {
    r.dir_err = -dfd;
    r.target = !filter_processes_ || target_pids_.count(pid);
    return r;
  }
  struct DirCloser {
    int fd;
    ~DirCloser() { ::close(fd); }
  } closer{dfd};
  auto read_at = [&](const char* name, FileRead& f, size_t cap = SysRoot::kDefaultCap) {
    f.err = root_.read_file_at(dfd, name, f.bytes, cap, &f.truncated);
    return f.err;
  };
  // cgroup first: it decides whether the process is in a target at all.
  if (read_at("cgroup", r.cgroup) == 0) {
    if (auto lines = parse_proc_cgroup(r.cgroup.bytes)) r.cg = memory_cgroup_path(*lines, layout_.memory_version == 1);
  }
  r.target = in_target(pid, r.cg);
  if (filter_processes_ && !r.target) return r;
  if (r.cgroup.err == ENOENT || r.cgroup.err == ESRCH) return r;  // gone
  if (int e = read_at("status", r.status); e == ENOENT || e == ESRCH) return r;  // exited
  read_at("stat", r.stat);
  read_at("smaps_rollup", r.rollup);
  read_at("oom_score", r.oom_score);
  read_at("oom_score_adj", r.oom_score_adj);
  read_at("cmdline", r.cmdline, 1 << 20);
  r.exe.err = root_.read_link_at(dfd, "exe", r.exe.bytes);
  return r;
}

std::optional<int64_t> Collector::process_row(int64_t sample, ProcRead& r) {
  const int64_t pid = r.pid;
  std::string base = "proc/" + std::to_string(pid) + "/";
  if (r.dir_err != 0) {
    if (r.target) sys_error(sample, base.substr(0, base.size() - 1), r.dir_err);
    return std::nullopt;  // exited between readdir and now
  }
  if (filter_processes_ && !r.target) return std::nullopt;
  auto keep = [&](const char* name, const FileRead& f) { raw(sample, base + name, f.bytes, f.truncated); };
  if (r.cgroup.err != 0) {
    sys_error(sample, base + "cgroup", r.cgroup.err);
    if (r.cgroup.err == ENOENT || r.cgroup.err == ESRCH) return std::nullopt;  // gone
  } else {
    raw(sample, base + "cgroup", r.cgroup.bytes, false);
  }

  std::optional<ProcStatus> status;
  if (r.status.err != 0) {
    sys_error(sample, base + "status", r.status.err);
    if (r.status.err == ENOENT || r.status.err == ESRCH) return std::nullopt;  // exited; the error row says so
  } else {
    keep("status", r.status);
    if (auto st = parse_status(r.status.bytes)) {
      status = std::move(*st);
    } else {
      error(sample, base + "status", 0, st.error().message);
    }
  }
  std::optional<ProcStat> stat;
  if (r.stat.err != 0) {
    sys_error(sample, base + "stat", r.stat.err);
  } else {
    keep("stat", r.stat);
    if (auto st = parse_proc_stat(r.stat.bytes)) {
      stat = *st;
    } else {
      error(sample, base + "stat", 0, st.error().message);
    }
  }
  MemCounters rollup;
  // Kernel threads have no mm: status has no Vm* lines and smaps_rollup says ESRCH (or is
  // empty on older kernels). That is not an error worth a row.
  bool kernel_thread = status && !status->vm_size_bytes;
  if (r.rollup.err != 0) {
    if (!(kernel_thread && r.rollup.err == ESRCH)) sys_error(sample, base + "smaps_rollup", r.rollup.err);
  } else {
    keep("smaps_rollup", r.rollup);
    if (auto m = parse_smaps_rollup(r.rollup.bytes)) {
      rollup = *m;
    } else if (!r.rollup.bytes.empty()) {
      error(sample, base + "smaps_rollup", 0, m.error().message);
    }
  }
  std::optional<int64_t> oom_score, oom_score_adj;
  if (r.oom_score.err != 0) {
    sys_error(sample, base + "oom_score", r.oom_score.err);
  } else {
    keep("oom_score", r.oom_score);
    oom_score = parse_i64(trim(r.oom_score.bytes));
  }
  if (r.oom_score_adj.err != 0) {
    sys_error(sample, base + "oom_score_adj", r.oom_score_adj.err);
  } else {
    keep("oom_score_adj", r.oom_score_adj);
    oom_score_adj = parse_i64(trim(r.oom_score_adj.bytes));
  }
  // comm is status "Name:" (the same task->comm); not read twice.
  std::optional<std::string> comm;
  if (status) comm = status->name;
  std::optional<std::string> cmdline;
  if (r.cmdline.err == 0) {
    // The raw copy is redacted too: raw_files must not leak what the table hides.
    auto args = redactor_.redact_args(split_cmdline(r.cmdline.bytes));
    std::string joined, nul_joined;
    for (size_t i = 0; i < args.size(); ++i) {
      if (i) joined += ' ';
      joined += args[i];
      nul_joined += args[i];
      nul_joined += '\0';
    }
    raw(sample, base + "cmdline", nul_joined, false);
    cmdline = std::move(joined);
  } else {
    sys_error(sample, base + "cmdline", r.cmdline.err);
  }
  std::optional<std::string> exe;
  if (r.exe.err == 0) {
    exe = std::move(r.exe.bytes);
  } else if (r.exe.err != ENOENT) {  // kernel threads have no exe: ENOENT is not news
    sys_error(sample, base + "exe", r.exe.err);
  }

  // Text values are bound without copies: every string below lives until the step().
  Statement& p = ins_process_;
  p.bind(1, sample).bind(2, pid);
  p.bind(3, status ? status->ppid : (stat ? std::optional<int64_t>(stat->ppid) : std::nullopt));
  p.bind_text_nocopy(4, comm);
  if (status) {
    p.bind_text_nocopy(5, status->state);
  } else {
    p.bind_null(5);
  }
  p.bind(6, status ? status->uid : std::nullopt);
  p.bind_text_nocopy(7, exe).bind_text_nocopy(8, cmdline).bind_text_nocopy(9, r.cg);
  std::string start_utc;
  if (stat) {
    p.bind(10, stat->start_time_ticks);
    if (boot_known_) {
      start_utc = format_utc_usec(boot_utc_usec_ + stat->start_time_ticks * 1'000'000 / ticks_per_sec_);
      p.bind_text_nocopy(11, start_utc);
    } else {
      p.bind_null(11);
    }
  } else {
    p.bind_null(10).bind_null(11);
  }
  if (status) {
    p.bind(12, status->threads).bind(13, status->vm_size_bytes).bind(14, status->vm_rss_bytes);
    p.bind(15, status->vm_hwm_bytes).bind(16, status->rss_anon_bytes).bind(17, status->rss_file_bytes);
    p.bind(18, status->rss_shmem_bytes).bind(19, status->vm_swap_bytes).bind(20, status->vm_pte_bytes);
  } else {
    for (int i = 12; i <= 20; ++i) p.bind_null(i);
  }
  p.bind(21, rollup.pss).bind(22, rollup.pss_anon).bind(23, rollup.pss_file).bind(24, rollup.pss_shmem);
  p.bind(25, rollup.shared_clean).bind(26, rollup.shared_dirty).bind(27, rollup.private_clean);
  p.bind(28, rollup.private_dirty).bind(29, rollup.swap).bind(30, rollup.swap_pss);
  p.bind(31, oom_score).bind(32, oom_score_adj).bind(33, r.target ? 1 : 0).bind(34, 0);
  check(p.step());
  summary_.processes++;
  return status && status->vm_rss_bytes ? *status->vm_rss_bytes : 0;
}

void Collector::processes(int64_t sample) {
  std::vector<std::string> names;
  if (int err = root_.list_dir("proc", names); err != 0) {
    sys_error(sample, "proc", err);
    return;
  }
  std::vector<int64_t> pids;
  for (const auto& n : names) {
    if (!is_pid_name(n)) continue;
    if (auto p = parse_i64(n)) pids.push_back(*p);
  }
  std::sort(pids.begin(), pids.end());

  struct Seen {
    int64_t pid;
    int64_t rss;
    bool target;
  };
  std::vector<Seen> seen;
  {
    // Reader threads open and read, this thread parses and writes, in pid order.
    OrderedReader<ProcRead> reader(pids.size(), readers_, 16, [&](size_t i) { return read_process(pids[i]); });
    ProcRead r;
    while (!stopping() && reader.next(r)) {
      if (auto rss = process_row(sample, r)) seen.push_back(Seen{r.pid, *rss, r.target && filter_processes_});
    }
  }
  if (fatal_) return;

  // Full smaps: the targets' processes and/or the top-N by RSS.
  std::vector<int64_t> chosen;
  if (cfg_.smaps == SmapsMode::kAll) {
    for (const auto& s : seen) chosen.push_back(s.pid);
  } else if (cfg_.smaps != SmapsMode::kNone) {
    for (const auto& s : seen) {
      if (s.target) chosen.push_back(s.pid);
    }
    if (cfg_.smaps == SmapsMode::kTop || chosen.empty()) {
      std::vector<Seen> by_rss = seen;
      std::sort(by_rss.begin(), by_rss.end(), [](const Seen& a, const Seen& b) { return a.rss > b.rss; });
      for (size_t i = 0; i < by_rss.size() && i < static_cast<size_t>(std::max(cfg_.smaps_top, 0)); ++i) {
        if (by_rss[i].rss > 0) chosen.push_back(by_rss[i].pid);
      }
    }
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  }
  // A big process's smaps can be tens of MiB: at most 2 are held ahead of the one being written.
  OrderedReader<FileRead> reader(chosen.size(), readers_, 2, [&](size_t i) {
    FileRead f;
    f.err = root_.read_file("proc/" + std::to_string(chosen[i]) + "/smaps", f.bytes, kSmapsCap, &f.truncated,
                            SysRoot::seq_file_request());
    return f;
  });
  FileRead f;
  for (size_t i = 0; !stopping() && reader.next(f); ++i) smaps(sample, chosen[i], f);
}

void Collector::smaps(int64_t sample, int64_t pid, FileRead& file) {
  std::string rel = "proc/" + std::to_string(pid) + "/smaps";
  if (file.err != 0) {
    sys_error(sample, rel, file.err);
    return;
  }
  if (file.truncated) {
    error(sample, rel, EFBIG, rel + ": larger than " + std::to_string(kSmapsCap) + " bytes; kept the head");
  }
  raw(sample, rel, file.bytes, file.truncated);
  auto maps = parse_smaps(file.bytes);
  if (!maps) {
    error(sample, rel, 0, maps.error().message);
    return;
  }
  for (const auto& m : *maps) {
    Statement& s = ins_mapping_;
    s.bind(1, sample).bind(2, pid).bind_text_nocopy(3, m.start).bind_text_nocopy(4, m.end);
    s.bind_text_nocopy(5, m.perms).bind(6, m.offset);
    s.bind_text_nocopy(7, m.dev).bind(8, m.inode).bind_text_nocopy(9, m.name).bind(10, m.mem.size).bind(11, m.mem.rss).bind(12, m.mem.pss);
    s.bind(13, m.mem.shared_clean).bind(14, m.mem.shared_dirty).bind(15, m.mem.private_clean);
    s.bind(16, m.mem.private_dirty).bind(17, m.mem.anonymous).bind(18, m.mem.swap).bind(19, m.mem.swap_pss);
    s.bind(20, m.mem.locked);
    check(s.step());
    summary_.mappings++;
  }
  upd_smaps_.bind(1, sample).bind(2, pid);
  check(upd_smaps_.step());
}

void Collector::redactions(int64_t sample) {
  for (const auto& [name, n] : redactor_.counts()) {
    ins_redaction_.bind(1, sample).bind(2, name).bind(3, n);
    check(ins_redaction_.step());
  }
  redactor_.reset_counts();
}

void Collector::sleep_interval() {
  int64_t until = clock_.monotonic_usec() + static_cast<int64_t>(cfg_.interval_sec * 1e6);
  while (!stopping()) {
    int64_t left = until - clock_.monotonic_usec();
    if (left <= 0) return;
    int64_t step = std::min<int64_t>(left, 50'000);
    struct timespec ts{static_cast<time_t>(step / 1'000'000), static_cast<long>((step % 1'000'000) * 1000)};
    nanosleep(&ts, nullptr);
  }
}

Result<CollectSummary> Collector::run() {
  start_mono_ = clock_.monotonic_usec();
  int64_t start_utc = clock_.utc_now_usec();
  if (auto s = prepare_statements(); !s) return s.error();
  layout_ = detect_cgroup_layout(root_);

  {
    auto tx = sqlite::Transaction::begin(w_.db());
    if (!tx) return tx.error();
    check(w_.set_meta("tool_version", OOMSCOPE_VERSION));
    check(w_.set_meta("schema_version", std::to_string(kPackSchemaVersion)));
    check(w_.set_meta("collected_utc", format_utc_usec(start_utc)));
    check(w_.set_meta("collected_monotonic_usec", std::to_string(start_mono_)));
    check(w_.set_meta("command_line", cfg_.command_line));
    check(w_.set_meta("root", cfg_.root));
    check(w_.set_meta("cgroup_mode", to_string(layout_.mode)));
    check(w_.set_meta("memory_cgroup_root", layout_.memory_root));
    check(w_.set_meta("memory_cgroup_version", std::to_string(layout_.memory_version)));
    check(w_.set_meta("path_resolution", root_.resolution_name()));
    // No memory controller: say why when sys/fs/cgroup could not be reached (a symlink out of
    // a --root tree is refused: EXDEV, or ELOOP without openat2), not when it is just absent.
    if (layout_.memory_version == 0) {
      if (int e = root_.lookup("sys/fs/cgroup/."); e != 0 && e != ENOENT) sys_error(0, "sys/fs/cgroup", e);
    }
    check(w_.set_meta("samples", std::to_string(cfg_.samples)));
    check(w_.set_meta("interval_sec", std::to_string(cfg_.interval_sec)));
    static constexpr const char* kModes[] = {"none", "top", "targets", "all"};
    check(w_.set_meta("smaps_mode", kModes[static_cast<int>(cfg_.smaps)]));
    check(w_.set_meta("smaps_top_n", std::to_string(cfg_.smaps_top)));
    check(w_.set_meta("redaction", cfg_.redact ? "on" : "off"));
    host_facts();
    resolve_targets();
    plan_cgroups();
    kernel_log();
    if (stopping()) return *fatal_;
    if (auto c = tx->commit(); !c) return c.error();
  }
  if (fatal_) return *fatal_;

  for (int64_t sample = 1; sample <= cfg_.samples; ++sample) {
    if (sample > 1) sleep_interval();
    if (stopping()) return *fatal_;
    int64_t t0 = clock_.monotonic_usec();
    int64_t u0 = clock_.utc_now_usec();
    auto tx = sqlite::Transaction::begin(w_.db());
    if (!tx) return tx.error();
    system(sample);
    std::set<std::string> enoent_seen;
    for (const auto& [path, role] : cgroup_plan_) {
      if (stopping()) break;
      cgroup(sample, path, role, enoent_seen);
    }
    processes(sample);
    redactions(sample);
    ins_sample_.bind(1, sample).bind(2, format_utc_usec(u0)).bind(3, t0).bind(4, clock_.monotonic_usec() - t0);
    check(ins_sample_.step());
    if (stopping()) return *fatal_;
    if (auto c = tx->commit(); !c) return c.error();
    diag_ << "oomscope collect: sample " << sample << "/" << cfg_.samples << " done\n";
  }

  summary_.redacted_values = redactor_.total();
  summary_.duration_usec = clock_.monotonic_usec() - start_mono_;
  check(w_.set_meta("redacted_values", std::to_string(redactor_.total())));
  check(w_.set_meta("kernel_log_records", std::to_string(summary_.kernel_log_records)));
  check(w_.set_meta("finished_utc", format_utc_usec(clock_.utc_now_usec())));
  check(w_.set_meta("duration_usec", std::to_string(summary_.duration_usec)));
  if (fatal_) return *fatal_;
  summary_.path = w_.final_path();
  for (Statement* st : {&ins_sample_, &ins_target_, &ins_klog_, &ins_gap_, &ins_sysctl_, &ins_meminfo_, &ins_vmstat_,
                        &ins_psi_, &ins_cgroup_, &ins_cgstat_, &ins_process_, &ins_mapping_, &upd_smaps_,
                        &ins_redaction_}) {
    *st = Statement();  // the connection closes only when every statement is finalized
  }
  if (auto f = w_.finish(); !f) return f.error();
  struct stat st;
  if (::stat(summary_.path.c_str(), &st) == 0) summary_.pack_bytes = st.st_size;
  return summary_;
}

}  // namespace

std::string default_pack_name(std::string_view host, int64_t utc_usec) {
  std::string h;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '.' || c == '_';
    h += ok ? c : '_';
  }
  if (h.empty() || h.front() == '.') h = "unknown" + h;
  return "oomscope-" + h + "-" + format_utc_compact(utc_usec) + ".oompack";
}

Result<CollectSummary> collect(const CollectConfig& config, const Clock& clock, const volatile std::sig_atomic_t* stop_flag,
                               std::ostream& diag) {
  auto root = SysRoot::open(config.root);
  if (!root) return root.error();
  std::string output = config.output;
  if (output.empty()) {
    std::string host;
    if (root->read_file("proc/sys/kernel/hostname", host) != 0 || trim(host).empty()) {
      char buf[256] = {};
      gethostname(buf, sizeof buf - 1);
      host = buf;
    }
    output = default_pack_name(trim(host), clock.utc_now_usec());
  }
  auto writer = PackWriter::create(output, config.overwrite);
  if (!writer) return writer.error();
  Collector c(config, clock, stop_flag, diag, std::move(*root), std::move(*writer));
  return c.run();
}

}  // namespace oomscope::collector
