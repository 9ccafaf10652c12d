// strings_test.cc: ws_tokens() walks exactly the tokens split_ws() returns; bytes_less() is std::string order.
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/strings.h"

namespace oomscope {
namespace {

TEST(StringsTest, WsTokensAreSplitWsTokensWithoutAVector) {
  for (std::string_view s : {"", " ", "a", "  a", "a  ", "a b", "\tactive_anon:1 inactive_anon:2\tisolated_anon:0  ",
                             "Node 0 DMA: 1*4kB (U) 2*8kB = 20kB", "   \t  ", "x\ty\nz"}) {
    std::vector<std::string_view> walked;
    for (std::string_view tok : ws_tokens(s)) walked.push_back(tok);
    EXPECT_EQ(walked, split_ws(s)) << '"' << s << '"';
  }
  // A range-for over no token runs no iteration.
  int n = 0;
  for ([[maybe_unused]] std::string_view tok : ws_tokens("   ")) ++n;
  EXPECT_EQ(n, 0);
}

// bytes_less() orders as std::string's operator< does: bytes as unsigned char, a prefix first.
TEST(StringsTest, BytesLessIsStdStringOrder) {
  const std::vector<std::string> v = {"", "a", "ab", "abc", "abd", "b", "java", "javac", "python3", "python",
                                      "kworker/0:1", "kworker/0:10", std::string("a\0b", 3), "\xff", "\x7f", "Z", "_z"};
  for (const std::string& a : v)
    for (const std::string& b : v) EXPECT_EQ(bytes_less(a, b), a < b) << '"' << a << "\" \"" << b << '"';
}

}  // namespace
}  // namespace oomscope
