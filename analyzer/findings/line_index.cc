#include "analyzer/findings/line_index.h"

#include <algorithm>
#include <charconv>
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

ReportLineIndex::ReportLineIndex(const KeptLines& lines) : lines_(&lines) {
  const size_t n = lines.size();
  trimmed_.reserve(n);
  next_same_byte_.assign(n, kNone);
  task_rows_.reserve(32);
  std::array<uint32_t, 256> last_by_byte = kNoLines;  // the chains' tails while they are built
  const char* text_begin = n ? lines[0].text.data() : nullptr;
  const char* text_end = text_begin;  // where the next line starts if they are back to back
  bool back_to_back = true;
  for (size_t i = 0; i < n; ++i) {
    const std::string_view text = lines[i].text;
    back_to_back = back_to_back && text.data() == text_end;
    text_end = text.data() + text.size();
    const std::string_view t = ltrim(text);
    trimmed_.push_back(t);
    if (t.empty()) continue;
    const unsigned char b = static_cast<unsigned char>(t[0]);
    if (last_by_byte[b] == kNone) first_by_byte_[b] = static_cast<uint32_t>(i);
    else next_same_byte_[last_by_byte[b]] = static_cast<uint32_t>(i);
    last_by_byte[b] = static_cast<uint32_t>(i);
    if (b == '[') task_rows_.push_back({static_cast<uint32_t>(i), row_pid(t)});
  }
  if (back_to_back && n) all_text_ = std::string_view(text_begin, static_cast<size_t>(text_end - text_begin));
}

size_t ReportLineIndex::first_with_prefix(std::string_view prefix, size_t from) const {
  if (from >= size()) return npos;
  if (prefix.empty()) return from;
  for (uint32_t i = first_by_byte_[static_cast<unsigned char>(prefix[0])]; i != kNone; i = next_same_byte_[i])
    if (i >= from && trimmed(i).starts_with(prefix)) return i;
  return npos;
}

size_t ReportLineIndex::first_containing(std::string_view needle) const {
  if (size() == 0) return npos;
  if (needle.empty()) return 0;
  if (all_text_.empty()) {
    for (size_t i = 0; i < size(); ++i)
      if (trimmed_[i].find(needle) != std::string_view::npos) return i;
    return npos;
  }
  // One search over all the text; a hit counts when it lies inside one line's trimmed text
  // (not across two lines, nor in a line's leading blanks).
  for (size_t at = all_text_.find(needle); at != std::string_view::npos; at = all_text_.find(needle, at + 1)) {
    const char* hit = all_text_.data() + at;
    // The last line whose trimmed text starts at or before the hit.
    auto after = std::upper_bound(trimmed_.begin(), trimmed_.end(), hit,
                                  [](const char* p, std::string_view t) { return p < t.data(); });
    if (after == trimmed_.begin()) continue;
    const std::string_view t = *(after - 1);
    if (hit + needle.size() <= t.data() + t.size()) return static_cast<size_t>(after - 1 - trimmed_.begin());
  }
  return npos;
}

size_t ReportLineIndex::first_task_row(int64_t pid) const {
  for (const TaskRow& r : task_rows_)
    if (r.pid && static_cast<int64_t>(*r.pid) == pid) return r.line;
  return npos;
}

}  // namespace oomscope::findings
