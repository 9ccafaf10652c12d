// analyze_cli_test.cc: `oomscope analyze` with --format markdown|html, --pods and a pack, run as
// a process on real inputs.
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/sqlite/db.h"
#include "tests/testing/subprocess.h"

namespace oomscope {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kLogs = OOMSCOPE_TEST_DATA "/kernel-logs/";
const std::string kPack = OOMSCOPE_FINDINGS_DATA "/arenas-growth-cgroupv1-6.18.oompack";

testing::ProcessResult run(std::vector<std::string> args) {
  args.insert(args.begin(), {OOMSCOPE_BINARY, "analyze"});
  auto r = testing::run_process(args, std::chrono::seconds(20));
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : testing::ProcessResult{};
}

TEST(AnalyzeCli, MarkdownHasTheFindingsTable) {
  auto r = run({"--format", "markdown", kLogs + "035-seed-engine-gateway-cgroupv2-5.10-blog-cut-lines.log"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("| critical | `anon_blowup` | Anonymous memory filled the 256.0 MiB memcg limit"));
  EXPECT_THAT(r.out, HasSubstr("```text\n"));
}

TEST(AnalyzeCli, HtmlToAFile) {
  auto dir = testing::TempDir::create("oomscope-cli-html");
  ASSERT_TRUE(dir.ok());
  std::string out = dir->file("r.html");
  auto r = run({"--format", "html", "-o", out, kLogs + "007-k8s-pause-killed-cgroupv1-partial-elided.log"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_THAT(ss.str(), HasSubstr("<svg class=\"chart tasks\""));
  EXPECT_THAT(ss.str(), HasSubstr("data-id=\"victim_not_culprit\""));
}

TEST(AnalyzeCli, PodsNameThePod) {
  auto r = run({"--format", "json", "--pods", OOMSCOPE_FINDINGS_DATA "/pods-k8s-fixtures.json",
                kLogs + "001-aks-stress-ng-cgroupv2-syslog.log"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& f : j["events"][0]["findings"])
    if (f["id"] == "kubernetes") {
      found = true;
      EXPECT_EQ(f["data"]["pod"], "stress-ng-7d9c");
      EXPECT_EQ(f["data"]["container"], "stress");
    }
  EXPECT_TRUE(found);
  auto bad = run({"--pods", "/nonexistent/pods.json", kLogs + "001-aks-stress-ng-cgroupv2-syslog.log"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--pods /nonexistent/pods.json"));
  auto fmt = run({"--format", "yaml", kLogs + "001-aks-stress-ng-cgroupv2-syslog.log"});
  EXPECT_EQ(fmt.exit_code, 2);
  EXPECT_THAT(fmt.err, HasSubstr("markdown, html"));
}

TEST(AnalyzeCli, APackIsRecognisedAndItsTablesUsed) {
  auto r = run({"--format", "json", kPack});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["events"].size(), 1u);
  EXPECT_EQ(j["events"][0]["source"]["file"], kPack);
  std::vector<std::string> ids;
  for (const auto& f : j["events"][0]["findings"]) ids.push_back(f["id"]);
  EXPECT_THAT(ids, ::testing::IsSupersetOf({"anon_blowup", "malloc_arenas", "growth", "working_set"}));
}

// On-call collects a pack for the pod of the OOM after its cgroup is gone (here: the pod of the
// 035 report, which never existed on this machine): the analysis says so.
TEST(AnalyzeCli, PackOfAGonePodSaysItsCgroupWasGone) {
  auto dir = testing::TempDir::create("oomscope-cli-gone");
  ASSERT_TRUE(dir.ok());
  const std::string pack = dir->file("gone.oompack");
  const std::string log = kLogs + "035-seed-engine-gateway-cgroupv2-5.10-blog-cut-lines.log";
  auto c = testing::run_process({OOMSCOPE_BINARY, "collect", "-o", pack, "--pod", "7aef5bea-2046-431a-9237-7aa567fe652f",
                                 "--kernel-log", log, "--smaps", "none", "--time-limit", "30"},
                                std::chrono::seconds(40));
  ASSERT_TRUE(c.ok());
  if (c->exit_code != 0) GTEST_SKIP() << "oomscope collect could not run here: " << c->err;
  auto r = run({"--format", "json", pack});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["events"].size(), 1u);
  bool gone = false;
  for (const auto& f : j["events"][0]["findings"])
    if (f["id"] == "target_gone") {
      gone = true;
      EXPECT_EQ(f["data"]["kind"], "pod");
      EXPECT_EQ(f["data"]["value"], "7aef5bea-2046-431a-9237-7aa567fe652f");
    }
  EXPECT_TRUE(gone) << r.out;
}

// ring_buffer_gap: a pack whose /dev/kmsg read lost records. The --root tree is HAND-BUILT
// (tests/data/roots/make-v2-k8s-systemd.py: real 6.1 formats, invented numbers): its kmsg jumps
// from sequence 4121 to 4124 (2 records lost) after the OOM report. A real pack with gaps:
// AnalyzeCli.RealKmsgGapPackFromQemu. The arenas pack (real, no gap) must not have it.
TEST(AnalyzeCli, PackWithAKernelLogGapSaysRecordsWereLost) {
  auto dir = testing::TempDir::create("oomscope-cli-gap");
  ASSERT_TRUE(dir.ok());
  const std::string pack = dir->file("gap.oompack");
  auto c = testing::run_process({OOMSCOPE_BINARY, "collect", "-o", pack, "--root",
                                 OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1"},
                                std::chrono::seconds(40));
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->exit_code, 0) << c->err;
  auto ids_with = [&](const std::string& p, nlohmann::json* gap) {
    auto r = run({"--format", "json", p});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    std::vector<std::string> ids;
    for (const auto& ev : j["events"])
      for (const auto& f : ev["findings"]) {
        ids.push_back(f["id"]);
        if (gap && f["id"] == "ring_buffer_gap") *gap = f;
      }
    return ids;
  };
  nlohmann::json gap;
  EXPECT_THAT(ids_with(pack, &gap), ::testing::Contains("ring_buffer_gap"));
  EXPECT_EQ(gap["data"]["gaps"], 1);
  // The tree's /dev/kmsg jumps from seq 4121 (the Killed process line) to 4124 (oom_reaper), both
  // lines of the java report (lines 2-23): two records between them were lost, a warning.
  EXPECT_EQ(gap["data"]["records_lost"], 2);
  EXPECT_EQ(gap["data"]["gaps_inside_report"], 1);
  EXPECT_EQ(gap["severity"], "warning");
  EXPECT_THAT(gap["verdict"].get<std::string>(), HasSubstr("1 gap falls inside this report"));
  EXPECT_THAT(ids_with(kPack, nullptr), Not(::testing::Contains("ring_buffer_gap")));
  // The collect had no target: a whole-host pack. The OOM'd container's cgroup is in it (role
  // 'host'), so the java kill gets that cgroup's counters, not the root's and not nothing.
  auto r = run({"--format", "json", pack});
  auto j = nlohmann::json::parse(r.out);
  bool java = false;
  for (const auto& ev : j["events"]) {
    if (!ev["killed"].is_object() || ev["killed"]["comm"] != "java") continue;
    java = true;
    std::map<std::string, nlohmann::json> by_id;
    for (const auto& f : ev["findings"]) by_id[f["id"]] = f;
    ASSERT_TRUE(by_id.count("working_set")) << ev["findings"].dump();
    ASSERT_TRUE(by_id.count("memory_events")) << ev["findings"].dump();
    const std::string scope = ev["memcg"]["oom_memcg"];
    EXPECT_THAT(by_id["working_set"]["verdict"].get<std::string>(), HasSubstr(scope));
    EXPECT_THAT(by_id["memory_events"]["verdict"].get<std::string>(), HasSubstr(scope));
  }
  EXPECT_TRUE(java);
}

// A whole-host pack taken after the OOM'd container's cgroup was removed: the kill gets no
// process, working-set or counter findings from the host (they would be about other cgroups).
TEST(AnalyzeCli, WholeHostPackDoesNotLendTheHostToAGoneCgroup) {
  namespace fs = std::filesystem;
  auto dir = testing::TempDir::create("oomscope-cli-host-gone");
  ASSERT_TRUE(dir.ok());
  const std::string root = dir->file("root");
  fs::copy(OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1", root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  const std::string pod = root + "/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/"
                          "kubepods-burstable-pod7a9c1d2e_3f4b_4c5d_8e6f_0a1b2c3d4e5f.slice";
  size_t removed = 0;
  for (const auto& e : fs::directory_iterator(pod))
    if (e.is_directory() && e.path().filename().string().starts_with("cri-containerd-3b1f5e2a"))
      removed += fs::remove_all(e.path());
  ASSERT_GT(removed, 0u);
  const std::string pack = dir->file("gone.oompack");
  auto c = testing::run_process({OOMSCOPE_BINARY, "collect", "-o", pack, "--root", root}, std::chrono::seconds(40));
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->exit_code, 0) << c->err;
  auto r = run({"--format", "json", pack});
  auto j = nlohmann::json::parse(r.out);
  bool java = false;
  for (const auto& ev : j["events"]) {
    if (!ev["killed"].is_object() || ev["killed"]["comm"] != "java") continue;
    java = true;
    std::vector<std::string> ids;
    for (const auto& f : ev["findings"]) ids.push_back(f["id"]);
    EXPECT_THAT(ids, ::testing::Contains("anon_blowup"));      // the kernel's report still speaks
    EXPECT_THAT(ids, ::testing::Contains("ring_buffer_gap"));  // and the pack's log lost records
    for (const char* host_only : {"working_set", "memory_events", "process_memory", "anon_mappings", "malloc_arenas"})
      EXPECT_THAT(ids, Not(::testing::Contains(host_only))) << ev["findings"].dump();
  }
  EXPECT_TRUE(java);
}

// The kmsg-gap pack (tests/data/captured/README.md): the memcg-v2-k8s pod OOM in a qemu guest
// (-smp 2, Debian 6.1, 128 KiB ring buffer), then a writer flooded /dev/kmsg with 6000 records
// `oomscope-flood NNNNNN` (seq 412-6411) WHILE the static oomscope collected `--pod`: the ring
// buffer overwrote records the collector had not read, and the pack holds 4 real gap rows
// (1677 records lost, all of them flood records; the OOM report, seq 375-411, is whole).
TEST(AnalyzeCli, RealKmsgGapPackFromQemu) {
  const std::string pack = OOMSCOPE_TEST_DATA "/captured/qemu-kmsg-gap-6.1-pod.oompack";
  // The rows as read by hand (sqlite3): after_seq, next_seq, lost_records.
  {
    auto db = sqlite::Db::open_untrusted_readonly(pack);
    ASSERT_TRUE(db.ok());
    auto q = db->prepare("SELECT after_seq, next_seq, lost_records FROM kernel_log_gaps ORDER BY rowid");
    ASSERT_TRUE(q.ok());
    std::vector<std::array<int64_t, 3>> rows;
    while (q->step_row()) rows.push_back({q->column_int64(0), q->column_int64(1), q->column_int64(2)});
    const std::vector<std::array<int64_t, 3>> want = {
        {489, 874, 384}, {874, 1700, 825}, {1736, 2172, 435}, {2283, 2317, 33}};
    EXPECT_EQ(rows, want);
    auto n = db->prepare("SELECT count(*), min(seq), max(seq) FROM kernel_log");
    ASSERT_TRUE(n.ok());
    ASSERT_TRUE(n->step_row());
    EXPECT_EQ(n->column_int64(0), 4734);  // 6411 records (seq 0-6410) minus the 1677 lost
    EXPECT_EQ(n->column_int64(1), 0);
    EXPECT_EQ(n->column_int64(2), 6410);
  }
  auto r = run({"--format", "json", pack});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["summary"]["lines_read"], 4734);
  ASSERT_EQ(j["events"].size(), 1u);  // the flood records are not OOM reports
  const auto& ev = j["events"][0];
  EXPECT_EQ(ev["complete"], true);  // seq 375-411, before the first gap (after seq 489)
  EXPECT_EQ(ev["kernel"], "6.1.0-57-cloud-amd64");
  EXPECT_EQ(ev["constraint"], "CONSTRAINT_MEMCG");
  EXPECT_EQ(ev["memcg"]["oom_memcg"],
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podfca066f9_544d_4df2_8b9a_126bf305c199.slice");
  EXPECT_EQ(ev["killed"]["pid"], 87);
  EXPECT_EQ(ev["killed"]["comm"], "oomscope-hog");
  nlohmann::json gap;
  for (const auto& f : ev["findings"])
    if (f["id"] == "ring_buffer_gap") gap = f;
  ASSERT_FALSE(gap.is_null()) << ev["findings"].dump();
  EXPECT_EQ(gap["severity"], "info");
  EXPECT_EQ(gap["data"]["gaps"], 4);
  EXPECT_EQ(gap["data"]["records_lost"], 1677);  // 384 + 825 + 435 + 33
  EXPECT_EQ(gap["data"]["first_lost_seq"], 490);
  EXPECT_EQ(gap["data"]["last_lost_seq"], 2316);
  // The report is seq 375-411 = lines 376-412 (seq 0 is line 1); the first gap follows seq 489,
  // line 490: nothing of this report was lost.
  EXPECT_EQ(ev["source"]["first_line"], 376);
  EXPECT_EQ(ev["source"]["last_line"], 412);
  EXPECT_EQ(gap["data"]["gaps_inside_report"], 0);
  EXPECT_THAT(gap["verdict"].get<std::string>(),
              HasSubstr("1677 kernel log records lost in 4 gaps while the pack's kernel log was read"));
  EXPECT_THAT(gap["verdict"].get<std::string>(), HasSubstr("between seq 490 and 2316"));
  EXPECT_THAT(gap["verdict"].get<std::string>(), HasSubstr("no gap falls inside this report"));
  EXPECT_THAT(gap["evidence"], ::testing::Contains("after seq 489, next seq 874: 384 records lost (after line 490)"));
  EXPECT_THAT(gap["evidence"], ::testing::Contains("after seq 2283, next seq 2317: 33 records lost (after line 640)"));
  // The report about the pack says so too.
  auto text = run({pack});
  EXPECT_THAT(text.out, HasSubstr("1677 kernel log records lost in 4 gaps"));
}

// The memcg-v2-k8s packs (tests/data/captured/README.md): a real cgroup v2 OOM in a qemu guest,
// collected there by the static oomscope a moment after the kill, once for the pod
// (`collect --pod`) and once for the whole host. Every number below was read by hand from the
// pack's raw_files (memory.events, memory.current, memory.max, smaps_rollup, status).
TEST(AnalyzeCli, RealCgroupV2PodPacksFromQemu) {
  const std::string dir = OOMSCOPE_TEST_DATA "/captured/";
  const std::string pod = "/kubepods.slice/kubepods-burstable.slice/"
                          "kubepods-burstable-podfca066f9_544d_4df2_8b9a_126bf305c199.slice";
  const std::string scope = pod + "/cri-containerd-0944d33fbd10e3ed1d5e8cd24e9eed781fe67dd6829a10e526f18b6829ad4cd5.scope";
  auto analyze = [&](const std::string& pack, nlohmann::json* report_findings) {
    auto r = run({"--format", "json", dir + pack});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["events"].size(), 1u);
    *report_findings = j["findings"];
    std::map<std::string, nlohmann::json> by_id;
    if (j["events"].empty()) return by_id;
    const auto& ev = j["events"][0];
    EXPECT_EQ(ev["constraint"], "CONSTRAINT_MEMCG");
    EXPECT_EQ(ev["memcg"]["oom_memcg"], pod);
    EXPECT_EQ(ev["memcg"]["task_memcg"], scope);
    EXPECT_EQ(ev["killed"]["pid"], 79);
    for (const auto& f : ev["findings"]) by_id[f["id"]] = f;
    return by_id;
  };

  // --pod: the pod slice is the target, so its counters are the event's.
  nlohmann::json top;
  auto f = analyze("qemu-memcg-v2-k8s-6.1-pod.oompack", &top);
  EXPECT_TRUE(top.empty()) << top.dump();  // the one oom_kill has its `Killed process` line (seq 407)
  ASSERT_TRUE(f.count("which_limit"));
  EXPECT_EQ(f["which_limit"]["data"]["scope"], "pod");
  ASSERT_TRUE(f.count("kubernetes"));
  EXPECT_EQ(f["kubernetes"]["data"]["pod_uid"], "fca066f9-544d-4df2-8b9a-126bf305c199");
  EXPECT_EQ(f["kubernetes"]["data"]["qos"], "Burstable");
  ASSERT_TRUE(f.count("memory_events")) << "no memory_events";
  const auto& me = f["memory_events"]["data"];
  EXPECT_EQ(me["cgroup"], pod);
  // The pod slice's memory.events: `low 0 high 0 max 18 oom 1 oom_kill 1 oom_group_kill 0`.
  EXPECT_EQ(me["high"], 0);
  EXPECT_EQ(me["max"], 18);
  EXPECT_EQ(me["oom"], 1);
  EXPECT_EQ(me["oom_kill"], 1);
  EXPECT_EQ(me["oom_group_kill"], 0);
  EXPECT_EQ(me["killed_lines_in_log"], 1);
  EXPECT_EQ(f["memory_events"]["severity"], "info");  // one kill, and its line is in the log
  ASSERT_TRUE(f.count("working_set"));
  const auto& ws = f["working_set"]["data"];
  EXPECT_EQ(ws["cgroup"], pod);
  EXPECT_EQ(ws["usage_bytes"], 4321280);           // memory.current
  EXPECT_EQ(ws["limit_bytes"], 67108864);          // memory.max
  EXPECT_EQ(ws["inactive_file_bytes"], 0);         // memory.stat inactive_file
  EXPECT_EQ(ws["working_set_bytes"], 4321280);
  EXPECT_EQ(ws["anon_bytes"], 4243456);            // memory.stat anon
  EXPECT_EQ(ws["processes_rss_bytes"], 4657152);   // the sidecar's VmRSS, its only process
  ASSERT_TRUE(f.count("process_memory"));
  const auto& procs = f["process_memory"]["data"]["processes"];
  ASSERT_EQ(procs.size(), 1u);
  EXPECT_EQ(procs[0]["pid"], 78);
  EXPECT_EQ(procs[0]["comm"], "oomscope-side");
  EXPECT_EQ(procs[0]["uss_bytes"], 4243456);  // smaps_rollup Private_Dirty, Private_Clean 0
  // The page size is the collecting machine's (meta page_size_bytes 4096), not an assumption.
  {
    auto r = run({"--format", "json", std::string(OOMSCOPE_TEST_DATA) + "/captured/qemu-memcg-v2-k8s-6.1-pod.oompack"});
    auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["events"].size(), 1u);
    EXPECT_EQ(j["events"][0]["page_size"], 4096);
    auto text = run({std::string(OOMSCOPE_TEST_DATA) + "/captured/qemu-memcg-v2-k8s-6.1-pod.oompack"});
    EXPECT_THAT(text.out, HasSubstr("victim = culprit"));
    EXPECT_THAT(text.out, Not(HasSubstr("assuming 4 KiB pages")));
  }
  // The surviving sidecar's mappings are context, not a cause: 4 MiB of the 64 MiB limit.
  ASSERT_TRUE(f.count("anon_mappings"));
  EXPECT_EQ(f["anon_mappings"]["data"]["pid"], 78);
  EXPECT_EQ(f["anon_mappings"]["data"]["material"], false);
  EXPECT_EQ(f["anon_mappings"]["severity"], "info");
  // Must not: a 4 MiB sidecar has no glibc arenas; the pack's kmsg read lost nothing; the pod was there.
  for (const char* absent : {"malloc_arenas", "ring_buffer_gap", "target_gone", "growth", "victim_not_culprit"})
    EXPECT_FALSE(f.count(absent)) << absent;

  // Whole host: every cgroup has role 'host'; the event takes the same cgroup as from the pod's
  // pack, the pod slice whose limit was hit (max 18, oom 1), not the victim's scope (its
  // memory.events: max 0, oom 0, oom_kill 1; memory.max 100663296).
  f = analyze("qemu-memcg-v2-k8s-6.1-host.oompack", &top);
  EXPECT_TRUE(top.empty()) << top.dump();
  ASSERT_TRUE(f.count("memory_events"));
  EXPECT_EQ(f["memory_events"]["data"]["cgroup"], pod);
  EXPECT_EQ(f["memory_events"]["data"]["max"], 18);
  EXPECT_EQ(f["memory_events"]["data"]["oom"], 1);
  EXPECT_EQ(f["memory_events"]["data"]["oom_kill"], 1);
  ASSERT_TRUE(f.count("working_set"));
  EXPECT_EQ(f["working_set"]["data"]["cgroup"], pod);
  EXPECT_EQ(f["working_set"]["data"]["usage_bytes"], 4321280);  // the pod slice's memory.current
  EXPECT_EQ(f["working_set"]["data"]["limit_bytes"], 67108864);  // the pod slice's memory.max
  ASSERT_TRUE(f.count("process_memory"));
  ASSERT_EQ(f["process_memory"]["data"]["processes"].size(), 1u);  // not init, kthreads or oomscope
  EXPECT_EQ(f["process_memory"]["data"]["processes"][0]["pid"], 78);
  for (const char* absent : {"malloc_arenas", "ring_buffer_gap", "target_gone"}) EXPECT_FALSE(f.count(absent)) << absent;
}

// The whole-host packs of the memcg-v2-k8s-allocatable and -qos captures
// (tests/data/captured/README.md): two burstable pods without pod limits, the limit hit above
// both (kubepods.slice, then the burstable QoS slice, 96 MiB each). The pack event's cgroup is
// the one whose limit was hit; its memory.events (raw_files, read by hand) counted the 35
// reclaims at max and the OOM, while the victim's pod slice and scope say max 0 oom 0 oom_kill 1.
TEST(AnalyzeCli, RealCgroupV2SharedLimitPacksFromQemu) {
  const std::string hog_scope = "/kubepods.slice/kubepods-burstable.slice/"
                                "kubepods-burstable-podfca066f9_544d_4df2_8b9a_126bf305c199.slice/"
                                "cri-containerd-0944d33fbd10e3ed1d5e8cd24e9eed781fe67dd6829a10e526f18b6829ad4cd5.scope";
  struct Pack {
    const char* file;
    const char* limited;  // oom_memcg
    const char* scope;    // which_limit data.scope
    int hog, side;
    int64_t usage;        // memory.current of `limited` when collected
  };
  for (const Pack& p : {Pack{"qemu-memcg-v2-k8s-allocatable-6.1-host.oompack", "/kubepods.slice", "node_allocatable", 80, 79,
                             4358144},
                        Pack{"qemu-memcg-v2-k8s-qos-6.1-host.oompack", "/kubepods.slice/kubepods-burstable.slice", "qos", 79,
                             78, 4354048}}) {
    SCOPED_TRACE(p.file);
    auto r = run({"--format", "json", OOMSCOPE_TEST_DATA "/captured/" + std::string(p.file)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_TRUE(j["findings"].empty()) << j["findings"].dump();  // the one oom_kill has its line
    ASSERT_EQ(j["events"].size(), 1u);
    const auto& ev = j["events"][0];
    EXPECT_EQ(ev["memcg"]["oom_memcg"], p.limited);
    EXPECT_EQ(ev["memcg"]["task_memcg"], hog_scope);
    EXPECT_EQ(ev["killed"]["pid"], p.hog);
    EXPECT_EQ(ev["page_size"], 4096);
    std::map<std::string, nlohmann::json> f;
    for (const auto& x : ev["findings"]) f[x["id"]] = x;
    ASSERT_TRUE(f.count("which_limit"));
    EXPECT_EQ(f["which_limit"]["data"]["scope"], p.scope);
    ASSERT_TRUE(f.count("kubernetes"));
    EXPECT_EQ(f["kubernetes"]["data"]["pod_uid"], "fca066f9-544d-4df2-8b9a-126bf305c199");
    EXPECT_EQ(f["kubernetes"]["data"]["qos"], "Burstable");
    ASSERT_TRUE(f.count("memory_events"));
    const auto& me = f["memory_events"]["data"];
    EXPECT_EQ(me["cgroup"], p.limited);
    // `low 0 high 0 max 35 oom 1 oom_kill 1 oom_group_kill 0` in both packs.
    EXPECT_EQ(me["high"], 0);
    EXPECT_EQ(me["max"], 35);
    EXPECT_EQ(me["oom"], 1);
    EXPECT_EQ(me["oom_kill"], 1);
    EXPECT_EQ(me["oom_group_kill"], 0);
    EXPECT_EQ(me["killed_lines_in_log"], 1);
    EXPECT_EQ(f["memory_events"]["severity"], "info");
    ASSERT_TRUE(f.count("working_set"));
    EXPECT_EQ(f["working_set"]["data"]["cgroup"], p.limited);
    EXPECT_EQ(f["working_set"]["data"]["usage_bytes"], p.usage);
    EXPECT_EQ(f["working_set"]["data"]["limit_bytes"], 100663296);
    // The one process left under the limited cgroup is the other pod's sidecar (VmRSS 4661248).
    EXPECT_EQ(f["working_set"]["data"]["processes_rss_bytes"], 4661248);
    ASSERT_TRUE(f.count("process_memory"));
    ASSERT_EQ(f["process_memory"]["data"]["processes"].size(), 1u);
    EXPECT_EQ(f["process_memory"]["data"]["processes"][0]["pid"], p.side);
    for (const char* absent : {"victim_not_culprit", "malloc_arenas", "ring_buffer_gap", "target_gone", "growth"})
      EXPECT_FALSE(f.count(absent)) << absent;
  }
}

// The group-kill pack (tests/data/captured/README.md): memory.oom.group 1 on the scope; the
// kernel printed three `Killed process` lines for two processes (the victim's twice) and
// counted oom_kill 3 in the pod slice, the scope and /proc/vmstat. The pack was collected after
// both were reaped: no process rows.
TEST(AnalyzeCli, RealCgroupV2GroupKillPackFromQemu) {
  auto r = run({"--format", "json", OOMSCOPE_TEST_DATA "/captured/qemu-memcg-v2-k8s-group-6.1-pod.oompack"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["events"].size(), 1u);
  const auto& ev = j["events"][0];
  EXPECT_THAT(ev["oom_group"].get<std::string>(), HasSubstr("cri-containerd-0944d33fbd10"));
  EXPECT_EQ(ev["victims"].size(), 2u);
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& f : ev["findings"]) by_id[f["id"]] = f;
  ASSERT_TRUE(by_id.count("memory_events"));
  const auto& me = by_id["memory_events"]["data"];
  // The pod slice's memory.events: `low 0 high 0 max 18 oom 1 oom_kill 3 oom_group_kill 1`.
  EXPECT_EQ(me["max"], 18);
  EXPECT_EQ(me["oom"], 1);
  EXPECT_EQ(me["oom_kill"], 3);
  EXPECT_EQ(me["oom_group_kill"], 1);
  EXPECT_EQ(me["killed_lines_in_log"], 3);  // lines 440, 442, 443 of the console = kmsg records
  // One OOM (oom 1) that killed two processes: not a restart loop, so no warning.
  EXPECT_EQ(by_id["memory_events"]["severity"], "info");
  EXPECT_THAT(by_id["memory_events"]["verdict"].get<std::string>(), HasSubstr("3 OOM kills counted in this cgroup, 1 group kill"));
  EXPECT_THAT(by_id["memory_events"]["next_step"].get<std::string>(), HasSubstr("One OOM that killed several processes"));
  ASSERT_TRUE(by_id.count("working_set"));
  EXPECT_EQ(by_id["working_set"]["data"]["usage_bytes"], 28672);  // the pod slice's memory.current
  EXPECT_EQ(by_id["working_set"]["data"]["processes_rss_bytes"], 0);
  for (const char* absent : {"malloc_arenas", "process_memory", "anon_mappings", "ring_buffer_gap", "target_gone"})
    EXPECT_FALSE(by_id.count(absent)) << absent;
}

// A group kill prints the first victim twice and the kernel counts both kills (oom_kill 3 in the
// pod slice's memory.events and /proc/vmstat for 3 `Killed process` lines, 2 processes). The
// whole-input digest counted 2 (victims, not lines), so oom_kill_no_kernel_record said "1 kill
// happened with no report here" about a complete log. Kubernetes 1.28+ sets memory.oom.group on
// cgroup v2, so every multi-process container kill there looks like this.
TEST(AnalyzeCli, GroupKillRepeatOfTheVictimIsNotAMissingRecord) {
  auto r = run({"--format", "json", OOMSCOPE_TEST_DATA "/captured/qemu-memcg-v2-k8s-group-6.1-pod.oompack"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["events"].size(), 1u);
  EXPECT_EQ(j["events"][0]["victims"].size(), 2u);
  for (const auto& f : j["findings"]) EXPECT_NE(f["id"], "oom_kill_no_kernel_record") << f.dump();
}

// Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). script(1)
// gives the command a pseudo-terminal.
TEST(AnalyzeCli, ColourOnlyOnATerminalWithoutNoColor) {
  if (::access("/usr/bin/script", X_OK) != 0) GTEST_SKIP() << "script(1) (bsdutils) is not installed";
  const std::string log = kLogs + "035-seed-engine-gateway-cgroupv2-5.10-blog-cut-lines.log";
  auto piped = run({log});
  EXPECT_THAT(piped.out, Not(HasSubstr("\x1b[")));
  auto tty = testing::run_process({"/usr/bin/env", "-u", "NO_COLOR", "/usr/bin/script", "-qec",
                                   std::string(OOMSCOPE_BINARY) + " analyze " + log, "/dev/null"},
                                  std::chrono::seconds(20));
  ASSERT_TRUE(tty.ok());
  EXPECT_THAT(tty->out, HasSubstr("\x1b[1;31mCRITICAL"));
  auto no_color = testing::run_process({"/usr/bin/env", "NO_COLOR=1", "/usr/bin/script", "-qec",
                                        std::string(OOMSCOPE_BINARY) + " analyze " + log, "/dev/null"},
                                       std::chrono::seconds(20));
  ASSERT_TRUE(no_color.ok());
  EXPECT_THAT(no_color->out, HasSubstr("CRITICAL"));
  EXPECT_THAT(no_color->out, Not(HasSubstr("\x1b[")));
  // An empty NO_COLOR is as good as unset (no-color.org: "present and not an empty string").
  auto empty = testing::run_process({"/usr/bin/env", "NO_COLOR=", "/usr/bin/script", "-qec",
                                     std::string(OOMSCOPE_BINARY) + " analyze " + log, "/dev/null"},
                                    std::chrono::seconds(20));
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(empty->out, HasSubstr("\x1b[1;31mCRITICAL"));
}

}  // namespace
}  // namespace oomscope

namespace oomscope {
namespace {

// Findings about the whole input, as a process: no OOM event, exit code 0 all the same.
TEST(AnalyzeCli, ReportFindingsWithoutAnyEvent) {
  const std::string nolog = OOMSCOPE_FINDINGS_DATA "/nolog-memcg-oom-cgroupv1-6.18.oompack";
  auto r = run({"--format", "json", nolog});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["events"].size(), 0u);
  ASSERT_GE(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["id"], "oom_kill_no_kernel_record");
  EXPECT_EQ(j["findings"][0]["data"]["scope"], "cgroup");

  auto dir = testing::TempDir::create("oomscope-cli-report");
  ASSERT_TRUE(dir.ok());
  const std::string empty = dir->file("empty.log");
  ASSERT_TRUE(testing::write_file(empty, "").ok());
  const std::string pods = OOMSCOPE_FINDINGS_DATA "/pods-report-findings.json";
  auto t = run({"--pods", pods, empty});
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_THAT(t.out, HasSubstr("Findings about the whole input"));
  EXPECT_THAT(t.out, HasSubstr("sigkill_not_oom  Container memtest of default/memtest ended with exit code 137"));
  auto md = run({"--format", "markdown", "--pods", pods, empty});
  EXPECT_EQ(md.exit_code, 0) << md.err;
  EXPECT_THAT(md.out, HasSubstr("## Findings about the whole input"));
  EXPECT_THAT(md.out, HasSubstr("| warning | `pod_evicted` | Pod default/nginx-7db9fccd9b-x7k2q was evicted"));
  auto html = run({"--format", "html", "--pods", pods, empty});
  EXPECT_EQ(html.exit_code, 0) << html.err;
  EXPECT_THAT(html.out, HasSubstr("<section class=\"report\" id=\"report-findings\">"));
  EXPECT_THAT(html.out, HasSubstr("data-id=\"oomkilled_no_kernel_record\""));
  EXPECT_THAT(html.out, HasSubstr("3 warning findings"));

  // Nothing at all: still 1.
  auto none = run({"--format", "json", empty});
  EXPECT_EQ(none.exit_code, 1) << none.err;
  EXPECT_EQ(nlohmann::json::parse(none.out)["findings"], nlohmann::json::array());
}

}  // namespace
}  // namespace oomscope
