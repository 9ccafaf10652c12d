#include "analyzer/findings/line_index.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <system_error>

#include "common/strings.h"

namespace oomscope::findings {

namespace {

// row_pid(): the number between the brackets of a task-table row, `[  1023]   0  1023 …`,
// blanks around it allowed; nullopt when they hold anything else (the header row `[ pid ]`).
std::optional<uint64_t> row_pid(std::string_view t) {
  size_t i = 1;  // after '['
  while (i < t.size() && is_space(t[i])) ++i;
  uint64_t pid = 0;
  const auto [end, ec] = std::from_chars(t.data() + i, t.data() + t.size(), pid);
  if (ec != std::errc() || end == t.data() + i) return std::nullopt;
  i = static_cast<size_t>(end - t.data());
  while (i < t.size() && is_space(t[i])) ++i;
  if (i == t.size() || t[i] != ']') return std::nullopt;
  return pid;
}

}  // namespace

ReportLineIndex::ReportLineIndex(const KeptLines& lines)
    : lines_(&lines), lines_at_(std::make_unique_for_overwrite<Line[]>(lines.size())), n_(lines.size()) {
  const size_t n = n_;
  Line* at = lines_at_.get();
  // The chains' tails while they are built; last_by_byte[b] is read only once first_by_byte_[b]
  // is set, which sets it too.
  std::array<uint32_t, 256> last_by_byte;
  const char* text = lines.text().data();
  for (size_t i = 0; i < n; ++i) {
    size_t start = lines.offset(i);
    const size_t end = lines.end(i);
    while (start < end && is_space(text[start])) ++start;
    at[i] = {start, kNone};
    if (start == end) continue;
    const unsigned char b = static_cast<unsigned char>(text[start]);
    if (first_by_byte_[b] == kNone) first_by_byte_[b] = static_cast<uint32_t>(i);
    else at[last_by_byte[b]].next = static_cast<uint32_t>(i);
    last_by_byte[b] = static_cast<uint32_t>(i);
  }
}

size_t ReportLineIndex::first_with_prefix(std::string_view prefix, size_t from) const {
  if (from >= size()) return npos;
  if (prefix.empty()) return from;
  for (uint32_t i = first_by_byte_[static_cast<unsigned char>(prefix[0])]; i != kNone; i = lines_at_[i].next)
    if (i >= from && trimmed(i).starts_with(prefix)) return i;
  return npos;
}

size_t ReportLineIndex::first_containing(std::string_view needle) const {
  if (size() == 0) return npos;
  if (needle.empty()) return 0;
  // One search over all the text; a hit counts when it lies inside one line's trimmed text
  // (not across two lines, nor in a line's leading blanks).
  const std::string_view all = lines_->text();
  for (size_t at = all.find(needle); at != std::string_view::npos; at = all.find(needle, at + 1)) {
    // The last line whose trimmed text starts at or before the hit.
    const Line* after = std::upper_bound(lines_at_.get(), lines_at_.get() + n_, at,
                                         [](size_t p, const Line& l) { return p < l.start; });
    if (after == lines_at_.get()) continue;
    const size_t i = static_cast<size_t>(after - 1 - lines_at_.get());
    if (at + needle.size() <= lines_->end(i)) return i;
  }
  return npos;
}

// The rows' pids are parsed here, not when the index is built: a rule asks for one or two rows
// of a table of dozens. A row's number is first compared with `pid`'s digits as text, which
// passes over most rows at their first digit; a number with a leading '0' (and any row, for a
// negative pid, which only a number past INT64_MAX would equal) goes through row_pid().
size_t ReportLineIndex::first_task_row(int64_t pid) const {
  char digits[24];
  const size_t nd = pid >= 0 ? static_cast<size_t>(std::to_chars(digits, digits + sizeof digits, pid).ptr - digits) : 0;
  for (uint32_t i = first_by_byte_['[']; i != kNone; i = lines_at_[i].next) {
    const std::string_view t = trimmed(i);
    size_t j = 1;  // after '['
    while (j < t.size() && is_space(t[j])) ++j;
    if (nd && j < t.size() && t[j] != '0') {
      // The number is pid's digits and no more digits, then blanks and ']'.
      if (t[j] != digits[0] || t.size() - j <= nd || t.compare(j, nd, digits, nd) != 0 || is_digit(t[j + nd])) continue;
      size_t k = j + nd;
      while (k < t.size() && is_space(t[k])) ++k;
      if (k < t.size() && t[k] == ']') return i;
      continue;
    }
    if (const auto p = row_pid(t); p && static_cast<int64_t>(*p) == pid) return i;
  }
  return npos;
}

}  // namespace oomscope::findings
