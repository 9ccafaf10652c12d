// report_lines_test.cc: the extractors, one table per line kind.
#include <gtest/gtest.h>

#include "analyzer/report_lines.h"

namespace oomscope {
namespace {

TEST(ClassifyTest, Table) {
  const std::pair<const char*, LineKind> rows[] = {
      {"python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0", LineKind::kTrigger},
      {"oom-killer: gfp_mask=0xd1", LineKind::kTrigger},
      {"CPU: 1 UID: 0 PID: 16304 Comm: python3 Not tainted 6.18.44 #1", LineKind::kCpuLine},
      {"Pid: 11341, comm: xfs_db Not tainted 3.2.0-rc3-dgc+ #1", LineKind::kCpuLine},
      {"memory: usage 65536kB, limit 65536kB, failcnt 245", LineKind::kMemcgCounter},
      {"memory+swap: usage 65536kB, limit 9007199254740988kB, failcnt 0", LineKind::kMemcgCounter},
      {"swap: usage 0kB, limit 9007199254740988kB, failcnt 0", LineKind::kMemcgCounter},
      {"Memory cgroup stats for /a:", LineKind::kStatsHeader},
      {"Task in /a/b killed as a result of limit of /a", LineKind::kTaskIn},
      {"Tasks state (memory values in pages):", LineKind::kTasksState},
      {"[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name", LineKind::kTableHeader},
      {"[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name", LineKind::kTableHeader},
      {"[  16304]     0 16304    18790    17897 python3", LineKind::kTableRow},
      {"oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null)", LineKind::kSummary},
      {"Memory cgroup out of memory: Killed process 1 (x) total-vm:1kB", LineKind::kKilled},
      {"Out of Memory: Killed process 12786 (firefox-bin).", LineKind::kKilled},
      {"Out of memory: Kill process 4578 (oom02) score 952 or sacrifice child", LineKind::kSelect},
      {"Out of memory: kill process 23372 (slapd) score 4718 or a child", LineKind::kSelect},
      {"Tasks in /a are going to be killed due to memory.oom.group set", LineKind::kGroup},
      {"oom_reaper: reaped process 4583 (oom02), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB", LineKind::kReaper},
      {"oom_kill_process: 6 callbacks suppressed", LineKind::kSuppressed},
      {"Kernel panic - not syncing: Out of memory and no killable processes...", LineKind::kPanic},
      {"Out of memory and no killable processes...", LineKind::kNoKillable},
      {"kworker/0:2: vmemmap alloc failure: order:9, mode:0x4cc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0", LineKind::kWarnAlloc},
      {"stress cpuset=/ mems_allowed=0", LineKind::kCpusetLine},
      {"Mem-Info:", LineKind::kMemInfo},
      {"audit: type=1400 audit(1.2:3): apparmor=\"DENIED\"", LineKind::kOther},
      {"eth0: renamed from veth1234", LineKind::kOther},
  };
  for (auto& [text, kind] : rows) EXPECT_EQ(line_kind_name(classify(text)), line_kind_name(kind)) << text;
}

TEST(TriggerTest, KeyValuesInAnyOrder) {
  Trigger t;
  ASSERT_TRUE(parse_trigger("java invoked oom-killer: order=0, oom_score_adj=0, gfp_mask=0x24201ca(GFP_HIGHUSER_MOVABLE|__GFP_COLD)", t));
  EXPECT_EQ(t.comm, "java");
  EXPECT_EQ(t.gfp_mask, "0x24201ca");
  EXPECT_EQ(t.gfp_flags, "GFP_HIGHUSER_MOVABLE|__GFP_COLD");
  EXPECT_EQ(t.order, 0);
  EXPECT_EQ(t.oom_score_adj, 0);
}

TEST(TriggerTest, CommWithSpacesColonsAndPidSuffix) {
  Trigger a, b, c;
  ASSERT_TRUE(parse_trigger("CPU 1/KVM invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=920", a));
  EXPECT_EQ(a.comm, "CPU 1/KVM");
  ASSERT_TRUE(parse_trigger("kworker/2:1 invoked oom-killer: gfp_mask=0xd0, order=-1, oom_score_adj=0", b));
  EXPECT_EQ(b.comm, "kworker/2:1");
  EXPECT_EQ(b.order, -1);
  ASSERT_TRUE(parse_trigger("oom02:4583 invoked oom-killer: gfp_mask=0x16080c0(GFP_KERNEL), nodemask=1,  order=0, oom_score_adj=0", c));
  EXPECT_EQ(c.comm, "oom02");
  EXPECT_EQ(c.pid, 4583);
  EXPECT_EQ(c.nodemask, "1");
}

TEST(TriggerTest, OldOomkilladjIsNotMapped) {
  Trigger t;
  ASSERT_TRUE(parse_trigger("Xorg invoked oom-killer: gfp_mask=0xd0, order=0, oomkilladj=0", t));
  EXPECT_FALSE(t.oom_score_adj.has_value());
}

TEST(KilledTest, Variants) {
  Killed k;
  ASSERT_TRUE(parse_killed("Memory cgroup out of memory: Killed process 16304 (python3) total-vm:75160kB, anon-rss:65024kB, file-rss:6564kB, shmem-rss:0kB, UID:0 pgtables:188kB oom_score_adj:0", k));
  EXPECT_EQ(k.pid, 16304);
  EXPECT_EQ(k.comm, "python3");
  EXPECT_EQ(k.anon_rss_kb, 65024u);
  EXPECT_EQ(k.pgtables_kb, 188u);
  EXPECT_EQ(k.uid, 0);
  EXPECT_EQ(k.prefix, "Memory cgroup out of memory");

  Killed r;  // RHEL6
  ASSERT_TRUE(parse_killed("Killed process 11726, UID 498, (mysqld) total-vm:2191116kB, anon-rss:1032kB, file-rss:112kB", r));
  EXPECT_EQ(r.pid, 11726);
  EXPECT_EQ(r.uid, 498);
  EXPECT_EQ(r.comm, "mysqld");
  EXPECT_FALSE(r.shmem_rss_kb.has_value());

  Killed o;  // 2.6
  ASSERT_TRUE(parse_killed("Out of Memory: Killed process 12786 (firefox-bin).", o));
  EXPECT_EQ(o.comm, "firefox-bin");
  EXPECT_FALSE(o.anon_rss_kb.has_value());

  Killed p;  // comm with parentheses and spaces
  ASSERT_TRUE(parse_killed("Out of memory: Killed process 7 (a (b) c) total-vm:10kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB", p));
  EXPECT_EQ(p.comm, "a (b) c");
}

TEST(MemcgCounterTest, UnlimitedIsNull) {
  Memcg m;
  ASSERT_TRUE(parse_memcg_counter("memory+swap: usage 65536kB, limit 9007199254740988kB, failcnt 0", m));
  EXPECT_EQ(m.memsw_usage_kb, 65536u);
  EXPECT_FALSE(m.memsw_limit_kb.has_value());
  ASSERT_TRUE(parse_memcg_counter("memory: usage 102400kB, limit 102400kB, failcnt 6402", m));
  EXPECT_EQ(m.limit_kb, 102400u);
  EXPECT_EQ(m.failcnt, 6402u);
}

TEST(SummaryTest, Fields) {
  OomEvent ev;
  bool cut = true;
  ASSERT_TRUE(parse_summary("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=3e5e,mems_allowed=0-1,oom_memcg=/kubepods/burstable/pod28,task_memcg=/kubepods/burstable/pod28/3e5e,task=java,pid=50624,uid=10000", ev, cut));
  EXPECT_FALSE(cut);
  EXPECT_EQ(ev.constraint, "CONSTRAINT_MEMCG");
  EXPECT_EQ(ev.mems_allowed, "0-1");
  EXPECT_EQ(ev.memcg->oom_memcg, "/kubepods/burstable/pod28");
  EXPECT_EQ(ev.memcg->task_memcg, "/kubepods/burstable/pod28/3e5e");
  OomEvent g;
  ASSERT_TRUE(parse_summary("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=grep,pid=49358,uid=1000", g, cut));
  EXPECT_TRUE(g.global_oom);
  EXPECT_FALSE(g.memcg->oom_memcg.has_value());
  OomEvent c;
  ASSERT_TRUE(parse_summary("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),oom_memcg=/kub", c, cut));
  EXPECT_TRUE(cut);
}

TEST(TableTest, EveryColumnNameMaps) {
  using C = TaskColumn;
  std::vector<std::string> cols;
  ASSERT_TRUE(parse_table_header("[ pid ] uid tgid total_vm rss rss_anon rss_file rss_shmem pgtables_bytes nr_ptes "
                                 "swapents oom_score_adj name\tcpu oom_adj nr_pmds rss_ uid2 Name",
                                 cols));
  EXPECT_EQ(cols.size(), 18u);
  EXPECT_EQ(cols[11], "name");
  EXPECT_EQ(cols[12], "cpu");  // a tab separates like a blank
  EXPECT_EQ(map_columns(cols),
            (std::vector<C>{C::kUid, C::kTgid, C::kTotalVm, C::kRss, C::kRssAnon, C::kRssFile, C::kRssShmem,
                            C::kPgtablesBytes, C::kNrPtes, C::kSwapents, C::kOomScoreAdj, C::kName, C::kUnknown,
                            C::kUnknown, C::kUnknown, C::kUnknown, C::kUnknown, C::kUnknown}));
}

TEST(TableTest, ColumnsFromHeader) {
  std::vector<std::string> cols;
  ASSERT_TRUE(parse_table_header("[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name", cols));
  Task t;
  ASSERT_TRUE(parse_table_row("[  16304]     0 16304    18790    17897    16256     1641         0   192512        0             0 python3", cols, t));
  EXPECT_EQ(t.pid, 16304);
  EXPECT_EQ(t.rss_pages, 17897u);
  EXPECT_EQ(t.rss_anon_pages, 16256u);
  EXPECT_EQ(t.rss_file_pages, 1641u);
  EXPECT_EQ(t.pgtables_bytes, 192512u);
  EXPECT_EQ(t.name, "python3");

  // 4.0-4.14: nr_ptes nr_pmds (OOMAnalyser mislabels these by position).
  ASSERT_TRUE(parse_table_header("[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name", cols));
  Task u;
  ASSERT_TRUE(parse_table_row("[ 2421]     0  2421     3241      878       9       3        7         -1000 systemd udevd", cols, u));
  EXPECT_EQ(u.nr_ptes, 9u);
  EXPECT_EQ(u.swapents, 7u);
  EXPECT_EQ(u.oom_score_adj, -1000);
  EXPECT_EQ(u.name, "systemd udevd");
}

TEST(FrameTest, Architectures) {
  EXPECT_EQ(parse_frame("dump_stack_lvl+0x57/0x80"), "dump_stack_lvl");
  EXPECT_EQ(parse_frame("? srso_alias_return_thunk+0x5/0xfbef5"), "srso_alias_return_thunk");
  EXPECT_EQ(parse_frame("[<c0108c1c>] (dump_backtrace) from [<c0108e98>] (show_stack+0x20/0x24)"), "show_stack");
  EXPECT_EQ(parse_frame("[c00000000f5bf8b0] [c000000000d1f5a4] dump_stack+0xb0/0xf4 (unreliable)"), "dump_stack");
  EXPECT_EQ(parse_frame("RIP: 0033:0x7f298e18c0ba"), "");
}

TEST(FrameTest, NameIsTheIdentifierBeforeTheOffset) {
  // [a-zA-Z0-9_.]: any other byte (high bytes too) ends the name.
  EXPECT_EQ(parse_frame("oom_kill_process.cold+0x8/0x8a"), "oom_kill_process.cold");
  EXPECT_EQ(parse_frame("x Az_09.z+0x1/0x2"), "Az_09.z");
  EXPECT_EQ(parse_frame("a-b+0x1/0x2"), "b");
  EXPECT_EQ(parse_frame("a$b+0x1/0x2"), "b");
  EXPECT_EQ(parse_frame("\xc3\xa9" "b+0x1/0x2"), "b");
  EXPECT_EQ(parse_frame("\x80+0x1/0x2"), "");
  EXPECT_EQ(parse_frame("(+0x1/0x2"), "");
}

}  // namespace
}  // namespace oomscope
