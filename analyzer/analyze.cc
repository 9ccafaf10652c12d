#include "analyzer/analyze.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ostream>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/anchor.h"
#include "analyzer/parallel.h"
#include "analyzer/prefix.h"
#include "common/line_reader.h"

namespace oomscope {
namespace {

// Inputs up to this size are read whole, so that a reverse-chronological export (GUI log
// viewers) can be put back in order; larger ones stream with a bounded buffer.
constexpr uint64_t kReorderMaxBytes = 1ULL << 20;
constexpr uint64_t kReorderCheckBytes = kReorderMaxBytes;

// A sortable key for a line's stamp: monotonic seconds, or the time-only clock.
std::optional<double> stamp_key(std::string_view raw) {
  LogLine l = parse_prefix(raw);
  if (auto mono = l.mono_s()) return mono;
  if (l.style == PrefixStyle::kTimeOnly && l.wall_raw.size() >= 8) {
    auto d = [&](size_t i) { return (l.wall_raw[i] - '0') * 10 + (l.wall_raw[i + 1] - '0'); };
    return d(0) * 3600.0 + d(3) * 60.0 + d(6);
  }
  return std::nullopt;
}

AnalyzeStats feed_lines(LineReader& r, OomParser& p) {
  AnalyzeStats st;
  Line line;
  for (;;) {
    bool got = p.needs_every_line() ? r.next(line) : r.next_matching(line, find_anchor);
    if (!got) break;
    p.feed(line.text, line.number, line.cut);
  }
  st.lines = r.lines_seen();
  st.bytes = r.bytes_read();
  return st;
}

AnalyzeStats analyze_small(std::string data, const std::string& name, const ParserOptions& opts, EventSink& sink) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < data.size()) {
    size_t nl = data.find('\n', start);
    std::string_view l(data.data() + start, (nl == std::string::npos ? data.size() : nl) - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines.push_back(l);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  std::vector<std::pair<std::string_view, uint64_t>> numbered;
  for (size_t i = 0; i < lines.size(); ++i) numbered.emplace_back(lines[i], i + 1);
  // Reverse chronological order comes from GUI log viewers' exports: small files. Looking
  // for it costs a prefix parse per line, so larger inputs are taken in file order.
  std::vector<std::string_view> copy = data.size() <= kReorderCheckBytes ? lines : std::vector<std::string_view>();
  bool reversed = !copy.empty() && reverse_if_descending(copy);
  if (reversed) std::reverse(numbered.begin(), numbered.end());
  OomParser p(sink, opts);
  p.begin_file(name);
  for (auto& [l, n] : numbered) p.feed(l, n);
  p.end_file();
  AnalyzeStats st;
  st.lines = lines.size();
  st.bytes = data.size();
  st.events = p.events_emitted();
  return st;
}

}  // namespace

bool reverse_if_descending(std::vector<std::string_view>& lines) {
  std::optional<double> prev;
  int up = 0, down = 0;
  for (std::string_view l : lines) {
    auto k = stamp_key(l);
    if (!k) continue;
    if (prev) {
      if (*k > *prev) ++up;
      else if (*k < *prev) ++down;
    }
    prev = k;
  }
  if (down >= 2 && down > 3 * up) {
    std::reverse(lines.begin(), lines.end());
    return true;
  }
  return false;
}

AnalyzeStats analyze_string(std::string data, const std::string& name, const ParserOptions& opts, EventSink& sink) {
  return analyze_small(std::move(data), name, opts, sink);
}

AnalyzeStats analyze_fd(int fd, const std::string& name, const ParserOptions& opts, EventSink& sink,
                        std::ostream& err) {
  return analyze_fd(fd, name, opts, sink, err, ParallelOptions{});
}

AnalyzeStats analyze_fd(int fd, const std::string& name, const ParserOptions& opts, EventSink& sink,
                        std::ostream& err, const ParallelOptions& par) {
  struct stat sb {};
  if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && static_cast<uint64_t>(sb.st_size) <= kReorderMaxBytes) {
    std::string data;
    data.resize(static_cast<size_t>(sb.st_size));
    size_t got = 0;
    while (got < data.size()) {
      ssize_t n = ::read(fd, data.data() + got, data.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err << "oomscope analyze: " << name << ": " << std::strerror(errno) << "\n";
        AnalyzeStats st;
        st.errors = 1;
        return st;
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    data.resize(got);
    return analyze_small(std::move(data), name, opts, sink);
  }
  if (S_ISREG(sb.st_mode) && parallel_threads(par) > 1 && static_cast<uint64_t>(sb.st_size) >= 2 * par.segment_bytes) {
    if (auto st = analyze_parallel(fd, static_cast<uint64_t>(sb.st_size), name, opts, sink, par)) return *st;
  }
  LineReader r(fd);
  OomParser p(sink, opts);
  p.begin_file(name);
  AnalyzeStats st = feed_lines(r, p);
  p.end_file();
  st.events = p.events_emitted();
  if (r.error()) {
    err << "oomscope analyze: " << name << ": read error: " << std::strerror(r.error()) << "\n";
    st.errors = 1;
  }
  return st;
}

}  // namespace oomscope
