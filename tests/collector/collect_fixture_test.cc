// collect() against the checked-in --root trees (tests/data/roots/<name>/, facts in
// <name>.json): every table of the pack is checked with real values.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "collector/collect.h"
#include "common/pack.h"

namespace oomscope::collector {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kV2 = OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1";
const std::string kV1 = OOMSCOPE_TEST_DATA "/roots/cgroup-v1-hybrid-6.18";

json facts(const std::string& root) {
  std::ifstream in(root + ".json");
  return json::parse(in)["facts"];
}

class CollectFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oomscope-collect-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // run(): collects and opens the pack.
  PackReader run(CollectConfig cfg, const Clock& clock = SystemClock()) {
    if (cfg.output.empty()) cfg.output = dir_ + "/t.oompack";
    std::ostringstream diag;
    auto s = collect(cfg, clock, nullptr, diag);
    EXPECT_TRUE(s.ok()) << s.error().message;
    summary_ = s.ok() ? *s : CollectSummary{};
    auto pack = PackReader::open(cfg.output);
    if (!pack.ok()) {
      ADD_FAILURE() << pack.error().message;
      std::abort();
    }
    return std::move(*pack);
  }

  // One value of a query, as text ("" for NULL).
  static std::string q1(PackReader& p, const std::string& sql) {
    auto st = p.query(sql);
    EXPECT_TRUE(st.ok()) << sql << ": " << (st.ok() ? "" : st.error().message);
    if (!st.ok() || !st->step_row()) return "<no row>";
    return st->column_is_null(0) ? "" : std::string(st->column_text(0));
  }
  static int64_t n(PackReader& p, const std::string& sql) { return std::stoll(q1(p, sql)); }

  std::string dir_;
  CollectSummary summary_;
};

TEST_F(CollectFixture, V2KubernetesNodeWholeHost) {
  json f = facts(kV2);
  CollectConfig cfg;
  cfg.root = kV2;
  auto p = run(cfg);

  // meta
  EXPECT_EQ(p.meta("hostname"), f["hostname"].get<std::string>());
  EXPECT_EQ(p.meta("kernel_release"), "6.1.0-18-cloud-amd64");
  EXPECT_EQ(p.meta("boot_id"), f["boot_id"].get<std::string>());
  EXPECT_EQ(p.meta("boot_time_utc"), f["boot_time_utc"].get<std::string>());
  EXPECT_EQ(p.meta("boot_time_source"), "proc/stat btime");
  EXPECT_EQ(p.meta("cgroup_mode"), "v2");
  EXPECT_EQ(p.meta("root"), kV2);
  EXPECT_EQ(p.meta("redaction"), "on");
  EXPECT_EQ(p.meta("kernel_log_source"), "kmsg");
  EXPECT_EQ(p.meta("schema_version"), std::to_string(kPackSchemaVersion));
  EXPECT_EQ(p.meta("uptime_sec"), "460123.450000");
  // samples, targets
  EXPECT_EQ(n(p, "SELECT count(*) FROM samples"), 1);
  EXPECT_EQ(q1(p, "SELECT kind || ':' || cgroup || ':' || status FROM targets"), "host:/:ok");
  // kernel log
  EXPECT_EQ(n(p, "SELECT count(*) FROM kernel_log"), f["kernel_log_records"].get<int64_t>());
  EXPECT_EQ(q1(p, "SELECT raw FROM kernel_log WHERE seq = 4121"), f["killed_line"].get<std::string>());
  EXPECT_EQ(q1(p, "SELECT wall_utc FROM kernel_log WHERE seq = 4121"), f["killed_wall_utc"].get<std::string>());
  EXPECT_EQ(q1(p, "SELECT level || ',' || facility || ',' || mono_usec FROM kernel_log WHERE seq = 4121"),
            "3,0,459811203600");
  EXPECT_EQ(q1(p, "SELECT dict FROM kernel_log WHERE seq = 4100"), "SUBSYSTEM=net\nDEVICE=n12");
  EXPECT_EQ(q1(p, "SELECT message FROM kernel_log WHERE seq = 4116"), "anon 257949696\nfile 4096000\nkernel 5242880");
  EXPECT_EQ(q1(p, "SELECT after_seq || '>' || next_seq || ':' || lost_records FROM kernel_log_gaps"), "4121>4124:2");
  std::vector<std::string> lines;
  ASSERT_TRUE(p.for_each_kernel_log_line([&](std::string_view l, const KernelLogRow&) {
                 lines.emplace_back(l);
                 return true;
               }).ok());
  ASSERT_EQ(lines.size(), 23u);
  EXPECT_EQ(lines[21], f["killed_line"].get<std::string>());
  // system
  EXPECT_EQ(n(p, "SELECT count(*) FROM sysctls"), f["sysctls"].get<int64_t>());
  EXPECT_EQ(q1(p, "SELECT value FROM sysctls WHERE name = 'vm.overcommit_memory'"), f["overcommit_memory"]);
  EXPECT_EQ(n(p, "SELECT value FROM meminfo WHERE name = 'MemTotal' AND unit = 'bytes'"), f["meminfo"]["MemTotal"]);
  EXPECT_EQ(n(p, "SELECT value FROM meminfo WHERE name = 'MemAvailable'"), f["meminfo"]["MemAvailable"]);
  EXPECT_EQ(q1(p, "SELECT unit FROM meminfo WHERE name = 'HugePages_Total'"), "count");
  EXPECT_EQ(n(p, "SELECT value FROM vmstat WHERE name = 'oom_kill'"), f["vmstat_oom_kill"]);
  EXPECT_EQ(q1(p, "SELECT avg10 FROM pressure WHERE cgroup IS NULL AND kind = 'some'"), "1.25");
  // cgroups
  EXPECT_EQ(n(p, "SELECT count(*) FROM cgroups"), f["cgroups"].get<int64_t>());
  EXPECT_EQ(n(p, "SELECT count(*) FROM cgroups WHERE oom_kill > 0"), f["cgroups_with_oom_kill"].get<int64_t>());
  EXPECT_EQ(p.meta("cgroups_with_oom_kill"), std::to_string(f["cgroups_with_oom_kill"].get<int64_t>()));
  // ... and they were read first: the first rows inserted are exactly those.
  EXPECT_EQ(n(p, "SELECT min(oom_kill) FROM (SELECT oom_kill FROM cgroups ORDER BY rowid LIMIT " +
                     std::to_string(f["cgroups_with_oom_kill"].get<int64_t>()) + ")"),
            1);
  const json& c = f["oom_container"];
  std::string where = " FROM cgroups WHERE path = '" + f["oom_container_cgroup"].get<std::string>() + "'";
  EXPECT_EQ(n(p, "SELECT usage_bytes" + where), c["usage_bytes"]);
  EXPECT_EQ(n(p, "SELECT limit_bytes" + where), c["limit_bytes"]);
  EXPECT_EQ(n(p, "SELECT peak_bytes" + where), c["peak_bytes"]);
  EXPECT_EQ(n(p, "SELECT oom_events" + where), c["oom_events"]);
  EXPECT_EQ(n(p, "SELECT oom_kill" + where), c["oom_kill"]);
  EXPECT_EQ(n(p, "SELECT oom_group_kill" + where), c["oom_group_kill"]);
  EXPECT_EQ(n(p, "SELECT nr_procs" + where), c["nr_procs"]);
  EXPECT_EQ(q1(p, "SELECT role" + where), "host");
  EXPECT_EQ(q1(p, "SELECT failcnt" + where), "") << "v1-only counter is NULL on v2, not 0";
  EXPECT_EQ(q1(p, "SELECT limit_bytes FROM cgroups WHERE path = '/kubepods.slice/kubepods-burstable.slice'"), "")
      << "memory.max 'max' is NULL";
  EXPECT_EQ(n(p, "SELECT value FROM cgroup_stats WHERE file = 'memory.stat' AND key = 'anon' AND cgroup = '" +
                     f["oom_container_cgroup"].get<std::string>() + "'"),
            c["stat_anon"]);
  EXPECT_EQ(n(p, "SELECT value FROM cgroup_stats WHERE file = 'memory.max' AND cgroup = '/system.slice'"), -1);
  EXPECT_EQ(q1(p, "SELECT avg10 FROM pressure WHERE kind = 'some' AND cgroup = '" +
                      f["oom_container_cgroup"].get<std::string>() + "'"),
            "22.4");
  // processes
  const json& j = f["java"];
  std::string pw = " FROM processes WHERE pid = " + std::to_string(j["pid"].get<int>());
  EXPECT_EQ(n(p, "SELECT count(*) FROM processes"), f["processes"].get<int64_t>());
  EXPECT_EQ(n(p, "SELECT vm_rss_bytes" + pw), j["vm_rss_bytes"]);
  EXPECT_EQ(n(p, "SELECT rss_anon_bytes" + pw), j["rss_anon_bytes"]);
  EXPECT_EQ(n(p, "SELECT oom_score" + pw), j["oom_score"]);
  EXPECT_EQ(n(p, "SELECT oom_score_adj" + pw), j["oom_score_adj"]);
  EXPECT_EQ(n(p, "SELECT threads" + pw), j["threads"]);
  EXPECT_EQ(q1(p, "SELECT exe" + pw), j["exe"]);
  EXPECT_EQ(q1(p, "SELECT cmdline" + pw), j["cmdline"]);
  EXPECT_EQ(q1(p, "SELECT start_time_utc" + pw), j["start_time_utc"]);
  EXPECT_EQ(q1(p, "SELECT cgroup" + pw), f["oom_container_cgroup"]);
  EXPECT_EQ(n(p, "SELECT smaps_collected" + pw), 1);
  EXPECT_GT(n(p, "SELECT pss_anon_bytes" + pw), 0);
  // mappings
  EXPECT_EQ(n(p, "SELECT count(*) FROM mappings WHERE pid = 5120"), j["mappings"]);
  EXPECT_EQ(n(p, "SELECT max(rss_bytes) FROM mappings WHERE pid = 5120 AND name = ''"), j["largest_anon_mapping_rss_bytes"]);
  EXPECT_EQ(q1(p, "SELECT start_addr FROM mappings WHERE name = '[vsyscall]'"), "ffffffffff600000");
  // redaction: counted, and the secrets appear nowhere in the pack (tables or raw bytes)
  for (auto& [pattern, count] : f["redactions"].items()) {
    EXPECT_EQ(n(p, "SELECT count FROM redactions WHERE pattern = '" + pattern + "'"), count.get<int64_t>()) << pattern;
  }
  EXPECT_EQ(p.meta("redacted_values"), "3");
  for (const auto& secret : f["secrets"]) {
    std::string s = secret.get<std::string>();
    EXPECT_EQ(n(p, "SELECT count(*) FROM raw_files WHERE instr(content, CAST('" + s + "' AS BLOB)) > 0"), 0) << s;
    EXPECT_EQ(n(p, "SELECT count(*) FROM processes WHERE instr(cmdline, '" + s + "') > 0"), 0) << s;
  }
  // raw files: verbatim bytes
  std::ifstream mi(kV2 + "/proc/meminfo");
  std::string meminfo((std::istreambuf_iterator<char>(mi)), {});
  EXPECT_EQ(q1(p, "SELECT CAST(content AS TEXT) FROM raw_files WHERE path = 'proc/meminfo'"), meminfo);
  EXPECT_EQ(n(p, "SELECT size_bytes FROM raw_files WHERE path = 'proc/meminfo'"), static_cast<int64_t>(meminfo.size()));
  EXPECT_EQ(n(p, "SELECT count(*) FROM raw_files WHERE path LIKE 'sys/fs/cgroup/%/memory.events'"), 16);
  // collection errors: what the tree lacks, and nothing for the v2 root's absent counters
  EXPECT_EQ(q1(p, "SELECT error FROM collection_errors WHERE path = 'proc/zoneinfo'"), "ENOENT");
  EXPECT_EQ(n(p, "SELECT count(*) FROM collection_errors WHERE path LIKE 'sys/fs/cgroup/memory.%'"), 0);
  EXPECT_EQ(summary_.processes, 9);
  EXPECT_EQ(q1(p, "PRAGMA integrity_check"), "ok");
}

TEST_F(CollectFixture, V2PodTargetTakesAncestorsDescendantsAndOnlyItsProcesses) {
  json f = facts(kV2);
  CollectConfig cfg;
  cfg.root = kV2;
  cfg.pods = {f["oom_pod_uid"].get<std::string>()};
  auto p = run(cfg);
  EXPECT_EQ(q1(p, "SELECT kind || ':' || cgroup || ':' || status FROM targets"),
            "pod:" + f["oom_pod_cgroup"].get<std::string>() + ":ok");
  EXPECT_EQ(q1(p, "SELECT group_concat(role || '=' || path, ' ') FROM (SELECT * FROM cgroups ORDER BY path)"),
            "ancestor=/ ancestor=/kubepods.slice ancestor=/kubepods.slice/kubepods-burstable.slice target=" +
                f["oom_pod_cgroup"].get<std::string>() + " descendant=" + f["oom_pod_cgroup"].get<std::string>() +
                "/cri-containerd-3b1f5e2a9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f.scope descendant=" +
                f["oom_pod_cgroup"].get<std::string>() +
                "/cri-containerd-9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0.scope");
  EXPECT_EQ(q1(p, "SELECT group_concat(pid) FROM (SELECT pid FROM processes WHERE in_target = 1 ORDER BY pid)"),
            "4690,5120");
  EXPECT_EQ(n(p, "SELECT count(*) FROM processes"), 2);
  EXPECT_EQ(n(p, "SELECT count(*) FROM processes WHERE smaps_collected = 1"), 1) << "4690 has no smaps file";
  EXPECT_EQ(q1(p, "SELECT error FROM collection_errors WHERE path = 'proc/4690/smaps'"), "ENOENT");
}

TEST_F(CollectFixture, V2ContainerShortIdAndMissingCgroupTargets) {
  json f = facts(kV2);
  CollectConfig cfg;
  cfg.root = kV2;
  cfg.containers = {f["oom_container_id"].get<std::string>().substr(0, 12)};
  cfg.cgroups = {f["oom_pod_cgroup"].get<std::string>() + "/cri-containerd-deadbeefdead.scope", "/a/../../etc"};
  auto p = run(cfg);
  EXPECT_EQ(q1(p, "SELECT cgroup FROM targets WHERE kind = 'container'"), f["oom_container_cgroup"]);
  EXPECT_EQ(q1(p, "SELECT status FROM targets WHERE kind = 'cgroup' AND value LIKE '%deadbeef%'"),
            "no such cgroup (deleted with its container?); ancestors collected");
  EXPECT_EQ(q1(p, "SELECT status FROM targets WHERE value = '/a/../../etc'"), "refused: '.' or '..' in the path");
  EXPECT_EQ(q1(p, "SELECT role FROM cgroups WHERE path = '" + f["oom_pod_cgroup"].get<std::string>() + "'"),
            "ancestor");
  EXPECT_EQ(q1(p, "SELECT group_concat(pid) FROM processes"), "5120");
}

TEST_F(CollectFixture, V1HybridRealOom) {
  json f = facts(kV1);
  CollectConfig cfg;
  cfg.root = kV1;
  auto p = run(cfg);
  EXPECT_EQ(p.meta("cgroup_mode"), "hybrid");
  EXPECT_EQ(p.meta("memory_cgroup_root"), "sys/fs/cgroup/memory");
  EXPECT_EQ(p.meta("hostname"), f["hostname"]);
  EXPECT_EQ(n(p, "SELECT count(*) FROM kernel_log"), f["kernel_log_records"]);
  EXPECT_EQ(n(p, "SELECT count(*) FROM kernel_log WHERE raw = '" + f["killed_line"].get<std::string>() + "'"), 1);
  EXPECT_EQ(n(p, "SELECT count(*) FROM cgroups"), f["cgroups"]);
  const json& c = f["oom_cgroup_counters"];
  std::string where = " FROM cgroups WHERE path = '" + f["oom_cgroup"].get<std::string>() + "'";
  for (auto& [col, want] : c.items()) EXPECT_EQ(n(p, "SELECT " + col + where), want.get<int64_t>()) << col;
  EXPECT_EQ(q1(p, "SELECT oom_events" + where), "") << "v2-only counter is NULL on v1";
  EXPECT_EQ(q1(p, "SELECT limit_bytes FROM cgroups WHERE path = '/'"), "") << "v1 'unlimited' is NULL";
  EXPECT_EQ(n(p, "SELECT value FROM cgroup_stats WHERE file = 'memory.oom_control' AND key = 'oom_kill' AND cgroup = '" +
                     f["oom_cgroup"].get<std::string>() + "'"),
            1);
  EXPECT_EQ(n(p, "SELECT count(*) FROM processes"), f["processes"]);
  EXPECT_EQ(q1(p, "SELECT cmdline FROM processes WHERE pid = " + std::to_string(f["sleeper"]["pid"].get<int>())),
            f["sleeper"]["cmdline"]);
  EXPECT_EQ(q1(p, "SELECT cgroup FROM processes WHERE pid = " + std::to_string(f["sleeper"]["pid"].get<int>())),
            f["oom_cgroup"]);
  for (const auto& secret : f["secrets"]) {
    std::string s = secret.get<std::string>();
    EXPECT_EQ(n(p, "SELECT count(*) FROM raw_files WHERE instr(content, CAST('" + s + "' AS BLOB)) > 0"), 0) << s;
  }
  for (const auto& missing : f["missing_files"]) {
    EXPECT_EQ(q1(p, "SELECT error FROM collection_errors WHERE path = '" + missing.get<std::string>() + "'"), "ENOENT");
  }
  EXPECT_EQ(q1(p, "SELECT vm_rss_bytes FROM processes WHERE pid = 2"), "") << "kernel thread: no RSS, NULL not 0";
  EXPECT_GT(n(p, "SELECT count(*) FROM mappings"), 10);
  EXPECT_EQ(q1(p, "PRAGMA integrity_check"), "ok");
}

TEST_F(CollectFixture, SamplesNoRedactAndKernelLogFile) {
  CollectConfig cfg;
  cfg.root = kV2;
  cfg.samples = 3;
  cfg.interval_sec = 0.01;
  cfg.redact = false;
  std::string log = dir_ + "/kern.log";
  std::ofstream(log) << "[459811.203600] Memory cgroup out of memory: Killed process 4711 (java)\r\nsecond line\n";
  cfg.kernel_logs = {log};
  auto p = run(cfg);
  EXPECT_EQ(n(p, "SELECT count(*) FROM samples"), 3);
  EXPECT_EQ(n(p, "SELECT count(DISTINCT sample) FROM processes"), 3);
  EXPECT_EQ(n(p, "SELECT count(*) FROM processes"), 27);
  EXPECT_EQ(n(p, "SELECT count(*) FROM cgroups WHERE sample = 3"), 17);
  EXPECT_EQ(p.meta("redaction"), "off");
  EXPECT_EQ(n(p, "SELECT count(*) FROM redactions"), 0);
  EXPECT_EQ(q1(p, "SELECT cmdline FROM processes WHERE pid = 3800 AND sample = 1"),
            "redis-server *:6379 --requirepass r3d1s-pw");
  EXPECT_EQ(p.meta("kernel_log_source"), "files");
  std::vector<std::string> lines;
  ASSERT_TRUE(p.for_each_kernel_log_line([&](std::string_view l, const KernelLogRow& row) {
                 EXPECT_EQ(row.source, log);
                 EXPECT_FALSE(row.seq.has_value());
                 lines.emplace_back(l);
                 return true;
               }).ok());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "[459811.203600] Memory cgroup out of memory: Killed process 4711 (java)", "second line"}));
}

// A clock whose monotonic time jumps a second per call: the time limit must trip.
class RacingClock : public Clock {
 public:
  int64_t utc_now_usec() const override { return 1763767800'000000; }
  int64_t monotonic_usec() const override { return mono_ += 1'000'000; }

 private:
  mutable int64_t mono_ = 0;
};

TEST_F(CollectFixture, InterruptAndTimeLimitLeaveNoFile) {
  CollectConfig cfg;
  cfg.root = kV2;
  cfg.output = dir_ + "/x.oompack";
  std::ostringstream diag;
  volatile std::sig_atomic_t stop = 1;
  auto r = collect(cfg, SystemClock(), &stop, diag);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInterrupted);
  EXPECT_TRUE(fs::is_empty(dir_)) << "no pack and no temporary file";

  cfg.time_limit_sec = 5;
  RacingClock clock;
  auto t = collect(cfg, clock, nullptr, diag);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kInterrupted);
  EXPECT_NE(t.error().message.find("time limit of 5 s"), std::string::npos) << t.error().message;
  EXPECT_TRUE(fs::is_empty(dir_));
}

// A tree built in code with the traps a --root tree can hold (STYLE.md §10): a FIFO, a
// dangling symlink, a symlink loop, a directory where a file should be. None may hang or
// stop the collection; each is a collection_errors row.
TEST_F(CollectFixture, HostileTreeIsRecordedNotFatal) {
  std::string root = dir_ + "/root";
  auto file = [&](const std::string& rel, const std::string& content) {
    fs::create_directories(fs::path(root + "/" + rel).parent_path());
    std::ofstream(root + "/" + rel) << content;
  };
  file("proc/uptime", "100.5 200.0\n");
  file("proc/stat", "btime 1763700000\n");
  file("proc/42/status", "Name:\tok\nVmSize:\t  10 kB\nVmRSS:\t  8 kB\n");
  file("proc/42/cgroup", "0::/\n");
  fs::create_directories(root + "/proc/43/smaps_rollup");  // a directory
  file("proc/43/cgroup", "0::/\n");
  ASSERT_EQ(mkfifo((root + "/proc/meminfo").c_str(), 0600), 0);
  fs::create_symlink("/nonexistent", root + "/proc/vmstat");
  fs::create_symlink("loop", root + "/proc/43/status");
  fs::create_symlink("status", root + "/proc/43/loop");
  fs::create_directories(root + "/sys/fs/cgroup");
  file("sys/fs/cgroup/cgroup.controllers", "memory\n");
  CollectConfig cfg;
  cfg.root = root;
  cfg.time_limit_sec = 20;
  auto p = run(cfg);
  auto err_of = [&](const std::string& path) {
    return q1(p, "SELECT error FROM collection_errors WHERE path = '" + path + "'");
  };
  EXPECT_EQ(err_of("proc/meminfo"), "EINVAL") << "a FIFO is not read";
  EXPECT_EQ(err_of("proc/vmstat"), "ELOOP") << "a final symlink is not followed";
  EXPECT_EQ(err_of("proc/43/status"), "ELOOP");
  EXPECT_EQ(err_of("proc/43/smaps_rollup"), "EISDIR");
  EXPECT_EQ(err_of("dev/kmsg"), "ENOENT");
  EXPECT_EQ(p.meta("kernel_log_source"), "none");
  EXPECT_EQ(n(p, "SELECT vm_rss_bytes FROM processes WHERE pid = 42"), 8192);
  EXPECT_EQ(n(p, "SELECT count(*) FROM processes"), 2);
  EXPECT_EQ(n(p, "SELECT count(*) FROM cgroups"), 1);
}

// schema/README.md promises that its example queries work as shown: run every statement of
// every ```sql block on a pack of the v2 fixture, and check the output it shows where it
// shows one verbatim.
TEST_F(CollectFixture, SchemaReadmeQueriesRun) {
  std::ifstream in(OOMSCOPE_SOURCE_DIR "/schema/README.md");
  ASSERT_TRUE(in.good());
  std::string readme((std::istreambuf_iterator<char>(in)), {});
  CollectConfig cfg;
  cfg.root = kV2;
  cfg.samples = 2;  // for the growth examples
  auto p = run(cfg);
  int statements = 0;
  for (size_t pos = readme.find("```sql\n"); pos != std::string::npos; pos = readme.find("```sql\n", pos)) {
    pos += 7;
    size_t end = readme.find("```", pos);
    std::string block = readme.substr(pos, end - pos);
    size_t start = 0;
    for (size_t semi = block.find(';'); semi != std::string::npos; semi = block.find(';', start)) {
      std::string sql = block.substr(start, semi - start);
      start = semi + 1;
      auto st = p.query(sql);
      ASSERT_TRUE(st.ok()) << sql << "\n" << st.error().message;
      int rows = 0;
      while (st->step_row()) rows++;
      EXPECT_TRUE(st->status().ok()) << sql;
      EXPECT_GT(rows, 0) << "an example that returns nothing on the fixture:\n" << sql;
      statements++;
    }
    pos = end;
  }
  EXPECT_GE(statements, 8);
  EXPECT_EQ(q1(p, "SELECT wall_utc || '|' || substr(message, 1, 60) FROM kernel_log WHERE message LIKE '%Killed process%'"),
            "2025-11-26T12:23:31.203600Z|Memory cgroup out of memory: Killed process 4711 (java) tota");
}

// dump(): every row of every table but `samples` (timings), and meta without its clock
// readings, as text in rowid order: two packs of the same tree must have equal dumps.
std::string dump(PackReader& p) {
  std::string out;
  for (const char* table : {"meta", "targets", "raw_files", "collection_errors", "kernel_log", "kernel_log_gaps",
                            "sysctls", "meminfo", "vmstat", "pressure", "cgroups", "cgroup_stats", "processes",
                            "mappings", "redactions"}) {
    std::string sql = std::string("SELECT * FROM ") + table;
    if (std::string_view(table) == "meta") {
      sql += " WHERE key NOT IN ('collected_utc','collected_monotonic_usec','finished_utc','duration_usec')";
    }
    auto st = p.query(sql + " ORDER BY rowid");
    EXPECT_TRUE(st.ok()) << sql;
    if (!st.ok()) return out;
    int64_t rows = 0;
    while (st->step_row()) {
      rows++;
      out += table;
      for (int i = 0; i < st->column_count(); ++i) {
        out += '|';
        out += st->column_is_null(i) ? std::string("NULL") : std::string(st->column_text(i));
      }
      out += '\n';
    }
    out += std::string(table) + " rows " + std::to_string(rows) + "\n";
  }
  return out;
}

TEST_F(CollectFixture, ReaderThreadsWriteTheSamePackAsOneThread) {
  // Reader threads only read; the rows (order included) must not depend on them.
  for (const std::string& root : {kV2, kV1}) {
    std::string one, two;
    for (int threads : {0, 2}) {
      CollectConfig cfg;
      cfg.root = root;
      cfg.smaps = SmapsMode::kAll;
      cfg.samples = 2;
      cfg.reader_threads = threads;
      cfg.output = dir_ + "/" + fs::path(root).filename().string() + "-" + std::to_string(threads) + ".oompack";
      auto p = run(cfg);
      (threads == 0 ? one : two) = dump(p);
      EXPECT_GT(n(p, "SELECT count(*) FROM processes"), 0) << root;
      EXPECT_GT(n(p, "SELECT count(*) FROM mappings"), 0) << root;
    }
    EXPECT_EQ(one, two) << root;
  }
}

TEST_F(CollectFixture, DefaultNameCarriesHostAndUtcTime) {
  EXPECT_EQ(default_pack_name("ip-10-0-12-34.eu-west-1.compute.internal", 1763767800'000000),
            "oomscope-ip-10-0-12-34.eu-west-1.compute.internal-20251121T233000Z.oompack");
  EXPECT_EQ(default_pack_name("a/b c", 0), "oomscope-a_b_c-19700101T000000Z.oompack");
  EXPECT_EQ(default_pack_name("", 0), "oomscope-unknown-19700101T000000Z.oompack");
  EXPECT_EQ(default_pack_name("../x", 0), "oomscope-unknown.._x-19700101T000000Z.oompack");
}

}  // namespace
}  // namespace oomscope::collector
