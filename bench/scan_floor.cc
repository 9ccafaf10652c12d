// scan_floor: how fast the analyzer's input path can go before any parsing, to tell the cost
// of the line loop and of the prefilter apart from the cost of the parser.
//
// Usage: scan_floor MODE FILE
//   lines    LineReader (common/line_reader.h) over the file, counting lines
//   anchor   LineReader + has_anchor() (analyzer/oom_parser.h) on every line, counting hits
//   prefix   LineReader + parse_prefix() (analyzer/prefix.h) on every line
//   bigram   LineReader + bigram_anchor() below: the same answer as has_anchor(), found by
//            testing each byte pair against a 64 Kibit table first (a sketch for the analyzer;
//            the run checks that both agree on every line)
//   simd     no line loop: SSE2 compares over the whole (mmap'd) file find the positions where
//            an anchor may start (first and last byte of each anchor at the right distance),
//            and has_anchor() runs only on the lines holding such a position; newlines are
//            counted in between. Same hits as `anchor`, as a sketch of grep's strategy.
//   simdline LineReader + the same SIMD candidate test per line, has_anchor() on candidates
//   parse    the whole analyzer input path (analyze_fd: prefilter, parser, event assembly) with
//            a sink that drops the events: what `analyze` costs without rendering; hits = events
// Prints one line: `mode=anchor bytes=N lines=N hits=N wall_s=S cpu_s=S mb_s=M cpu_mb_s=M`
// (cpu_s is this process's CPU time: the figure to trust on a loaded machine).
//
// Example: scan_floor anchor bench/out/sparse-1024M-e1048576-mixed-h4-s1.log
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string_view>

#include "analyzer/analyze.h"
#include "analyzer/oom_parser.h"
#include "analyzer/prefix.h"
#include "common/line_reader.h"

namespace {

// BigramTable: the first two bytes of every anchor has_anchor() looks for. A line can only
// match at a position whose byte pair is in the table, so the exact checks run rarely.
class BigramTable {
 public:
  BigramTable() {
    for (const char* a : {"oo", "em", "Ki", "Ta", "pi", "Me", "Sy"}) set(a[0], a[1]);
  }
  bool test(unsigned char a, unsigned char b) const {
    const unsigned v = a | (static_cast<unsigned>(b) << 8);
    return (bits_[v >> 6] >> (v & 63)) & 1;
  }

 private:
  void set(unsigned char a, unsigned char b) {
    const unsigned v = a | (static_cast<unsigned>(b) << 8);
    bits_[v >> 6] |= uint64_t{1} << (v & 63);
  }
  uint64_t bits_[1024] = {};
};

// bigram_anchor(): has_anchor() with the byte-pair table in front of its exact checks.
bool bigram_anchor(std::string_view raw) {
  static const BigramTable kTable;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  const auto* end = p + raw.size();
  for (; p + 3 <= end; ++p) {
    if (!kTable.test(p[0], p[1])) continue;
    const auto* c = reinterpret_cast<const char*>(p);
    const size_t left = static_cast<size_t>(end - p);
    switch (p[0]) {
      case 'o': if (p[2] == 'm') return true; break;                                    // oom
      case 'e': if (left >= 5 && std::memcmp(c, "emory", 5) == 0) return true; break;   // [Mm]emory
      case 'K': if (left >= 6 && std::memcmp(c, "Killed", 6) == 0) return true; break;
      case 'T': if (left >= 5 && (std::memcmp(c, "Task ", 5) == 0 || std::memcmp(c, "Tasks", 5) == 0)) return true; break;
      case 'p': if (p[2] == 'd') return true; break;                                    // pid
      case 'M': if (left >= 8 && std::memcmp(c, "Mem-Info", 8) == 0) return true; break;
      case 'S': if (left >= 5 && std::memcmp(c, "SysRq", 5) == 0) return true; break;
      default: break;
    }
  }
  return false;
}

#if defined(__SSE2__)
// The anchors of has_anchor() as three bytes at fixed distances: a position can start an
// anchor only if all three match. oom, emory, Killed, Task, pid, Mem-Info, SysRq.
struct Needle {
  char b0, b1, b2;
  int d1, d2;
};
constexpr Needle kNeedles[] = {{'o', 'o', 'm', 1, 2}, {'e', 'o', 'y', 2, 4}, {'K', 'l', 'd', 3, 5},
                               {'T', 's', 'k', 2, 3}, {'p', 'i', 'd', 1, 2}, {'M', '-', 'o', 3, 7},
                               {'S', 'R', 'q', 3, 4}};
constexpr int kNeedleCount = sizeof kNeedles / sizeof kNeedles[0];
constexpr int kMaxDist = 7;

// Needle bytes broadcast once (recomputing them in the loop halved the speed).
struct NeedleVectors {
  __m128i b0[kNeedleCount], b1[kNeedleCount], b2[kNeedleCount];
  NeedleVectors() {
    for (int n = 0; n < kNeedleCount; ++n) {
      b0[n] = _mm_set1_epi8(kNeedles[n].b0);
      b1[n] = _mm_set1_epi8(kNeedles[n].b1);
      b2[n] = _mm_set1_epi8(kNeedles[n].b2);
    }
  }
};
const NeedleVectors kVec;

// candidates(): bit k set when an anchor may start at p[k], k < 16; reads p[0..16+kMaxDist).
inline unsigned candidates(const char* p) {
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i any = _mm_setzero_si128();
#pragma GCC unroll 8
  for (int n = 0; n < kNeedleCount; ++n) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + kNeedles[n].d1));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + kNeedles[n].d2));
    const __m128i m = _mm_and_si128(_mm_cmpeq_epi8(a, kVec.b0[n]),
                                    _mm_and_si128(_mm_cmpeq_epi8(b, kVec.b1[n]), _mm_cmpeq_epi8(c, kVec.b2[n])));
    any = _mm_or_si128(any, m);
  }
  return static_cast<unsigned>(_mm_movemask_epi8(any));
}

// simd_anchor(): has_anchor() for one line, SIMD candidates first, exact check after.
bool simd_anchor(std::string_view line) {
  const char* p = line.data();
  size_t i = 0;
  for (; i + 16 + kMaxDist <= line.size(); i += 16) {
    if (candidates(p + i) != 0) return oomscope::has_anchor(line);
  }
  return i < line.size() && oomscope::has_anchor(line.substr(i));
}

// simd_scan(): counts the lines of [data, data+size) for which has_anchor() is true, running it
// only on lines holding a candidate position. Newlines are counted from the same loads
// (popcount of a compare mask), so the text is read once.
uint64_t simd_scan(const char* data, size_t size, uint64_t& lines, uint64_t& checked) {
  uint64_t hits = 0;
  size_t done = 0;  // every line that starts before this offset has been checked
  auto check_line_at = [&](size_t j) {
    const char* nl_before = j > done ? static_cast<const char*>(memrchr(data + done, '\n', j - done)) : nullptr;
    const size_t start = nl_before ? static_cast<size_t>(nl_before - data) + 1 : done;
    const char* nl = static_cast<const char*>(std::memchr(data + j, '\n', size - j));
    const size_t end = nl ? static_cast<size_t>(nl - data) : size;
    ++checked;
    if (oomscope::has_anchor(std::string_view(data + start, end - start))) ++hits;
    done = nl ? end + 1 : size;
  };
  // Newlines are summed per byte lane (cmpeq gives -1) and folded with psadbw every 255 blocks:
  // no popcount, which without -mpopcnt is a libgcc call (9% of analyze's profile).
  const __m128i newline = _mm_set1_epi8('\n');
  __m128i lane_counts = _mm_setzero_si128();
  int pending = 0;
  auto fold = [&]() {
    const __m128i sums = _mm_sad_epu8(lane_counts, _mm_setzero_si128());
    lines += static_cast<uint64_t>(_mm_cvtsi128_si32(sums)) + static_cast<uint64_t>(_mm_extract_epi16(sums, 4));
    lane_counts = _mm_setzero_si128();
    pending = 0;
  };
  const size_t simd_end = size >= 16 + kMaxDist ? (size - 16 - kMaxDist) / 16 * 16 : 0;
  for (size_t i = 0; i < simd_end; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    lane_counts = _mm_sub_epi8(lane_counts, _mm_cmpeq_epi8(a, newline));
    if (++pending == 255) fold();
    if (i + 16 <= done) continue;
    unsigned mask = candidates(data + i);
    while (mask) {
      const size_t j = i + static_cast<size_t>(__builtin_ctz(mask));
      mask &= mask - 1;
      if (j >= done) check_line_at(j);
    }
  }
  fold();
  for (size_t i = simd_end; i < size; ++i) lines += data[i] == '\n';
  // The lines not checked yet that reach into the tail, one by one (has_anchor() is exact).
  while (done < size) check_line_at(done);
  return hits;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fputs("Usage: scan_floor lines|anchor|prefix|bigram|simd|simdline|parse FILE\n", stderr);
    return 2;
  }
  const std::string_view mode = argv[1];
  if (mode != "lines" && mode != "anchor" && mode != "prefix" && mode != "bigram" && mode != "simd" &&
      mode != "simdline" && mode != "parse") {
    std::fprintf(stderr, "scan_floor: unknown mode %s\n", argv[1]);
    return 2;
  }
  const int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::perror(argv[2]);
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
#if defined(__SSE2__)
  if (mode == "simd") {
    struct stat sb {};
    if (fstat(fd, &sb) != 0 || sb.st_size == 0) return 2;
    const size_t size = static_cast<size_t>(sb.st_size);
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      std::perror("mmap");
      return 2;
    }
    uint64_t lines = 0, checked = 0;
    const uint64_t hits = simd_scan(static_cast<const char*>(map), size, lines, checked);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    std::printf("mode=simd bytes=%zu lines=%llu hits=%llu checked=%llu wall_s=%.6f cpu_s=%.6f mb_s=%.0f cpu_mb_s=%.0f\n",
                size, static_cast<unsigned long long>(lines), static_cast<unsigned long long>(hits),
                static_cast<unsigned long long>(checked), wall, cpu,
                static_cast<double>(size) / 1e6 / wall, static_cast<double>(size) / 1e6 / cpu);
    return 0;
  }
#endif
  if (mode == "parse") {
    struct Drop : oomscope::EventSink {
      uint64_t n = 0;
      void on_event(oomscope::OomEvent&&) override { ++n; }
    } sink;
    oomscope::ParserOptions opts;
    opts.max_kept_lines = 4000;  // as `oomscope analyze` keeps them (cli/analyze_cmd.cc)
    const oomscope::AnalyzeStats st = oomscope::analyze_fd(fd, argv[2], opts, sink, std::cerr);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    std::printf("mode=parse bytes=%llu lines=%llu hits=%llu wall_s=%.6f cpu_s=%.6f mb_s=%.0f cpu_mb_s=%.0f\n",
                static_cast<unsigned long long>(st.bytes), static_cast<unsigned long long>(st.lines),
                static_cast<unsigned long long>(sink.n), wall, cpu, static_cast<double>(st.bytes) / 1e6 / wall,
                static_cast<double>(st.bytes) / 1e6 / cpu);
    return 0;
  }
  oomscope::LineReader reader(fd);
  oomscope::Line line;
  uint64_t lines = 0, hits = 0;
  while (reader.next(line)) {
    ++lines;
    if (mode == "anchor") {
      hits += oomscope::has_anchor(line.text) ? 1 : 0;
#if defined(__SSE2__)
    } else if (mode == "simdline") {
      hits += simd_anchor(line.text) ? 1 : 0;
#endif
    } else if (mode == "bigram") {
      hits += bigram_anchor(line.text) ? 1 : 0;
    } else if (mode == "prefix") {
      hits += oomscope::parse_prefix(line.text).text.size() > 0 ? 1 : 0;
    }
  }
  // bigram must agree with has_anchor(): check every line again (outside the timing).
  if (mode == "bigram") {
    const double w = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    if (lseek(fd, 0, SEEK_SET) == 0) {
      oomscope::LineReader again(fd);
      while (again.next(line)) {
        if (bigram_anchor(line.text) != oomscope::has_anchor(line.text)) {
          std::fprintf(stderr, "scan_floor: bigram and has_anchor disagree on line %llu\n",
                       static_cast<unsigned long long>(line.number));
          return 1;
        }
      }
    }
    const uint64_t bytes = reader.bytes_read();
    std::printf("mode=bigram bytes=%llu lines=%llu hits=%llu wall_s=%.6f cpu_s=%.6f mb_s=%.0f cpu_mb_s=%.0f\n",
                static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(lines),
                static_cast<unsigned long long>(hits), w, cpu, static_cast<double>(bytes) / 1e6 / w,
                static_cast<double>(bytes) / 1e6 / cpu);
    return 0;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const uint64_t bytes = reader.bytes_read();
  std::printf("mode=%s bytes=%llu lines=%llu hits=%llu wall_s=%.6f cpu_s=%.6f mb_s=%.0f cpu_mb_s=%.0f\n", argv[1],
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(lines),
              static_cast<unsigned long long>(hits), wall, cpu, static_cast<double>(bytes) / 1e6 / wall,
              static_cast<double>(bytes) / 1e6 / cpu);
  close(fd);
  return reader.error() ? 2 : 0;
}
