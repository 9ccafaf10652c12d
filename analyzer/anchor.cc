#include "analyzer/anchor.h"

#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
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

}  // namespace

size_t find_anchor(const char* p, size_t n) {
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

}  // namespace oomscope
