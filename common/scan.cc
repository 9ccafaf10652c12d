#include "common/scan.h"

#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace oomscope {

size_t count_newlines(const char* p, size_t n) {
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

}  // namespace oomscope
