// report_findings_test.cc: the findings about the whole input (analyzer/findings/report.h) on
// real packs, real kernel logs and kubectl JSON of real shapes (data/README.md), each rule with
// a trigger and a must-not; and the JSON output with them against the schema's shape.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "analyzer/analyze.h"
#include "analyzer/findings/kubernetes.h"
#include "analyzer/findings/pack_evidence.h"
#include "analyzer/findings/report.h"
#include "analyzer/render.h"

namespace oomscope {
namespace {

const std::string kData = OOMSCOPE_FINDINGS_DATA "/";
const std::string kLogs = OOMSCOPE_TEST_DATA "/kernel-logs/";
const std::string kNologPack = kData + "nolog-memcg-oom-cgroupv1-6.18.oompack";
const std::string kArenasPack = kData + "arenas-growth-cgroupv1-6.18.oompack";

struct NullSink : EventSink {
  void on_event(OomEvent&&) override {}
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Inputs analyzed the way `oomscope analyze` does: packs' kernel logs and plain logs, every
// event digested.
struct Analysis {
  std::vector<Finding> findings;
  uint64_t events = 0;
};
Analysis analyze(const std::vector<std::string>& logs, const PackEvidence* pack, const PodIndex* pods) {
  ReportFacts facts;
  NullSink null;
  ReportRecorder rec(null, facts);
  Analysis r;
  std::ostringstream err;
  if (pack) r.events += analyze_pack_kernel_log(*pack, {}, rec, err).events;
  for (const std::string& l : logs) r.events += analyze_string(slurp(kLogs + l), l, {}, rec).events;
  EXPECT_EQ(err.str(), "");
  r.findings = find_report(facts, {.pods = pods, .pack = pack});
  return r;
}

std::vector<const Finding*> with_id(const Analysis& r, const std::string& id) {
  std::vector<const Finding*> out;
  for (const Finding& f : r.findings)
    if (f.id == id) out.push_back(&f);
  return out;
}

const Finding* scoped(const Analysis& r, const std::string& scope) {
  for (const Finding* f : with_id(r, "oom_kill_no_kernel_record"))
    if (f->data["scope"] == scope) return f;
  return nullptr;
}

PodIndex pods(const std::string& file) {
  auto idx = PodIndex::parse(slurp(kData + file));
  EXPECT_TRUE(idx.ok()) << file;
  return idx.ok() ? std::move(*idx) : PodIndex{};
}

TEST(CgroupPathMatches, NamespacePrefixAtASlashOnly) {
  using findings::cgroup_path_matches;
  EXPECT_TRUE(cgroup_path_matches("/a/b", "/a/b"));
  EXPECT_TRUE(cgroup_path_matches("/b/c", "/a/b/c"));   // seen from inside a cgroup namespace
  EXPECT_TRUE(cgroup_path_matches("/a/b/c", "/b/c"));
  EXPECT_FALSE(cgroup_path_matches("/c", "/a/bc"));     // a suffix, but not at a '/' boundary
  EXPECT_FALSE(cgroup_path_matches("/a/b", "/a/b/c"));  // a child is not the cgroup
  EXPECT_FALSE(cgroup_path_matches("/", "/a"));
}

// Trigger: a real memcg OOM (oom_kill 1 in the target's memory.oom_control) collected with a
// kernel log that was not collected (empty): no OOM event, one kill without a record.
TEST(OomKillNoKernelRecord, RealPackWhoseLogLacksTheReport) {
  auto pe = load_pack_evidence(kNologPack);
  ASSERT_TRUE(pe.ok()) << pe.error().message;
  Analysis r = analyze({}, &*pe, nullptr);
  EXPECT_EQ(r.events, 0u);
  const Finding* f = scoped(r, "cgroup");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_EQ(f->data["cgroup"], "/process_api/1c6dd5cdd385d7d5f414ee69939a985c/oomscope-nolog-28205-2");
  EXPECT_EQ(f->data["role"], "target");
  EXPECT_EQ(f->data["cgroup_version"], 1);
  EXPECT_EQ(f->data["oom_kill"], 1);
  EXPECT_EQ(f->data["kernel_kill_records"], 0);
  EXPECT_EQ(f->data["kills_without_record"], 1);
  EXPECT_EQ(f->data["kernel_log_lines"], 0);
  EXPECT_NE(f->verdict.find("counted 1 OOM kill in /process_api/"), std::string::npos) << f->verdict;
  // Only the target had a kill: its ancestors' v1 counters are local and 0.
  EXPECT_EQ(with_id(r, "oom_kill_no_kernel_record").size(), 2u) << "the target and the node";
  // The node: /proc/vmstat oom_kill counts this machine's earlier test kills too.
  const Finding* node = scoped(r, "node");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->data["oom_kill"], 334);
  EXPECT_EQ(node->data["kernel_kill_records"], 0);
  EXPECT_EQ(node->severity, Severity::kInfo) << "the cgroup finding is the warning";
}

// Must not: the real pack whose kernel log has its target's kill (task_memcg = the target).
TEST(OomKillNoKernelRecord, NotWhenTheLogHasTheKill) {
  auto pe = load_pack_evidence(kArenasPack);
  ASSERT_TRUE(pe.ok()) << pe.error().message;
  Analysis r = analyze({}, &*pe, nullptr);
  EXPECT_EQ(r.events, 1u);
  EXPECT_EQ(scoped(r, "cgroup"), nullptr);
  // Its log is one report given with --kernel-log, while the node had killed 248 processes:
  // the node-wide counter has no record of 247 of them (a real trigger of the node scope).
  const Finding* node = scoped(r, "node");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->data["oom_kill"], 248);
  EXPECT_EQ(node->data["kernel_kill_records"], 1);
  EXPECT_EQ(node->data["kills_without_record"], 247);
  EXPECT_EQ(node->severity, Severity::kWarning);
}

TEST(OomKillNoKernelRecord, NothingWithoutAPack) {
  Analysis r = analyze({"035-seed-engine-gateway-cgroupv2-5.10-blog-cut-lines.log"}, nullptr, nullptr);
  EXPECT_TRUE(r.findings.empty());
}

// Triggers: kubectl JSON of real shapes (data/README.md) and no kernel log at all.
TEST(PodTerminations, ExitCode137EvictionAndOomKilledWithoutKernelRecord) {
  PodIndex idx = pods("pods-report-findings.json");
  Analysis r = analyze({}, nullptr, &idx);
  EXPECT_EQ(r.events, 0u);
  ASSERT_EQ(r.findings.size(), 3u);

  auto sig = with_id(r, "sigkill_not_oom");
  ASSERT_EQ(sig.size(), 1u);
  EXPECT_EQ(sig[0]->data["pod"], "memtest");
  EXPECT_EQ(sig[0]->data["container"], "memtest");
  EXPECT_EQ(sig[0]->data["reason"], "Error");
  EXPECT_EQ(sig[0]->data["exit_code"], 137);
  EXPECT_EQ(sig[0]->data["finished_at"], "2017-10-10T17:41:58Z");
  EXPECT_EQ(sig[0]->data["restart_count"], 1);
  EXPECT_NE(sig[0]->next_step.find("--since '2017-10-10 17:40:58 UTC'"), std::string::npos) << sig[0]->next_step;

  auto ev = with_id(r, "pod_evicted");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->data["pod"], "nginx-7db9fccd9b-x7k2q");
  EXPECT_EQ(ev[0]->data["phase"], "Failed");
  EXPECT_NE(ev[0]->verdict.find("Container nginx was using 5317092Ki, which exceeds its request of 0."), std::string::npos);

  auto oom = with_id(r, "oomkilled_no_kernel_record");
  ASSERT_EQ(oom.size(), 1u);
  EXPECT_EQ(oom[0]->data["namespace"], "shop");
  EXPECT_EQ(oom[0]->data["container"], "api");
  EXPECT_EQ(oom[0]->data["exit_code"], 137);
  EXPECT_EQ(oom[0]->data["restart_count"], 4);
  EXPECT_EQ(oom[0]->data["memory_limit"], "512Mi");
  EXPECT_EQ(oom[0]->data["container_id"], "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c")
      << "the killed container is the previous one (lastState), not the running one";
  EXPECT_NE(oom[0]->verdict.find("node ip-10-0-3-17.eu-west-1.compute.internal"), std::string::npos);
}

// pods-k8s-fixtures.json names the pods of the real reports 001 and 035 as OOMKilled.
// Must not: with those reports in the input, their kernel events cover the terminations.
TEST(PodTerminations, NotWhenTheKernelReportIsInTheInput) {
  PodIndex idx = pods("pods-k8s-fixtures.json");
  Analysis r = analyze({"001-aks-stress-ng-cgroupv2-syslog.log", "035-seed-engine-gateway-cgroupv2-5.10-blog-cut-lines.log"},
                  nullptr, &idx);
  EXPECT_GE(r.events, 3u);
  EXPECT_TRUE(with_id(r, "oomkilled_no_kernel_record").empty());
  EXPECT_TRUE(with_id(r, "sigkill_not_oom").empty());
  // Trigger: the same pods against a report of another machine (019).
  r = analyze({"019-sysrq-f-manual-oom-global-rhel7-3.10.log"}, nullptr, &idx);
  auto oom = with_id(r, "oomkilled_no_kernel_record");
  ASSERT_EQ(oom.size(), 2u);
  EXPECT_EQ(oom[0]->data["pod"], "stress-ng-7d9c");
  EXPECT_EQ(oom[1]->data["pod"], "engine-gateway-5f6d8");
  // Only 035 in the input: its pod is covered, 001's is not.
  r = analyze({"035-seed-engine-gateway-cgroupv2-5.10-blog-cut-lines.log"}, nullptr, &idx);
  oom = with_id(r, "oomkilled_no_kernel_record");
  ASSERT_EQ(oom.size(), 1u);
  EXPECT_EQ(oom[0]->data["pod"], "stress-ng-7d9c");
}

// Every report finding id is documented in docs/findings.md, and each has its numbers and a
// next step.
TEST(ReportFindings, IdsDocumented) {
  const std::string doc = slurp(OOMSCOPE_SOURCE_DIR "/docs/findings.md");
  auto pe = load_pack_evidence(kNologPack);
  ASSERT_TRUE(pe.ok());
  PodIndex idx = pods("pods-report-findings.json");
  std::set<std::string> seen;
  for (const Finding& f : analyze({}, &*pe, &idx).findings) {
    seen.insert(f.id);
    EXPECT_FALSE(f.verdict.empty()) << f.id;
    EXPECT_FALSE(f.evidence.empty()) << f.id;
    EXPECT_FALSE(f.next_step.empty()) << f.id;
    EXPECT_FALSE(f.data.empty()) << f.id;
    EXPECT_NE(doc.find("### `" + f.id + "`"), std::string::npos) << f.id << " is not in docs/findings.md";
  }
  EXPECT_EQ(seen.size(), 4u);
}

// The JSON has the report findings at the top level, in the shape of every other finding.
TEST(ReportJson, TopLevelFindingsArray) {
  auto pe = load_pack_evidence(kNologPack);
  ASSERT_TRUE(pe.ok());
  PodIndex idx = pods("pods-report-findings.json");
  Analysis r = analyze({}, &*pe, &idx);
  std::ostringstream out;
  JsonRenderer jr(out);
  jr.begin();
  jr.report(r.findings);
  jr.end(0, 0);
  auto doc = nlohmann::json::parse(out.str());
  ASSERT_TRUE(doc["findings"].is_array());
  EXPECT_EQ(doc["findings"].size(), r.findings.size());
  EXPECT_EQ(doc["findings"].size(), 5u);
  EXPECT_EQ(doc["events"].size(), 0u);
  for (const auto& f : doc["findings"])
    for (const char* k : {"id", "severity", "title", "verdict", "evidence", "data", "next_step", "evidence_lines"})
      EXPECT_TRUE(f.contains(k)) << k;
  // No report finding: an empty array, not a missing key.
  std::ostringstream empty;
  JsonRenderer jr2(empty);
  jr2.begin();
  jr2.end(0, 0);
  EXPECT_EQ(nlohmann::json::parse(empty.str())["findings"], nlohmann::json::array());
}

// The digest is bounded: an OOM storm in one cgroup keeps one digest; more distinct cgroups
// than kMaxDigests keep their kills, unattributed, and mark the facts as overflowed.
OomEvent storm_event(const std::string& memcg, int64_t pid) {
  OomEvent ev;
  ev.source.file = "storm.log";
  ev.source.first_line = static_cast<uint64_t>(pid);
  ev.memcg.emplace();
  ev.memcg->task_memcg = memcg;
  Killed k;
  k.pid = pid;
  k.comm = "worker";
  ev.victims.push_back(k);
  return ev;
}

TEST(ReportFacts, EventsOfOneCgroupAreMerged) {
  ReportFacts facts;
  for (int64_t pid = 1; pid <= 10000; ++pid) facts.add(storm_event("/kubepods/pod-a", pid));
  ASSERT_EQ(facts.events().size(), 1u);
  EXPECT_EQ(facts.events()[0].kills, 10000u);
  EXPECT_EQ(facts.events()[0].events, 10000u);
  EXPECT_EQ(facts.events()[0].first_line, 1u);
  EXPECT_EQ(facts.events()[0].victims.size(), 4u);
  EXPECT_FALSE(facts.overflowed());
}

TEST(ReportFacts, DistinctCgroupsBeyondTheBoundKeepTheirKillsUnattributed) {
  ReportFacts facts;
  const size_t n = ReportFacts::kMaxDigests + 100;
  for (size_t i = 0; i < n; ++i) facts.add(storm_event("/cg/" + std::to_string(i), static_cast<int64_t>(i + 1)));
  EXPECT_TRUE(facts.overflowed());
  EXPECT_EQ(facts.events().size(), ReportFacts::kMaxDigests + 1);
  size_t kills = 0, unattributed = 0;
  for (const EventDigest& d : facts.events()) {
    kills += d.kills;
    if (!d.task_memcg) unattributed += d.kills;
  }
  EXPECT_EQ(kills, n);
  EXPECT_EQ(unattributed, 100u);
}

}  // namespace
}  // namespace oomscope
