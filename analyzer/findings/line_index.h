// line_index.h: an event's kept report lines (OomEvent::lines), indexed once for quoting.
//
// The finding rules quote a dozen report lines per event ("the first line that starts with
// `memory: usage`", "the first line that contains `Killed process 1023`", "the task-table row
// of pid 1023"); each used to be a walk over the ~100 lines of the report, trimming every
// line's leading blanks again. ReportLineIndex trims each line once and keeps, per line, where
// its trimmed text starts in the buffer KeptLines stores the lines in back to back (text()),
// and the lines by the first byte of their trimmed text, in report order, so that "first line
// starting with X" looks only at the lines that start with X's first byte (and "the task-table
// row of pid N" only at the lines that start with '['). It answers "first line containing X"
// with one search over that buffer, instead of one search per line.
// Building it costs a few instructions per line: it runs on every event, and most events
// quote only a handful of lines.
// Every answer is the first such line in report order, as the walks found it
// (tests/analyzer/findings/line_index_test.cc compares the two on every real log).
//
// Example:
//   ReportLineIndex idx(ev.lines);
//   size_t i = idx.first_with_prefix("memory: usage");   // ReportLineIndex::npos when none
//   if (i != ReportLineIndex::npos) quote_line(f, idx.line(i));
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "analyzer/event.h"

namespace oomscope::findings {

class ReportLineIndex {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);

  ReportLineIndex() = default;
  // The index points into `lines`, which must outlive it unchanged.
  explicit ReportLineIndex(const KeptLines& lines);

  size_t size() const { return n_; }
  // line(): the report line as kept (its number and untrimmed text), for quoting.
  ReportLine line(size_t i) const { return (*lines_)[i]; }
  // trimmed(): the line's text without its leading blanks.
  std::string_view trimmed(size_t i) const {
    const size_t start = lines_at_[i].start;
    return std::string_view(lines_->text().data() + start, lines_->end(i) - start);
  }

  // The first line (in report order) whose trimmed text starts with `prefix` (at or after
  // line `from`), contains `needle`, or is the task-table row of `pid`; npos when there is none.
  size_t first_with_prefix(std::string_view prefix, size_t from = 0) const;
  size_t first_containing(std::string_view needle) const;
  size_t first_task_row(int64_t pid) const;

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr std::array<uint32_t, 256> kNoLines = [] {
    std::array<uint32_t, 256> a{};
    a.fill(kNone);
    return a;
  }();

  struct Line {
    size_t start;   // where the line's trimmed text starts in lines_->text()
    uint32_t next;  // the next line whose trimmed text starts with the same byte, kNone if none
  };
  const KeptLines* lines_ = nullptr;
  // Per line, in report order; not value-initialized, as the constructor writes every line.
  std::unique_ptr<Line[]> lines_at_;
  size_t n_ = 0;
  std::array<uint32_t, 256> first_by_byte_ = kNoLines;  // first line whose trimmed text starts with a byte
};

}  // namespace oomscope::findings
