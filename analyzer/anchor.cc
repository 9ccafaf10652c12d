#include "analyzer/anchor.h"

#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define OOMSCOPE_ANCHOR_AVX2 1
#endif

namespace oomscope {
namespace {

struct Word {
  const char* text;
  size_t len;
};
constexpr Word kWords[] = {{"oom", 3},   {"Kill", 4},  {"emory", 5}, {"Task ", 5}, {"Tasks", 5},
                           {"pid ", 4},  {"Mem-I", 5}, {"SysRq", 5}, {"kmem:", 5}, {"swap:", 5}};

// match_at(): does any anchor word start at p (with `left` bytes available)?
inline bool match_at(const char* p, size_t left) {
  for (const Word& w : kWords)
    if (left >= w.len && p[0] == w.text[0] && std::memcmp(p, w.text, w.len) == 0) return true;
  return false;
}

size_t scalar_find(const char* p, size_t from, size_t n) {
  for (size_t i = from; i < n; ++i)
    if (match_at(p + i, n - i)) return i;
  return n;
}

// first_confirmed(): the first candidate bit of `mask` (block at p + i) where a word really
// starts, as an offset into p; n when none does.
inline size_t first_confirmed(const char* p, size_t i, size_t n, unsigned mask) {
  while (mask) {
    unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
    if (match_at(p + i + bit, n - i - bit)) return i + bit;
    mask &= mask - 1;
  }
  return n;
}

// The SIMD scans test, for every word of kWords, its first byte at i and its last byte at
// i + len - 1 (loads at i, i+2, i+3, i+4 cover lengths 3 to 5), 16 or 32 positions at a time;
// the candidates are then confirmed by match_at(). The loop over kWords must be unrolled (a
// constant table of 10 words): GCC 12 at -O2 keeps it a loop that reloads each word and
// broadcasts its bytes per block, 2.8x the instructions (callgrind, dense benchmark log).
static_assert([] {
  for (const Word& w : kWords)
    if (w.len < 3 || w.len > 5) return false;
  return true;
}(), "the SIMD scans load the last byte at offsets 2..4 only");

size_t find_sse2(const char* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 + 4 <= n; i += 16) {
    __m128i b[5];
#pragma GCC unroll 5
    for (size_t k = 0; k < 5; ++k) b[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + k));
    __m128i hit = _mm_setzero_si128();
#pragma GCC unroll 16
    for (const Word& w : kWords)
      hit = _mm_or_si128(hit, _mm_and_si128(_mm_cmpeq_epi8(b[0], _mm_set1_epi8(w.text[0])),
                                            _mm_cmpeq_epi8(b[w.len - 1], _mm_set1_epi8(w.text[w.len - 1]))));
    if (size_t at = first_confirmed(p, i, n, static_cast<unsigned>(_mm_movemask_epi8(hit))); at != n) return at;
  }
#endif
  return scalar_find(p, i, n);
}

#if defined(OOMSCOPE_ANCHOR_AVX2)
// find_avx2(): find_sse2() 32 bytes at a time. Built for AVX2 only in this function (the
// binary still runs on any x86-64); find_anchor() picks it at run time.
__attribute__((target("avx2"))) size_t find_avx2(const char* p, size_t n) {
  size_t i = 0;
  for (; i + 32 + 4 <= n; i += 32) {
    __m256i b[5];
#pragma GCC unroll 5
    for (size_t k = 0; k < 5; ++k) b[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + k));
    __m256i hit = _mm256_setzero_si256();
#pragma GCC unroll 16
    for (const Word& w : kWords)
      hit = _mm256_or_si256(hit, _mm256_and_si256(_mm256_cmpeq_epi8(b[0], _mm256_set1_epi8(w.text[0])),
                                                  _mm256_cmpeq_epi8(b[w.len - 1], _mm256_set1_epi8(w.text[w.len - 1]))));
    if (size_t at = first_confirmed(p, i, n, static_cast<unsigned>(_mm256_movemask_epi8(hit))); at != n) return at;
  }
  return i + find_sse2(p + i, n - i);
}
#endif

}  // namespace

bool anchor_impl_available(AnchorImpl impl) {
  switch (impl) {
    case AnchorImpl::kScalar: return true;
    case AnchorImpl::kSse2:
#if defined(__SSE2__)
      return true;
#else
      return false;
#endif
    case AnchorImpl::kAvx2:
#if defined(OOMSCOPE_ANCHOR_AVX2)
      return __builtin_cpu_supports("avx2");
#else
      return false;
#endif
  }
  return false;
}

size_t find_anchor_with(AnchorImpl impl, const char* p, size_t n) {
  switch (impl) {
    case AnchorImpl::kScalar: return scalar_find(p, 0, n);
    case AnchorImpl::kSse2: return find_sse2(p, n);
    case AnchorImpl::kAvx2:
#if defined(OOMSCOPE_ANCHOR_AVX2)
      if (anchor_impl_available(AnchorImpl::kAvx2)) return find_avx2(p, n);
#endif
      return find_sse2(p, n);
  }
  return find_sse2(p, n);
}

size_t find_anchor(const char* p, size_t n) {
#if defined(OOMSCOPE_ANCHOR_AVX2)
  static const bool avx2 = anchor_impl_available(AnchorImpl::kAvx2);
  if (avx2) return find_avx2(p, n);
#endif
  return find_sse2(p, n);
}

}  // namespace oomscope
