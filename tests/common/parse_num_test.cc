// parse_num_test.cc: numbers from kernel text never wrap, never throw.
#include <gtest/gtest.h>

#include <string>

#include "common/parse_num.h"

namespace oomscope {
namespace {

TEST(ParseNumTest, Table) {
  EXPECT_EQ(parse_u64("65536"), 65536u);
  EXPECT_EQ(parse_u64("18446744073709551615"), 18446744073709551615ULL);
  EXPECT_FALSE(parse_u64("18446744073709551616").has_value());  // overflow
  EXPECT_FALSE(parse_u64("-1").has_value());
  EXPECT_FALSE(parse_u64("12kB").has_value());
  EXPECT_FALSE(parse_u64("").has_value());
  EXPECT_EQ(parse_i64("-998"), -998);
  EXPECT_EQ(parse_hex_u64("0xcc0"), 0xcc0u);
  std::string_view s = "65536kB, limit";
  EXPECT_EQ(parse_u64_prefix(s), 65536u);
  EXPECT_EQ(s, "kB, limit");
  std::string_view bad = "kB";
  EXPECT_FALSE(parse_u64_prefix(bad).has_value());
  EXPECT_EQ(bad, "kB");
}

// accumulate_digits() takes 8 bytes at a time where 8 remain: every run length (0 to 25 digits,
// past the 64-bit wrap), at every offset, followed by each kind of byte that ends a run (and by
// nothing), must fold to what the plain byte loop gives, with the same length and position.
TEST(ParseNumTest, AccumulateDigitsIsTheByteLoopAtEveryLengthAndOffset) {
  for (size_t pad = 0; pad < 9; ++pad)
    for (size_t len = 0; len <= 25; ++len)
      for (std::string tail : {"", " ", "/", ":", "a", "\xff"}) {  // "": the run ends the text
        std::string text(pad, 'x');
        for (size_t k = 0; k < len; ++k) text += static_cast<char>('0' + (k * 7 + pad) % 10);
        text += tail;
        uint64_t want = 5;  // a value carried in: v = v * 10 + digit goes on from it
        size_t want_end = pad;
        while (want_end < text.size() && text[want_end] >= '0' && text[want_end] <= '9')
          want = want * 10 + static_cast<uint64_t>(text[want_end++] - '0');
        uint64_t got = 5;
        size_t at = pad;
        EXPECT_EQ(accumulate_digits(text, at, got), len) << text;
        EXPECT_EQ(at, want_end) << text;
        EXPECT_EQ(got, want) << text;
      }
}

}  // namespace
}  // namespace oomscope
