#include "analyzer/anchor.h"

#include <array>
#include <bit>
#include <cstdint>
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

// Each word as the little-endian number of its bytes, and the mask of as many bytes: with 8
// bytes at hand, a word is there when (the 8 bytes & mask) == value.
struct WordKey {
  uint64_t value = 0, mask = 0;
};
constexpr std::array<WordKey, std::size(kWords)> kKeys = [] {
  std::array<WordKey, std::size(kWords)> keys{};
  for (size_t k = 0; k < std::size(kWords); ++k)
    for (size_t b = 0; b < kWords[k].len; ++b) {
      keys[k].value |= uint64_t{static_cast<uint8_t>(kWords[k].text[b])} << (8 * b);
      keys[k].mask |= uint64_t{0xff} << (8 * b);
    }
  return keys;
}();

// match_at(): does any anchor word start at p (with `left` bytes available)? No calls (no
// memcmp): the AVX2 scan calls this in its loop, and a call there makes GCC keep the scan's
// tables and indices in memory across it (every ymm register is caller-saved).
inline bool match_at(const char* p, size_t left) {
  if (std::endian::native == std::endian::little && left >= 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    bool hit = false;
#pragma GCC unroll 16
    for (const WordKey& k : kKeys) hit |= (x & k.mask) == k.value;
    return hit;
  }
  for (const Word& w : kWords) {
    size_t b = 0;
    while (b < w.len && b < left && p[b] == w.text[b]) ++b;
    if (b == w.len) return true;
  }
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
// the candidates are then confirmed by match_at(). SSE2 compares the bytes with each word's
// (find_avx2() looks them up in nibble tables instead). The loop over kWords must be unrolled (a
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
// The AVX2 scan classifies bytes with nibble lookups (vpshufb) instead of comparing them with
// each word's bytes. Words are put in classes, one bit each, all of one length; a byte's
// first-byte bits are first_lo[b & 15] & first_hi[b >> 4], its second- and last-byte bits the
// same from second_lo/hi and last_lo/hi. A position is a candidate when its first byte, the
// next one and the byte at a class's last offset (2, 3 or 4 bytes on) share that class's bit.
// Each block of 32 bytes is looked up once; the bits 1 to 4 bytes on are shifted in from the
// block after it: ~35 instructions a block where 20 compares took ~80, and the second byte
// halves what match_at() is left to confirm (callgrind on the dense benchmark log:
// find_anchor 13.3 M -> 5.5 M). Splitting bytes into nibbles and merging words into a class
// only add candidates (false positives, which match_at() drops): kmem: and swap: share a
// class, so "kwap:" and "cmem:" are candidates, never hits.
struct NibbleTables {
  uint8_t first_lo[16] = {}, first_hi[16] = {};
  uint8_t second_lo[16] = {}, second_hi[16] = {};
  uint8_t last_lo[16] = {}, last_hi[16] = {};
  uint8_t of_len[3] = {};  // the classes of words of length 3, 4, 5
  int classes = 0;
};

constexpr NibbleTables make_nibble_tables() {
  NibbleTables t;
  size_t class_len[8] = {};
  uint8_t class_first[8] = {}, class_last[8] = {};  // one byte each class was founded with
  for (const Word& w : kWords) {
    const uint8_t f = static_cast<uint8_t>(w.text[0]), l = static_cast<uint8_t>(w.text[w.len - 1]);
    // A word joins a class of its length that has its first or its last byte, which adds
    // the fewest cross-products; else it founds one.
    int c = 0;
    while (c < t.classes && !(class_len[c] == w.len && (class_first[c] == f || class_last[c] == l))) ++c;
    if (c == t.classes) {
      if (t.classes == 8) return NibbleTables{};  // does not fit a byte: caught below
      class_len[c] = w.len;
      class_first[c] = f;
      class_last[c] = l;
      ++t.classes;
    }
    const uint8_t bit = static_cast<uint8_t>(1u << c);
    t.first_lo[f & 15] |= bit;
    t.first_hi[f >> 4] |= bit;
    const uint8_t s = static_cast<uint8_t>(w.text[1]);
    t.second_lo[s & 15] |= bit;
    t.second_hi[s >> 4] |= bit;
    t.last_lo[l & 15] |= bit;
    t.last_hi[l >> 4] |= bit;
    t.of_len[w.len - 3] |= bit;
  }
  return t;
}
constexpr NibbleTables kNibbles = make_nibble_tables();
static_assert(kNibbles.classes > 0, "the anchor words need more than 8 classes");

__attribute__((target("avx2"), always_inline)) inline __m256i table(const uint8_t (&t)[16]) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t)));
}

// The tables in registers, repeated in both 16-byte lanes (vpshufb looks up within a lane).
struct Tables {
  __m256i first_lo, first_hi, second_lo, second_hi, last_lo, last_hi;
};

// classify(): the first-, second- and last-byte class bits of the 32 bytes at q.
__attribute__((target("avx2"), always_inline)) inline void classify(const char* q, const Tables& t, __m256i& first,
                                                                    __m256i& second, __m256i& last) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
  const __m256i lo = _mm256_and_si256(b, low4), hi = _mm256_and_si256(_mm256_srli_epi16(b, 4), low4);
  first = _mm256_and_si256(_mm256_shuffle_epi8(t.first_lo, lo), _mm256_shuffle_epi8(t.first_hi, hi));
  second = _mm256_and_si256(_mm256_shuffle_epi8(t.second_lo, lo), _mm256_shuffle_epi8(t.second_hi, hi));
  last = _mm256_and_si256(_mm256_shuffle_epi8(t.last_lo, lo), _mm256_shuffle_epi8(t.last_hi, hi));
}

// find_avx2(): 32 bytes a step. Built for AVX2 only in this function (the binary still runs
// on any x86-64); find_anchor() picks it at run time.
__attribute__((target("avx2"))) size_t find_avx2(const char* p, size_t n) {
  if (n < 64) return find_sse2(p, n);
  const Tables t{table(kNibbles.first_lo), table(kNibbles.first_hi), table(kNibbles.second_lo),
                 table(kNibbles.second_hi), table(kNibbles.last_lo),  table(kNibbles.last_hi)};
  const __m256i of_len3 = _mm256_set1_epi8(static_cast<char>(kNibbles.of_len[0]));
  const __m256i of_len4 = _mm256_set1_epi8(static_cast<char>(kNibbles.of_len[1]));
  const __m256i of_len5 = _mm256_set1_epi8(static_cast<char>(kNibbles.of_len[2]));
  __m256i first, second, last;
  classify(p, t, first, second, last);
  size_t i = 0;
  for (; i + 64 <= n; i += 32) {
    __m256i next_first, next_second, next_last;
    classify(p + i + 32, t, next_first, next_second, next_last);
    // Bits k bytes on: vpalignr shifts within each lane, so it takes its upper bytes from the
    // 32 bytes starting 16 on (this block's upper lane, the next one's lower).
    const __m256i mid = _mm256_permute2x128_si256(last, next_last, 0x21);
    const __m256i at_last = _mm256_or_si256(
        _mm256_or_si256(_mm256_and_si256(_mm256_alignr_epi8(mid, last, 2), of_len3),
                        _mm256_and_si256(_mm256_alignr_epi8(mid, last, 3), of_len4)),
        _mm256_and_si256(_mm256_alignr_epi8(mid, last, 4), of_len5));
    const __m256i at_second = _mm256_alignr_epi8(_mm256_permute2x128_si256(second, next_second, 0x21), second, 1);
    const __m256i cand = _mm256_and_si256(_mm256_and_si256(first, at_second), at_last);
    const unsigned none = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(cand, _mm256_setzero_si256())));
    if (size_t at = first_confirmed(p, i, n, ~none); at != n) return at;
    first = next_first;
    second = next_second;
    last = next_last;
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
