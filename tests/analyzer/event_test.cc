// event_test.cc: KeptLines, the back-to-back store of an event's report lines.
#include <gtest/gtest.h>

#include "analyzer/event.h"

namespace oomscope {
namespace {

TEST(KeptLines, KeepsLinesInOrderWithTheirNumbers) {
  KeptLines k;
  EXPECT_TRUE(k.empty());
  k.push_back(10, "memory: usage 65536kB, limit 65536kB, failcnt 1");
  k.push_back(11, "");
  k.push_back(12, std::string(5000, 'x'));
  ASSERT_EQ(k.size(), 3u);
  EXPECT_EQ(k[0].line, 10u);
  EXPECT_EQ(k[0].text, "memory: usage 65536kB, limit 65536kB, failcnt 1");
  EXPECT_EQ(k[1].text, "");
  EXPECT_EQ(k[2].text.size(), 5000u);
  EXPECT_EQ(k.front().line, 10u);
  EXPECT_EQ(k.back().line, 12u);
  std::vector<uint64_t> seen;
  for (const ReportLine& l : k) seen.push_back(l.line);
  EXPECT_EQ(seen, (std::vector<uint64_t>{10, 11, 12}));
  EXPECT_GE(k.heap_bytes(), 5000u);
}

TEST(KeptLines, ViewsStayValidAcrossCopiesAndMoves) {
  OomEvent ev;
  for (uint64_t i = 1; i <= 1000; ++i) ev.lines.push_back(i, "line " + std::to_string(i));
  OomEvent copy = ev;
  OomEvent moved = std::move(ev);
  ev = OomEvent{};
  ASSERT_EQ(copy.lines.size(), 1000u);
  ASSERT_EQ(moved.lines.size(), 1000u);
  for (uint64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(copy.lines[i].text, "line " + std::to_string(i + 1));
    EXPECT_EQ(moved.lines[i].text, "line " + std::to_string(i + 1));
  }
}

}  // namespace
}  // namespace oomscope
