// parse_num_test.cc: numbers from kernel text never wrap, never throw.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace oomscope
