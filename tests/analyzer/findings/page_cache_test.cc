// page_cache_test.cc: the page_cache finding on a real report whose largest counter is
// active_file (issue 4: "a report dominated by active_file must not be called a leak").
//
// tests/data/kernel-logs/045 is a real memcg OOM captured on this project's machine kind
// (tests/analyzer/findings/data/slowwrite_oom.sh): a writer filled its 48 MiB cgroup v1 memcg
// with page cache that a throttled device could not write back in time. Its stats, read by
// hand: cache 50102272 = writeback 50102272, dirty 0, active_file 25198592 (50.1% of the
// 50331648-byte limit, the largest counter), inactive_file 24903680, rss 94208, usage 49148kB.
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analyzer/analyze.h"
#include "analyzer/findings/finding.h"

namespace oomscope {
namespace {

namespace fs = std::filesystem;

const fs::path kLog = fs::path(OOMSCOPE_TEST_DATA) / "kernel-logs" /
                      "045-local-writeback-stuck-page-cache-xfs-cgroupv1-6.18.log";

std::vector<OomEvent> parse045() {
  std::ifstream in(kLog, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  CollectingSink sink;
  ParserOptions o;
  o.max_kept_lines = 4000;  // keep the report's lines: the findings quote them
  analyze_string(ss.str(), kLog.string(), o, sink);
  return std::move(sink.events);
}

std::optional<Finding> find(const std::vector<Finding>& fs, const std::string& id) {
  for (const Finding& f : fs)
    if (f.id == id) return f;
  return std::nullopt;
}

TEST(PageCacheActiveFile, WritebackStuckCacheIsPageCacheNotALeak) {
  auto evs = parse045();
  ASSERT_EQ(evs.size(), 1u);
  const std::vector<Finding> fs = find_all(evs[0]);
  auto f = find(fs, "page_cache");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_EQ(f->data["basis"], "memcg stats");
  EXPECT_EQ(f->data["page_cache_bytes"], 50102272u);  // v1 cache - shmem
  EXPECT_EQ(f->data["limit_bytes"], 50331648u);
  EXPECT_NEAR(f->data["page_cache_share"].get<double>(), 50102272.0 / 50331648, 1e-9);
  // The active_file numbers, as the kernel printed them.
  EXPECT_EQ(f->data["active_file_bytes"], 25198592u);
  EXPECT_EQ(f->data["inactive_file_bytes"], 24903680u);
  EXPECT_GT(f->data["active_file_bytes"].get<uint64_t>(), f->data["inactive_file_bytes"].get<uint64_t>());
  EXPECT_GT(f->data["active_file_bytes"].get<uint64_t>(), f->data["limit_bytes"].get<uint64_t>() / 2);
  EXPECT_EQ(f->data["writeback_bytes"], 50102272u);
  EXPECT_EQ(f->data["dirty_bytes"], 0u);
  EXPECT_EQ(f->data["unevictable_bytes"], 0u);
  EXPECT_EQ(f->data["anon_bytes"], 94208u);
  // Not mlocked: the pages are under writeback, so the cause is `dirty`, not `unevictable`.
  EXPECT_EQ(f->data["cause"], "dirty");
  EXPECT_THAT(f->verdict, ::testing::HasSubstr("47.8 MiB dirty or under writeback"));
  EXPECT_THAT(f->verdict, ::testing::HasSubstr("not an anonymous leak"));
  // What a dashboard shows: usage 49148kB - inactive_file 24903680 = 25423872, active_file included.
  EXPECT_EQ(f->data["working_set_bytes"], 49148u * 1024 - 24903680u);
  EXPECT_THAT(f->evidence, ::testing::Contains(::testing::HasSubstr("active_file 24.0 MiB, inactive_file 23.8 MiB")));
  // Quoted proof, on the lines of the file (dmesg line numbers of the fixture).
  std::vector<std::pair<size_t, std::string>> quoted;
  for (const auto& l : f->evidence_lines) quoted.emplace_back(l.line, l.text);
  EXPECT_THAT(quoted, ::testing::Contains(::testing::Pair(56u, ::testing::HasSubstr("memory: usage 49148kB, limit 49152kB"))));
  EXPECT_THAT(quoted, ::testing::Contains(::testing::Pair(60u, ::testing::HasSubstr("cache 50102272"))));
  EXPECT_THAT(quoted, ::testing::Contains(::testing::Pair(78u, ::testing::HasSubstr("active_file 25198592"))));
  EXPECT_THAT(quoted, ::testing::Contains(::testing::Pair(77u, ::testing::HasSubstr("inactive_file 24903680"))));
  // The cause is writeback: its line is quoted; `dirty 0` proves nothing and is not.
  EXPECT_THAT(quoted, ::testing::Contains(::testing::Pair(66u, ::testing::HasSubstr("writeback 50102272"))));
  EXPECT_THAT(quoted, ::testing::Not(::testing::Contains(::testing::Pair(65u, ::testing::_))));
}

TEST(PageCacheActiveFile, NoLeakVerdictOnActiveFile) {
  auto evs = parse045();
  ASSERT_EQ(evs.size(), 1u);
  const std::vector<Finding> fs = find_all(evs[0]);
  for (const char* id : {"anon_blowup", "shmem", "kernel_memory", "many_tasks", "victim_not_culprit", "swap_exhausted",
                         "manual_oom", "partial_report", "no_task_table"})
    EXPECT_FALSE(find(fs, id).has_value()) << id;
  EXPECT_TRUE(find(fs, "which_limit").has_value());
  // No finding calls it a leak: the only "leak" said is "not an anonymous leak".
  for (const Finding& f : fs) {
    for (std::string_view s : {f.title, std::string_view(f.verdict)}) {
      std::string text(s);
      for (size_t at = text.find("not an anonymous leak"); at != std::string::npos; at = text.find("not an anonymous leak"))
        text.erase(at, 21);
      for (size_t at = text.find("not a leak"); at != std::string::npos; at = text.find("not a leak")) text.erase(at, 10);
      EXPECT_EQ(text.find("leak"), std::string::npos) << f.id << ": " << s;
    }
  }
}

}  // namespace
}  // namespace oomscope
