// parser_test.cc: event assembly across the traps listed in ../shared/KERNEL-FORMATS.md.
// Lines are real report lines (from the corpus) rearranged to the shapes each trap produces.
#include <gtest/gtest.h>

#include "analyzer/analyze.h"

namespace oomscope {
namespace {

std::vector<OomEvent> parse(const std::string& log) {
  CollectingSink sink;
  analyze_string(log, "t.log", {}, sink);
  return std::move(sink.events);
}

TEST(ParserTest, GroupKillIsOneEventWithSeveralVictims) {
  auto ev = parse(
      "[ 10.0] app invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
      "[ 10.1] memory: usage 1024kB, limit 1024kB, failcnt 3\n"
      "[ 10.2] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/pod,task_memcg=/pod/c,task=app,pid=10,uid=0\n"
      "[ 10.3] Memory cgroup out of memory: Killed process 10 (app) total-vm:100kB, anon-rss:90kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0\n"
      "[ 10.3] Tasks in /pod/c are going to be killed due to memory.oom.group set\n"
      "[ 10.3] Memory cgroup out of memory: Killed process 10 (app) total-vm:100kB, anon-rss:90kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0\n"
      "[ 10.3] Memory cgroup out of memory: Killed process 11 (helper) total-vm:50kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0\n"
      "[ 12.0] oom_reaper: reaped process 10 (app), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].victims.size(), 2u);
  EXPECT_EQ(ev[0].oom_group, "/pod/c");
  EXPECT_EQ(ev[0].killed->pid, 10);
  EXPECT_EQ(ev[0].reaped.size(), 1u);
  EXPECT_TRUE(ev[0].complete);
}

TEST(ParserTest, RateLimitedBareKillsAreEventsOfTheirOwn) {
  auto ev = parse(
      "[ 20.0] oom_kill_process: 6 callbacks suppressed\n"
      "[ 20.1] Memory cgroup out of memory: Killed process 31 (w1) total-vm:100kB, anon-rss:90kB, file-rss:0kB, shmem-rss:0kB\n"
      "[ 20.2] Memory cgroup out of memory: Killed process 32 (w2) total-vm:100kB, anon-rss:91kB, file-rss:0kB, shmem-rss:0kB\n");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].killed->comm, "w1");
  EXPECT_EQ(ev[0].suppressed_callbacks, 6u);
  EXPECT_EQ(ev[1].killed->comm, "w2");
  EXPECT_FALSE(ev[1].complete);  // no header: what the log has, flagged partial
  EXPECT_FALSE(ev[1].truncated);
}

TEST(ParserTest, InterleavedHostsAreAssembledPerHost) {
  auto ev = parse(
      "Nov 21 10:00:00 a kernel: x invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
      "Nov 21 10:00:00 b kernel: y invoked oom-killer: gfp_mask=0x1100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0\n"
      "Nov 21 10:00:00 a kernel: memory: usage 2048kB, limit 2048kB, failcnt 1\n"
      "Nov 21 10:00:00 b kernel: memory: usage 4096kB, limit 4096kB, failcnt 2\n"
      "Nov 21 10:00:00 b kernel: Memory cgroup out of memory: Killed process 2 (y) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n"
      "Nov 21 10:00:00 a kernel: Memory cgroup out of memory: Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].host, "a");
  EXPECT_EQ(ev[0].memcg->limit_kb, 2048u);
  EXPECT_EQ(ev[0].killed->pid, 1);
  EXPECT_EQ(ev[1].host, "b");
  EXPECT_EQ(ev[1].memcg->limit_kb, 4096u);
  EXPECT_EQ(ev[1].killed->pid, 2);
  EXPECT_TRUE(ev[0].complete && ev[1].complete);
}

TEST(ParserTest, KmsgMultiLineStatsRecord) {
  auto ev = parse(
      "6,100,1000000,-;t invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
      "6,101,1000001,-;memory: usage 1024kB, limit 1024kB, failcnt 1\n"
      "6,102,1000002,-;Memory cgroup stats for /m:\n"
      "6,103,1000003,-;anon 1040384\\x0afile 8192\\x0ashmem 4096\\x0a\n"
      "6,104,1000004,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/m,task_memcg=/m,task=t,pid=5,uid=0\n"
      "6,105,1000005,-;Memory cgroup out of memory: Killed process 5 (t) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n"
      " SUBSYSTEM=memory\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].memcg->stats.at("anon"), 1040384u);
  EXPECT_EQ(ev[0].memcg->stats.at("shmem"), 4096u);
  EXPECT_DOUBLE_EQ(*ev[0].monotonic_s, 1.0);
}

TEST(ParserTest, RsyslogEscapedNewlines) {
  auto ev = parse(
      "Nov 21 10:00:00 h kernel: Memory cgroup stats for /m:#012anon 1040384#012file 8192#012\n"
      "Nov 21 10:00:00 h kernel: Memory cgroup out of memory: Killed process 5 (t) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].memcg->stats.at("file"), 8192u);
  EXPECT_EQ(ev[0].memcg->oom_memcg, "/m");
}

// The pieces of a multi-line record are processed as lines: split at every "\x0a" and "#012"
// and at a raw '\n' fed inside a line, each piece with its leading blanks removed. Two
// separators in a row give an empty piece, which ends the stats block ("#01\x0" after it is
// not a report line).
TEST(ParserTest, MultiLineRecordPiecesAreSplitAtEverySeparator) {
  CollectingSink sink;
  ParserOptions o;
  o.max_kept_lines = 100;
  OomParser p(sink, o);
  p.begin_file("t.log");
  p.feed("6,100,1000000,-;t invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0", 1);
  p.feed("6,101,1000001,-;memory: usage 1024kB, limit 1024kB, failcnt 1", 2);
  p.feed("6,102,1000002,-;Memory cgroup stats for /m:\\x0aanon 1#012file 2\\x0a  shmem 3\nkernel_stack 4\\x0a#012#01\\x0", 3);
  p.feed("6,103,1000003,-;Memory cgroup out of memory: Killed process 5 (t) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB", 4);
  p.end_file();
  ASSERT_EQ(sink.events.size(), 1u);
  const OomEvent& ev = sink.events[0];
  EXPECT_EQ(ev.memcg->stats.at("anon"), 1u);
  EXPECT_EQ(ev.memcg->stats.at("file"), 2u);
  EXPECT_EQ(ev.memcg->stats.at("shmem"), 3u);
  EXPECT_EQ(ev.memcg->stats.at("kernel_stack"), 4u);
  std::vector<std::string> kept;
  for (ReportLine l : ev.lines) kept.emplace_back(l.text);
  EXPECT_EQ(kept, (std::vector<std::string>{"t invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
                                           "memory: usage 1024kB, limit 1024kB, failcnt 1", "Memory cgroup stats for /m:",
                                           "anon 1", "file 2", "shmem 3", "kernel_stack 4",
                                           "Memory cgroup out of memory: Killed process 5 (t) total-vm:1kB, anon-rss:1kB, "
                                           "file-rss:0kB, shmem-rss:0kB"}));
}

TEST(ParserTest, SummarySplitMidPathByPrCont) {
  auto ev = parse(
      "[ 1.0] t invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
      "[ 1.1] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=x,mems_allowed=0,oom_memcg=/kubepods/podfbdfe8e3-1c87-4ff2-907\n"
      "[ 1.1] c-b2ec,task_memcg=/kubepods/podfbdfe8e3-1c87-4ff2-907c-b2ec/abc,task=t,pid=5,uid=0\n"
      "[ 1.2] Memory cgroup out of memory: Killed process 5 (t) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n");
  ASSERT_EQ(ev.size(), 1u);
  // The cut oom_memcg is completed from the longer task_memcg path.
  EXPECT_EQ(ev[0].memcg->oom_memcg, "/kubepods/podfbdfe8e3-1c87-4ff2-907c-b2ec");
}

TEST(ParserTest, Pgtables54BytesLabelledKb) {
  auto ev = parse(
      "[ 1.0] Out of memory: Killed process 9 (big) total-vm:8388608kB, anon-rss:4194304kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:16777216kB oom_score_adj:0\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].killed->pgtables_kb, 16384u);
}

TEST(ParserTest, ReportCutAtEndOfInputIsPartialNotDropped) {
  auto ev = parse(
      "[ 1.0] t invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
      "[ 1.1] memory: usage 1024kB, limit 1024kB, failcnt 1\n"
      "[ 1.2] Tasks state (memory values in pages):\n"
      "[ 1.2] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n"
      "[ 1.2] [    5]     0     5      100       90    28672        0             0 t\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_FALSE(ev[0].complete);
  EXPECT_TRUE(ev[0].truncated);
  EXPECT_EQ(ev[0].tasks.size(), 1u);
}

TEST(ParserTest, WarnAllocMemInfoIsNotAnEvent) {
  auto ev = parse(
      "[ 1.0] kworker/0:2: page allocation failure: order:9, mode:0x4cc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0\n"
      "[ 1.0] Mem-Info:\n"
      "[ 1.0] active_anon:1 inactive_anon:2 isolated_anon:0\n"
      "[ 1.0] 262144 pages RAM\n");
  EXPECT_TRUE(ev.empty());
}

// A page-allocation-failure header only claims the Mem-Info of its own report: one printed
// 20 000 lines later (a report whose trigger line was lost) starts an event again. The flag
// going stale is also what lets an idle host state be forgotten without changing the result.
TEST(ParserTest, WarnAllocClaimsOnlyTheMemInfoOfItsOwnReport) {
  const std::string warn =
      "[ 1.0] kworker/0:2: page allocation failure: order:9, mode:0x4cc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0\n";
  const std::string report =
      "[ 9.0] Mem-Info:\n"
      "[ 9.0] active_anon:1 inactive_anon:2 isolated_anon:0\n"
      "[ 9.1] Out of memory: Killed process 77 (app) total-vm:4096kB, anon-rss:2048kB, file-rss:0kB, shmem-rss:0kB\n";
  std::string noise;
  for (int i = 0; i < 20001; ++i) noise += "[ 2.0] eth0: link up\n";
  // Every line looked at: the header has no anchor word, so with the prefilter it is only seen
  // while another report is being printed.
  auto parse_all = [](const std::string& log) {
    ParserOptions o;
    o.no_prefilter = true;
    CollectingSink sink;
    analyze_string(log, "t.log", o, sink);
    return std::move(sink.events);
  };
  auto soon = parse_all(warn + report);
  ASSERT_EQ(soon.size(), 1u);
  EXPECT_FALSE(soon[0].mem_info);  // the Mem-Info went with the allocation failure
  auto later = parse_all(warn + noise + report);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_TRUE(later[0].mem_info);
  EXPECT_EQ(later[0].source.first_line, 20003u);
  EXPECT_EQ(later[0].killed->pid, 77);
}

TEST(ParserTest, ReverseChronologicalExportIsReordered) {
  auto ev = parse(
      "19:51:01 kernel: oom_reaper: reaped process 6439 (t), now anon-rss:0kB, file-rss:0kB, shmem-rss:4kB\n"
      "19:50:59 kernel: Out of memory: Killed process 6439 (t) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:4kB\n"
      "19:50:59 kernel: oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=t,pid=6439,uid=1000\n"
      "19:50:58 kernel: dnsmasq invoked oom-killer: gfp_mask=0x1100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].trigger.comm, "dnsmasq");
  EXPECT_EQ(ev[0].killed->pid, 6439);
}

TEST(ParserTest, NoOomInNoise) {
  auto ev = parse("[ 1.0] eth0: renamed from veth1\n[ 2.0] EXT4-fs (sda1): mounted filesystem\n[ 3.0] pid 5 exited\n");
  EXPECT_TRUE(ev.empty());
}

}  // namespace
}  // namespace oomscope

namespace oomscope {
namespace {

TEST(ParserTest, MemInfoZonesBuddyPageSizeHugepagesAndSlab) {
  // Lines in the shape __show_mem prints (5.x, 64 KiB pages as on arm64/ppc64le kernels).
  auto ev = parse(
      "[ 9.0] a invoked oom-killer: gfp_mask=0x1100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0\n"
      "[ 9.0] Mem-Info:\n"
      "[ 9.0] active_anon:100 inactive_anon:50 isolated_anon:0\n"
      "[ 9.0]  active_file:10 inactive_file:5 isolated_file:0\n"
      "[ 9.0]  slab_reclaimable:7 slab_unreclaimable:9000\n"
      "[ 9.0] Node 0 Normal free:1024kB boost:0kB min:512kB low:640kB high:768kB present:4194304kB managed:4000000kB\n"
      "[ 9.0] lowmem_reserve[]: 0 0 0 0\n"
      "[ 9.0] Node 0 Normal: 4*64kB (U) 2*128kB (M) 0*256kB = 512kB\n"
      "[ 9.0] Node 0 hugepages_total=8 hugepages_free=8 hugepages_surp=0 hugepages_size=524288kB\n"
      "[ 9.0] 20 total pagecache pages\n"
      "[ 9.0] Free swap  = 0kB\n"
      "[ 9.0] Total swap = 0kB\n"
      "[ 9.0] 65536 pages RAM\n"
      "[ 9.0] Unreclaimable slab info:\n"
      "[ 9.0] Name                      Used          Total\n"
      "[ 9.0] kmalloc-4k            563200KB     563200KB\n"
      "[ 9.0] dentry                  1024KB       2048KB\n"
      "[ 9.1] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=a,pid=1,uid=0\n"
      "[ 9.1] Out of memory: Killed process 1 (a) total-vm:100kB, anon-rss:64kB, file-rss:0kB, shmem-rss:0kB\n");
  ASSERT_EQ(ev.size(), 1u);
  ASSERT_TRUE(ev[0].mem_info.has_value());
  const MemInfo& mi = *ev[0].mem_info;
  EXPECT_EQ(ev[0].page_size, 65536u);
  EXPECT_EQ(mi.counters_pages.at("active_file"), 10u);
  EXPECT_EQ(mi.counters_pages.at("slab_unreclaimable"), 9000u);
  ASSERT_EQ(mi.zones.size(), 1u);
  EXPECT_EQ(mi.zones[0].node_zone, "Node 0 Normal");
  EXPECT_EQ(mi.zones[0].min_kb, 512u);
  EXPECT_EQ(mi.zones[0].free_by_order_kb.at(1), (std::pair<uint64_t, uint64_t>{1, 256}));
  EXPECT_EQ(mi.hugepages_total, 8u);
  EXPECT_EQ(mi.hugepage_size_kb, 524288u);
  EXPECT_EQ(mi.total_swap_kb, 0u);
  EXPECT_EQ(mi.ram_pages, 65536u);
  EXPECT_EQ(mi.pagecache_pages, 20u);
  ASSERT_EQ(mi.unreclaimable_slab_kb.size(), 2u);
  EXPECT_EQ(mi.unreclaimable_slab_kb[0].first, "kmalloc-4k");
  EXPECT_EQ(mi.unreclaimable_slab_kb[0].second, 563200u);
  EXPECT_TRUE(ev[0].global_oom);
  EXPECT_TRUE(ev[0].complete);
}

}  // namespace
}  // namespace oomscope

namespace oomscope {
namespace {

TEST(ParserTest, PrintkCallerSeparatesInterleavedReports) {
  // Two tasks OOM in two memcgs; with CONFIG_PRINTK_CALLER their lines interleave, and the
  // oom_reaper thread reports from its own caller id.
  auto ev = parse(
      "[   10.000001][ T100] a invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
      "[   10.000002][ T200] b invoked oom-killer: gfp_mask=0x1100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0\n"
      "[   10.000003][ T100] memory: usage 1024kB, limit 1024kB, failcnt 1\n"
      "[   10.000004][ T200] memory: usage 2048kB, limit 2048kB, failcnt 2\n"
      "[   10.000005][ T200] Memory cgroup out of memory: Killed process 200 (b) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n"
      "[   10.000006][ T100] Memory cgroup out of memory: Killed process 100 (a) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n"
      "[   10.100000][  T54] oom_reaper: reaped process 100 (a), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].trigger.comm, "a");
  EXPECT_EQ(ev[0].memcg->limit_kb, 1024u);
  EXPECT_EQ(ev[0].killed->pid, 100);
  ASSERT_EQ(ev[0].reaped.size(), 1u);
  EXPECT_EQ(ev[0].reaped[0].pid, 100);
  EXPECT_EQ(ev[1].trigger.comm, "b");
  EXPECT_EQ(ev[1].memcg->limit_kb, 2048u);
  EXPECT_EQ(ev[1].killed->pid, 200);
  EXPECT_TRUE(ev[0].complete && ev[1].complete);
}

}  // namespace
}  // namespace oomscope

namespace oomscope {
namespace {

TEST(ParserTest, StatePerCallerStaysBounded) {
  // 5000 bare kills from 5000 different printk callers: every one is an event, and the
  // parser does not keep 5000 idle states around.
  CollectingSink sink;
  OomParser p(sink);
  p.begin_file("t.log");
  for (int i = 0; i < 5000; ++i) {
    std::string line = "[ 1.0][T" + std::to_string(1000 + i) + "] Memory cgroup out of memory: Killed process " +
                       std::to_string(1000 + i) + " (w) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB";
    p.feed(line, static_cast<uint64_t>(i) * 30000 + 1);  // far apart: each event expires
  }
  EXPECT_LE(p.state_count(), 300u);
  p.end_file();
  EXPECT_EQ(sink.events.size(), 5000u);
}

}  // namespace
}  // namespace oomscope
