// line_index_test.cc: ReportLineIndex (analyzer/findings/line_index.h) finds the same report
// lines as the walks over OomEvent::lines it replaced, on every event of every real log of
// tests/data/kernel-logs and tests/data/captured.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "analyzer/analyze.h"
#include "analyzer/findings/facts.h"
#include "analyzer/findings/line_index.h"
#include "common/parse_num.h"
#include "common/strings.h"

namespace oomscope::findings {
namespace {

namespace fs = std::filesystem;
constexpr size_t npos = ReportLineIndex::npos;

// The walks the index replaced (facts.cc before it): the first line whose trimmed text matches.
template <typename Pred>
size_t walk(const OomEvent& ev, Pred pred, size_t from = 0) {
  for (size_t i = from; i < ev.lines.size(); ++i)
    if (pred(ltrim(ev.lines[i].text))) return i;
  return npos;
}
size_t walk_prefix(const OomEvent& ev, std::string_view p, size_t from = 0) {
  return walk(ev, [&](std::string_view t) { return t.starts_with(p); }, from);
}
size_t walk_contains(const OomEvent& ev, std::string_view n) {
  return walk(ev, [&](std::string_view t) { return t.find(n) != std::string_view::npos; });
}
size_t walk_task(const OomEvent& ev, int64_t pid) {
  return walk(ev, [&](std::string_view t) {
    if (!t.starts_with("[")) return false;
    t.remove_prefix(1);
    t = ltrim(t);
    size_t close = t.find(']');
    if (close == std::string_view::npos) return false;
    auto v = parse_u64(trim(t.substr(0, close)));
    return v && static_cast<int64_t>(*v) == pid;
  });
}
size_t walk_stat(const OomEvent& ev, std::string_view key) {
  std::string kv = std::string(key) + " ";
  std::string kb = " " + std::string(key) + ":";
  return walk(ev, [&](std::string_view t) {
    if (t.starts_with(kv) && t.size() > kv.size() && is_digit(t[kv.size()])) return true;
    return t.starts_with("Memory cgroup stats for") && t.find(kb) != std::string_view::npos;
  });
}
// quoted(): the line quote_*() added to a fresh finding, npos when none.
template <typename Quote>
size_t quoted(const OomEvent& ev, Quote quote) {
  Finding f;
  quote(f);
  if (f.evidence_lines.empty()) return npos;
  for (size_t i = 0; i < ev.lines.size(); ++i)
    if (ev.lines[i].line == f.evidence_lines[0].line && ev.lines[i].text == f.evidence_lines[0].text) return i;
  ADD_FAILURE() << "quoted a line that is not the event's";
  return npos;
}

std::vector<OomEvent> parse(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  CollectingSink sink;
  ParserOptions o;
  o.max_kept_lines = 4000;
  analyze_string(ss.str(), p.string(), o, sink);
  return std::move(sink.events);
}

// What the rules ask for (analyzer/findings/*.cc).
const char* const kPrefixes[] = {"memory: usage", "memory+swap:", "oom-kill:", "Mem-Info", "active_anon:", "active_file:",
                                 "free:", "Free swap", "Total swap", "swap: usage", "kmem: usage", "Kernel panic",
                                 "oom_reaper:", "Memory cgroup stats for", "Unreclaimable slab info", "[", "Node "};
const char* const kNeedles[] = {"Task in ", "invoked oom-killer", "Manual OOM", "nodemask=", " shmem:", "slab_unreclaimable:",
                                "no killable processes", "already exiting", "Tasks state", "Killed process", "charge_kernel_stack",
                                "hugepages_total=", "Movable free:"};
const char* const kStats[] = {"anon", "rss", "file", "cache", "active_file", "inactive_file", "unevictable", "dirty",
                              "writeback", "file_dirty", "file_writeback", "shmem", "swap", "kernel", "kernel_stack",
                              "slab_unreclaimable", "sock", "pagetables", "percpu"};

void check_event(const OomEvent& ev, const std::string& where) {
  const ReportLineIndex idx(ev.lines);
  ASSERT_EQ(idx.size(), ev.lines.size()) << where;
  for (size_t i = 0; i < ev.lines.size(); ++i) ASSERT_EQ(idx.trimmed(i), ltrim(ev.lines[i].text)) << where;
  std::vector<std::string> prefixes(std::begin(kPrefixes), std::end(kPrefixes));
  std::vector<std::string> needles(std::begin(kNeedles), std::end(kNeedles));
  // Pieces of the event's own lines: their starts, their middles, and the end of one line
  // followed by the start of the next (which no single line holds, unless by chance).
  for (size_t i = 0; i < ev.lines.size(); ++i) {
    const std::string_view t = ltrim(ev.lines[i].text);
    for (size_t n : {1, 3, 12}) prefixes.emplace_back(t.substr(0, n));
    if (t.size() > 8) needles.emplace_back(t.substr(t.size() / 2 - 4, 8));
    if (i + 1 < ev.lines.size())
      needles.push_back(std::string(t.substr(t.size() > 3 ? t.size() - 3 : 0)) + std::string(ev.lines[i + 1].text.substr(0, 3)));
  }
  for (const std::string& p : prefixes) {
    ASSERT_EQ(idx.first_with_prefix(p), walk_prefix(ev, p)) << where << " prefix `" << p << "`";
    const size_t first = walk_prefix(ev, p);
    if (first != npos) {
      ASSERT_EQ(idx.first_with_prefix(p, first + 1), walk_prefix(ev, p, first + 1)) << where << " `" << p << "`";
    }
    ASSERT_EQ(quoted(ev, [&](Finding& f) { quote_prefix(f, idx, p); }), walk_prefix(ev, p)) << where << " `" << p << "`";
  }
  for (const std::string& n : needles) {
    ASSERT_EQ(idx.first_containing(n), walk_contains(ev, n)) << where << " needle `" << n << "`";
    ASSERT_EQ(quoted(ev, [&](Finding& f) { quote_contains(f, idx, n); }), walk_contains(ev, n)) << where << " `" << n << "`";
  }
  std::vector<int64_t> pids = {-1, 0, 1};
  for (const Task& t : ev.tasks)
    if (t.pid) pids.push_back(*t.pid);
  if (ev.killed && ev.killed->pid) pids.push_back(*ev.killed->pid);
  for (int64_t pid : pids) {
    ASSERT_EQ(idx.first_task_row(pid), walk_task(ev, pid)) << where << " pid " << pid;
    ASSERT_EQ(quoted(ev, [&](Finding& f) { quote_task(f, idx, pid); }), walk_task(ev, pid)) << where << " pid " << pid;
  }
  for (const char* k : kStats)
    ASSERT_EQ(quoted(ev, [&](Finding& f) { quote_stat(f, idx, k); }), walk_stat(ev, k)) << where << " stat " << k;
  // quote_victim(): the `Killed process <pid>` line, else the oom-kill: line.
  size_t victim = npos;
  if (ev.killed && ev.killed->pid) victim = walk_contains(ev, "Killed process " + std::to_string(*ev.killed->pid));
  if (victim == npos) victim = walk_prefix(ev, "oom-kill:");
  ASSERT_EQ(quoted(ev, [&](Finding& f) { quote_victim(f, ev, idx); }), victim) << where;
}

TEST(ReportLineIndex, FindsWhatTheWalksFoundOnEveryRealLog) {
  size_t events = 0, lines = 0;
  for (const char* dir : {OOMSCOPE_TEST_DATA "/kernel-logs", OOMSCOPE_TEST_DATA "/captured"})
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".log") continue;
      const std::vector<OomEvent> evs = parse(e.path());
      for (size_t i = 0; i < evs.size(); ++i) {
        check_event(evs[i], e.path().filename().string() + "#" + std::to_string(i));
        if (HasFatalFailure()) return;
        ++events;
        lines += evs[i].lines.size();
      }
    }
  EXPECT_GE(events, 40u);
  EXPECT_GE(lines, 2000u);
}

TEST(ReportLineIndex, NoLines) {
  const KeptLines none;
  const ReportLineIndex idx(none);
  EXPECT_EQ(idx.size(), 0u);
  EXPECT_EQ(idx.first_with_prefix(""), npos);
  EXPECT_EQ(idx.first_with_prefix("oom-kill:"), npos);
  EXPECT_EQ(idx.first_containing(""), npos);
  EXPECT_EQ(idx.first_containing("Killed"), npos);
  EXPECT_EQ(idx.first_task_row(1), npos);
}

// Hand-made lines: leading blanks are not part of a line's text for either search, and a
// match across two lines (the buffer holds them back to back) is none.
TEST(ReportLineIndex, TrimmedTextAndLineBoundaries) {
  KeptLines kl;
  kl.push_back(10, "   total_rss 4096");
  kl.push_back(11, "  rss 8192");
  kl.push_back(12, "[ pid ]   uid  tgid total_vm      rss name");
  kl.push_back(13, "[   1023]     0  1023   202810    13417 main");
  kl.push_back(14, "    ");
  kl.push_back(15, "Memory cgroup out of memory: Killed process 1023 (main)");
  const ReportLineIndex idx(kl);
  EXPECT_EQ(idx.first_with_prefix("rss "), 1u);
  EXPECT_EQ(idx.first_with_prefix("total_rss"), 0u);
  EXPECT_EQ(idx.first_with_prefix(" rss"), npos);  // the blanks are trimmed
  EXPECT_EQ(idx.first_with_prefix("", 4), 4u);
  EXPECT_EQ(idx.first_containing(" rss 8192"), npos);
  EXPECT_EQ(idx.first_containing("rss 8192"), 1u);
  EXPECT_EQ(idx.first_containing("4096  rss"), npos);  // the end of line 10, the start of 11
  EXPECT_EQ(idx.first_containing("4096"), 0u);
  EXPECT_EQ(idx.first_containing("main"), 3u);
  EXPECT_EQ(idx.first_containing("Killed process 1023"), 5u);
  EXPECT_EQ(idx.first_task_row(1023), 3u);
  EXPECT_EQ(idx.first_task_row(102), npos);
  EXPECT_EQ(idx.line(3).line, 13u);
}

// Task-table rows: the number between the brackets, blanks around it allowed, nothing else.
TEST(ReportLineIndex, TaskRowPids) {
  KeptLines kl;
  kl.push_back(1, "[ 1 2]  0 1 x");   // two numbers: not a row's pid
  kl.push_back(2, "[]");
  kl.push_back(3, "[\t7 ]  0 7 y");
  kl.push_back(4, "[12]x] 0 12 z");   // the first ']' closes it
  kl.push_back(5, "[99999999999999999999] 0 1 big");
  kl.push_back(6, "[ -3] 0 1 neg");
  kl.push_back(7, "[ 2");
  const ReportLineIndex idx(kl);
  EXPECT_EQ(idx.first_task_row(7), 2u);
  EXPECT_EQ(idx.first_task_row(12), 3u);
  for (int64_t pid : {1, 2, 3, -3, 0}) EXPECT_EQ(idx.first_task_row(pid), npos) << pid;
}

// first_task_row() compares a row's number with the pid's digits as text: a longer number that
// starts with them, a leading zero, pid 0 and a row with no ']' read as row_pid() reads them.
TEST(ReportLineIndex, TaskRowPidsComparedAsText) {
  KeptLines kl;
  kl.push_back(1, "[  1234]     0  1234 x");   // pid 123 is a prefix of it, not it
  kl.push_back(2, "[   123  ]     0   123 y");
  kl.push_back(3, "[  0042]     0    42 z");   // a leading zero
  kl.push_back(4, "[     0]     0     0 idle");
  kl.push_back(5, "[ 77");                      // no ']'
  kl.push_back(6, "[ 77 x]");
  kl.push_back(7, "[ 9223372036854775807] 0 1 max");
  const ReportLineIndex idx(kl);
  EXPECT_EQ(idx.first_task_row(1234), 0u);
  EXPECT_EQ(idx.first_task_row(123), 1u);
  EXPECT_EQ(idx.first_task_row(12), npos);
  EXPECT_EQ(idx.first_task_row(42), 2u);
  EXPECT_EQ(idx.first_task_row(0), 3u);
  EXPECT_EQ(idx.first_task_row(77), npos);
  EXPECT_EQ(idx.first_task_row(INT64_MAX), 6u);
}

}  // namespace
}  // namespace oomscope::findings
