// anchor_test.cc: every find_anchor() implementation (scalar, SSE2, AVX2) finds the same first
// anchor word as the scalar reference, at every offset and alignment, including the block
// edges where the SIMD loops hand over to their tails.
#include "analyzer/anchor.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace oomscope {
namespace {

const std::vector<std::string> kWords = {"oom", "Kill", "emory", "Task ", "Tasks", "pid ",
                                         "Mem-I", "SysRq", "kmem:", "swap:"};
const AnchorImpl kImpls[] = {AnchorImpl::kScalar, AnchorImpl::kSse2, AnchorImpl::kAvx2};

TEST(Anchor, EveryWordAtEveryOffsetAndLength) {
  for (AnchorImpl impl : kImpls) {
    if (!anchor_impl_available(impl)) continue;
    for (const std::string& w : kWords) {
      for (size_t len = w.size(); len <= 100; ++len) {
        for (size_t at = 0; at + w.size() <= len; ++at) {
          std::string buf(len, '.');
          buf.replace(at, w.size(), w);
          ASSERT_EQ(find_anchor_with(impl, buf.data(), buf.size()), at)
              << "impl " << static_cast<int>(impl) << " word '" << w << "' len " << len;
        }
      }
    }
  }
}

TEST(Anchor, NearMissesAreNotAnchors) {
  // First and last byte right, middle wrong: the SIMD candidates must be confirmed.
  const std::string buf = "oXm KXll eXXXy TXXX  TXXXs pXX  MXXXI SXXXq kXXX: sXXX: o m";
  for (AnchorImpl impl : kImpls) {
    if (!anchor_impl_available(impl)) continue;
    EXPECT_EQ(find_anchor_with(impl, buf.data(), buf.size()), buf.size()) << static_cast<int>(impl);
  }
}

TEST(Anchor, NibbleTableCrossProductsAreNotAnchors) {
  // The AVX2 scan looks bytes up by nibble and merges kmem:/swap: and Task /Tasks into one
  // class each: these are its candidates (first byte 'c' = 0x63 shares nibbles with 'k' 0x6b
  // and 's' 0x73; '#' 0x23 and 'p' 0x70 with ' ' 0x20 and 's' 0x73), never its hits.
  const std::string buf = "cmem: kwap: smem: {wap: cwap: Task# Taskp Tasp  Tass: oo m Kil  pidx ";
  for (AnchorImpl impl : kImpls) {
    if (!anchor_impl_available(impl)) continue;
    for (size_t from = 0; from < buf.size(); ++from)
      EXPECT_EQ(find_anchor_with(impl, buf.data() + from, buf.size() - from), buf.size() - from)
          << static_cast<int>(impl) << " from " << from;
  }
}

TEST(Anchor, ImplementationsAgreeOnRandomLogText) {
  // Random text over the anchor words' letters, so candidates and hits are frequent.
  std::mt19937 rng(42);
  const std::string alphabet = "oomKilemryTaskpidMe-ISysRqkmswap: \n";
  for (int round = 0; round < 2000; ++round) {
    std::string buf(rng() % 300, ' ');
    for (char& c : buf) c = alphabet[rng() % alphabet.size()];
    size_t want = find_anchor_with(AnchorImpl::kScalar, buf.data(), buf.size());
    for (AnchorImpl impl : kImpls) {
      if (!anchor_impl_available(impl)) continue;
      ASSERT_EQ(find_anchor_with(impl, buf.data(), buf.size()), want) << "round " << round;
    }
    ASSERT_EQ(find_anchor(buf.data(), buf.size()), want);
  }
}

TEST(Anchor, ExampleFromHeader) {
  EXPECT_EQ(find_anchor("eth0 up\n[1.0] Out of memory", 27), 22u);  // at "emory"
  EXPECT_EQ(find_anchor("", 0), 0u);
}

}  // namespace
}  // namespace oomscope
