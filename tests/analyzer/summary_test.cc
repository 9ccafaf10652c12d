// summary_test.cc: composition() and rank_culprit() on real reports.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analyzer/analyze.h"
#include "analyzer/summary.h"

namespace oomscope {
namespace {

std::vector<OomEvent> corpus(const char* name) {
  std::ifstream f(std::string(OOMSCOPE_TEST_DATA "/kernel-logs/") + name, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  CollectingSink sink;
  analyze_string(ss.str(), name, {}, sink);
  return std::move(sink.events);
}

TEST(CompositionTest, GlobalOomUsesMemInfoAgainstRam) {
  // 027: a global OOM whose oom-kill: line still names the victim's task_memcg.
  auto ev = corpus("027-baloo-global-5.13-next-journalctl-after-warn_alloc-meminfo.log");
  ASSERT_EQ(ev.size(), 1u);
  Composition c = composition(ev[0]);
  EXPECT_EQ(c.basis, "Mem-Info");
  EXPECT_EQ(c.limit_label, "RAM");
  // active_anon 5909 + inactive_anon 766016 - shmem 18267 pages (4 KiB, from the buddy lines).
  EXPECT_EQ(c.anon_bytes, (5909u + 766016u - 18267u) * 4096u);
  EXPECT_EQ(c.shmem_bytes, 18267u * 4096u);
}

TEST(CompositionTest, MemcgV2PageCacheExcludesShmem) {
  // 001: v2 stats file 2469888 includes shmem 2297856.
  auto ev = corpus("001-aks-stress-ng-cgroupv2-syslog.log");
  Composition c = composition(ev[0]);
  EXPECT_EQ(c.basis, "memcg stats");
  EXPECT_EQ(c.anon_bytes, 98742272u);
  EXPECT_EQ(c.file_bytes, 2469888u - 2297856u);
  EXPECT_EQ(c.limit_bytes, 102400u * 1024u);
}

TEST(CompositionTest, MemcgV2KernelTakesTheKmemCounterWhenTheStatsShowLess) {
  // 035 (5.10, no `kernel` key): kernel_stack 98304 + slab 131272 = 224 KiB, while the report's
  // `kmem: usage 1272kB` counts every kernel page charged to the cgroup (page tables included).
  auto ev = corpus("035-seed-engine-gateway-cgroupv2-5.10-blog-cut-lines.log");
  Composition c = composition(ev[0]);
  EXPECT_EQ(c.kernel_bytes, 1272u * 1024u);
  EXPECT_EQ(c.anon_bytes, 266821632u);
}

TEST(CompositionTest, MemorySwapLimitIsTheOneHit) {
  // 020: memory usage 53824kB < 102400kB, memory+swap 204800/204800.
  auto ev = corpus("020-docker-stress-cgroupv1-memsw-rhel7-with-tasks.log");
  Composition c = composition(ev[0]);
  EXPECT_EQ(c.limit_label, "memory+swap limit");
  EXPECT_EQ(c.limit_bytes, 204800u * 1024u);
}

TEST(CompositionTest, OneLinePerMemcgStatsAreSummedOverTheSubtree) {
  // 017 (<= 5.2 format): the pod slice's own line says rss:0KB, its container's rss:19800KB;
  // the summary read the slice's line alone (anon 0 B) while anon_blowup said 97% of 20 MiB.
  auto ev = corpus("017-k8s-cgroupv1-dev-kmsg-raw-format.log");
  ASSERT_EQ(ev.size(), 1u);
  Composition c = composition(ev[0]);
  EXPECT_EQ(c.basis, "memcg stats");
  EXPECT_EQ(c.anon_bytes, 19800u * 1024u);
  EXPECT_EQ(c.file_bytes, 0u);
  EXPECT_EQ(c.limit_bytes, 20480u * 1024u);
}

TEST(CompositionTest, GlobalOomLimitIsRamOutsideTheHugepagePools) {
  // The qemu capture: 130942 pages RAM, 128 x 2 MiB hugepages.
  std::ifstream f(OOMSCOPE_TEST_DATA "/captured/qemu-global-oom-hugepages-6.1.log", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  CollectingSink sink;
  ParserOptions o;
  o.max_kept_lines = 4000;
  analyze_string(ss.str(), "qemu", o, sink);
  ASSERT_EQ(sink.events.size(), 1u);
  Composition c = composition(sink.events[0]);
  EXPECT_EQ(c.ram_bytes, 130942u * 4096u);
  EXPECT_EQ(c.hugetlb_bytes, 128u * 2048u * 1024u);
  EXPECT_EQ(c.limit_bytes, (130942u - 128u * 512u) * 4096u);
  EXPECT_EQ(c.limit_label, "RAM outside hugepages");
  EXPECT_EQ(limit_phrase(c), "RAM outside hugepages 255.5 MiB (RAM 511.5 MiB less 256.0 MiB of hugepage pools)");
  auto cul = rank_culprit(sink.events[0], c);
  ASSERT_TRUE(cul.has_value());
  EXPECT_THAT(cul->reason, ::testing::HasSubstr("= 72% of the 255.5 MiB RAM outside hugepages"));
}

// MemcgStats reads every key as memcg_stat() does, on every memcg of the real logs (v1 with
// total_ keys, v2 without, the <=5.2 one-line format) and on hand-made blocks.
TEST(MemcgStatsTest, SameAsMemcgStat) {
  size_t memcgs = 0;
  for (const char* dir : {OOMSCOPE_TEST_DATA "/kernel-logs", OOMSCOPE_TEST_DATA "/captured"})
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() != ".log") continue;
      std::ifstream f(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      CollectingSink sink;
      analyze_string(ss.str(), e.path().string(), {}, sink);
      for (const OomEvent& ev : sink.events) {
        if (!ev.memcg) continue;
        ++memcgs;
        const Memcg& m = *ev.memcg;
        const MemcgStats stats(m);
        std::vector<std::string> keys = {"anon", "file", "shmem", "kernel", "rss", "cache", "swap", "absent", ""};
        for (const auto& [k, v] : m.stats) {
          keys.push_back(k);
          if (k.starts_with("total_")) keys.push_back(k.substr(6));
        }
        for (const auto& [path, kv] : m.subtree_stats)
          for (const auto& [k, v] : kv) keys.push_back(k);
        for (const std::string& k : keys) ASSERT_EQ(stats(k), memcg_stat(m, k)) << e.path().filename() << " " << k;
        for (int k = 0; k < MemcgStats::kKeys; ++k) {
          const auto key = static_cast<MemcgStats::Key>(k);
          ASSERT_EQ(stats(key), memcg_stat(m, MemcgStats::name(key))) << e.path().filename() << " " << k;
          ASSERT_EQ(stats.has(key), m.stats.count(MemcgStats::name(key)) == 1) << e.path().filename() << " " << k;
        }
      }
    }
  EXPECT_GE(memcgs, 20u);
  Memcg v1;
  v1.stats["rss"] = 1;
  v1.stats["total_rss"] = 2;
  v1.stats["cache"] = 3;
  EXPECT_EQ(MemcgStats(v1)("rss"), 2u);
  EXPECT_EQ(MemcgStats(v1)("cache"), 3u);
  Memcg v2;
  v2.stats["anon"] = 5;
  EXPECT_EQ(MemcgStats(v2)("anon"), 5u);
  EXPECT_EQ(MemcgStats(v2)("file"), std::nullopt);
  // By Key: total_<key> first, a stat that is no Key ignored, names in order around them.
  EXPECT_EQ(MemcgStats(v1)(MemcgStats::kRss), 2u);
  EXPECT_EQ(MemcgStats(v1)(MemcgStats::kCache), 3u);
  EXPECT_TRUE(MemcgStats(v1).has(MemcgStats::kRss));
  EXPECT_EQ(MemcgStats(v1)(MemcgStats::kAnon), std::nullopt);
  Memcg mixed;
  for (const char* k : {"aaa", "active_file", "anon_thp", "total_", "total_active_file", "total_zzz", "writeback", "zswap"})
    mixed.stats[k] = std::string_view(k).size();
  const MemcgStats s(mixed);
  EXPECT_EQ(s(MemcgStats::kActiveFile), 17u);  // total_active_file
  EXPECT_EQ(s(MemcgStats::kWriteback), 9u);
  EXPECT_FALSE(s.has(MemcgStats::kAnon));
  for (int k = 0; k < MemcgStats::kKeys; ++k) {
    const auto key = static_cast<MemcgStats::Key>(k);
    EXPECT_EQ(s(key), memcg_stat(mixed, MemcgStats::name(key))) << MemcgStats::name(key);
  }
}

TEST(CulpritTest, VictimIsNotTheLargestTask) {
  // 007: pause (1 page) was killed; data_sim holds the memory.
  auto ev = corpus("007-k8s-pause-killed-cgroupv1-partial-elided.log");
  auto cul = rank_culprit(ev[0]);
  ASSERT_TRUE(cul.has_value());
  EXPECT_EQ(ev[0].tasks[cul->task_index].name, "data_sim");
  EXPECT_FALSE(cul->is_victim);
  EXPECT_NE(cul->reason.find("victim was pause"), std::string::npos) << cul->reason;
}

// culprit_reason(): rank_culprit()'s reason for the first event of a repo log ("" and a
// failure when there is none).
std::string culprit_reason(const char* log) {
  auto ev = corpus(log);
  std::optional<Culprit> cul = ev.empty() ? std::nullopt : rank_culprit(ev[0]);
  EXPECT_TRUE(cul.has_value()) << log;
  return cul ? cul->reason : "";
}

TEST(CulpritTest, RssAboveTheLimitSaysWhy) {
  // 035: engine-gateway rss 300.4 MiB (file-rss 46 MiB, none of it in the memcg's stats) against
  // a 256 MiB limit; the anon, 254.4 MiB, is what filled it.
  EXPECT_THAT(culprit_reason("035-seed-engine-gateway-cgroupv2-5.10-blog-cut-lines.log"),
              ::testing::HasSubstr("rss 300.4 MiB (anon 254.4 MiB) = 117% of the 256.0 MiB memcg limit "
                                   "(above the limit: rss counts mapped file pages charged elsewhere)"));
  // Below the limit nothing is added (007: data_sim).
  const std::string r7 = culprit_reason("007-k8s-pause-killed-cgroupv1-partial-elided.log");
  EXPECT_THAT(r7, ::testing::HasSubstr("rss 15.13 GiB = 95% of the 16.00 GiB memcg limit; victim was pause"));
  EXPECT_THAT(r7, ::testing::Not(::testing::HasSubstr("above the limit")));
}

TEST(CulpritTest, VictimBiggerThanTheWholeTableSaysTheTableIsIncomplete) {
  // 030 was filtered with grep: its table kept systemd-oomd (1.2 MiB) while the kill line of
  // tracker-miner-f shows anon-rss 60906104kB.
  EXPECT_THAT(culprit_reason("030-tracker-miner-global-reverse-order-time-only-prefix.log"),
              ::testing::HasSubstr("victim was tracker-miner-f (pid 6439), whose kill line shows rss "
                                   "58.08 GiB: the task table here is incomplete"));
  // 007: the victim (pause, 1 page) is in the table: nothing is added.
  EXPECT_THAT(culprit_reason("007-k8s-pause-killed-cgroupv1-partial-elided.log"),
              ::testing::Not(::testing::HasSubstr("incomplete")));
}

// human_bytes() formats with integer arithmetic; printf("%.Nf") of the exact quotient is the
// reference it must match (ties round half to even), at every unit boundary and at random.
std::string printf_bytes(uint64_t b) {
  char buf[32];
  const double v = static_cast<double>(b);
  if (b < 1024) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  else if (b < (1ULL << 20)) std::snprintf(buf, sizeof buf, "%.0f KiB", v / 1024);
  else if (b < (1ULL << 30)) std::snprintf(buf, sizeof buf, "%.1f MiB", v / (1 << 20));
  else if (b < (1ULL << 40)) std::snprintf(buf, sizeof buf, "%.2f GiB", v / (1ULL << 30));
  else std::snprintf(buf, sizeof buf, "%.2f TiB", v / (1ULL << 40));
  return buf;
}

TEST(HumanBytes, Examples) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(1023), "1023 B");
  EXPECT_EQ(human_bytes(1024), "1 KiB");
  EXPECT_EQ(human_bytes(1536), "2 KiB");          // 1.5 -> 2 (half to even)
  EXPECT_EQ(human_bytes(2560), "2 KiB");          // 2.5 -> 2 (half to even)
  EXPECT_EQ(human_bytes(323584), "316 KiB");
  EXPECT_EQ(human_bytes(73295872), "69.9 MiB");
  EXPECT_EQ(human_bytes(268435456), "256.0 MiB");
  EXPECT_EQ(human_bytes(1288490188), "1.20 GiB");
  EXPECT_EQ(human_bytes(9007199254740988ULL * 1024), "8388608.00 TiB");
  EXPECT_EQ(human_bytes(UINT64_MAX), "16777216.00 TiB");
}

TEST(HumanBytes, MatchesPrintfRounding) {
  std::mt19937_64 rng(42);
  std::vector<uint64_t> values;
  for (int k = 1; k < 64; ++k) {
    const uint64_t x = 1ULL << k;
    for (uint64_t v : {x - 1, x, x + 1, x + (x >> 1), x + (x >> 2), x - (x >> 3)}) values.push_back(v);
  }
  for (int i = 0; i < 200000; ++i) values.push_back(rng() >> (rng() % 64));
  for (uint64_t b : values) ASSERT_EQ(human_bytes(b), printf_bytes(b)) << b;
}

}  // namespace
}  // namespace oomscope
