// End to end on this machine's kernel (issue #3 "Proof"): a real memcg OOM kill in a small
// child cgroup (tests/testing/memcg_oom.h), then `oomscope collect --cgroup <that cgroup>`;
// the pack must hold the kernel's OOM report and the kill in the cgroup's counters.
#include <gtest/gtest.h>

#include "common/pack.h"
#include "tests/testing/memcg_oom.h"
#include "tests/testing/subprocess.h"

namespace oomscope {
namespace {

using namespace oomscope::testing;

TEST(CollectRealOom, PackHoldsReportAndCounters) {
  if (std::string why = why_memcg_oom_not_permitted(); !why.empty()) GTEST_SKIP() << why;
  auto run = trigger_memcg_oom_keep({.limit_bytes = 32ull << 20});
  ASSERT_TRUE(run.ok()) << run.error().message;
  const MemcgOomResult& oom = run->result;
  ASSERT_TRUE(oom.confined) << describe(oom);
  ASSERT_TRUE(oom.killed_by_sigkill) << describe(oom);

  auto dir = TempDir::create("oomscope-e2e-collect");
  ASSERT_TRUE(dir.ok());
  std::string pack_path = dir->file("oom.oompack");
  auto r = run_process({OOMSCOPE_BINARY, "collect", "--cgroup", oom.cgroup_path, "-o", pack_path},
                       std::chrono::seconds(60));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->exit_code, 0) << r->err;
  auto pack = PackReader::open(pack_path);
  ASSERT_TRUE(pack.ok()) << pack.error().message;

  auto q1 = [&](const std::string& sql) -> std::string {
    auto st = pack->query(sql);
    EXPECT_TRUE(st.ok()) << sql;
    if (!st.ok() || !st->step_row()) return "<no row>";
    return st->column_is_null(0) ? "" : std::string(st->column_text(0));
  };
  EXPECT_EQ(q1("SELECT cgroup || ':' || status FROM targets WHERE kind = 'cgroup'"), oom.cgroup_path + ":ok");

  // The kernel's report, found through the same API the analyzer uses.
  std::string killed = "Killed process " + std::to_string(oom.hog_pid) + " (" + kHogComm + ")";
  std::string invoked = std::string(kHogComm) + " invoked oom-killer";
  bool saw_killed = false, saw_invoked = false, saw_memcg = false;
  ASSERT_TRUE(pack->for_each_kernel_log_line([&](std::string_view line, const KernelLogRow& row) {
                    if (line.find(killed) != std::string_view::npos) {
                      saw_killed = true;
                      EXPECT_EQ(row.source, "kmsg");
                      EXPECT_TRUE(row.seq.has_value());
                      EXPECT_FALSE(row.wall_utc.empty());
                    }
                    saw_invoked = saw_invoked || line.find(invoked) != std::string_view::npos;
                    saw_memcg = saw_memcg || (line.find("oom_memcg=" + oom.cgroup_path) != std::string_view::npos);
                    return true;
                  }).ok());
  EXPECT_TRUE(saw_killed) << killed;
  EXPECT_TRUE(saw_invoked) << invoked;
  EXPECT_TRUE(saw_memcg) << "oom_memcg=" << oom.cgroup_path;

  // The kill in the cgroup's own counters.
  std::string where = " FROM cgroups WHERE role = 'target' AND path = '" + oom.cgroup_path + "'";
  EXPECT_EQ(q1("SELECT count(*)" + where), "1");
  EXPECT_EQ(q1("SELECT limit_bytes" + where), std::to_string(oom.limit_bytes));
  EXPECT_GE(std::stoll(q1("SELECT oom_kill" + where)), 1) << "memory.oom_control / memory.events oom_kill";
  if (oom.cgroup_version == 2) {
    EXPECT_GE(std::stoll(q1("SELECT oom_events" + where)), 1);
  } else {
    EXPECT_EQ(q1("SELECT value FROM cgroup_stats WHERE file = 'memory.oom_control' AND key = 'oom_kill' AND cgroup = '" +
                 oom.cgroup_path + "'"),
              q1("SELECT oom_kill" + where));
    EXPECT_EQ(q1("SELECT max_usage FROM (SELECT peak_bytes AS max_usage" + where + ")"), std::to_string(oom.limit_bytes))
        << "the hog drove usage to the limit";
  }
  // Its ancestors up to the root were read too.
  EXPECT_EQ(q1("SELECT count(*) FROM cgroups WHERE role = 'ancestor' AND path = '/'"), "1");
}

}  // namespace
}  // namespace oomscope
