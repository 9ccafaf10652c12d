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
// each word's bytes: half the instructions per block of find_sse2()'s 20 compares (callgrind,
// dense benchmark log). Words of one length are put in classes, one bit each; a byte's
// first-byte bits are firstlo[b & 15] & firsthi[b >> 4], its last-byte bits the same from the
// table of the word length's last offset. A position is a candidate when its first byte and
// the byte at some class's last offset share a bit. Splitting bytes into nibbles and merging
// words into a class only add candidates (false positives, which match_at() drops): kmem: and
// swap: share a class, so "kwap:" and "cmem:" are candidates, never hits.
struct NibbleTables {
  uint8_t first_lo[16] = {}, first_hi[16] = {};
  uint8_t last_lo[3][16] = {}, last_hi[3][16] = {};  // last byte at offset 2, 3, 4
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
    t.last_lo[w.len - 3][l & 15] |= bit;
    t.last_hi[w.len - 3][l >> 4] |= bit;
  }
  return t;
}
constexpr NibbleTables kNibbles = make_nibble_tables();
static_assert(kNibbles.classes > 0, "the anchor words need more than 8 classes");

// nibble_bits(): per byte of b, lo[b & 15] & hi[b >> 4] (tables repeated in both lanes).
__attribute__((target("avx2"), always_inline)) inline __m256i nibble_bits(__m256i b, __m256i lo, __m256i hi) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  return _mm256_and_si256(_mm256_shuffle_epi8(lo, _mm256_and_si256(b, low4)),
                          _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(b, 4), low4)));
}

__attribute__((target("avx2"), always_inline)) inline __m256i table(const uint8_t (&t)[16]) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t)));
}

// find_avx2(): 32 bytes a step. Built for AVX2 only in this function (the binary still runs
// on any x86-64); find_anchor() picks it at run time.
__attribute__((target("avx2"))) size_t find_avx2(const char* p, size_t n) {
  const __m256i first_lo = table(kNibbles.first_lo), first_hi = table(kNibbles.first_hi);
  __m256i last_lo[3], last_hi[3];
  for (size_t k = 0; k < 3; ++k) {
    last_lo[k] = table(kNibbles.last_lo[k]);
    last_hi[k] = table(kNibbles.last_hi[k]);
  }
  size_t i = 0;
  for (; i + 32 + 4 <= n; i += 32) {
    __m256i last = _mm256_setzero_si256();
#pragma GCC unroll 3
    for (size_t k = 0; k < 3; ++k) {
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 2 + k));
      last = _mm256_or_si256(last, nibble_bits(b, last_lo[k], last_hi[k]));
    }
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    const __m256i cand = _mm256_and_si256(nibble_bits(b0, first_lo, first_hi), last);
    const unsigned none = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(cand, _mm256_setzero_si256())));
    if (size_t at = first_confirmed(p, i, n, ~none); at != n) return at;
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
