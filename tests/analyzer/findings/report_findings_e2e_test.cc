// report_findings_e2e_test.cc: a REAL memcg OOM kill on this machine's kernel, collected into a
// pack whose kernel log lacks its report: `--kernel-log` names an empty file, the case of a log
// that was not collected (dmesg_restrict or no CAP_SYSLOG in a container, a collector run
// without the log). `oomscope analyze PACK` must say that the cgroup's oom_kill counter has no
// kernel record (oom_kill_no_kernel_record), with no OOM event at all, exit code 0. Must not:
// the same cgroup collected with the kernel's own log (/dev/kmsg), which has the kill.
//
// Skips with the reason when a memcg OOM may not be triggered here (not root, no memory
// controller, OOMSCOPE_E2E_DISABLE). With OOMSCOPE_FIXTURE_OUT=DIR the first pack is also
// copied to DIR/nolog-memcg-oom.oompack (how tests/analyzer/findings/data's pack was made).
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/memcg_oom.h"
#include "tests/testing/subprocess.h"

namespace oomscope {
namespace {

using namespace oomscope::testing;
using nlohmann::json;

json analyze_json(const std::string& pack, int* exit_code) {
  auto r = run_process({OOMSCOPE_BINARY, "analyze", "--format", "json", pack}, std::chrono::seconds(60));
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return json();
  *exit_code = r->exit_code;
  EXPECT_TRUE(r->err.empty()) << r->err;
  return json::parse(r->out, nullptr, false);
}

const json* cgroup_gap(const json& doc, const std::string& cgroup) {
  for (const json& f : doc["findings"])
    if (f["id"] == "oom_kill_no_kernel_record" && f["data"]["scope"] == "cgroup" && f["data"]["cgroup"] == cgroup)
      return &f;
  return nullptr;
}

TEST(ReportFindingsE2E, CounterWithoutKernelRecordFromARealOom) {
  if (std::string why = why_memcg_oom_not_permitted(); !why.empty()) GTEST_SKIP() << why;
  auto run = trigger_memcg_oom_keep({.limit_bytes = 32ull << 20, .name_prefix = "oomscope-nolog"});
  ASSERT_TRUE(run.ok()) << run.error().message;
  const MemcgOomResult& oom = run->result;
  ASSERT_TRUE(oom.confined) << describe(oom);
  ASSERT_TRUE(oom.killed_by_sigkill) << describe(oom);
  ASSERT_EQ(oom.after.oom_kill.value_or(0), 1u) << "the kernel counted the kill in the cgroup";

  auto dir = TempDir::create("oomscope-e2e-nolog");
  ASSERT_TRUE(dir.ok());
  // The kernel log "collected" for the pack: an empty file (the log was not collected).
  const std::string log = dir->file("kern-not-collected.log");
  ASSERT_TRUE(write_file(log, "").ok());
  const std::string nolog = dir->file("nolog.oompack"), withlog = dir->file("withlog.oompack");
  for (const auto& [pack, extra] : {std::pair{nolog, std::vector<std::string>{"--kernel-log", log}},
                                    std::pair{withlog, std::vector<std::string>{}}}) {
    std::vector<std::string> argv = {OOMSCOPE_BINARY, "collect", "--cgroup", oom.cgroup_path, "-o", pack};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto c = run_process(argv, std::chrono::seconds(120));
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(c->exit_code, 0) << c->err;
  }
  if (const char* out = std::getenv("OOMSCOPE_FIXTURE_OUT"); out && *out)
    std::filesystem::copy_file(nolog, std::string(out) + "/nolog-memcg-oom.oompack",
                               std::filesystem::copy_options::overwrite_existing);

  // Trigger: no OOM event in the pack, but the counter says 1 kill; exit code 0 (evidence found).
  int code = -1;
  json doc = analyze_json(nolog, &code);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(code, 0) << "a report finding is evidence of a kill";
  EXPECT_EQ(doc["summary"]["events"], 0) << "the log given has no OOM report";
  const json* f = cgroup_gap(doc, oom.cgroup_path);
  ASSERT_NE(f, nullptr) << doc["findings"].dump(1);
  EXPECT_EQ((*f)["severity"], "warning");
  EXPECT_EQ((*f)["data"]["oom_kill"], 1);
  EXPECT_EQ((*f)["data"]["kernel_kill_records"], 0);
  EXPECT_EQ((*f)["data"]["kills_without_record"], 1);
  EXPECT_EQ((*f)["data"]["role"], "target");

  // Must not: the kernel's own log has the hog's report, attributed to the cgroup by task_memcg.
  doc = analyze_json(withlog, &code);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(code, 0);
  bool hog_event = false;
  for (const json& ev : doc["events"])
    if (ev["killed"].is_object() && ev["killed"]["pid"] == oom.hog_pid) hog_event = true;
  EXPECT_TRUE(hog_event) << "the hog's kill is an event of the pack's /dev/kmsg log";
  EXPECT_EQ(cgroup_gap(doc, oom.cgroup_path), nullptr) << doc["findings"].dump(1);
}

}  // namespace
}  // namespace oomscope
