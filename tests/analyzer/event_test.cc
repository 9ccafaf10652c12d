// event_test.cc: KeptLines (an event's report lines, back to back) and KeyedCounts (counters
// by name in a sorted vector).
#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

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
  // text(): the lines back to back; offset(i) and end(i) delimit line i in it.
  EXPECT_EQ(k.text().size(), 47u + 0u + 5000u);
  for (size_t i = 0; i < k.size(); ++i)
    EXPECT_EQ(k.text().substr(k.offset(i), k.end(i) - k.offset(i)), k[i].text) << i;
  EXPECT_EQ(k.offset(1), k.end(0));
  EXPECT_EQ(k.end(2), k.text().size());
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

TEST(KeyedCounts, BehavesLikeASortedMap) {
  KeyedCounts m;
  // memory.stat order (not sorted), with a repeat that must overwrite.
  for (const char* k : {"cache", "rss", "rss_huge", "shmem", "mapped_file", "total_rss", "active_anon", "cache"})
    m[k] += 1;
  EXPECT_EQ(m.size(), 7u);
  EXPECT_EQ(m.at("cache"), 2u);
  EXPECT_EQ(m.count("rss"), 1u);
  EXPECT_EQ(m.count("rs"), 0u);
  EXPECT_EQ(m.find(std::string_view("total_rss"))->second, 1u);
  EXPECT_TRUE(m.find("nope") == m.end());
  EXPECT_THROW(m.at("nope"), std::out_of_range);
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(keys.front(), "active_anon");
  EXPECT_EQ(keys.back(), "total_rss");
  auto [it, inserted] = m.emplace("rss", 99);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(it->second, 1u);
  EXPECT_TRUE(m.emplace("zz", 5).second);
  EXPECT_EQ(m.at("zz"), 5u);
  KeyedCounts init{{"b", 2}, {"a", 1}};
  EXPECT_EQ(init.begin()->first, "a");
  EXPECT_EQ(init, (KeyedCounts{{"a", 1}, {"b", 2}}));
}

// Keys are compared a byte at a time: in std::map<std::string>'s order all the same (bytes as
// unsigned char, a prefix before the keys it starts), whatever bytes a key from a log holds.
TEST(KeyedCounts, OrdersKeysAsAStdMapDoes) {
  const std::vector<std::string> keys = {"total_rss", "total_rss_huge", "total_", "t", "", "\xff", "\x80x", "a\x7f",
                                         "a\x80", "A", "rss", "rs", "workingset_refault_anon", "workingset_refault_file"};
  KeyedCounts m;
  std::map<std::string, uint64_t> ref;
  uint64_t v = 0;
  for (const std::string& k : keys) {
    m[k] = ++v;
    ref[k] = v;
  }
  const std::vector<std::pair<std::string, uint64_t>> got(m.begin(), m.end()), want(ref.begin(), ref.end());
  EXPECT_EQ(got, want);
  for (const std::string& k : keys) EXPECT_EQ(m.at(k), ref.at(k)) << k;
  EXPECT_EQ(m.count("total_r"), 0u);
  EXPECT_EQ(m.count("total_rss_hug"), 0u);
}

TEST(KeyedCounts, PutOverwritesAndAdmitsNewKeysOnlyWhenAllowed) {
  KeyedCounts m;
  int asked = 0;
  auto yes = [&] { ++asked; return true; };
  auto no = [&] { ++asked; return false; };
  EXPECT_TRUE(m.put("workingset_refault_anon", 1, yes));  // longer than the SSO buffer
  EXPECT_TRUE(m.put("anon", 2, yes));
  EXPECT_FALSE(m.put("file", 3, no));
  EXPECT_EQ(asked, 3);
  EXPECT_TRUE(m.put("anon", 7, no));  // present: overwritten, admit() not asked
  EXPECT_EQ(asked, 3);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.at("anon"), 7u);
  EXPECT_EQ(m.count("file"), 0u);
  // Many keys in reverse order: iteration stays sorted and every lookup finds its key.
  for (int i = 200; i > 0; --i) m.put("k" + std::to_string(i), static_cast<uint64_t>(i), yes);
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(keys.size(), 202u);
  for (int i = 1; i <= 200; ++i) EXPECT_EQ(m.at("k" + std::to_string(i)), static_cast<uint64_t>(i));
  // Iterators walk both ways; a copy compares equal and is independent.
  auto last = m.end();
  --last;
  EXPECT_EQ(last->first, "workingset_refault_anon");
  KeyedCounts copy = m;
  EXPECT_EQ(copy, m);
  copy["anon"] = 8;
  EXPECT_FALSE(copy == m);
  EXPECT_EQ(m.at("anon"), 7u);
}

}  // namespace
}  // namespace oomscope
