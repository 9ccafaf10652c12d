#include "common/json_writer.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace oomscope {

void JsonWriter::value(double v) {
  sep();
  if (std::isfinite(v)) {
    // As printf("%.17g"): to_chars with a precision is specified to print what printf does.
    char* p = reserve(32);
    len_ += static_cast<size_t>(std::to_chars(p, p + 32, v, std::chars_format::general, 17).ptr - p);
  } else {
    put("null");
  }
  done();
}

namespace {

// utf8_len(): the length of the valid UTF-8 sequence at s[i], or 0 if it is not valid.
size_t utf8_len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// kSpecial[c]: byte c needs escaping (or checking).
constexpr auto kSpecial = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return t;
}();

#if defined(__SSE2__)
// special(): a bit per byte of x that needs escaping. A signed compare with 0x20 flags the
// control bytes and, as negative numbers, the bytes >= 0x80.
inline unsigned special(__m128i x) {
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
  return static_cast<unsigned>(_mm_movemask_epi8(
      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)), _mm_cmplt_epi8(x, space))));
}
#endif

}  // namespace

size_t JsonWriter::plain_prefix(std::string_view s, size_t i) {
#if defined(__SSE2__)
  // 16 bytes at a time.
  auto special16 = [&](size_t at) {  // a bit per byte of s[at, at + 16) that is special
    return special(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at)));
  };
  if (s.size() >= 16) {
    for (; i + 16 <= s.size(); i += 16)
      if (const unsigned m = special16(i)) return i + static_cast<size_t>(std::countr_zero(m));
    if (i == s.size()) return i;
    // The last 1-15 bytes: the last 16 of the string, less the flags of the bytes before i
    // (checked already, or escaped by the caller).
    const size_t at = s.size() - 16;
    if (const unsigned m = special16(at) & (~0u << (i - at))) return at + static_cast<size_t>(std::countr_zero(m));
    return s.size();
  }
  // Shorter strings (most keys, names and kernel symbols): their first and last 8 (or 4) bytes,
  // which overlap, in one register; a flag in the low half is the first special byte, else the
  // first flag in the high half is. Under 4 bytes, a byte at a time (below).
  const size_t n = s.size() - i;
  const char* p = s.data() + i;
  if (n >= 8) {
    uint64_t lo, hi;
    std::memcpy(&lo, p, 8);
    std::memcpy(&hi, p + n - 8, 8);
    const unsigned m = special(_mm_set_epi64x(static_cast<int64_t>(hi), static_cast<int64_t>(lo)));
    if (m & 0xff) return i + static_cast<size_t>(std::countr_zero(m));
    return m ? i + n - 8 + static_cast<size_t>(std::countr_zero(m >> 8)) : s.size();
  }
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    const unsigned m = special(_mm_set_epi32(0, 0, static_cast<int>(hi), static_cast<int>(lo))) & 0xff;  // lanes 8-15 (zeros) left out
    if (m & 0xf) return i + static_cast<size_t>(std::countr_zero(m));
    return m ? i + n - 4 + static_cast<size_t>(std::countr_zero(m >> 4)) : s.size();
  }
#else
  // SWAR, 8 bytes at a time: the high bit of a byte of special_bytes(x) is set where x has a
  // byte below 0x20, '"' or '\\', or a byte >= 0x80. The "zero byte" and "byte below n" tests
  // can flag a byte after a real match (a borrow), never one before it: the lowest flag is exact.
  static_assert(std::endian::native == std::endian::little, "the first byte is the lowest");
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto special_bytes = [](uint64_t x) {
    auto below = [](uint64_t v, uint64_t n) { return (v - kOnes * n) & ~v; };
    auto zero = [](uint64_t v) { return (v - kOnes) & ~v; };
    return (x | below(x, 0x20) | zero(x ^ (kOnes * '"')) | zero(x ^ (kOnes * '\\'))) & kHigh;
  };
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    if (uint64_t m = special_bytes(x)) return i + static_cast<size_t>(std::countr_zero(m)) / 8;
  }
#endif
  for (; i < s.size(); ++i)
    if (kSpecial[static_cast<unsigned char>(s[i])]) return i;
  return s.size();
}

bool JsonWriter::copy_plain(char* dst, std::string_view s) {
  const char* src = s.data();
  const size_t n = s.size();
#if defined(__SSE2__)
  // As plain_prefix() reads: 16 bytes at a time and the last 16 again (overlapping), or the
  // first and last 8 (or 4) bytes in one register; each piece stored once checked.
  if (n >= 16) {
    for (size_t i = 0; i + 16 <= n; i += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
      if (special(x)) return false;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), x);
    }
    if (n % 16 == 0) return true;
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + n - 16));
    if (special(x)) return false;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 16), x);
    return true;
  }
  if (n >= 8) {
    uint64_t lo, hi;
    std::memcpy(&lo, src, 8);
    std::memcpy(&hi, src + n - 8, 8);
    if (special(_mm_set_epi64x(static_cast<int64_t>(hi), static_cast<int64_t>(lo)))) return false;
    std::memcpy(dst, &lo, 8);
    std::memcpy(dst + n - 8, &hi, 8);
    return true;
  }
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, src, 4);
    std::memcpy(&hi, src + n - 4, 4);
    // Lanes 8-15 (zeros) left out.
    if (special(_mm_set_epi32(0, 0, static_cast<int>(hi), static_cast<int>(lo))) & 0xff) return false;
    std::memcpy(dst, &lo, 4);
    std::memcpy(dst + n - 4, &hi, 4);
    return true;
  }
  for (size_t i = 0; i < n; ++i) {
    if (kSpecial[static_cast<unsigned char>(src[i])]) return false;
    dst[i] = src[i];
  }
  return true;
#else
  if (plain_prefix(s, 0) < n) return false;
  if (n) std::memcpy(dst, src, n);  // an empty view's data() may be null
  return true;
#endif
}

void JsonWriter::escaped(std::string_view s) {
  put('"');
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one go.
    const size_t j = plain_prefix(s, i);
    put(s.substr(i, j - i));
    i = j;
    if (i >= s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_len(s, i);
      if (n) {
        put(s.substr(i, n));
        i += n;
      } else {
        put("\xEF\xBF\xBD");  // U+FFFD
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"': put("\\\""); break;
      case '\\': put("\\\\"); break;
      case '\n': put("\\n"); break;
      case '\r': put("\\r"); break;
      case '\t': put("\\t"); break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        put(buf);
      }
    }
    ++i;
  }
  put('"');
}

}  // namespace oomscope
