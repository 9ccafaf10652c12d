// findings_test.cc: every finding rule on real reports that trigger it and real reports that
// must not (tests/data/kernel-logs: corpus excerpts with provenance, and 037..040 captured on
// this project's machine kind; tests/data/captured: the rate-limited burst).
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analyzer/analyze.h"
#include "analyzer/findings/finding.h"
#include "analyzer/findings/kubernetes.h"
#include "analyzer/findings/pack_evidence.h"

namespace oomscope {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path fixture(const std::string& prefix) {
  for (const char* dir : {OOMSCOPE_TEST_DATA "/kernel-logs", OOMSCOPE_TEST_DATA "/captured"})
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().filename().string().starts_with(prefix) && e.path().extension() == ".log") return e.path();
  ADD_FAILURE() << "no fixture " << prefix;
  return {};
}

std::vector<OomEvent> parse(const fs::path& p) {
  CollectingSink sink;
  ParserOptions o;
  o.max_kept_lines = 4000;
  analyze_string(slurp(p), p.string(), o, sink);
  return std::move(sink.events);
}

std::set<std::string> ids(const std::vector<Finding>& fs) {
  std::set<std::string> s;
  for (const Finding& f : fs) s.insert(f.id);
  return s;
}

// find(): a copy, so that it may be called on a temporary vector.
std::optional<Finding> find(const std::vector<Finding>& fs, const std::string& id) {
  for (const Finding& f : fs)
    if (f.id == id) return f;
  return std::nullopt;
}

// One row per (fixture, event): findings that must be there and findings that must not.
struct Case {
  const char* fixture;
  size_t event;
  std::vector<std::string> present, absent;
};

const Case kCases[] = {
    // Anonymous blowup: the Rust gateway at 256 MiB, stress-ng at 100 MiB, python3 at 64 MiB,
    // qemu at its memsw scope, xfs_db on a 4 GiB machine.
    {"035", 0, {"anon_blowup", "which_limit", "kubernetes"}, {"page_cache", "shmem", "kernel_memory", "victim_not_culprit", "many_tasks", "manual_oom", "no_task_table", "partial_report", "swap_exhausted", "victim_exiting"}},
    {"001", 0, {"anon_blowup", "kubernetes"}, {"page_cache", "shmem", "victim_not_culprit", "many_tasks"}},
    {"036", 0, {"anon_blowup", "which_limit"}, {"kubernetes", "page_cache", "victim_not_culprit", "swap_exhausted"}},
    {"016", 0, {"anon_blowup", "kubernetes"}, {"page_cache", "victim_not_culprit"}},
    {"023", 0, {"anon_blowup", "swap_exhausted"}, {"manual_oom", "kubernetes", "fragmentation"}},
    // Victim is not the culprit: pause killed for data_sim's 15 GiB (Guaranteed pod, -998 for all).
    {"007", 0, {"victim_not_culprit", "kubernetes", "partial_report"}, {"anon_blowup", "many_tasks"}},
    // A manual sysrq-f OOM with 15 GB free: no shortage, no leak, no page-cache verdict.
    {"019", 0, {"manual_oom"}, {"anon_blowup", "page_cache", "victim_not_culprit", "which_limit", "kernel_memory", "swap_exhausted"}},
    // memory+swap limit hit (v1 memsw 200 MB over a 100 MB memory limit).
    {"020", 0, {"swap_exhausted", "which_limit"}, {"no_task_table", "kubernetes", "many_tasks"}},
    {"021", 0, {"swap_exhausted", "no_task_table"}, {"kubernetes", "victim_not_culprit"}},
    // Fragmentation: an order-2 fork with 25 MB free and no 16 kB block in DMA32.
    {"043", 0, {"fragmentation", "which_limit"}, {"manual_oom", "swap_exhausted", "anon_blowup", "kubernetes"}},
    {"027", 0, {}, {"fragmentation", "hugepages_reserved"}},
    // Constraints.
    {"003", 0, {"cpuset_constraint", "no_task_table"}, {"mempolicy_constraint", "anon_blowup", "kubernetes"}},
    {"004", 0, {"mempolicy_constraint"}, {"cpuset_constraint", "panic", "kubernetes"}},
    {"004", 2, {"panic", "mempolicy_constraint"}, {"partial_report"}},
    {"034", 0, {"partial_report"}, {"mempolicy_constraint", "cpuset_constraint", "panic"}},
    // Shared memory, kernel memory, many tasks, page cache: real OOMs captured here.
    {"037", 0, {"shmem"}, {"page_cache", "anon_blowup", "kernel_memory", "swap_exhausted", "kubernetes"}},
    {"038", 0, {"kernel_memory"}, {"anon_blowup", "shmem", "page_cache", "many_tasks"}},
    {"039", 0, {"many_tasks", "anon_blowup"}, {"victim_not_culprit", "page_cache"}},
    {"039", 1, {"many_tasks"}, {"victim_not_culprit"}},
    {"040", 0, {"page_cache"}, {"anon_blowup", "shmem", "kernel_memory"}},
    // Kubernetes paths without a limit in the excerpt; partial reports.
    {"008", 0, {"kubernetes", "partial_report"}, {"anon_blowup", "rate_limited"}},
    {"014", 0, {"kubernetes", "partial_report"}, {"victim_not_culprit"}},
    {"017", 0, {"kubernetes", "kill_not_logged", "partial_report"}, {"rate_limited", "victim_exiting"}},
    // The victim was already exiting (5.9+ line, alone: its report before it was not quoted).
    {"044", 0, {"victim_exiting", "partial_report"}, {"rate_limited", "kill_not_logged", "kubernetes"}},
    {"005", 0, {"anon_blowup"}, {"kernel_memory", "kubernetes"}},
    {"001", 1, {"partial_report"}, {"anon_blowup", "rate_limited"}},
    // The rate-limited burst: 10 full reports, 4 bare kills, then a report after 4 suppressed.
    {"local-e2e-cgroupv1-memcg-6.18-ratelimited-dmesg", 0, {"anon_blowup"}, {"rate_limited"}},
    {"local-e2e-cgroupv1-memcg-6.18-ratelimited-dmesg", 10, {"rate_limited"}, {"anon_blowup", "no_task_table", "victim_exiting"}},
    {"local-e2e-cgroupv1-memcg-6.18-ratelimited-dmesg", 14, {"rate_limited", "anon_blowup"}, {}},
};

class FindingsOnCorpus : public ::testing::TestWithParam<Case> {};

TEST_P(FindingsOnCorpus, PresentAndAbsent) {
  const Case& c = GetParam();
  auto evs = parse(fixture(c.fixture));
  ASSERT_GT(evs.size(), c.event) << c.fixture;
  std::set<std::string> got = ids(find_all(evs[c.event]));
  std::string all;
  for (const auto& g : got) all += g + " ";
  for (const auto& id : c.present) EXPECT_TRUE(got.count(id)) << c.fixture << "#" << c.event << " lacks " << id << "; has: " << all;
  for (const auto& id : c.absent) EXPECT_FALSE(got.count(id)) << c.fixture << "#" << c.event << " must not have " << id;
}

INSTANTIATE_TEST_SUITE_P(RealReports, FindingsOnCorpus, ::testing::ValuesIn(kCases),
                         [](const auto& info) {
                           std::string n = std::string(info.param.fixture).substr(0, 20) + "_" + std::to_string(info.param.event);
                           for (char& ch : n)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n + "_" + std::to_string(info.index);
                         });

// Issue 4: "the Rust gateway killed at a 256 MiB limit with anon 266821632 is an anonymous
// blowup with that process as culprit".
TEST(AnonBlowup, GatewayIsTheCulprit) {
  auto evs = parse(fixture("035"));
  ASSERT_EQ(evs.size(), 1u);
  auto fs = find_all(evs[0]);
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(fs[0].id, "anon_blowup");
  EXPECT_EQ(fs[0].severity, Severity::kCritical);
  EXPECT_EQ(fs[0].data["anon_bytes"], 266821632u);
  EXPECT_EQ(fs[0].data["limit_bytes"], 262144u * 1024);
  EXPECT_EQ(fs[0].data["culprit_comm"], "engine-gateway");
  EXPECT_EQ(fs[0].data["culprit_pid"], 1974310);
  EXPECT_EQ(fs[0].data["culprit_is_victim"], true);
  EXPECT_THAT(fs[0].verdict, ::testing::HasSubstr("engine-gateway"));
  EXPECT_THAT(fs[0].verdict, ::testing::HasSubstr("256.0 MiB"));
  // The proof: the memcg usage line, the anon stat and the gateway's task row are quoted.
  std::vector<std::string> quoted;
  for (const auto& l : fs[0].evidence_lines) quoted.push_back(l.text);
  EXPECT_THAT(quoted, ::testing::Contains("anon 266821632"));
  EXPECT_THAT(quoted, ::testing::Contains(::testing::HasSubstr("memory: usage 262144kB")));
  EXPECT_THAT(quoted, ::testing::Contains(::testing::HasSubstr("engine-gateway")));
}

TEST(AnonBlowup, SpreadOverManyProcessesNamesNoCulprit) {
  auto evs = parse(fixture("039"));
  auto fs = find_all(evs[0]);
  auto a = find(fs, "anon_blowup");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->data["spread"], true);
  auto m = find(fs, "many_tasks");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->data["name"], "worker");
  EXPECT_EQ(m->data["tasks"], 80u);
  EXPECT_EQ(m->data["measure"], "anon");
}

TEST(VictimNotCulprit, PauseKilledForDataSim) {
  auto evs = parse(fixture("007"));
  auto f = find(find_all(evs[0]), "victim_not_culprit");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data["victim_comm"], "pause");
  EXPECT_EQ(f->data["culprit_comm"], "data_sim");
  // -998 of a 16 GiB limit outweighs data_sim's 15 GiB: every task scores the floor of 1.
  EXPECT_EQ(f->data["culprit_badness_estimate"], 1);
  EXPECT_THAT(f->verdict, ::testing::HasSubstr("floor of 1"));
}

TEST(PageCache, MlockedFileCacheIsNotALeak) {
  auto evs = parse(fixture("040"));
  auto fs = find_all(evs[0]);
  auto f = find(fs, "page_cache");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data["cause"], "unevictable");
  EXPECT_EQ(f->data["page_cache_bytes"], 37748736u);
  EXPECT_THAT(f->verdict, ::testing::HasSubstr("not an anonymous leak"));
  EXPECT_FALSE(find(fs, "anon_blowup").has_value());
}

TEST(Shmem, TmpfsIsNotPageCache) {
  auto evs = parse(fixture("037"));
  auto fs = find_all(evs[0]);
  auto f = find(fs, "shmem");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data["shmem_bytes"], 37748736u);
  EXPECT_EQ(f->data["tasks_rss_shmem_bytes"], 0u);  // the tmpfs file is mapped by nobody
  EXPECT_FALSE(find(fs, "page_cache").has_value());        // v1 `cache` here is all shmem
}

TEST(KernelMemory, ThreadStormChargesKernelStacks) {
  auto evs = parse(fixture("038"));
  auto f = find(find_all(evs[0]), "kernel_memory");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data["kernel_bytes"], 35244u * 1024);
  EXPECT_EQ(f->data["failed_charge_was_kernel_stack"], true);
}

// 044: "Memory cgroup out of memory: OOM victim 46452 (nginx) is already exiting. Skip killing
// the task" (Linux 5.9+): no kill, and no kill counted.
TEST(MissingEvidence, VictimAlreadyExitingIsNotAKill) {
  auto evs = parse(fixture("044"));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_FALSE(evs[0].killed.has_value());
  for (const Finding& f : find_all(evs[0]))
    if (f.id == "victim_exiting") {
      EXPECT_EQ(f.data["pid"], 46452);
      EXPECT_EQ(f.data["comm"], "nginx");
      EXPECT_NE(f.verdict.find("nginx (pid 46452)"), std::string::npos) << f.verdict;
      EXPECT_NE(f.verdict.find("no oom_kill counter counts it"), std::string::npos) << f.verdict;
      ASSERT_EQ(f.evidence_lines.size(), 1u);
      EXPECT_EQ(f.evidence_lines[0].line, 1u);
      return;
    }
  ADD_FAILURE() << "no victim_exiting finding";
}

TEST(GlobalOom, ManualSysrqWith15GBFree) {
  auto evs = parse(fixture("019"));
  auto f = find(find_all(evs[0]), "manual_oom");
  ASSERT_TRUE(f.has_value());
  EXPECT_GT(f->data["free_bytes"].get<uint64_t>(), 14ULL << 30);
}

TEST(GlobalOom, FragmentationNamesTheOrderAndTheBlocks) {
  auto f = find(find_all(parse(fixture("043"))[0]), "fragmentation");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data["order"], 2u);
  EXPECT_EQ(f->data["free_bytes"], 18156u * 1024);  // DMA32 (the DMA zone is left out)
  EXPECT_EQ(f->data["free_at_or_above_order_bytes"], 0u);
  EXPECT_THAT(f->verdict, ::testing::HasSubstr("order-2"));
}

TEST(GlobalOom, CpusetFreeMemoryIsAllMovable) {
  auto evs = parse(fixture("003"));
  auto f = find(find_all(evs[0]), "cpuset_constraint");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data["mems_allowed"], "4");
  EXPECT_GT(f->data["movable_free_bytes"].get<uint64_t>(), 100ULL << 30);
  EXPECT_THAT(f->verdict, ::testing::HasSubstr("ZONE_MOVABLE"));
}

TEST(GlobalOom, SwapExhaustedNamesTheNumbers) {
  auto g = find(find_all(parse(fixture("023"))[0]), "swap_exhausted");
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->data["free_swap_bytes"], 0u);
  EXPECT_EQ(g->data["total_swap_bytes"], 497976u * 1024);
  auto m = find(find_all(parse(fixture("020"))[0]), "swap_exhausted");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->data["memsw_limit_bytes"], 204800u * 1024);
  EXPECT_EQ(m->data["swap_bytes"], (204800u - 53824u) * 1024);
}

TEST(WhichLimit, PodSliceVersusContainerScope) {
  auto pod = find(find_all(parse(fixture("035"))[0]), "which_limit");
  ASSERT_TRUE(pod.has_value());
  EXPECT_EQ(pod->data["scope"], "pod");
  auto ctr = find(find_all(parse(fixture("016"))[0]), "which_limit");
  ASSERT_TRUE(ctr.has_value());
  EXPECT_EQ(ctr->data["scope"], "container");
  auto node = find(find_all(parse(fixture("023"))[0]), "which_limit");
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(node->data["scope"], "node");
  auto cpuset = find(find_all(parse(fixture("003"))[0]), "which_limit");
  ASSERT_TRUE(cpuset.has_value());
  EXPECT_EQ(cpuset->data["scope"], "cpuset");
  auto docker = find(find_all(parse(fixture("020"))[0]), "which_limit");
  ASSERT_TRUE(docker.has_value());
  EXPECT_EQ(docker->data["scope"], "container");
  EXPECT_EQ(docker->data["limit_label"], "memory+swap limit");
}

TEST(Kubernetes, PathsOfBothDrivers) {
  struct Row {
    const char* path;
    const char* driver;
    const char* level;
    const char* qos;
    const char* uid;
    const char* cid;
  };
  const Row rows[] = {
      {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5931aa75_4603_4e65_b552_7c71cf55cfb5.slice/"
       "cri-containerd-25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca.scope",
       "systemd", "container", "Burstable", "5931aa75-4603-4e65-b552-7c71cf55cfb5",
       "25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca"},
      {"/kubepods.slice/kubepods-pod7aef5bea_2046_431a_9237_7aa567fe652f.slice", "systemd", "pod", "Guaranteed",
       "7aef5bea-2046-431a-9237-7aa567fe652f", ""},
      {"/kubepods/podf1c273d3-9b36-11ea-b3df-246e9693c184/1f246a3eeea8f70bf91141eeaf1805346a666e225f823906485ea0b6c37dfc3d",
       "cgroupfs", "container", "Guaranteed", "f1c273d3-9b36-11ea-b3df-246e9693c184",
       "1f246a3eeea8f70bf91141eeaf1805346a666e225f823906485ea0b6c37dfc3d"},
      {"/kubepods/burstable/pod28fcb1a0-a45c-44e7-b9bf-e3b9360bedba", "cgroupfs", "pod", "Burstable",
       "28fcb1a0-a45c-44e7-b9bf-e3b9360bedba", ""},
      {"/kubepods.slice/kubepods-besteffort.slice", "systemd", "qos", "BestEffort", "", ""},
      {"/kubepods", "cgroupfs", "kubepods", "", "", ""},
  };
  for (const Row& r : rows) {
    auto k = parse_k8s_path(r.path);
    ASSERT_TRUE(k.has_value()) << r.path;
    EXPECT_EQ(k->driver, r.driver) << r.path;
    EXPECT_EQ(k->level, r.level) << r.path;
    EXPECT_EQ(k->qos, r.qos) << r.path;
    EXPECT_EQ(k->pod_uid, r.uid) << r.path;
    EXPECT_EQ(k->container_id, r.cid) << r.path;
  }
  for (const char* bad : {"/system.slice/docker-15e3eaa9.scope", "/mygroup", "/process_api/x/oom-demo", ""})
    EXPECT_FALSE(parse_k8s_path(bad).has_value()) << bad;
  std::string rt;
  EXPECT_EQ(container_id_from_cpuset("cri-containerd-ce4373c476b64aa312287f39ace9fdc4720c0ab83c4db76c035cb05ea7f32f7f.scope", &rt),
            "ce4373c476b64aa312287f39ace9fdc4720c0ab83c4db76c035cb05ea7f32f7f");
  EXPECT_EQ(rt, "containerd");
  EXPECT_EQ(container_id_from_cpuset("/"), "");
}

TEST(Kubernetes, PodsDumpNamesNamespacePodAndContainer) {
  auto idx = PodIndex::parse(slurp(OOMSCOPE_FINDINGS_DATA "/pods-k8s-fixtures.json"));
  ASSERT_TRUE(idx.ok()) << idx.error().message;
  EXPECT_EQ(idx->size(), 2u);
  FindingContext ctx;
  ctx.pods = &*idx;
  // 001: the systemd path names pod and container.
  auto f = find(find_all(parse(fixture("001"))[0], ctx), "kubernetes");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->data["namespace"], "load-test");
  EXPECT_EQ(f->data["pod"], "stress-ng-7d9c");
  EXPECT_EQ(f->data["container"], "stress");
  EXPECT_THAT(f->verdict, ::testing::HasSubstr("load-test/stress-ng-7d9c"));
  EXPECT_THAT(f->evidence, ::testing::Contains(::testing::HasSubstr("OOMKilled (exit code 137)")));
  // 035: the container is known only from the allocating task's cpuset.
  auto g = find(find_all(parse(fixture("035"))[0], ctx), "kubernetes");
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->data["container"], "gateway");
  // 007: a pod that is not in the dump.
  auto h = find(find_all(parse(fixture("007"))[0], ctx), "kubernetes");
  ASSERT_TRUE(h.has_value());
  EXPECT_THAT(h->evidence, ::testing::Contains(::testing::HasSubstr("not in the --pods list")));
  EXPECT_FALSE(PodIndex::parse("{not json").ok());
  EXPECT_FALSE(PodIndex::parse("{\"items\": []}").ok());
}

// Every quoted evidence line is really on that line of the file, and every finding id is
// documented in docs/findings.md.
TEST(Findings, EvidenceLinesAreRealAndIdsDocumented) {
  std::string doc = slurp(OOMSCOPE_SOURCE_DIR "/docs/findings.md");
  std::set<std::string> seen;
  for (const char* dir : {OOMSCOPE_TEST_DATA "/kernel-logs", OOMSCOPE_TEST_DATA "/captured"})
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".log") continue;
      std::vector<std::string> lines;
      {
        std::istringstream in(slurp(e.path()));
        for (std::string l; std::getline(in, l);) lines.push_back(l);
      }
      for (const OomEvent& ev : parse(e.path()))
        for (const Finding& f : find_all(ev)) {
          seen.insert(f.id);
          EXPECT_FALSE(f.verdict.empty()) << f.id;
          EXPECT_FALSE(f.next_step.empty()) << f.id;
          EXPECT_FALSE(f.evidence.empty()) << f.id;
          for (const EvidenceLine& l : f.evidence_lines) {
            ASSERT_GE(l.line, 1u);
            ASSERT_LE(l.line, lines.size()) << e.path();
            EXPECT_NE(lines[l.line - 1].find(std::string(l.text.substr(0, l.text.find_last_not_of(' ') + 1))),
                      std::string::npos)
                << e.path().filename() << ":" << l.line << " does not contain `" << l.text << "`";
          }
        }
    }
  for (const std::string& id : seen) EXPECT_NE(doc.find("`" + id + "`"), std::string::npos) << id << " is not in docs/findings.md";
  EXPECT_GE(seen.size(), 14u);
}

TEST(Findings, JsonShape) {
  auto fs = find_all(parse(fixture("035"))[0]);
  auto j = findings_to_json(fs);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), fs.size());
  for (const auto& f : j) {
    for (const char* k : {"id", "severity", "title", "verdict", "evidence", "data", "next_step", "evidence_lines"})
      EXPECT_TRUE(f.contains(k)) << k;
    EXPECT_THAT(std::string(f["severity"]), ::testing::AnyOf("critical", "warning", "info"));
  }
  EXPECT_EQ(j[0]["id"], "anon_blowup");
}

}  // namespace
}  // namespace oomscope

namespace oomscope {
namespace {

// A real pack (tests/analyzer/findings/data/README.md): a glibc-arena program OOM-killed in a
// 96 MiB memcg, then a second instance collected while it grew.
TEST(PackFindings, ArenasGrowthAndCounters) {
  auto pe = load_pack_evidence(OOMSCOPE_FINDINGS_DATA "/arenas-growth-cgroupv1-6.18.oompack");
  ASSERT_TRUE(pe.ok()) << pe.error().message;
  EXPECT_EQ(pe->samples.size(), 3u);
  CollectingSink sink;
  ParserOptions o;
  o.max_kept_lines = 4000;
  std::ostringstream err;
  AnalyzeStats st = analyze_pack_kernel_log(*pe, o, sink, err);
  EXPECT_EQ(st.errors, 0u) << err.str();
  ASSERT_EQ(sink.events.size(), 1u);
  const OomEvent& ev = sink.events[0];
  EXPECT_EQ(ev.source.file, pe->path);
  ASSERT_TRUE(ev.killed.has_value());
  EXPECT_EQ(ev.killed->comm, "arena-svc");

  FindingContext ctx;
  ctx.pack = &*pe;
  auto fs = find_all(ev, ctx);
  std::set<std::string> got = ids(fs);
  for (const char* id : {"anon_blowup", "working_set", "memory_events", "process_memory", "anon_mappings",
                         "malloc_arenas", "growth"})
    EXPECT_TRUE(got.count(id)) << id;
  EXPECT_FALSE(got.count("ring_buffer_gap"));
  auto arenas = find(fs, "malloc_arenas");
  ASSERT_TRUE(arenas.has_value());
  EXPECT_EQ(arenas->data["arenas"], 8);
  EXPECT_THAT(arenas->next_step, ::testing::HasSubstr("MALLOC_ARENA_MAX"));
  auto growth = find(fs, "growth");
  ASSERT_TRUE(growth.has_value());
  EXPECT_EQ(growth->data["top_grower_comm"], "arena-svc");
  EXPECT_GT(growth->data["top_grower_delta_bytes"].get<int64_t>(), 30LL << 20);
  EXPECT_GT(growth->data["seconds_to_limit"].get<double>(), 0.0);
  auto events = find(fs, "memory_events");
  ASSERT_TRUE(events.has_value());
  EXPECT_EQ(events->data["oom_kill"], 1);
  EXPECT_EQ(events->data["killed_lines_in_log"], 1);
  EXPECT_FALSE(events->data.contains("kills_without_kernel_line"));  // the one kill is in the log
  auto ws = find(fs, "working_set");
  ASSERT_TRUE(ws.has_value());
  EXPECT_EQ(ws->data["limit_bytes"], 96LL << 20);
  // Without the pack, the same event has none of them.
  std::set<std::string> plain = ids(find_all(ev));
  EXPECT_FALSE(plain.count("working_set"));
  EXPECT_FALSE(plain.count("malloc_arenas"));
  // Not a pack: a clear error.
  auto bad = load_pack_evidence(OOMSCOPE_TEST_DATA "/kernel-logs/035-seed-engine-gateway-cgroupv2-5.10-blog-cut-lines.log");
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace oomscope
