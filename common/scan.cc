#include "common/scan.h"

#include <bit>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define OOMSCOPE_SCAN_AVX2 1
#endif

namespace oomscope {
namespace {

#if defined(OOMSCOPE_SCAN_AVX2)
// The AVX2 versions are built for AVX2 in these functions only (the binary still runs on any
// x86-64) and chosen at run time. Decided once at start-up, not behind a function-local
// static's guard: find_either() runs on every parsed line.
const bool kHaveAvx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
#endif

size_t count_newlines_sse2(const char* p, size_t n) {
  size_t count = 0, i = 0;
#if defined(__SSE2__)
  // Each compare gives 0xff (-1) per newline; subtracting it counts in 8-bit lanes, which are
  // folded into 64-bit sums (psadbw) before they can overflow (every 255 blocks).
  const __m128i nl = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  while (i + 16 <= n) {
    __m128i acc = zero;
    size_t blocks = (n - i) / 16;
    if (blocks > 255) blocks = 255;
    for (size_t b = 0; b < blocks; ++b, i += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
    }
    __m128i sums = _mm_sad_epu8(acc, zero);
    count += static_cast<size_t>(_mm_cvtsi128_si64(sums)) + static_cast<size_t>(_mm_extract_epi16(sums, 4));
  }
#endif
  for (; i < n; ++i) count += p[i] == '\n';
  return count;
}

size_t find_either_sse2(const char* p, size_t n, char a, char b) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
  auto hits = [&](size_t at) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb))));
  };
  for (; i + 16 <= n; i += 16)
    if (unsigned m = hits(i)) return i + static_cast<size_t>(__builtin_ctz(m));
  // The last 16 bytes, overlapping what was scanned (no hit there): no byte-at-a-time tail.
  if (i < n && n >= 16) {
    unsigned m = hits(n - 16);
    return m ? n - 16 + static_cast<size_t>(__builtin_ctz(m)) : n;
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    // What SSE2 leaves (under 16 bytes: short messages, a third of the lines on d8) 8 bytes at
    // a time, the last word overlapping, instead of a byte loop. A byte equal to a or b is a
    // zero byte of x ^ a or x ^ b; (t - 0x01…) & ~t & 0x80… flags the lowest zero byte exactly
    // (borrows only flag bytes above it, which little-endian puts at higher addresses).
    auto first_hit = [&](size_t at) -> size_t {
      uint64_t x;
      std::memcpy(&x, p + at, 8);
      constexpr uint64_t kOnes = 0x0101010101010101, kHigh = 0x8080808080808080;
      const uint64_t ta = x ^ (kOnes * static_cast<uint8_t>(a)), tb = x ^ (kOnes * static_cast<uint8_t>(b));
      const uint64_t z = ((ta - kOnes) & ~ta & kHigh) | ((tb - kOnes) & ~tb & kHigh);
      return z ? static_cast<size_t>(std::countr_zero(z)) / 8 : 8;
    };
    for (; i + 8 <= n; i += 8)
      if (size_t k = first_hit(i); k < 8) return i + k;
    if (i < n && n >= 8) {
      size_t k = first_hit(n - 8);
      return k < 8 ? n - 8 + k : n;
    }
  }
  for (; i < n; ++i)
    if (p[i] == a || p[i] == b) return i;
  return n;
}

#if defined(OOMSCOPE_SCAN_AVX2)
// count_newlines_avx2(): count_newlines_sse2() 32 bytes at a time.
__attribute__((target("avx2"))) size_t count_newlines_avx2(const char* p, size_t n) {
  size_t count = 0, i = 0;
  const __m256i nl = _mm256_set1_epi8('\n');
  const __m256i zero = _mm256_setzero_si256();
  while (i + 32 <= n) {
    __m256i acc = zero;
    size_t blocks = (n - i) / 32;
    if (blocks > 255) blocks = 255;
    for (size_t b = 0; b < blocks; ++b, i += 32) {
      __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
      acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(v, nl));
    }
    const __m256i sums = _mm256_sad_epu8(acc, zero);  // four 64-bit sums
    const __m128i two = _mm_add_epi64(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
    count += static_cast<size_t>(_mm_cvtsi128_si64(two)) + static_cast<size_t>(_mm_extract_epi64(two, 1));
  }
  return count + count_newlines_sse2(p + i, n - i);
}

// find_either_avx2(): find_either_sse2() 32 bytes at a time.
__attribute__((target("avx2"))) size_t find_either_avx2(const char* p, size_t n, char a, char b) {
  if (n < 32) return find_either_sse2(p, n, a, b);
  const __m256i va = _mm256_set1_epi8(a), vb = _mm256_set1_epi8(b);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    if (unsigned m = static_cast<unsigned>(
            _mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v, va), _mm256_cmpeq_epi8(v, vb)))))
      return i + static_cast<size_t>(__builtin_ctz(m));
  }
  if (i == n) return n;
  // The last 32 bytes, overlapping what was scanned (no hit there).
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + n - 32));
  unsigned m = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v, va), _mm256_cmpeq_epi8(v, vb))));
  return m ? n - 32 + static_cast<size_t>(__builtin_ctz(m)) : n;
}
#endif

}  // namespace

size_t count_newlines(const char* p, size_t n) {
#if defined(OOMSCOPE_SCAN_AVX2)
  if (kHaveAvx2) return count_newlines_avx2(p, n);
#endif
  return count_newlines_sse2(p, n);
}

size_t find_either(const char* p, size_t n, char a, char b) {
#if defined(OOMSCOPE_SCAN_AVX2)
  if (kHaveAvx2) return find_either_avx2(p, n, a, b);
#endif
  return find_either_sse2(p, n, a, b);
}

}  // namespace oomscope
