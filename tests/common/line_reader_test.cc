// line_reader_test.cc: the bounded reader's policy (CRLF, cut lines, last line) and the
// skipping reader's exact line numbers across block boundaries.
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/line_reader.h"
#include "common/scan.h"

namespace oomscope {
namespace {

std::vector<std::string> all_lines(LineReader& r, std::vector<uint64_t>* numbers = nullptr,
                                   std::vector<bool>* cut = nullptr) {
  std::vector<std::string> out;
  Line l;
  while (r.next(l)) {
    out.emplace_back(l.text);
    if (numbers) numbers->push_back(l.number);
    if (cut) cut->push_back(l.cut);
  }
  return out;
}

TEST(LineReaderTest, CrlfAndLastLineWithoutNewline) {
  StringLineReader r("a\r\nbb\n\nccc");
  std::vector<uint64_t> n;
  EXPECT_EQ(all_lines(r, &n), (std::vector<std::string>{"a", "bb", "", "ccc"}));
  EXPECT_EQ(n, (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(LineReaderTest, LongLinesAreCutAndTheRestSkipped) {
  std::string data = std::string(100, 'x') + "\nshort\n" + std::string(250, 'y');
  StringLineReader r(data, /*max_line=*/64);
  std::vector<bool> cut;
  std::vector<std::string> lines = all_lines(r, nullptr, &cut);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], std::string(64, 'x'));
  EXPECT_TRUE(cut[0]);
  EXPECT_EQ(lines[1], "short");
  EXPECT_FALSE(cut[1]);
  EXPECT_EQ(lines[2], std::string(64, 'y'));
  EXPECT_TRUE(cut[2]);
}

TEST(LineReaderTest, NulBytesPassThrough) {
  StringLineReader r(std::string("a\0b\nc", 5));
  std::vector<std::string> lines = all_lines(r);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], std::string("a\0b", 3));
}

size_t find_hit(const char* p, size_t n) {
  const void* q = memmem(p, n, "HIT", 3);
  return q ? static_cast<size_t>(static_cast<const char*>(q) - p) : n;
}

TEST(LineReaderTest, NextMatchingSkipsWithExactLineNumbers) {
  // 200 000 lines, a hit every 997th line: far more than one 64 KiB block, so skips and
  // hits straddle block boundaries.
  std::string data;
  std::vector<uint64_t> want;
  for (uint64_t i = 1; i <= 200000; ++i) {
    if (i % 997 == 0) {
      data += "line " + std::to_string(i) + " HIT\n";
      want.push_back(i);
    } else {
      data += "noise line number " + std::to_string(i) + "\n";
    }
  }
  StringLineReader r(data);
  std::vector<uint64_t> got;
  Line l;
  while (r.next_matching(l, find_hit)) {
    ASSERT_EQ(l.text, "line " + std::to_string(l.number) + " HIT");
    got.push_back(l.number);
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(r.lines_seen(), 200000u);
  EXPECT_EQ(r.bytes_read(), data.size());
}

TEST(ScanTest, CountNewlines) {
  std::string s;
  for (int i = 0; i < 10000; ++i) s += (i % 3 == 0) ? "\n" : "ab";
  size_t want = 0;
  for (char c : s) want += c == '\n';
  EXPECT_EQ(count_newlines(s.data(), s.size()), want);
  EXPECT_EQ(count_newlines(s.data() + 1, s.size() - 1), want - 1);
  EXPECT_EQ(count_newlines("", 0), 0u);
}

}  // namespace
}  // namespace oomscope
