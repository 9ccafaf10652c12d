// line_reader_test.cc: the bounded reader's policy (CRLF, cut lines, last line) and the
// skipping reader's exact line numbers across block boundaries.
#include <algorithm>
#include <cstring>
#include <random>
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

// Every length from 0 to 300 at 4 alignments, so that the 32- and 16-byte loops, the
// overlapping last blocks and the byte-at-a-time tails all meet newlines and hits at every
// place (and the 255-block folds of count_newlines once, below).
TEST(ScanTest, CountNewlinesAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::string s(8 * 1024 + 300, 'x');
  for (char& c : s) c = rng() % 5 == 0 ? '\n' : static_cast<char>('a' + rng() % 3);
  for (size_t off = 0; off < 4; ++off)
    for (size_t n = 0; n <= 300; ++n)
      ASSERT_EQ(count_newlines(s.data() + off, n), static_cast<size_t>(std::count(s.begin() + off, s.begin() + off + n, '\n')))
          << "off " << off << " n " << n;
  EXPECT_EQ(count_newlines(s.data(), s.size()), static_cast<size_t>(std::count(s.begin(), s.end(), '\n')));
}

TEST(ScanTest, FindEitherAtEveryLengthAndPlace) {
  for (size_t off = 0; off < 4; ++off)
    for (size_t n = 0; n <= 100; ++n) {
      std::string s(off + n, '.');
      EXPECT_EQ(find_either(s.data() + off, n, '\\', '#'), n) << "none, n " << n;
      for (size_t at = 0; at < n; ++at)
        for (char c : {'\\', '#'}) {
          std::string t = s;
          t[off + at] = c;
          if (at + 1 < n) t[off + n - 1] = c == '#' ? '\\' : '#';  // a later hit of the other byte
          ASSERT_EQ(find_either(t.data() + off, n, '\\', '#'), at) << "off " << off << " n " << n << " at " << at;
        }
    }
  EXPECT_EQ(find_either("a#b\\c", 5, '\\', '#'), 1u);  // scan.h's example
}

TEST(ScanTest, FindEitherOnRandomBytes) {
  // Every byte value (NUL and bytes >= 0x80 too) around the searched ones, against std::find_if.
  std::mt19937 rng(11);
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng() % 80, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 8 == 0 ? "\\#"[rng() % 2] : rng() % 256);
    const size_t want = static_cast<size_t>(std::find_if(s.begin(), s.end(), [](char c) { return c == '\\' || c == '#'; }) - s.begin());
    ASSERT_EQ(find_either(s.data(), s.size(), '\\', '#'), want) << "round " << round;
  }
}

}  // namespace
}  // namespace oomscope
