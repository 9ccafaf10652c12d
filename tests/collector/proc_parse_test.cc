// Table-driven tests of the pure /proc and cgroup parsers against real files copied from
// this machine (tests/data/proc/<file>-<kernel>, facts read by hand in <file>.json).
#include "collector/proc_parse.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <nlohmann/json.hpp>
#include <sstream>

namespace oomscope::collector {
namespace {

using nlohmann::json;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::string fixture(const std::string& name) { return slurp(std::string(OOMSCOPE_TEST_DATA "/proc/") + name); }
json facts(const std::string& name) { return json::parse(fixture(name + ".json"))["facts"]; }

// expect_opt(): a JSON null means "absent" (std::nullopt), never 0.
void expect_opt(const std::optional<int64_t>& got, const json& want, const std::string& what) {
  if (want.is_null()) {
    EXPECT_FALSE(got.has_value()) << what << " should be absent, got " << got.value_or(-1);
  } else {
    ASSERT_TRUE(got.has_value()) << what << " missing";
    EXPECT_EQ(*got, want.get<int64_t>()) << what;
  }
}

TEST(ParseStatus, RealFixtures) {
  for (std::string name : {"status-bash-6.18", "status-kthreadd-6.18"}) {
    SCOPED_TRACE(name);
    auto st = parse_status(fixture(name));
    ASSERT_TRUE(st.ok()) << st.error().message;
    json f = facts(name);
    EXPECT_EQ(st->name, f["name"].get<std::string>());
    EXPECT_EQ(st->state, f["state"].get<std::string>());
    expect_opt(st->ppid, f["ppid"], "ppid");
    expect_opt(st->threads, f["threads"], "threads");
    for (auto [key, field] : std::initializer_list<std::pair<const char*, std::optional<int64_t> ProcStatus::*>>{
             {"vm_size_bytes", &ProcStatus::vm_size_bytes},   {"vm_rss_bytes", &ProcStatus::vm_rss_bytes},
             {"vm_hwm_bytes", &ProcStatus::vm_hwm_bytes},     {"rss_anon_bytes", &ProcStatus::rss_anon_bytes},
             {"rss_file_bytes", &ProcStatus::rss_file_bytes}, {"rss_shmem_bytes", &ProcStatus::rss_shmem_bytes},
             {"vm_swap_bytes", &ProcStatus::vm_swap_bytes},   {"vm_pte_bytes", &ProcStatus::vm_pte_bytes},
             {"uid", &ProcStatus::uid}}) {
      if (f.contains(key)) expect_opt((*st).*field, f[key], key);
    }
  }
}

TEST(ParseStatus, DebugStringIsOneLine) {
  auto st = parse_status("Name:\tjava\nState:\tR (running)\nVmRSS:\t  1024 kB\nThreads:\t42\n");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->debug_string(), "name=java state=R (running) threads=42 vm_rss=1048576");
}

TEST(ParseStatus, NameWithSpacesAndBadInputs) {
  auto st = parse_status("Name:\tWeb Content\nVmRSS:\t 7 kB\n");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->name, "Web Content");
  EXPECT_EQ(st->vm_rss_bytes, 7 * 1024);
  const char* bad_inputs[] = {"", "VmRSS:\t1 kB\n", "garbage"};
  for (const char* in : bad_inputs) {
    auto r = parse_status(in);
    ASSERT_FALSE(r.ok()) << in;
    EXPECT_EQ(r.error().code, ErrorCode::kParse) << in;
  }
}

TEST(ParseSmapsRollup, RealFixture) {
  auto m = parse_smaps_rollup(fixture("smaps_rollup-bash-6.18"));
  ASSERT_TRUE(m.ok()) << m.error().message;
  json f = facts("smaps_rollup-bash-6.18");
  expect_opt(m->rss, f["rss"], "rss");
  expect_opt(m->pss, f["pss"], "pss");
  expect_opt(m->pss_anon, f["pss_anon"], "pss_anon");
  expect_opt(m->pss_file, f["pss_file"], "pss_file");
  expect_opt(m->pss_shmem, f["pss_shmem"], "pss_shmem");
  expect_opt(m->shared_clean, f["shared_clean"], "shared_clean");
  expect_opt(m->shared_dirty, f["shared_dirty"], "shared_dirty");
  expect_opt(m->private_clean, f["private_clean"], "private_clean");
  expect_opt(m->private_dirty, f["private_dirty"], "private_dirty");
  expect_opt(m->anonymous, f["anonymous"], "anonymous");
  expect_opt(m->swap, f["swap"], "swap");
  expect_opt(m->swap_pss, f["swap_pss"], "swap_pss");
  expect_opt(m->locked, f["locked"], "locked");
  EXPECT_FALSE(m->size.has_value()) << "smaps_rollup has no Size line";
  // A pre-5.7 rollup has no Pss_Anon: absent, not 0.
  auto old = parse_smaps_rollup("00400000-7fff00000000 ---p 00000000 00:00 0 [rollup]\nRss: 8 kB\nPss: 4 kB\n");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->debug_string(), "rss=8192 pss=4096");
  auto empty = parse_smaps_rollup("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kParse);
}

TEST(ParseSmaps, RealFixture) {
  auto maps = parse_smaps(fixture("smaps-bash-6.18"));
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  json f = facts("smaps-bash-6.18");
  ASSERT_EQ(maps->size(), f["mappings"].get<size_t>());
  const Mapping& first = maps->front();
  EXPECT_EQ(first.start, f["first"]["start"]);
  EXPECT_EQ(first.end, f["first"]["end"]);
  EXPECT_EQ(first.perms, f["first"]["perms"]);
  EXPECT_EQ(first.offset, f["first"]["offset"].get<int64_t>());
  EXPECT_EQ(first.dev, f["first"]["dev"]);
  EXPECT_EQ(first.inode, f["first"]["inode"].get<int64_t>());
  EXPECT_EQ(first.name, f["first"]["name"]);
  EXPECT_EQ(first.mem.size, f["first"]["size"].get<int64_t>());
  EXPECT_EQ(first.mem.rss, f["first"]["rss"].get<int64_t>());
  bool saw_heap = false;
  for (const auto& m : *maps) {
    if (m.name != "[heap]") continue;
    saw_heap = true;
    EXPECT_EQ(m.start, f["heap"]["start"]);
    EXPECT_EQ(m.end, f["heap"]["end"]);
    EXPECT_EQ(m.perms, f["heap"]["perms"]);
    EXPECT_EQ(m.mem.size, f["heap"]["size"].get<int64_t>());
    EXPECT_EQ(m.mem.rss, f["heap"]["rss"].get<int64_t>());
  }
  EXPECT_TRUE(saw_heap);
  // Every mapping of a real smaps has Size and Rss.
  for (const auto& m : *maps) {
    EXPECT_TRUE(m.mem.size && m.mem.rss) << m.start << " " << m.name;
  }
}

// Can a process's smaps_rollup row be derived by summing its full smaps (one page-table walk
// instead of two for the processes whose smaps the collector keeps)? Not exactly, and this
// pins down why, so the collector keeps reading both:
//   - page counts (Rss, Shared_*, Private_*, Anonymous, Swap, Locked) sum exactly;
//   - Pss (and SwapPss) is kept by the kernel with 12 fractional bits and printed truncated
//     to whole kB: per mapping in smaps, once for the total in smaps_rollup, so the sum of the
//     mappings is lower by up to 1 kB per mapping;
//   - Pss_Anon, Pss_File and Pss_Shmem (5.7+) exist only in smaps_rollup.
struct SmapsSum {
  int64_t rss = 0, pss = 0, shared_clean = 0, shared_dirty = 0, private_clean = 0, private_dirty = 0,
          anonymous = 0, swap = 0, locked = 0;
  size_t mappings = 0;
  bool any_pss_split = false;  // a mapping with Pss_Anon/Pss_File/Pss_Shmem
};
SmapsSum sum_smaps(const std::vector<Mapping>& maps) {
  SmapsSum s;
  for (const auto& m : maps) {
    s.mappings++;
    s.rss += m.mem.rss.value_or(0);
    s.pss += m.mem.pss.value_or(0);
    s.shared_clean += m.mem.shared_clean.value_or(0);
    s.shared_dirty += m.mem.shared_dirty.value_or(0);
    s.private_clean += m.mem.private_clean.value_or(0);
    s.private_dirty += m.mem.private_dirty.value_or(0);
    s.anonymous += m.mem.anonymous.value_or(0);
    s.swap += m.mem.swap.value_or(0);
    s.locked += m.mem.locked.value_or(0);
    s.any_pss_split = s.any_pss_split || m.mem.pss_anon || m.mem.pss_file || m.mem.pss_shmem;
  }
  return s;
}

TEST(SmapsVsRollup, FixtureOfOneBash) {
  // The two files were read one after the other from the same bash (kernel 6.18): one dirty
  // page went from shared to private in between (a copy-on-write), the rest held still.
  auto r = parse_smaps_rollup(fixture("smaps_rollup-bash-6.18"));
  auto maps = parse_smaps(fixture("smaps-bash-6.18"));
  ASSERT_TRUE(r.ok() && maps.ok());
  SmapsSum s = sum_smaps(*maps);
  EXPECT_EQ(s.rss, *r->rss);
  EXPECT_EQ(s.anonymous, *r->anonymous);
  EXPECT_EQ(s.shared_clean, *r->shared_clean);
  EXPECT_EQ(s.private_clean, *r->private_clean);
  EXPECT_EQ(s.shared_dirty + s.private_dirty, *r->shared_dirty + *r->private_dirty);
  EXPECT_EQ(s.shared_dirty, *r->shared_dirty - 4096);
  EXPECT_EQ(s.swap, *r->swap);
  EXPECT_EQ(s.locked, *r->locked);
  // Pss: 522 kB summed over 43 mappings, 524 kB in the rollup.
  EXPECT_EQ(s.pss, 522 * 1024);
  EXPECT_EQ(*r->pss, 524 * 1024);
  EXPECT_LT(*r->pss - s.pss, static_cast<int64_t>(s.mappings) * 1024);
  EXPECT_FALSE(s.any_pss_split);
  EXPECT_TRUE(r->pss_anon && r->pss_file && r->pss_shmem);
}

TEST(SmapsVsRollup, LiveIdleProcess) {
  // An idle child (sleep, after exec) whose memory does not change while it is read: rollup,
  // smaps, rollup again, until both rollups are identical (another process mapping or
  // unmapping a shared library changes Pss and the shared/private split in between).
  if (access("/proc/self/smaps_rollup", R_OK) != 0) GTEST_SKIP() << "no /proc/<pid>/smaps_rollup here";
  pid_t pid = 0;
  char arg0[] = "sleep", arg1[] = "30";
  char* argv[] = {arg0, arg1, nullptr};
  char* envp[] = {nullptr};
  ASSERT_EQ(posix_spawn(&pid, "/bin/sleep", nullptr, nullptr, argv, envp), 0);
  struct Reap {
    pid_t pid;
    ~Reap() {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reap{pid};
  std::string dir = "/proc/" + std::to_string(pid) + "/";
  // Wait until it sleeps in the new image (exec done, libraries mapped).
  for (int i = 0; i < 200; ++i) {
    std::string st = slurp(dir + "stat");
    if (st.find(") S ") != std::string::npos && slurp(dir + "cmdline").starts_with("sleep")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string rollup, smaps, again;
  bool stable = false;
  for (int attempt = 0; attempt < 50 && !stable; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    rollup = slurp(dir + "smaps_rollup");
    smaps = slurp(dir + "smaps");
    again = slurp(dir + "smaps_rollup");
    stable = !rollup.empty() && rollup == again;
  }
  ASSERT_TRUE(stable) << "smaps_rollup of an idle sleep never held still for one read of smaps";
  auto r = parse_smaps_rollup(rollup);
  auto maps = parse_smaps(smaps);
  ASSERT_TRUE(r.ok() && maps.ok());
  SmapsSum s = sum_smaps(*maps);
  ASSERT_GT(s.mappings, 5u);
  EXPECT_EQ(s.rss, *r->rss);
  EXPECT_EQ(s.shared_clean, *r->shared_clean);
  EXPECT_EQ(s.shared_dirty, *r->shared_dirty);
  EXPECT_EQ(s.private_clean, *r->private_clean);
  EXPECT_EQ(s.private_dirty, *r->private_dirty);
  EXPECT_EQ(s.anonymous, *r->anonymous);
  EXPECT_EQ(s.swap, *r->swap);
  EXPECT_EQ(s.locked, *r->locked);
  // Pss: truncated per mapping, so never above the rollup's and less than 1 kB per mapping below.
  EXPECT_LE(s.pss, *r->pss);
  EXPECT_LT(*r->pss - s.pss, static_cast<int64_t>(s.mappings) * 1024);
  EXPECT_FALSE(s.any_pss_split) << "smaps has no per-mapping Pss_Anon/Pss_File/Pss_Shmem";
  if (rollup.find("Pss_Anon:") != std::string::npos) {
    EXPECT_TRUE(r->pss_anon && r->pss_file && r->pss_shmem);
  }
  RecordProperty("rollup_pss_kb", std::to_string(*r->pss / 1024));
  RecordProperty("summed_pss_kb", std::to_string(s.pss / 1024));
}

TEST(ParseSmaps, PathWithSpacesVsyscallAndBadInputs) {
  auto maps = parse_smaps(
      "7f00000000-7f00001000 rw-s 00001000 00:05 1234   /dev/shm/my file (deleted)\nSize: 4 kB\nRss: 4 kB\n"
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\nSize: 4 kB\n");
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  ASSERT_EQ(maps->size(), 2u);
  EXPECT_EQ((*maps)[0].name, "/dev/shm/my file (deleted)");
  EXPECT_EQ((*maps)[0].offset, 4096);
  EXPECT_EQ((*maps)[1].start, "ffffffffff600000");
  const char* bad_inputs[] = {"Size: 4 kB\n", "zz-yy r--p 0 00:00 0\n", "1000-2000 r--p xyz 00:00 0\n"};
  for (const char* in : bad_inputs) {
    auto r = parse_smaps(in);
    ASSERT_FALSE(r.ok()) << in;
    EXPECT_EQ(r.error().code, ErrorCode::kParse) << in;
  }
}

TEST(ParseProcStat, RealFixtureAndTrickyComm) {
  auto st = parse_proc_stat(fixture("stat-bash-6.18"));
  ASSERT_TRUE(st.ok()) << st.error().message;
  json f = facts("stat-bash-6.18");
  EXPECT_EQ(std::string(1, st->state), f["state"].get<std::string>());
  EXPECT_EQ(st->ppid, f["ppid"].get<int64_t>());
  EXPECT_EQ(st->start_time_ticks, f["start_time_ticks"].get<int64_t>());
  // comm "a) b (" contains ") " and spaces: fields are counted from the last ')'.
  auto tricky = parse_proc_stat("77 (a) b () R 5 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0\n");
  ASSERT_TRUE(tricky.ok()) << tricky.error().message;
  EXPECT_EQ(tricky->ppid, 5);
  EXPECT_EQ(tricky->start_time_ticks, 4242);
  auto bad = parse_proc_stat("77 (x) R 1 2");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kParse);
}

TEST(ParseProcCgroup, HybridAndV2) {
  auto lines = parse_proc_cgroup(fixture("cgroup-hybrid-6.18"));
  ASSERT_TRUE(lines.ok()) << lines.error().message;
  json f = facts("cgroup-hybrid-6.18");
  EXPECT_EQ(lines->size(), f["lines"].get<size_t>());
  EXPECT_EQ(memory_cgroup_path(*lines, true), f["memory_v1"].get<std::string>());
  EXPECT_EQ(memory_cgroup_path(*lines, false), f["unified"].get<std::string>());
  auto v1 = parse_proc_cgroup("5:cpu,cpuacct:/a\n3:memory,hugetlb:/kubepods/besteffort/pod1/abc\n");
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(memory_cgroup_path(*v1, true), "/kubepods/besteffort/pod1/abc");
  EXPECT_EQ(memory_cgroup_path(*v1, false), std::nullopt);
  auto bad = parse_proc_cgroup("nonsense\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kParse);
}

TEST(ParsePsi, RealFixture) {
  auto rows = parse_psi(fixture("pressure-memory-6.18"));
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  json f = facts("pressure-memory-6.18");
  ASSERT_EQ(rows->size(), 2u);
  for (const auto& p : *rows) {
    const json& w = f[p.kind];
    EXPECT_DOUBLE_EQ(p.avg10, w["avg10"].get<double>()) << p.kind;
    EXPECT_DOUBLE_EQ(p.avg60, w["avg60"].get<double>()) << p.kind;
    EXPECT_DOUBLE_EQ(p.avg300, w["avg300"].get<double>()) << p.kind;
    EXPECT_EQ(p.total_usec, w["total"].get<int64_t>()) << p.kind;
  }
  const char* bad_inputs[] = {"", "some avg10=x avg60=0 avg300=0 total=1\n", "other 1 2 3\n"};
  for (const char* in : bad_inputs) {
    auto r = parse_psi(in);
    ASSERT_FALSE(r.ok()) << in;
    EXPECT_EQ(r.error().code, ErrorCode::kParse) << in;
  }
}

TEST(ParseMeminfo, RealFixture) {
  auto rows = parse_meminfo(fixture("meminfo-6.18"));
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  json f = facts("meminfo-6.18");
  EXPECT_EQ(rows->size(), f["rows"].get<size_t>());
  std::map<std::string, NamedValue> by_name;
  for (const auto& r : *rows) by_name[r.name] = r;
  for (auto& [k, v] : f["bytes"].items()) {
    ASSERT_TRUE(by_name.count(k)) << k;
    EXPECT_TRUE(by_name[k].in_bytes) << k;
    EXPECT_EQ(by_name[k].value, v.get<int64_t>()) << k;
  }
  for (auto& [k, v] : f["counts"].items()) {
    ASSERT_TRUE(by_name.count(k)) << k;
    EXPECT_FALSE(by_name[k].in_bytes) << k;
    EXPECT_EQ(by_name[k].value, v.get<int64_t>()) << k;
  }
  auto bad = parse_meminfo("no colons here\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kParse);
}

TEST(ParseFlatKeyed, RealFixtures) {
  for (std::string name : {"vmstat-6.18", "memory.stat-v1-root-6.18", "memory.oom_control-v1-6.18"}) {
    SCOPED_TRACE(name);
    auto rows = parse_flat_keyed(fixture(name));
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    json f = facts(name);
    if (f.contains("rows")) {
      EXPECT_EQ(rows->size(), f["rows"].get<size_t>());
    }
    std::map<std::string, int64_t> by_name;
    for (const auto& r : *rows) by_name[r.name] = r.value;
    for (auto& [k, v] : f["values"].items()) {
      ASSERT_TRUE(by_name.count(k)) << k;
      EXPECT_EQ(by_name[k], v.get<int64_t>()) << k;
    }
  }
  auto bad = parse_flat_keyed("key notanumber\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kParse);
  auto empty = parse_flat_keyed("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ParseCgroupValue, Table) {
  struct {
    const char* in;
    std::optional<int64_t> value;
    bool is_max;
  } cases[] = {
      {"268435456\n", 268435456, false},
      {"max\n", std::nullopt, true},
      {"9223372036854771712\n", 9223372036854771712, false},  // v1 "unlimited" stays a number
      {"0", 0, false},
  };
  for (const auto& c : cases) {
    auto v = parse_cgroup_value(c.in);
    ASSERT_TRUE(v.ok()) << c.in;
    EXPECT_EQ(v->value, c.value) << c.in;
    EXPECT_EQ(v->is_max, c.is_max) << c.in;
  }
  for (const char* in : {"", "12 kB", "maximum"}) {
    auto v = parse_cgroup_value(in);
    ASSERT_FALSE(v.ok()) << in;
    EXPECT_EQ(v.error().code, ErrorCode::kParse) << in;
  }
}

TEST(SplitCmdline, NulSeparated) {
  EXPECT_EQ(split_cmdline(std::string("a\0b c\0\0d\0", 9)), (std::vector<std::string>{"a", "b c", "", "d"}));
  EXPECT_TRUE(split_cmdline("").empty());
  EXPECT_EQ(split_cmdline("nginx: worker process"), (std::vector<std::string>{"nginx: worker process"}));
}

TEST(ParseBtimeUptime, Values) {
  EXPECT_EQ(parse_btime("cpu 1 2 3\nbtime 1763700000\nprocesses 3\n"), 1763700000);
  EXPECT_EQ(parse_btime("cpu 1\n"), std::nullopt);
  EXPECT_DOUBLE_EQ(parse_uptime("460123.45 901234.56\n").value(), 460123.45);
}

}  // namespace
}  // namespace oomscope::collector
