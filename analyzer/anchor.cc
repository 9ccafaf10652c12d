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

size_t find_sse2(const char* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  // Loads at i, i+2, i+3, i+4 cover the last byte of every word (lengths 3, 4, 5).
  const __m128i o = _mm_set1_epi8('o'), m = _mm_set1_epi8('m');
  const __m128i K = _mm_set1_epi8('K'), l = _mm_set1_epi8('l');
  const __m128i e = _mm_set1_epi8('e'), y = _mm_set1_epi8('y');
  const __m128i T = _mm_set1_epi8('T'), sp = _mm_set1_epi8(' '), s = _mm_set1_epi8('s');
  const __m128i pp = _mm_set1_epi8('p');
  const __m128i M = _mm_set1_epi8('M'), I = _mm_set1_epi8('I');
  const __m128i S = _mm_set1_epi8('S'), q = _mm_set1_epi8('q');
  const __m128i kk = _mm_set1_epi8('k'), colon = _mm_set1_epi8(':');
  for (; i + 16 + 4 <= n; i += 16) {
    const __m128i b0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i b2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 2));
    const __m128i b3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 3));
    const __m128i b4 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 4));
    __m128i hit = _mm_and_si128(_mm_cmpeq_epi8(b0, o), _mm_cmpeq_epi8(b2, m));                // oom
    hit = _mm_or_si128(hit, _mm_and_si128(_mm_cmpeq_epi8(b0, K), _mm_cmpeq_epi8(b3, l)));    // Kill
    hit = _mm_or_si128(hit, _mm_and_si128(_mm_cmpeq_epi8(b0, e), _mm_cmpeq_epi8(b4, y)));    // emory
    hit = _mm_or_si128(hit, _mm_and_si128(_mm_cmpeq_epi8(b0, T),
                                          _mm_or_si128(_mm_cmpeq_epi8(b4, sp), _mm_cmpeq_epi8(b4, s))));  // Task , Tasks
    hit = _mm_or_si128(hit, _mm_and_si128(_mm_cmpeq_epi8(b0, pp), _mm_cmpeq_epi8(b3, sp)));  // pid + blank
    hit = _mm_or_si128(hit, _mm_and_si128(_mm_cmpeq_epi8(b0, M), _mm_cmpeq_epi8(b4, I)));    // Mem-I
    hit = _mm_or_si128(hit, _mm_and_si128(_mm_cmpeq_epi8(b0, S), _mm_cmpeq_epi8(b4, q)));    // SysRq
    hit = _mm_or_si128(hit, _mm_and_si128(_mm_or_si128(_mm_cmpeq_epi8(b0, kk), _mm_cmpeq_epi8(b0, s)),
                                          _mm_cmpeq_epi8(b4, colon)));  // kmem: swap:
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    while (mask) {
      unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      if (match_at(p + i + bit, n - i - bit)) return i + bit;
      mask &= mask - 1;
    }
  }
#endif
  return scalar_find(p, i, n);
}

#if defined(OOMSCOPE_ANCHOR_AVX2)
// find_avx2(): the same test as the SSE2 loop below, 32 bytes at a time. Built for AVX2 only
// in this function (the binary still runs on any x86-64); find_anchor() picks it at run time.
__attribute__((target("avx2"))) size_t find_avx2(const char* p, size_t n) {
  size_t i = 0;
  const __m256i o = _mm256_set1_epi8('o'), m = _mm256_set1_epi8('m');
  const __m256i K = _mm256_set1_epi8('K'), l = _mm256_set1_epi8('l');
  const __m256i e = _mm256_set1_epi8('e'), y = _mm256_set1_epi8('y');
  const __m256i T = _mm256_set1_epi8('T'), sp = _mm256_set1_epi8(' '), s = _mm256_set1_epi8('s');
  const __m256i pp = _mm256_set1_epi8('p');
  const __m256i M = _mm256_set1_epi8('M'), I = _mm256_set1_epi8('I');
  const __m256i S = _mm256_set1_epi8('S'), q = _mm256_set1_epi8('q');
  const __m256i kk = _mm256_set1_epi8('k'), colon = _mm256_set1_epi8(':');
  for (; i + 32 + 4 <= n; i += 32) {
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    const __m256i b2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 2));
    const __m256i b3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 3));
    const __m256i b4 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 4));
    __m256i hit = _mm256_and_si256(_mm256_cmpeq_epi8(b0, o), _mm256_cmpeq_epi8(b2, m));               // oom
    hit = _mm256_or_si256(hit, _mm256_and_si256(_mm256_cmpeq_epi8(b0, K), _mm256_cmpeq_epi8(b3, l)));   // Kill
    hit = _mm256_or_si256(hit, _mm256_and_si256(_mm256_cmpeq_epi8(b0, e), _mm256_cmpeq_epi8(b4, y)));   // emory
    hit = _mm256_or_si256(hit, _mm256_and_si256(_mm256_cmpeq_epi8(b0, T), _mm256_or_si256(_mm256_cmpeq_epi8(b4, sp),
                                                                                        _mm256_cmpeq_epi8(b4, s))));
    hit = _mm256_or_si256(hit, _mm256_and_si256(_mm256_cmpeq_epi8(b0, pp), _mm256_cmpeq_epi8(b3, sp)));  // pid
    hit = _mm256_or_si256(hit, _mm256_and_si256(_mm256_cmpeq_epi8(b0, M), _mm256_cmpeq_epi8(b4, I)));   // Mem-I
    hit = _mm256_or_si256(hit, _mm256_and_si256(_mm256_cmpeq_epi8(b0, S), _mm256_cmpeq_epi8(b4, q)));   // SysRq
    hit = _mm256_or_si256(hit, _mm256_and_si256(_mm256_or_si256(_mm256_cmpeq_epi8(b0, kk), _mm256_cmpeq_epi8(b0, s)),
                                                _mm256_cmpeq_epi8(b4, colon)));  // kmem: swap:
    unsigned mask = static_cast<unsigned>(_mm256_movemask_epi8(hit));
    while (mask) {
      unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      if (match_at(p + i + bit, n - i - bit)) return i + bit;
      mask &= mask - 1;
    }
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
